// DNS over TCP through a framecodec relay: a real authoritative server (Knot DNS,
// 127.0.0.1, a free port, a generated zone in a temp folder) and the real dig
// (+tcp): several queries on one connection, a 50 kB answer, NXDOMAIN, and a zone
// transfer (AXFR) of several messages.
//
// Framing (RFC 1035 4.2.2): a 2-byte length, then the message. The relay keeps the
// length (initialBytesToStrip: 0) so that it forwards the frames as they came.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LengthFieldDecoder, presets } from '../../src/index.js';
import { assertAccounted, describeTotals, type Protocol, type Relay, type Side, startRelay } from './_relay.js';
import { freePort, missing, removeDir, run, type Server, skipUnless, startServer, tempDir, which } from './_procs.js';
import { Reader } from './_wire.js';

const notInstalled = missing(['knotd', 'dig'], 'knot bind9-dnsutils');

/** DNS over TCP, the length kept in the frame. */
const dnsFraming = { ...presets.dnsTcp, initialBytesToStrip: 0 };

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  41: 'OPT',
  252: 'AXFR',
};
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

interface DnsState {
  /** IDs of the queries sent on this connection (an AXFR's answers all carry its ID). */
  ids: Set<number>;
}

/** A domain name at the reader's offset: labels, or a pointer to an earlier name. */
function name(r: Reader): string {
  const labels: string[] = [];
  let at = r.offset;
  let jumped = false;
  let hops = 0;
  let length = 1;
  for (;;) {
    if (at >= r.bytes.length) r.fail('name runs past the message');
    const len = r.bytes[at];
    if (len === 0) {
      if (!jumped) r.offset = at + 1;
      return labels.length === 0 ? '.' : `${labels.join('.')}.`;
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= r.bytes.length) r.fail('pointer runs past the message');
      const target = ((len & 0x3f) << 8) | r.bytes[at + 1];
      if (target >= at) r.fail(`compression pointer to ${target} does not point back`);
      if (!jumped) r.offset = at + 2;
      jumped = true;
      if (++hops > 64) r.fail('compression loop');
      at = target;
      continue;
    }
    if (len & 0xc0) r.fail(`label type ${len >> 6}`);
    length += len + 1;
    if (length > 255) r.fail('name longer than 255 bytes');
    labels.push(new TextDecoder().decode(r.bytes.subarray(at + 1, at + 1 + len)));
    at += len + 1;
  }
}

/** One resource record; its data checked for the types the zone uses. */
function record(r: Reader): number {
  name(r);
  const type = r.u16();
  r.u16(); // class (OPT: the UDP payload size)
  r.u32(); // TTL
  const rdlength = r.u16();
  const end = r.offset + rdlength;
  r.need(rdlength);
  switch (type) {
    case 1:
      r.skip(4);
      break;
    case 28:
      r.skip(16);
      break;
    case 2:
    case 5:
      name(r);
      break;
    case 6:
      name(r);
      name(r);
      r.skip(20);
      break;
    case 15:
      r.u16();
      name(r);
      break;
    case 16:
      while (r.offset < end) r.skip(r.u8());
      break;
    case 41:
      while (r.offset < end) {
        r.u16();
        r.skip(r.u16());
      }
      break;
    default:
      r.skip(rdlength);
  }
  if (r.offset !== end) r.fail(`record data of type ${type} is not ${rdlength} bytes`);
  return type;
}

function check(frame: Uint8Array, from: Side, state: DnsState): string {
  const outer = new Reader(frame, `DNS message from the ${from}`);
  if (outer.u16() !== frame.length - 2) outer.fail('length field differs from the frame');
  const r = new Reader(frame.subarray(2), `DNS message from the ${from}`);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  const response = (flags & 0x8000) !== 0;
  if (response !== (from === 'server')) r.fail(response ? 'a response from the client' : 'a query from the server');
  if ((flags >> 11) & 0xf) r.fail(`opcode ${(flags >> 11) & 0xf}`);
  if (flags & 0x0200) r.fail('truncated (TC) over TCP');
  if (from === 'client') state.ids.add(id);
  else if (!state.ids.has(id)) r.fail(`response ID ${id} matches no query`);
  let qtype = 0;
  for (let i = 0; i < counts[0]; i++) {
    name(r);
    qtype = r.u16();
    r.u16();
  }
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) record(r);
  r.end();
  const qname = TYPE_NAMES[qtype] ?? `type ${qtype}`;
  return from === 'client' ? `query ${qname}` : `${RCODES[flags & 0xf] ?? `rcode ${flags & 0xf}`} ${qname}`;
}

const dns: Protocol<DnsState> = {
  name: 'DNS over TCP',
  state: () => ({ ids: new Set() }),
  clientDecoder: () => new LengthFieldDecoder(dnsFraming),
  serverDecoder: () => new LengthFieldDecoder(dnsFraming),
  check: (frame, from, conn) => check(frame, from, conn.state),
};

const HOSTS = 2000;
const BIG_TXT = 200;

function zone(): string {
  const lines = [
    '$ORIGIN example.test.',
    '$TTL 300',
    '@ IN SOA ns1 hostmaster 1 3600 600 86400 300',
    '@ IN NS ns1',
    '@ IN MX 10 mail',
    'ns1 IN A 127.0.0.1',
    'mail IN A 192.0.2.25',
    'a IN A 192.0.2.1',
    'a IN AAAA 2001:db8::1',
    'www IN CNAME a',
  ];
  // One RRset of about 50 kB: the answer's length field is past 0xC000.
  for (let i = 0; i < BIG_TXT; i++) lines.push(`big IN TXT "big-${String(i).padStart(3, '0')}-${'t'.repeat(240)}"`);
  for (let i = 0; i < HOSTS; i++) {
    lines.push(`h${i} IN A 198.51.100.${i % 250}`, `h${i} IN TXT "host ${i}"`);
  }
  return `${lines.join('\n')}\n`;
}

describe('DNS over TCP: dig through a framecodec relay to Knot DNS', () => {
  test.skipIf(skipUnless(notInstalled))(
    'five queries on one connection (a 50 kB TXT answer, NXDOMAIN) and an AXFR of several messages: answered, checked message by message, every byte accounted for',
    async () => {
      const dir = tempDir('dns');
      let server: Server | undefined;
      let relay: Relay | undefined;
      try {
        const port = await freePort();
        writeFileSync(path.join(dir, 'example.test.zone'), zone());
        const conf = path.join(dir, 'knot.conf');
        writeFileSync(
          conf,
          [
            'server:',
            `    listen: 127.0.0.1@${port}`,
            `    rundir: ${dir}`,
            'log:',
            '  - target: stderr',
            '    any: info',
            'database:',
            `    storage: ${dir}`,
            'acl:',
            '  - id: transfer',
            '    address: 127.0.0.1',
            '    action: transfer',
            'template:',
            '  - id: default',
            `    storage: ${dir}`,
            '    file: "%s.zone"',
            'zone:',
            '  - domain: example.test',
            '    acl: transfer',
            '',
          ].join('\n'),
        );
        server = startServer(which('knotd')!, ['-c', conf], { cwd: dir });
        await server.waitForOutput(/\[example\.test\.\] loaded/, 15_000);
        await server.waitForPort(port, 10_000);

        relay = await startRelay(dns, port);
        const started = performance.now();
        const dig = which('dig')!;
        const target = ['@127.0.0.1', '-p', String(relay.port), '+tcp', '+tries=1', '+time=5'];
        const queries = await run(
          dig,
          [
            ...target,
            '+keepopen',
            'a.example.test',
            'A',
            'big.example.test',
            'TXT',
            'example.test',
            'SOA',
            'missing.example.test',
            'A',
            'www.example.test',
            'AAAA',
          ],
          { timeoutMs: 20_000 },
        );
        const axfr = await run(dig, [...target, 'example.test', 'AXFR'], { timeoutMs: 20_000 });
        const sessions = await relay.close();
        const ms = performance.now() - started;

        console.log(describeTotals('DNS over TCP', sessions, relay.seed, ms));
        assertAccounted(sessions, 'DNS over TCP', relay.seed);
        expect(queries.code, queries.stderr).toBe(0);
        const out = queries.stdout.toString();
        expect(out.match(/status: NOERROR/g)).toHaveLength(4);
        expect(out.match(/status: NXDOMAIN/g)).toHaveLength(1);
        expect(out).toMatch(/^a\.example\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1$/m);
        expect(out.match(/^big\.example\.test\.\s+300\s+IN\s+TXT\s+"big-\d{3}-t{240}"$/gm)).toHaveLength(BIG_TXT);
        expect(out).toMatch(/^www\.example\.test\.\s+300\s+IN\s+CNAME\s+a\.example\.test\.$/m);
        expect(out).toMatch(/^a\.example\.test\.\s+300\s+IN\s+AAAA\s+2001:db8::1$/m);
        expect(axfr.code, axfr.stderr).toBe(0);
        const records = 3 + 1 + 5 + BIG_TXT + 2 * HOSTS; // SOA twice, NS, MX, 5 more, big, hosts
        const xfr = /XFR size: (\d+) records \(messages (\d+), bytes (\d+)\)/.exec(axfr.stdout.toString());
        expect(xfr, axfr.stdout.toString().slice(-500)).not.toBeNull();
        expect(Number(xfr![1])).toBe(records);

        expect(sessions).toHaveLength(2);
        const [q, x] = sessions;
        expect(q.up.frames).toBe(5); // five queries, one connection
        expect(q.down.types['NXDOMAIN A']).toBe(1);
        expect(x.down.types['NOERROR AXFR']).toBe(Number(xfr![2]));
        expect(x.down.frames).toBeGreaterThan(1);
        expect(x.down.frameBytes).toBe(Number(xfr![3]) + 2 * x.down.frames); // dig counts the messages without their length
      } finally {
        await relay?.close();
        await server?.stop();
        removeDir(dir);
      }
    },
    60_000,
  );
});
