// Faults on real loopback TCP (127.0.0.1), through framecodec/node's framed():
// peers that reset mid-frame (after the server has every byte, and at a random
// moment), half-close mid-frame, write one byte at a time, or stop reading; and
// a server that restarts under a client that resends what was not acknowledged.
//
// The invariants, for every scheme: each complete frame is delivered exactly once
// and in order (the frames received are a prefix of those sent, byte for byte);
// an incomplete one is reported with exactly its bytes (TruncatedFrameError.partial
// from the iterator on a FIN, from decoder.end() after a reset); and once
// framecodec's close paths have run, no socket of the port is left in FIN_WAIT1,
// CLOSE_WAIT, LAST_ACK or CLOSING. Every wait is bounded.
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  FixedLengthEncoder,
  LengthFieldDecoder,
  LengthFieldEncoder,
  TruncatedFrameError,
  type FrameDecoder,
} from '../../src/index.js';
import { framed, socketStates, zeroCopyOnread, type Framed } from '../../src/node/index.js';
import { hex } from '../_harness.js';
import { HOST, pollUntil, randomBytes, randomLetters, rng, sameFrames, sleep, within } from './_tcp.js';

type Rand = (n: number) => number;

interface Encoder {
  encode(payload: Uint8Array): Uint8Array;
  encodeAll(payloads: Uint8Array[]): Uint8Array;
}

interface Scheme {
  name: string;
  decoder(): FrameDecoder;
  encoder(): Encoder;
  /** Payload `seq` of about `size` bytes; the first bytes carry seq. */
  payload(rand: Rand, seq: number, size: number): Uint8Array;
  /** The frame the decoder gives for this payload. */
  decoded(payload: Uint8Array): Uint8Array;
}

const utf8 = new TextEncoder();
const seq4 = (seq: number) => Uint8Array.of(seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff);
const cat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const FIXED = 512;

const schemes: Scheme[] = [
  {
    name: 'length field (4 bytes)',
    decoder: () => new LengthFieldDecoder(),
    encoder: () => new LengthFieldEncoder(),
    payload: (rand, seq, size) => cat(seq4(seq), randomBytes(rand, size)),
    decoded: (p) => p,
  },
  {
    name: 'length field (varint)',
    decoder: () => new LengthFieldDecoder({ lengthFieldLength: 'varint' }),
    encoder: () => new LengthFieldEncoder({ lengthFieldLength: 'varint' }),
    payload: (rand, seq, size) => cat(seq4(seq), randomBytes(rand, size)),
    decoded: (p) => p,
  },
  {
    name: "delimiter \\r\\n (trailing: 'error')",
    decoder: () => new DelimiterDecoder({ delimiter: '\r\n', trailing: 'error' }),
    encoder: () => new DelimiterEncoder({ delimiter: '\r\n' }),
    payload: (rand, seq, size) => cat(utf8.encode(seq.toString(16).padStart(8, '0')), randomLetters(rand, size)),
    decoded: (p) => p,
  },
  {
    name: `fixed length (${FIXED})`,
    decoder: () => new FixedLengthDecoder({ frameLength: FIXED }),
    encoder: () => new FixedLengthEncoder({ frameLength: FIXED }),
    payload: (rand, seq, size) => cat(seq4(seq), randomBytes(rand, Math.min(size, FIXED - 4))),
    decoded: (p) => {
      const padded = new Uint8Array(FIXED);
      padded.set(p);
      return padded;
    },
  },
];

interface Plan {
  frames: Uint8Array[]; // as the receiver decodes them
  wire: Uint8Array;
  /** Wire offset where frame k starts; starts[frames.length] === wire.length. */
  starts: number[];
}

/** `count` frames, mostly small, some (with `big`) over 16 KiB, split over reads. */
function plan(scheme: Scheme, rand: Rand, count: number, big = true): Plan {
  const encoder = scheme.encoder();
  const payloads = Array.from({ length: count }, (_, k) =>
    scheme.payload(rand, k, big && rand(10) === 0 ? 16_000 + rand(20_000) : rand(200)),
  );
  const starts = [0];
  for (const p of payloads) starts.push(starts[starts.length - 1] + encoder.encode(p).length);
  return { frames: payloads.map((p) => scheme.decoded(p)), wire: encoder.encodeAll(payloads), starts };
}

// ---------------------------------------------------------------------------
// Sockets: everything made here is destroyed after each test.

const live = new Set<net.Socket | net.Server>();
afterEach(async () => {
  for (const x of live) {
    if (x instanceof net.Server) x.close();
    else x.destroy();
  }
  live.clear();
});

interface Listener {
  server: net.Server;
  port: number;
  /** The next accepted socket. */
  accept(): Promise<net.Socket>;
}

async function listen(port = 0): Promise<Listener> {
  const server = net.createServer({ allowHalfOpen: true });
  live.add(server);
  const queue: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  server.on('connection', (s) => {
    live.add(s);
    const w = waiting.shift();
    if (w) w(s);
    else queue.push(s);
  });
  server.listen(port, HOST);
  await within(once(server, 'listening'), 5000, 'listen');
  return {
    server,
    port: (server.address() as net.AddressInfo).port,
    accept: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
  };
}

async function connect(port: number, options: Partial<net.TcpNetConnectOpts> = {}): Promise<net.Socket> {
  const s = net.connect({ ...options, port, host: HOST, allowHalfOpen: true } as net.TcpNetConnectOpts);
  live.add(s);
  await within(once(s, 'connect'), 5000, 'connect');
  return s;
}

/** Writes `bytes` in random pieces (1 byte to 8 KiB), yielding to the event loop now and then, honouring backpressure. */
async function writeInPieces(socket: net.Socket, bytes: Uint8Array, rand: Rand): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + (rand(4) === 0 ? rand(8192) : rand(64)));
    const ok = socket.write(bytes.subarray(at, at + n));
    at += n;
    if (!ok) await within(once(socket, 'drain'), 10_000, 'drain');
    else if (rand(8) === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Every frame until the iterator ends, and what it threw, if anything. */
async function drain(conn: Framed): Promise<{ frames: Uint8Array[]; error?: unknown }> {
  const frames: Uint8Array[] = [];
  try {
    for await (const f of conn) frames.push(f);
  } catch (error) {
    return { frames, error };
  }
  return { frames };
}

/**
 * How a stream cut by the peer ended, and the partial frame it left. A reset
 * (RST) surfaces as ECONNRESET, with the partial frame still in the decoder
 * (framed() does not end the decoder on an error; decoder.end() reports it); but
 * on Linux a reader that had not yet drained its receive queue when the RST came
 * reads the queued bytes and then a plain end of stream, and so does one whose
 * peer reset with writes still queued in libuv: then framed() ends the decoder and
 * the iterator throws TruncatedFrameError with the partial frame. Either way the
 * bytes are reported.
 */
function cutShort(
  result: { frames: Uint8Array[]; error?: unknown },
  decoder: FrameDecoder,
): { how: string; partial: Uint8Array } {
  const { error } = result;
  if (error instanceof TruncatedFrameError) return { how: 'end of stream inside a frame', partial: error.partial };
  if (error !== undefined && errno(error) !== 'ECONNRESET') throw new Error(`unexpected error ${String(error)}`);
  return { how: error === undefined ? 'end of stream' : 'ECONNRESET', partial: partialOf(decoder) };
}

/** The decoder's partial frame as end() reports it (empty when it holds none). */
function partialOf(decoder: FrameDecoder): Uint8Array {
  try {
    decoder.end();
  } catch (e) {
    if (e instanceof TruncatedFrameError) return e.partial;
    throw e;
  }
  return new Uint8Array(0);
}

/** Polls until no socket of `port` is in a closing state that needs the other side (bounded). */
async function noLingering(port: number): Promise<void> {
  const pick = () => {
    const s = socketStates({ port });
    return { FIN_WAIT1: s.FIN_WAIT1, CLOSE_WAIT: s.CLOSE_WAIT, LAST_ACK: s.LAST_ACK, CLOSING: s.CLOSING };
  };
  await pollUntil(() => Object.values(pick()).every((n) => n === 0), 5000);
  expect(pick()).toEqual({ FIN_WAIT1: 0, CLOSE_WAIT: 0, LAST_ACK: 0, CLOSING: 0 });
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

// ---------------------------------------------------------------------------

describe.each(schemes)('$name', (scheme) => {
  test('peers that reset mid-frame once the server has every byte: each whole frame once and in order, then ECONNRESET; the partial frame is in the decoder, byte for byte', async () => {
    const rand = rng(0xa11ce);
    const l = await listen();
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const n = 1 + rand(120);
        const p = plan(scheme, rand, n + 1);
        const cutAt = p.starts[n] + 1 + rand(p.starts[n + 1] - p.starts[n] - 1); // inside frame n
        const client = await connect(l.port);
        const server = framed(await l.accept(), { decoder: scheme.decoder() });
        const got = drain(server);
        await writeInPieces(client, p.wire.subarray(0, cutAt), rand);
        const arrived = await pollUntil(
          () => server.decoder.stats.frames === n && server.decoder.buffered === cutAt - p.starts[n],
          10_000,
          5,
        );
        expect(arrived).toBe(true);
        client.resetAndDestroy();
        const { frames, error } = await within(got, 10_000, 'reset');
        expect(sameFrames(frames, p.frames.slice(0, n))).toBeNull();
        expect(errno(error)).toBe('ECONNRESET');
        expect(hex(partialOf(server.decoder))).toBe(hex(p.wire.subarray(p.starts[n], cutAt)));
        await within(
          new Promise((r) => (server.state === 'closed' ? r(0) : server.once('close', r))),
          5000,
          'server close',
        );
      }),
    );
    await noLingering(l.port);
  });

  test('peers that reset at a random moment: the frames received are a prefix of those sent, and the held bytes the start of the next', async () => {
    const rand = rng(0xbadcafe);
    const l = await listen();
    const seen: number[] = [];
    const hows = new Set<string>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const p = plan(scheme, rand, 1 + rand(200));
        const client = await connect(l.port);
        const server = framed(await l.accept(), { decoder: scheme.decoder() });
        const got = drain(server);
        const stopAt = rand(p.wire.length);
        await writeInPieces(client, p.wire.subarray(0, stopAt), rand);
        await sleep(rand(3));
        client.resetAndDestroy(); // unsent bytes are dropped by the kernel: the server gets some prefix
        const result = await within(got, 10_000, 'reset');
        const m = result.frames.length;
        seen.push(m);
        expect(sameFrames(result.frames, p.frames.slice(0, m))).toBeNull();
        const { how, partial: held } = cutShort(result, server.decoder);
        hows.add(how);
        expect(p.starts[m] + held.length).toBeLessThanOrEqual(stopAt);
        expect(hex(held)).toBe(hex(p.wire.subarray(p.starts[m], p.starts[m] + held.length)));
      }),
    );
    expect(seen.some((m) => m > 0)).toBe(true);
    console.log(
      `${scheme.name}, resets at random moments: frames received ${seen.join(' ')}; seen as ${[...hows].join(', ')}`,
    );
    await noLingering(l.port);
  });

  test('peers that half-close mid-frame: each whole frame once and in order, then TruncatedFrameError with the partial bytes; both close() cleanly', async () => {
    const rand = rng(0xf1f1);
    const l = await listen();
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const n = rand(150);
        const p = plan(scheme, rand, n + 1);
        const cutAt = p.starts[n] + 1 + rand(p.starts[n + 1] - p.starts[n] - 1);
        const socket = await connect(l.port);
        const client = framed(socket, { decoder: scheme.decoder(), encoder: scheme.encoder() });
        const server = framed(await l.accept(), { decoder: scheme.decoder(), encoder: scheme.encoder() });
        const serverGot = drain(server);
        const clientGot = drain(client);
        await writeInPieces(socket, p.wire.subarray(0, cutAt), rand);
        await within(client.end(), 5000, 'client FIN');
        const { frames, error } = await within(serverGot, 10_000, 'server frames');
        expect(sameFrames(frames, p.frames.slice(0, n))).toBeNull();
        expect(error).toBeInstanceOf(TruncatedFrameError);
        expect(hex((error as TruncatedFrameError).partial)).toBe(hex(p.wire.subarray(p.starts[n], cutAt)));
        expect(server.decoder.buffered).toBe(0);
        // The server still answers on its half, then closes; the client reads the answer and the FIN.
        const answer = scheme.payload(rand, 0x7fffffff, 100);
        server.write(answer);
        expect(await within(server.close({ timeoutMs: 5000 }), 10_000, 'server close')).toEqual({ reset: false });
        const back = await within(clientGot, 10_000, 'client frames');
        expect(sameFrames(back.frames, [scheme.decoded(answer)])).toBeNull();
        expect(back.error).toBeUndefined();
        expect(await within(client.close({ timeoutMs: 5000 }), 10_000, 'client close')).toEqual({ reset: false });
        expect([client.state, server.state]).toEqual(['closed', 'closed']);
      }),
    );
    await noLingering(l.port);
  });

  test.each([
    ['data events', false],
    ['zero-copy onread', true],
  ] as const)('a peer that writes one byte at a time (%s): every frame once and in order', async (_, zeroCopy) => {
    const rand = rng(0x0b1e);
    const l = await listen();
    const p = plan(scheme, rand, 30, false); // about 3 to 15 KiB
    const wire = p.wire;
    const onread = zeroCopy ? zeroCopyOnread() : undefined;
    const socket = await connect(l.port, onread ? { onread } : {});
    const reader = framed(socket, { decoder: scheme.decoder(), onread });
    const writer = await l.accept();
    writer.setNoDelay(true);
    let reads = 0;
    if (!onread) socket.on('data', () => reads++);
    const got = drain(reader);
    for (let i = 0; i < wire.length; i++) {
      writer.write(wire.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    writer.end();
    const { frames: received, error } = await within(got, 20_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(received, p.frames)).toBeNull();
    if (!onread) expect(reads).toBeGreaterThan(wire.length / 4); // the bytes did arrive in tiny reads
    expect(await within(reader.close({ timeoutMs: 5000 }), 10_000, 'close')).toEqual({ reset: false });
    await noLingering(l.port);
  });

  test('peers that stop reading: the server fills the pipe, close({ timeoutMs }) resets, nothing lingers; what a peer did read is a prefix of what was sent', async () => {
    const rand = rng(0x5709);
    const l = await listen();
    const peers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const socket = await connect(l.port);
        // highWaterMark 1: with nobody iterating, framed() pauses the socket after the first frame.
        const client = framed(socket, { decoder: scheme.decoder(), highWaterMark: 1 });
        const server = framed(await l.accept(), { decoder: scheme.decoder(), encoder: scheme.encoder() });
        return { client, server };
      }),
    );
    const sent = await Promise.all(
      peers.map(async ({ server }) => {
        // Bursts of frames (at least 32 KiB a write) until a write has waited 200 ms for 'drain'.
        const frames: Uint8Array[] = [];
        let bytes = 0;
        let stalled = false;
        while (!stalled && bytes < 64 * 2 ** 20) {
          const burst: Uint8Array[] = [];
          for (let size = 0; size < 32 * 1024; ) {
            const payload = scheme.payload(rand, frames.length + burst.length, 100 + rand(20_000));
            burst.push(payload);
            size += payload.length;
            bytes += payload.length;
          }
          frames.push(...burst.map((b) => scheme.decoded(b)));
          if (server.writeAll(burst)) continue;
          stalled = !(await Promise.race([once(server, 'drain').then(() => true), sleep(200).then(() => false)]));
        }
        expect(stalled).toBe(true); // the pipe did fill up
        return frames;
      }),
    );
    const results = await within(
      Promise.all(peers.map(({ server }) => server.close({ timeoutMs: 300 }))),
      10_000,
      'close',
    );
    expect(results.every((r) => r.reset)).toBe(true);
    // The peers read again: what reaches them is a prefix of what was sent, and a
    // partial frame, if any, is the start of the next one.
    await Promise.all(
      peers.map(async ({ client }, k) => {
        const result = await within(drain(client), 10_000, 'peer frames');
        const m = result.frames.length;
        expect(sameFrames(result.frames, sent[k].slice(0, m))).toBeNull();
        expect(m).toBeGreaterThan(0);
        const { partial } = cutShort(result, client.decoder);
        const next = scheme.encoder().encode(sent[k][m] ?? new Uint8Array(0));
        expect(hex(partial)).toBe(hex(next.subarray(0, partial.length)));
      }),
    );
    await noLingering(l.port);
  });
});

describe('a server that restarts', () => {
  // The client sends numbered frames and the server acknowledges each (an 8-byte
  // frame holding its number). The server is restarted three times while frames
  // are in flight, one of them cut mid-frame by the close; each time it closes
  // its connections with close({ timeoutMs }) and listens again on the same port.
  // The client reconnects and resends from the first frame not acknowledged.
  test.each(schemes)(
    '$name: per connection, frames arrive once and in order from the resend point; overall every frame arrives; nothing lingers',
    async (scheme) => {
      const rand = rng(0x4e57a7);
      const TOTAL = 600;
      const payloads = Array.from({ length: TOTAL }, (_, k) =>
        scheme.payload(rand, k, rand(8) === 0 ? 5000 + rand(20_000) : rand(300)),
      );
      const ackEncoder = () => new LengthFieldEncoder({ lengthFieldLength: 1 });
      const ackDecoder = () => new LengthFieldDecoder({ lengthFieldLength: 1 });
      const seqOf = (frame: Uint8Array) =>
        scheme.name.startsWith('delimiter')
          ? parseInt(new TextDecoder().decode(frame.subarray(0, 8)), 16)
          : new DataView(frame.buffer, frame.byteOffset).getUint32(0);

      /** What each server connection received: the sequence numbers, in order. */
      const connections: { seqs: number[]; from: number }[] = [];
      const problems: string[] = [];
      let port = 0;
      let serverConns: Framed[] = [];
      let listener: Listener;
      const start = async () => {
        listener = await listen(port);
        port = listener.port;
        listener.server.on('connection', (socket) => {
          const conn = framed(socket, { decoder: scheme.decoder(), encoder: ackEncoder() });
          serverConns.push(conn);
          const record = { seqs: [] as number[], from: -1 };
          connections.push(record);
          void (async () => {
            try {
              for await (const frame of conn) {
                const seq = seqOf(frame);
                if (hex(frame) !== hex(scheme.decoded(payloads[seq]))) problems.push(`frame ${seq} arrived altered`);
                record.seqs.push(seq);
                if (conn.state === 'open') conn.write(seq4(seq));
              }
            } catch (e) {
              problems.push(`server connection: ${String(e)}`); // a graceful restart resets nothing
            }
            // The peer sent its FIN (or we are restarting): finish the close on our side.
            closes.push(conn.close({ timeoutMs: 2000 }).then((r) => [r]));
          })();
        });
      };
      const closes: Promise<{ reset: boolean }[]>[] = [];
      const restart = async () => {
        listener.server.close();
        const conns = serverConns;
        serverConns = [];
        const closed = once(listener.server, 'close');
        closes.push(Promise.all(conns.map((c) => c.close({ timeoutMs: 2000 }))));
        await within(closes[closes.length - 1], 10_000, 'server close');
        await within(closed, 5000, 'listener close');
        live.delete(listener.server);
        await start();
      };
      await start();

      let acked = 0; // frames 0..acked-1 are acknowledged
      let restarts = 0;
      const deadline = Date.now() + 40_000;
      while (acked < TOTAL && Date.now() < deadline) {
        let socket: net.Socket;
        try {
          socket = await connect(port);
        } catch {
          await sleep(20); // the server is between close and listen
          continue;
        }
        const client = framed(socket, { decoder: ackDecoder(), encoder: scheme.encoder() });
        const from = acked;
        const reader = (async () => {
          try {
            for await (const ack of client) {
              const seq = new DataView(ack.buffer, ack.byteOffset).getUint32(0);
              if (seq !== acked) problems.push(`ack ${seq} arrived when ${acked} was expected`);
              acked = Math.max(acked, seq + 1);
            }
          } catch (e) {
            problems.push(`client connection: ${String(e)}`);
          }
        })();
        // Keep at most 64 frames unacknowledged; restart the server at 1/4, 2/4 and 3/4.
        let k = from;
        let restarting: Promise<void> | null = null;
        while (acked < TOTAL && client.state === 'open' && Date.now() < deadline) {
          if (restarts < 3 && acked >= Math.floor(((restarts + 1) * TOTAL) / 4) && k < TOTAL) {
            const wire = scheme.encoder().encode(payloads[k]);
            socket.write(wire.subarray(0, 1 + rand(wire.length - 1))); // half a frame, then the restart
            await sleep(5);
            restarts++;
            restarting = restart();
            break;
          }
          if (k < TOTAL && k - acked < 64) {
            const burst = payloads.slice(k, Math.min(TOTAL, k + 1 + rand(20)));
            k += burst.length;
            if (!client.writeAll(burst)) await Promise.race([once(client, 'drain'), sleep(1000)]);
          } else {
            await sleep(1);
          }
        }
        // The client closes too: with both FINs exchanged, nobody is reset.
        expect(await within(client.close({ timeoutMs: 2000 }), 10_000, 'client close')).toEqual({ reset: false });
        await within(reader, 10_000, 'reader');
        if (restarting) await restarting;
        // The connection the server saw for this attempt starts where this one resent.
        const record = connections[connections.length - 1];
        if (record && record.from === -1) record.from = from;
      }
      expect(problems).toEqual([]);
      expect((await Promise.all(closes)).flat().every((r) => !r.reset)).toBe(true);
      expect(acked).toBe(TOTAL);
      expect(restarts).toBe(3);
      for (const c of connections) {
        // Once and in order per connection: consecutive numbers from the resend point.
        expect(c.seqs).toEqual(Array.from({ length: c.seqs.length }, (_, i) => c.from + i));
      }
      // Overall, with the resent ones counted once: every frame, in order.
      const all = connections.flatMap((c) => c.seqs);
      const union = [...new Set(all)];
      expect(union).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
      expect(connections.length).toBeGreaterThanOrEqual(4);
      console.log(
        `${scheme.name}, server restarted 3 times: ${connections.length} connections, ${all.length} frames received for ${TOTAL} sent (${all.length - TOTAL} resent after a restart)`,
      );
      listener!.server.close();
      await within(Promise.all(serverConns.map((c) => c.close({ timeoutMs: 500 }))), 10_000, 'final close');
      await noLingering(port);
    },
    60_000,
  );
});
