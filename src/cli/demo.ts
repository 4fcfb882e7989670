// Private (CLI): `framecodec demo` — sticky and split packets on a real loopback
// TCP connection, and the decoders restoring every message.
//
//   client (Nagle on) ──write() per message──> 127.0.0.1:<ephemeral> ──> server
//                                                                   'data' events
//                                        naive: one 'data' = one message ──┤
//                                        decoder.decode(chunk) ────────────┘
//
// Both ends run in this process, so nothing is simulated: the chunk boundaries
// are the ones the kernel and libuv produced for this run, and they differ from
// run to run. What does not differ is what the decoders give back.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backend,
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  FixedLengthEncoder,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  type FrameDecoder,
} from '../index.js';
import { has, parseArgs } from './args.js';
import { DEMO_HELP } from './help.js';
import { rate } from './io.js';

interface Framing {
  readonly label: string;
  decoder(recordSize: number): FrameDecoder;
  /** The bytes that go on the wire for one message. */
  encode(payload: Uint8Array, recordSize: number): Uint8Array;
  /** What the decoder should give back for `payload`. */
  expected(payload: Uint8Array, recordSize: number): Uint8Array;
}

const SPACE = 0x20;

const FRAMINGS: readonly Framing[] = [
  {
    label: 'lines "\\n"',
    decoder: () => new LineDecoder(),
    encode: (p) => new DelimiterEncoder({ delimiter: '\n' }).encode(p),
    expected: (p) => p,
  },
  {
    label: 'length field, 4 B',
    decoder: () => new LengthFieldDecoder({ lengthFieldLength: 4 }),
    encode: (p) => new LengthFieldEncoder({ lengthFieldLength: 4 }).encode(p),
    expected: (p) => p,
  },
  {
    label: 'delimiter "\\0"',
    decoder: () => new DelimiterDecoder({ delimiter: '\0' }),
    encode: (p) => new DelimiterEncoder({ delimiter: '\0' }).encode(p),
    expected: (p) => p,
  },
  {
    label: 'fixed, padded',
    decoder: (size) => new FixedLengthDecoder({ frameLength: size }),
    encode: (p, size) => new FixedLengthEncoder({ frameLength: size, padding: SPACE }).encode(p),
    expected: (p, size) => new FixedLengthEncoder({ frameLength: size, padding: SPACE }).encode(p),
  },
];

/** A fixed-seed generator, so that the messages are the same in every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = new TextEncoder();
const FILLER = 'the quick brown fox jumps over the lazy dog; ';

function smallMessages(count: number): Uint8Array[] {
  const r = random(7);
  return Array.from({ length: count }, (_, k) =>
    text.encode(`order ${k + 1}: ${1 + Math.floor(r() * 9)} x sku-${1000 + Math.floor(r() * 9000)}`),
  );
}

function largeMessages(sizes: readonly number[]): Uint8Array[] {
  return sizes.map((size, k) => {
    const head = `message ${k + 1} (${size} bytes): `;
    return text.encode((head + FILLER.repeat(Math.ceil(size / FILLER.length))).slice(0, size));
  });
}

interface Received {
  /** Every 'data' chunk, as delivered. */
  chunks: Buffer[];
  /** What the decoder restored. */
  frames: Uint8Array[];
}

/**
 * One connection: the client writes `writes` (in bursts, with a short pause
 * between bursts), the server's 'data' events go to the decoder.
 */
async function exchange(
  server: Server,
  port: number,
  writes: Uint8Array[][],
  decoder: FrameDecoder,
  noDelay: boolean,
): Promise<Received> {
  const accepted = once(server, 'connection');
  const client = connect({ port, host: '127.0.0.1', noDelay });
  client.setNoDelay(noDelay); // false: Nagle's algorithm on (Node's default, said out loud)
  const connected = once(client, 'connect');
  const [peer] = (await accepted) as [Socket];
  const got: Received = { chunks: [], frames: [] };
  peer.on('data', (chunk: Buffer) => {
    got.chunks.push(chunk);
    got.frames.push(...decoder.decode(chunk));
  });
  const ended = once(peer, 'end');
  await connected;
  for (const burst of writes) {
    for (const w of burst) if (!client.write(w)) await once(client, 'drain');
    await sleep(3);
  }
  client.end();
  await ended;
  got.frames.push(...decoder.end());
  peer.destroy();
  client.destroy();
  return got;
}

interface Outcome {
  framing: Framing;
  got: Received;
  /** Wire bytes of each message, in order. */
  wire: Uint8Array[];
  /** Chunks that were exactly one message on the wire. */
  naiveRight: number;
  /** Decoded frames equal to what was sent. */
  restored: number;
}

function judge(framing: Framing, payloads: Uint8Array[], size: number, wire: Uint8Array[], got: Received): Outcome {
  const wireSet = new Set(wire.map(key));
  const naiveRight = got.chunks.filter((c) => wireSet.has(key(c))).length;
  let restored = 0;
  payloads.forEach((p, k) => {
    if (got.frames[k] && same(got.frames[k], framing.expected(p, size))) restored++;
  });
  if (got.frames.length !== payloads.length) restored = Math.min(restored, got.frames.length);
  return { framing, got, wire, naiveRight, restored };
}

function key(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Printable ASCII as is, the rest escaped; cut after `max` characters. */
function preview(b: Uint8Array, max: number): string {
  let s = '';
  let i = 0;
  for (; i < b.length && s.length < max; i++) {
    const c = b[i];
    if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0) s += '\\0';
    else if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return i < b.length ? `"${s}…"` : `"${s}"`;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** Which messages a chunk at stream offset `at` touches: [first, last], and whether it cuts one. */
function touched(wire: Uint8Array[], from: number, to: number): { first: number; last: number; whole: number } {
  let pos = 0;
  let first = -1;
  let last = -1;
  let whole = 0;
  for (let k = 0; k < wire.length; k++) {
    const a = pos;
    const b = pos + wire[k].length;
    pos = b;
    if (b <= from || a >= to) continue;
    if (first < 0) first = k;
    last = k;
    if (a >= from && b <= to) whole++;
  }
  return { first, last, whole };
}

function table(outcomes: Outcome[], lines: string[]): void {
  lines.push(`   ${'framing'.padEnd(20)}${"'data'".padStart(6)}   ${'naive: one event'.padEnd(20)}decoder`);
  lines.push(`   ${''.padEnd(20)}${'events'.padStart(6)}   ${'= one message'.padEnd(20)}restores`);
  for (const o of outcomes) {
    const events = o.got.chunks.length;
    const sent = o.wire.length;
    const ok = o.restored === sent && o.got.frames.length === sent;
    const naive = `${n(o.naiveRight)} of ${n(events)} right`;
    const restored = `${n(o.restored)} of ${n(sent)} ${ok ? '✓' : `✗ (${n(o.got.frames.length)} frames)`}`;
    lines.push(`   ${o.framing.label.padEnd(20)}${n(events).padStart(6)}   ${naive.padEnd(20)}${restored}`);
  }
}

/**
 * Whole messages in each chunk, `|` where a burst ended, `*` after a chunk that
 * ends inside a message: "1 19 | 1 28*".
 */
function arrival(wire: Uint8Array[], chunks: Buffer[], burstEnds: Set<number>): string {
  const ends = new Set<number>();
  let pos = 0;
  for (const w of wire) {
    pos += w.length;
    ends.add(pos);
  }
  const parts: string[] = [];
  pos = 0;
  for (const c of chunks) {
    const t = touched(wire, pos, pos + c.length);
    pos += c.length;
    parts.push(`${t.whole}${ends.has(pos) ? '' : '*'}${burstEnds.has(pos) ? ' |' : ''}`);
  }
  return parts.join(' ').replace(/ \|$/, '');
}

function wrap(text: string, indent: string, width = 78): string[] {
  const out: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line.trim()) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  if (line.trim()) out.push(line.trimEnd());
  return out;
}

async function sticky(server: Server, port: number, lines: string[]): Promise<boolean> {
  const count = 200;
  const payloads = smallMessages(count);
  const size = 32;
  const r = random(11);
  const cuts: number[] = [];
  for (let k = 0; k < count; ) {
    k = Math.min(count, k + 10 + Math.floor(r() * 40));
    cuts.push(k);
  }
  const bursts = <T>(list: T[]): T[][] => cuts.map((end, i) => list.slice(i === 0 ? 0 : cuts[i - 1], end));
  const lengths = payloads.map((p) => p.length);
  lines.push(
    `1. Sticky packets: ${count} small messages (${Math.min(...lengths)}-${Math.max(...lengths)} bytes), one write() each,`,
  );
  lines.push(`   in ${cuts.length} bursts with a 3 ms pause between them; Nagle's algorithm on.`);
  lines.push('');
  const outcomes: Outcome[] = [];
  for (const framing of FRAMINGS) {
    const wire = payloads.map((p) => framing.encode(p, size));
    const got = await exchange(server, port, bursts(wire), framing.decoder(size), false);
    outcomes.push(judge(framing, payloads, size, wire, got));
  }
  table(outcomes, lines);

  const shown = outcomes[0];
  const burstEnds = new Set(
    bursts(shown.wire).map((_b, i, all) =>
      all
        .slice(0, i + 1)
        .flat()
        .reduce((s, w) => s + w.length, 0),
    ),
  );
  const nodelay = await exchange(server, port, bursts(shown.wire), shown.framing.decoder(size), true);
  lines.push('');
  lines.push(`   Whole lines per 'data' event, | between bursts (* = ends inside a line):`);
  lines.push(...wrap(`Nagle on:  ${arrival(shown.wire, shown.got.chunks, burstEnds)}`, '     '));
  lines.push(...wrap(`Nagle off: ${arrival(shown.wire, nodelay.chunks, burstEnds)}`, '     '));
  lines.push(
    ...wrap(
      "Nagle's algorithm: while a small segment is unacknowledged, further small writes wait and then leave together, so a burst typically arrives as one message, then the rest glued.",
      '   ',
    ),
  );
  const biggest = shown.got.chunks.reduce((best, c, k) => (c.length > shown.got.chunks[best].length ? k : best), 0);
  const from = shown.got.chunks.slice(0, biggest).reduce((s, c) => s + c.length, 0);
  const chunk = shown.got.chunks[biggest];
  const t = touched(shown.wire, from, from + chunk.length);
  lines.push('');
  lines.push(
    `   ${shown.framing.label}, 'data' event #${biggest + 1} (${n(chunk.length)} bytes), ${n(t.whole)} messages glued together:`,
  );
  lines.push(`     ${preview(chunk, 64)}`);
  const lf = outcomes[1];
  const lfChunk = lf.got.chunks[0];
  lines.push(`   ${lf.framing.label}, 'data' event #1 (${n(lfChunk.length)} bytes), header bytes escaped:`);
  lines.push(`     ${preview(lfChunk, 64)}`);
  return outcomes.every((o) => o.restored === count && o.got.frames.length === count);
}

async function split(server: Server, port: number, lines: string[]): Promise<boolean> {
  const sizes = [180_000, 95_000, 260_000, 70_001, 300_000, 150_000];
  const payloads = largeMessages(sizes);
  const size = 150_000; // record size for fixed framing
  const fixedPayloads = largeMessages(sizes.map(() => size - 17));
  lines.push(
    `2. Split packets: ${sizes.length} large messages (${n(Math.min(...sizes))}-${n(Math.max(...sizes))} bytes; fixed: ${n(size)}-byte`,
  );
  lines.push(`   records), one write() each. Node reads at most 64 KiB at a time.`);
  lines.push('');
  const outcomes: Outcome[] = [];
  for (const framing of FRAMINGS) {
    const own = framing.label.startsWith('fixed') ? fixedPayloads : payloads;
    const wire = own.map((p) => framing.encode(p, size));
    const got = await exchange(server, port, [wire], framing.decoder(size), false);
    outcomes.push(judge(framing, own, size, wire, got));
  }
  table(outcomes, lines);
  const shown = outcomes[1];
  let pos = 0;
  const pieces: number[] = [];
  const target = 2; // the third message
  const start = shown.wire.slice(0, target).reduce((s, w) => s + w.length, 0);
  const end = start + shown.wire[target].length;
  let nextStart = -1;
  shown.got.chunks.forEach((c, k) => {
    const a = pos;
    const b = pos + c.length;
    pos = b;
    if (b <= start || a >= end) return;
    pieces.push(Math.min(b, end) - Math.max(a, start));
    if (b > end && nextStart < 0) nextStart = k;
  });
  lines.push('');
  lines.push(
    `   ${shown.framing.label}: message 3 (${n(shown.wire[target].length)} bytes) came in ${pieces.length} 'data' events:`,
  );
  lines.push(`     ${pieces.map(n).join(' + ')} bytes`);
  if (nextStart >= 0) {
    lines.push(`   and 'data' event #${nextStart + 1} also carries the start of message 4: split and glued.`);
  }
  return outcomes.every((o) => o.restored === o.wire.length && o.got.frames.length === o.wire.length);
}

async function throughput(server: Server, port: number, lines: string[]): Promise<boolean> {
  const total = 64 * 1024 * 1024;
  const r = random(23);
  lines.push(`3. Throughput: ${n(total / 1024 / 1024)} MiB per framing of 16-2,000-byte messages (fixed: padded to`);
  lines.push(`   2,000-byte records) through loopback TCP, sender and receiver on this one`);
  lines.push(`   thread; then the decoder alone on the same bytes in 64 KiB chunks, in memory.`);
  lines.push(`   Engine: ${backend()}. Each figure follows a warm-up run.`);
  lines.push('');
  lines.push(
    `   ${'framing'.padEnd(20)}${'frames'.padStart(12)}${'TCP + decode'.padStart(16)}${'decoder alone'.padStart(16)}`,
  );
  let allOk = true;
  const lengths: number[] = [];
  for (let sum = 0; sum < 1024 * 1024; ) {
    const len = 16 + Math.floor(r() * 1985);
    lengths.push(len);
    sum += len;
  }
  const body = text.encode(FILLER.repeat(Math.ceil(2001 / FILLER.length)));
  for (const framing of FRAMINGS) {
    const recordSize = 2000;
    const batchParts = lengths.map((len) => framing.encode(body.subarray(0, len), recordSize));
    const batch = Buffer.concat(batchParts);
    const repeats = Math.max(1, Math.round(total / batch.length));
    const expectFrames = repeats * lengths.length;

    await overTcp(server, port, framing.decoder(recordSize), batch, Math.ceil(repeats / 8)); // warm-up
    const decoder = framing.decoder(recordSize);
    const tcpMs = await overTcp(server, port, decoder, batch, repeats);
    inMemory(framing.decoder(recordSize), batch, 1); // warm-up
    const alone = framing.decoder(recordSize);
    const aloneMs = inMemory(alone, batch, repeats);
    const ok = decoder.stats.frames === expectFrames && alone.stats.frames === expectFrames;
    allOk &&= ok;
    const bytes = repeats * batch.length;
    lines.push(
      `   ${framing.label.padEnd(20)}${n(decoder.stats.frames).padStart(12)}${`${n(Number(rate(bytes, tcpMs)))} MB/s`.padStart(16)}${`${n(Number(rate(bytes, aloneMs)))} MB/s`.padStart(16)}${ok ? '' : '  ✗ frames lost'}`,
    );
  }
  return allOk;
}

const ignore = (): void => {};

/** Sends `batch` `repeats` times over a new connection into `decoder`; milliseconds taken. */
async function overTcp(
  server: Server,
  port: number,
  decoder: FrameDecoder,
  batch: Uint8Array,
  repeats: number,
): Promise<number> {
  const accepted = once(server, 'connection');
  const client = connect({ port, host: '127.0.0.1' });
  const [peer] = (await accepted) as [Socket];
  const ended = once(peer, 'end');
  peer.on('data', (chunk: Buffer) => decoder.decodeEach(chunk, ignore));
  const started = performance.now();
  for (let k = 0; k < repeats; k++) if (!client.write(batch)) await once(client, 'drain');
  client.end();
  await ended;
  decoder.end();
  const ms = performance.now() - started;
  peer.destroy();
  client.destroy();
  return ms;
}

/** Feeds `batch` `repeats` times to `decoder` in 64 KiB chunks; milliseconds taken. */
function inMemory(decoder: FrameDecoder, batch: Uint8Array, repeats: number): number {
  const chunk = 64 * 1024;
  const started = performance.now();
  for (let k = 0; k < repeats; k++) {
    for (let at = 0; at < batch.length; at += chunk) decoder.decodeEach(batch.subarray(at, at + chunk), ignore);
  }
  decoder.end();
  return performance.now() - started;
}

export async function demoCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, [{ name: 'help', kind: 'switch' }], 'demo');
  if (has(args, 'help')) {
    process.stdout.write(DEMO_HELP);
    return;
  }
  const server = createServer({ noDelay: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const say = (lines: string[]): void => {
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  };
  try {
    say([
      `framecodec demo: TCP carries bytes, not messages.`,
      `Loopback TCP on 127.0.0.1:${port}, Node ${process.version}, framecodec engine ${backend()}.`,
      `Code that takes one 'data' event for one message ("naive") is wrong both ways;`,
      `a decoder restores every message.`,
      '',
    ]);
    const a: string[] = [];
    const okSticky = await sticky(server, port, a);
    say([...a, '']);
    const b: string[] = [];
    const okSplit = await split(server, port, b);
    say([...b, '']);
    const c: string[] = [];
    const okRate = await throughput(server, port, c);
    say([...c, '']);
    if (okSticky && okSplit && okRate) {
      say(['Every message restored, in order, byte for byte. Next: framecodec decode --help']);
    } else {
      throw Object.assign(new Error('a decoder lost or changed a message (see the table above)'), {
        code: 'ERR_DEMO_FAILED',
      });
    }
  } finally {
    server.close();
  }
}
