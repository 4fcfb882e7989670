// `framecodec demo` and `framecodec sockets`, run as a subprocess.
import { beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { cli, ensureBuilt, ONE_LINE_ERROR } from './_helpers.js';

beforeAll(ensureBuilt, 300_000);

describe('demo', () => {
  test('runs on loopback, restores every message under every framing, and exits 0 within 20 s', async () => {
    const r = await cli(['demo'], { timeoutMs: 20_000 });
    const out = r.stdout.toString();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.ms).toBeLessThan(20_000);
    expect(out).toMatch(/^framecodec demo: TCP carries bytes, not messages\.\nLoopback TCP on 127\.0\.0\.1:\d+, /);

    // Table rows: framing, 'data' events, naive "R of E right", decoder "F of N ✓".
    const rows = [...out.matchAll(/^ {3}(.{20})\s*(\d+) {3}(\d+) of (\d+) right\s+(\d+) of (\d+) (✓|✗)/gm)];
    expect(rows.map((m) => m[1].trim())).toEqual(
      [...Array(2)].flatMap(() => ['lines "\\n"', 'length field, 4 B', 'delimiter "\\0"', 'fixed, padded']),
    );
    // Sticky: 4 framings x 200 messages restored; split: 4 framings x 6.
    expect(rows.map((m) => `${m[5]}/${m[6]} ${m[7]}`)).toEqual([
      ...Array(4).fill('200/200 ✓'),
      ...Array(4).fill('6/6 ✓'),
    ]);
    expect(out).not.toContain('✗');

    // Naive handling is wrong both ways: under sticky packets fewer 'data' events
    // than messages; under split packets more, and none of them a whole message.
    for (const row of rows.slice(0, 4)) expect(Number(row[2])).toBeLessThan(200);
    for (const row of rows.slice(4)) {
      expect(Number(row[2])).toBeGreaterThan(6);
      expect(Number(row[3])).toBe(0);
    }

    // Throughput: a figure per framing, for TCP and in memory.
    const rates = [...out.matchAll(/^ {3}\S.{19}\s+[\d,]+\s+([\d,.]+) MB\/s\s+([\d,.]+) MB\/s$/gm)];
    expect(rates).toHaveLength(4);
    for (const m of rates) {
      expect(Number(m[1].replace(/,/g, ''))).toBeGreaterThan(0);
      expect(Number(m[2].replace(/,/g, ''))).toBeGreaterThan(0);
    }
    expect(out).toMatch(/Every message restored, in order, byte for byte\./);
  }, 30_000);

  test('takes no arguments', async () => {
    const r = await cli(['demo', '--fast']);
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.status).toBe(2);
  });
});

const STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
];

describe.runIf(process.platform === 'linux')('sockets', () => {
  test('prints every state, orphans and the orphan limit as a table', async () => {
    const r = await cli(['sockets']);
    expect(r.status).toBe(0);
    const out = r.stdout.toString();
    for (const name of [...STATES, 'orphans', 'maxOrphans'])
      expect(out).toMatch(new RegExp(`^ {2}${name} +\\d+ `, 'm'));
  });

  test('--port counts the sockets of one port: a listener and both ends of a connection', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const accepted = once(server, 'connection');
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    const [peer] = (await accepted) as [net.Socket];
    try {
      const json = await cli(['sockets', '--port', String(port), '--json']);
      expect(json.status).toBe(0);
      const states = JSON.parse(json.stdout.toString());
      expect(Object.keys(states).sort()).toEqual([...STATES, 'orphans', 'maxOrphans'].sort());
      expect(states.LISTEN).toBe(1);
      expect(states.ESTABLISHED).toBe(2);
      const table = await cli(['sockets', '--port', String(port)]);
      expect(table.stdout.toString()).toMatch(new RegExp(`^TCP sockets with local or remote port ${port}\\n`));
      expect(table.stdout.toString()).toMatch(/^ {2}ESTABLISHED +2 /m);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  test('rejects a stray argument', async () => {
    const r = await cli(['sockets', 'now']);
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.status).toBe(2);
  });
});
