// Switching decoders mid-stream on a framed() connection (conn.decoder = next), on
// real loopback TCP, through Node's 'data' events and through zero-copy receive.
//
// The invariant: the new decoder starts right after the frame the iterator
// returned last. Frames the old decoder had already decoded and queued (often
// thousands: framed() decodes as bytes arrive) are re-read by the new one, so every
// frame sent arrives exactly once, in order, byte for byte, however the peer's
// writes were cut into reads.
import { once } from 'node:events';
import type net from 'node:net';
import vm from 'node:vm';
import v8 from 'node:v8';
import { afterEach, describe, expect, test } from 'vitest';
import {
  FrameTooLongError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TextLineDecoder,
  TruncatedFrameError,
  type FrameDecoder,
} from '../../src/index.js';
import { framed, zeroCopyOnread, type Framed, type FramedOptions } from '../../src/node/index.js';
import { pair, pollUntil, randomBytes, randomLetters, rng, sameFrames, sleep, within, type Pair } from './_tcp.js';

type Rand = (n: number) => number;

const utf8 = new TextEncoder();
const text = (f: Uint8Array) => new TextDecoder().decode(f);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const PREAMBLE = utf8.encode('HELLO framecodec/2\r\n');

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

/** A framed() receiver on the client side (zero-copy needs a socket made by net.connect), and its peer. */
async function link<T = Uint8Array>(
  zeroCopy: boolean,
  options: Omit<FramedOptions<T>, 'onread'>,
): Promise<{ conn: Framed<T>; peer: net.Socket }> {
  const onread = zeroCopy ? zeroCopyOnread() : undefined;
  const p = await pair({ connect: onread ? { onread } : {} });
  open = p;
  return { conn: framed(p.client, { ...options, onread }), peer: p.accepted };
}

/** `count` payloads: mostly 0 to 300 bytes, one in 20 of 5 to 40 KiB (split over reads). */
function payloads(rand: Rand, count: number): Uint8Array[] {
  return Array.from({ length: count }, () => randomBytes(rand, rand(20) === 0 ? 5000 + rand(35_000) : rand(300)));
}

/** Writes `bytes` in random pieces (1 byte to 8 KiB), yielding to the event loop now and then, honouring backpressure. */
async function writeInPieces(socket: net.Socket, bytes: Uint8Array, rand: Rand): Promise<void> {
  socket.setNoDelay(true);
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + (rand(4) === 0 ? rand(8192) : rand(200)));
    const ok = socket.write(bytes.subarray(at, at + n));
    at += n;
    if (!ok) await within(once(socket, 'drain'), 10_000, 'drain');
    else if (rand(6) === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Frames until the iterator ends, and what it threw, if anything. */
async function rest(conn: Framed, slow = false): Promise<{ frames: Uint8Array[]; error?: unknown }> {
  const frames: Uint8Array[] = [];
  try {
    for await (const f of conn) {
      frames.push(f);
      if (slow && frames.length % 500 === 0) await sleep(1);
    }
  } catch (error) {
    return { frames, error };
  }
  return { frames };
}

/** Waits until nothing more arrives for 100 ms (the queue stops growing). */
async function settled(conn: Framed): Promise<void> {
  let last = -1;
  for (let k = 0; k < 200 && conn.readableLength !== last; k++) {
    last = conn.readableLength;
    await sleep(100);
  }
  expect(conn.readableLength).toBe(last);
}

/** The next frame, which must exist. */
async function first(conn: Framed): Promise<Uint8Array> {
  const r = await within(conn[Symbol.asyncIterator]().next(), 10_000, 'a frame');
  expect(r.done).toBe(false);
  return r.value as Uint8Array;
}

/** Lengths whose 4-byte field holds no \n or \r, so a LineDecoder reading the frames finds no line end in them. */
function lineFree(rand: Rand, min: number, spread: number): number {
  for (;;) {
    const n = min + rand(spread);
    const field = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    if (!field.includes(10) && !field.includes(13)) return n;
  }
}

describe.each([
  { path: "'data' events", zeroCopy: false },
  { path: 'zero-copy onread', zeroCopy: true },
])('switching decoders ($path)', ({ zeroCopy }) => {
  test('a line preamble, then 5,000 length-prefixed frames in one write: read late, with thousands of frames decoded as lines and queued, the switch re-reads them and every frame arrives once, byte for byte', async () => {
    const rand = rng(0x5a17c4);
    const sent = payloads(rand, 5000);
    const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder(), highWaterMark: 64 << 20 });
    await new Promise<void>((r) => peer.write(concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)), () => r()));
    // A slow consumer: everything has arrived and been split into "lines" before it reads.
    const lines = conn.decoder;
    await settled(conn);
    expect(text(await first(conn))).toBe('HELLO framecodec/2');
    const queued = lines.stats.frames - 1;
    expect(queued).toBeGreaterThan(1000);
    expect(conn.readableLength).toBeGreaterThan(1e6);

    conn.decoder = new LengthFieldDecoder();
    expect(lines.buffered).toBe(0); // the old decoder was reset
    const got = rest(conn, true);
    peer.end();
    const { frames, error } = await within(got, 20_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
    console.log(`switched with ${queued} line frames queued (${zeroCopy ? 'zero-copy' : "'data'"})`);
  });

  test('the same with reading paused at the high-water mark (64 KiB): the switch re-reads the queued bytes, then reading resumes', async () => {
    const rand = rng(0x9a05ed);
    const sent = payloads(rand, 3000);
    const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder(), highWaterMark: 64 * 1024 });
    peer.write(concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)));
    await pollUntil(() => conn.readableLength >= 64 * 1024, 10_000);
    await sleep(50);
    expect(conn.readableLength).toBeGreaterThanOrEqual(64 * 1024);
    expect(conn.socket.isPaused()).toBe(true);
    expect(text(await first(conn))).toBe('HELLO framecodec/2');
    conn.decoder = new LengthFieldDecoder();
    const got = rest(conn, true);
    peer.end();
    const { frames, error } = await within(got, 20_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
  });

  test('random chunkings of the peer writes (8 seeds): switching as soon as the preamble arrives, a slow consumer, every frame once', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const rand = rng(0xc4a9 + seed);
      const sent = payloads(rand, 400 + rand(800));
      const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder(), highWaterMark: 1 + rand(256 * 1024) });
      const writing = writeInPieces(peer, concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)), rand);
      if (rand(2) === 0) await sleep(rand(20)); // sometimes many lines are queued, sometimes none
      expect(text(await first(conn))).toBe('HELLO framecodec/2');
      conn.decoder = new LengthFieldDecoder();
      const got = rest(conn, true);
      await writing;
      peer.end();
      const { frames, error } = await within(got, 20_000, 'frames');
      expect(error).toBeUndefined();
      expect(sameFrames(frames, sent), `seed ${seed}`).toBeNull();
      await open?.dispose();
      open = null;
    }
  });

  test('40 switches back and forth between two decoders (a header line says how many length-prefixed frames follow), random chunkings: the old decoder is reset and can take over again', async () => {
    const rand = rng(0xbac4);
    const segments = Array.from({ length: 20 }, () => payloads(rand, rand(4) === 0 ? 0 : 1 + rand(150)));
    const encoder = new LengthFieldEncoder();
    const wire = concat(
      ...segments.flatMap((s, k) => [utf8.encode(`SEG ${k} ${s.length}\n`), encoder.encodeAll(s)]),
      utf8.encode('END\n'),
    );
    const lines = new LineDecoder();
    const lengths = new LengthFieldDecoder();
    const { conn, peer } = await link(zeroCopy, { decoder: lines, highWaterMark: 32 * 1024 });
    const writing = writeInPieces(peer, wire, rand);
    const headers: string[] = [];
    const got: Uint8Array[][] = [];
    let left = 0;
    let switches = 0;
    const reading = (async () => {
      for await (const frame of conn) {
        if (conn.decoder === lines) {
          headers.push(text(frame));
          const [, , count] = text(frame).split(' ');
          got.push([]);
          if (Number(count) > 0) {
            left = Number(count);
            conn.decoder = lengths;
            switches++;
          }
        } else {
          got[got.length - 1].push(frame);
          if (--left === 0) {
            conn.decoder = lines;
            switches++;
          }
          if (rand(50) === 0) await sleep(1);
        }
      }
    })();
    await writing;
    peer.end();
    await within(reading, 20_000, 'frames');
    expect(headers).toEqual([...segments.map((s, k) => `SEG ${k} ${s.length}`), 'END']);
    for (let k = 0; k < segments.length; k++) expect(sameFrames(got[k], segments[k]), `segment ${k}`).toBeNull();
    expect(switches).toBe(2 * segments.filter((s) => s.length > 0).length);
  });

  test("a switch after the peer's FIN: the new decoder gets the rest and is ended; every frame, then the end", async () => {
    const rand = rng(0xf1a);
    const sent = payloads(rand, 2000);
    const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder(), highWaterMark: 64 << 20 });
    peer.end(concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)));
    expect(await pollUntil(() => conn.state === 'half-closed-remote', 10_000)).toBe(true);
    expect(text(await first(conn))).toBe('HELLO framecodec/2');
    conn.decoder = new LengthFieldDecoder();
    const { frames, error } = await within(rest(conn), 10_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
  });

  test('a switch after the FIN with the last frame cut short: TruncatedFrameError from the new decoder, with the partial bytes', async () => {
    const rand = rng(0x7c);
    const sent = payloads(rand, 300);
    const encoder = new LengthFieldEncoder();
    const last = encoder.encode(sent[sent.length - 1]);
    const body = encoder.encodeAll(sent);
    const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder(), highWaterMark: 64 << 20 });
    peer.end(concat(PREAMBLE, body.subarray(0, body.length - 3)));
    expect(await pollUntil(() => conn.state === 'half-closed-remote', 10_000)).toBe(true);
    expect(text(await first(conn))).toBe('HELLO framecodec/2');
    conn.decoder = new LengthFieldDecoder();
    const { frames, error } = await within(rest(conn), 10_000, 'frames');
    expect(sameFrames(frames, sent.slice(0, -1))).toBeNull();
    expect(error).toBeInstanceOf(TruncatedFrameError);
    const e = error as TruncatedFrameError;
    const at = body.length - last.length;
    expect(e.code).toBe('ERR_TRUNCATED_FRAME');
    expect(e.message).toBe(
      `stream ended inside a frame (${last.length - 3} of ${last.length} bytes received) at offset ${at}`,
    );
    expect(e.offset).toBe(at);
    expect(Buffer.from(e.partial).equals(Buffer.from(last.subarray(0, -3)))).toBe(true);
  });

  test('a switch inside an error: the lines before the fault come first; switching then drops the error, and the new decoder reads every byte, those sent after the fault too', async () => {
    const rand = rng(0xe770);
    const sent = Array.from({ length: 400 }, () => randomLetters(rand, lineFree(rand, 200, 3000) - 4));
    const body = new LengthFieldEncoder().encodeAll(sent);
    const half = body.length >> 1;
    const lines = new LineDecoder({ maxFrameLength: 100 });
    const { conn, peer } = await link(zeroCopy, { decoder: lines });
    peer.write(concat(utf8.encode('A\nB\nC\n'), body.subarray(0, half)));
    // The line decoder fails on the first frame (no line end within 100 bytes).
    await sleep(100);
    expect(() => lines.decode(new Uint8Array(1))).toThrow(FrameTooLongError);
    peer.write(body.subarray(half)); // arrives after the fault: held, not dropped
    await sleep(50);
    const prefix: string[] = [];
    for (let k = 0; k < 3; k++) prefix.push(text(await first(conn)));
    expect(prefix).toEqual(['A', 'B', 'C']);
    conn.decoder = new LengthFieldDecoder();
    const got = rest(conn);
    peer.end();
    const { frames, error } = await within(got, 10_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
  });

  test('without a switch the error is thrown after the lines before it (class, code, message); then reading resumes and drops, so the FIN is seen', async () => {
    const rand = rng(0xe771);
    const sent = Array.from({ length: 50 }, () => randomLetters(rand, lineFree(rand, 200, 3000) - 4));
    const { conn, peer } = await link(zeroCopy, { decoder: new LineDecoder({ maxFrameLength: 100 }) });
    peer.write(concat(utf8.encode('A\nB\nC\n'), new LengthFieldEncoder().encodeAll(sent)));
    const { frames, error } = await within(rest(conn), 10_000, 'frames');
    expect(frames.map(text)).toEqual(['A', 'B', 'C']);
    expect(error).toBeInstanceOf(FrameTooLongError);
    expect((error as FrameTooLongError).code).toBe('ERR_FRAME_TOO_LONG');
    expect((error as FrameTooLongError).message).toBe(
      'frame at offset 6 exceeds maxFrameLength 100 (no delimiter within 100 bytes)',
    );
    peer.write(randomBytes(rand, 200_000));
    peer.end();
    expect(await pollUntil(() => conn.state === 'half-closed-remote', 10_000)).toBe(true);
    expect(await within(rest(conn), 1000, 'end')).toEqual({ frames: [] });
  });
});

describe('frames of another type (TextLineDecoder: strings)', () => {
  /** Never called: what must and must not compile. */
  function typeChecks(socket: net.Socket): void {
    const text = framed(socket, { decoder: new TextLineDecoder() });
    const line: string | undefined = text.readableLength > 0 ? 'typed' : undefined;
    void line;
    // @ts-expect-error: a Framed<string> takes only string decoders
    text.decoder = new LengthFieldDecoder();
    const both = framed<string | Uint8Array>(socket, { decoder: new TextLineDecoder() });
    both.decoder = new LengthFieldDecoder();
  }

  test.each([
    ["'data' events", false],
    ['zero-copy onread', true],
  ] as const)(
    'string lines, then a switch to length-prefixed frames (%s): each arrives once, as its type',
    async (_, zeroCopy) => {
      void typeChecks;
      const rand = rng(0x7e47);
      const sent = payloads(rand, 2000);
      const greeting = 'HELLO ünïcödé ✓';
      const { conn: typed, peer } = await link<string | Uint8Array>(zeroCopy, { decoder: new TextLineDecoder() });
      const writing = writeInPieces(
        peer,
        concat(utf8.encode(`${greeting}\r\nsecond line\n`), new LengthFieldEncoder().encodeAll(sent)),
        rand,
      );
      const lines: string[] = [];
      const frames: Uint8Array[] = [];
      const reading = (async () => {
        for await (const frame of typed) {
          if (typeof frame === 'string') {
            lines.push(frame);
            if (lines.length === 2) typed.decoder = new LengthFieldDecoder();
          } else {
            frames.push(frame);
          }
        }
      })();
      await writing;
      peer.end();
      await within(reading, 20_000, 'frames');
      expect(lines).toEqual([greeting, 'second line']);
      expect(sameFrames(frames, sent)).toBeNull();
    },
  );
});

/** A FrameDecoder that is not framecodec's (no decodeTracked); `honourMaxFrames: false` drops the option. */
function plain(inner: FrameDecoder, honourMaxFrames = true): FrameDecoder {
  return {
    decode: (chunk, options) => inner.decode(chunk, honourMaxFrames ? options : undefined),
    decodeEach: (chunk, onFrame, options) => inner.decodeEach(chunk, onFrame, honourMaxFrames ? options : undefined),
    end: () => inner.end(),
    takeBuffered: () => inner.takeBuffered(),
    reset: () => inner.reset(),
    free: () => inner.free(),
    [Symbol.dispose]: () => inner.free(),
    get buffered() {
      return inner.buffered;
    },
    get stats() {
      return inner.stats;
    },
  };
}

describe('decoders handed over, and decoders that are not framecodec’s', () => {
  test('a decoder stopped after a preamble (maxFrames: 1) on a chunk read by hand: framed() decodes its held bytes first, and a switch takes them along', async () => {
    const rand = rng(0x570);
    const sent = payloads(rand, 1000);
    const p = await pair();
    open = p;
    const firstChunk = new Promise<Buffer>((resolve) =>
      p.client.once('data', (chunk: Buffer) => {
        p.client.pause(); // nothing more until framed() takes over
        resolve(chunk);
      }),
    );
    p.accepted.write(concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)));
    const lines = new LineDecoder();
    const [hello] = lines.decode(await within(firstChunk, 5000, 'first read'), { maxFrames: 1 });
    expect(text(hello)).toBe('HELLO framecodec/2');
    expect(lines.buffered).toBeGreaterThan(0);
    const conn = framed(p.client, { decoder: lines });
    expect(conn.readableLength).toBeGreaterThan(0); // the held bytes, decoded as lines at once
    conn.decoder = new LengthFieldDecoder();
    const got = rest(conn);
    p.accepted.end();
    const { frames, error } = await within(got, 10_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
  });

  test.each([
    ['from', () => plain(new LineDecoder()), () => new LengthFieldDecoder()],
    ['to', () => new LineDecoder(), () => plain(new LengthFieldDecoder())],
    ['between', () => plain(new LineDecoder()), () => plain(new LengthFieldDecoder())],
  ] as const)(
    'a switch %s FrameDecoders without decodeTracked (pulled one frame at a time), random chunkings, zero-copy and not',
    async (_, before, after) => {
      for (let seed = 1; seed <= 6; seed++) {
        const rand = rng(0x91a1 + seed);
        const sent = payloads(rand, 300 + rand(500));
        const { conn, peer } = await link(seed % 2 === 0, { decoder: before(), highWaterMark: 1 + rand(128 * 1024) });
        const writing = writeInPieces(peer, concat(PREAMBLE, new LengthFieldEncoder().encodeAll(sent)), rand);
        await sleep(rand(10));
        expect(text(await first(conn))).toBe('HELLO framecodec/2');
        conn.decoder = after();
        const got = rest(conn, true);
        await writing;
        peer.end();
        const { frames, error } = await within(got, 20_000, 'frames');
        expect(error).toBeUndefined();
        expect(sameFrames(frames, sent), `seed ${seed}`).toBeNull();
        await open?.dispose();
        open = null;
      }
    },
  );

  test('a FrameDecoder that ignores maxFrames: switching after a frame that was not the last of its call throws ERR_INVALID_STATE and changes nothing; after the last one it works', async () => {
    const rand = rng(0x1a);
    const sent = Array.from({ length: 20 }, () => randomLetters(rand, lineFree(rand, 50, 400) - 4));
    const lines = plain(new LineDecoder(), false);
    const { conn, peer } = await link(false, { decoder: lines });
    peer.write(concat(utf8.encode('A\nB\n'), new LengthFieldEncoder().encodeAll(sent)));
    expect(text(await first(conn))).toBe('A');
    let thrown: unknown;
    try {
      conn.decoder = new LengthFieldDecoder();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as NodeJS.ErrnoException).code).toBe('ERR_INVALID_STATE');
    expect((thrown as Error).message).toBe(
      'conn.decoder cannot be replaced here: the decoder returned several frames in one call (it ignores maxFrames), so where the frame returned last ends is unknown',
    );
    expect(conn.decoder).toBe(lines);
    expect(text(await first(conn))).toBe('B'); // the last frame of that call: its end is known
    conn.decoder = new LengthFieldDecoder();
    const got = rest(conn);
    peer.end();
    const { frames, error } = await within(got, 10_000, 'frames');
    expect(error).toBeUndefined();
    expect(sameFrames(frames, sent)).toBeNull();
  });

  test('a switch from inside the decoder (its onDiscard callback) is refused: the decoder call throws, and so does the iterator, with ERR_INVALID_STATE', async () => {
    let conn: Framed | undefined;
    const decoder = new LineDecoder({
      maxFrameLength: 4,
      onTooLong: 'skip',
      onDiscard: () => {
        conn!.decoder = new LengthFieldDecoder();
      },
    });
    const { conn: c, peer } = await link(false, { decoder });
    conn = c;
    peer.write('too long\nnever\n');
    const { frames, error } = await within(rest(conn), 5000, 'frames');
    expect(frames).toEqual([]);
    expect((error as NodeJS.ErrnoException).code).toBe('ERR_INVALID_STATE');
    expect((error as Error).message).toBe(
      'conn.decoder cannot be replaced during a decoder call (from its onDiscard callback)',
    );
    expect(conn.decoder).toBe(decoder);
  });

  test("bytes discarded by onTooLong: 'skip' are not kept for a switch: 32 MiB of an over-long line behind a queued frame leave memory flat, and a switch gets what takeBuffered() would", async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const lines = new LineDecoder({ maxFrameLength: 1024, onTooLong: 'skip' });
    const { conn, peer } = await link(false, { decoder: lines });
    gc();
    const before = process.memoryUsage().arrayBuffers;
    peer.write('A\n');
    const junk = new Uint8Array(1 << 20).fill(0x78);
    for (let k = 0; k < 32; k++) if (!peer.write(junk)) await within(once(peer, 'drain'), 10_000, 'drain');
    peer.write('\nB\n');
    expect(await pollUntil(() => lines.stats.frames === 2, 10_000)).toBe(true);
    expect(lines.stats.discardedBytes).toBeGreaterThanOrEqual(32 << 20);
    gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(4 << 20);
    expect(text(await first(conn))).toBe('A');
    conn.decoder = new LineDecoder();
    const got = rest(conn);
    peer.end();
    const { frames, error } = await within(got, 10_000, 'frames');
    expect(error).toBeUndefined();
    // The discarded line's last bytes may share B's read; its earlier reads are gone.
    expect(text(frames[frames.length - 1])).toBe('B');
    expect(frames.length).toBeLessThanOrEqual(2);
    expect(frames[0].length).toBeLessThanOrEqual(64 * 1024);
    console.log(`32 MiB discarded behind a queued frame: arrayBuffers grew by ${(grown / 1024).toFixed(0)} KiB`);
  });

  test('assigning something that is not a decoder throws InvalidOptionError and changes nothing', async () => {
    const { conn } = await link(false, { decoder: new LineDecoder() });
    const decoder = conn.decoder;
    expect(() => {
      conn.decoder = {} as FrameDecoder;
    }).toThrow(
      expect.objectContaining({
        name: 'InvalidOptionError',
        code: 'ERR_INVALID_OPTION',
        message:
          'decoder must be an object with a decode() method and an end() method (a framecodec decoder), got an object',
      }),
    );
    expect(conn.decoder).toBe(decoder);
  });
});
