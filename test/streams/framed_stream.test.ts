// framedStream(): a framed duplex over a { readable, writable } pair. The
// decoders are tested elsewhere; here the questions are what the adapter adds:
// frames pulled through any chunking, the decoder switch (no byte lost or read
// twice, whatever was decoded ahead), the end of the input, errors after the
// frames before them, write backpressure, end() and close() on each side, the
// signal, and the Deno-style transport read with read(p). In memory, so it runs
// on every engine; real sockets are in test/node/framed_stream_node.test.ts,
// test/deno/ and test/browser/.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  type FrameDecoder,
  FramedStream,
  framedStream,
  type FramedTransport,
  FrameTooLongError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
} from '../../src/index.js';
import { apply, bytes, chunking, hex, text } from '../_harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = () => ({ decoder: new LineDecoder(), encoder: new DelimiterEncoder({ delimiter: '\n' }) });

/** A transport whose readable gives `chunks` one per pull, and whose writable keeps what is written. */
function scripted(chunks: (Uint8Array | ArrayBuffer | string)[]) {
  const state = { pulls: 0, cancelled: false, cancelReason: undefined as unknown, written: [] as Uint8Array[] };
  const readable = new ReadableStream<Uint8Array | ArrayBuffer>(
    {
      pull(controller) {
        if (state.pulls === chunks.length) return controller.close();
        controller.enqueue(chunks[state.pulls++] as Uint8Array);
      },
      cancel(reason) {
        state.cancelled = true;
        state.cancelReason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  const sink = { closed: false, aborted: false, abortReason: undefined as unknown };
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      state.written.push(chunk.slice());
    },
    close() {
      sink.closed = true;
    },
    abort(reason) {
      sink.aborted = true;
      sink.abortReason = reason;
    },
  });
  return { transport: { readable, writable }, state, sink };
}

/** A readable the test feeds by hand: `push(bytes)`, `end()`, `fail(error)`. */
function manual() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const writable = new WritableStream<Uint8Array>();
  return {
    transport: { readable, writable },
    push: (b: Uint8Array | string) => controller.enqueue(typeof b === 'string' ? bytes(b) : b),
    end: () => controller.close(),
    fail: (e: unknown) => controller.error(e),
  };
}

/**
 * A Deno.Conn look-alike over `wire`: read(p) copies the next `sizes` bytes (in
 * turn) into p, null at the end; closeWrite() and close() are recorded.
 */
function fakeConn(wire: Uint8Array, sizes: number[] = [65536]) {
  const calls: string[] = [];
  let at = 0;
  let k = 0;
  let closed = false;
  const written: Uint8Array[] = [];
  const conn = {
    async read(p: Uint8Array): Promise<number | null> {
      await Promise.resolve();
      if (closed) throw new Error('BadResource: the connection was closed');
      if (at === wire.length) return null;
      const n = Math.min(p.length, wire.length - at, Math.max(1, sizes[k++ % sizes.length]));
      p.set(wire.subarray(at, at + n));
      at += n;
      return n;
    },
    async closeWrite() {
      calls.push('closeWrite');
    },
    close() {
      calls.push('close');
      closed = true;
    },
    get readable(): ReadableStream<Uint8Array> {
      throw new Error('framedStream must not use conn.readable when conn.read exists');
    },
    writable: new WritableStream<Uint8Array>({
      async write(chunk) {
        await sleep(1);
        written.push(chunk.slice());
        calls.push(`write ${chunk.length}`);
      },
    }),
  };
  return { conn, calls, written };
}

async function collect<T>(conn: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const f of conn) out.push(f);
  return out;
}

/** What a rejected promise or throwing function gave. */
async function failure(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('frames in', () => {
  test('frames glued into one chunk and split over several come out whole, in order', async () => {
    const { transport } = scripted([bytes('a\nbb\nc'), bytes('c'), bytes('c\n'), bytes('\nd')]);
    expect(text(await collect(framedStream(transport, lines())))).toEqual(['a', 'bb', 'ccc', '', 'd']);
  });

  test('ArrayBuffer chunks (binary WebSocket messages) are read as bytes', async () => {
    const { transport } = scripted([bytes('x\ny').buffer as ArrayBuffer, bytes('\n').buffer as ArrayBuffer]);
    expect(text(await collect(framedStream(transport, lines())))).toEqual(['x', 'y']);
  });

  test('a string chunk (a text WebSocket message) ends the iteration with a TypeError', async () => {
    const { transport } = scripted([bytes('a\n'), 'text']);
    const conn = framedStream(transport, lines());
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['a']);
    const e = await failure(it.next());
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/gave a string/);
  });

  test('nothing is read ahead: the next chunk is read when the loop wants a frame the last one did not hold', async () => {
    const { transport, state } = scripted([bytes('a\nb\n'), bytes('c\n'), bytes('d\n')]);
    const it = framedStream(transport, lines())[Symbol.asyncIterator]();
    await it.next();
    expect(state.pulls).toBe(1);
    await it.next();
    expect(state.pulls).toBe(1);
    await it.next();
    expect(state.pulls).toBe(2);
  });

  test('any chunking gives the frames of one decode() of the whole input, frames stable', async () => {
    const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(payloads, chunking(4000), async (ps, how) => {
        const wire = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll(ps);
        const { transport } = scripted(apply(wire, how));
        const seen: string[] = [];
        const got: Uint8Array[] = [];
        for await (const f of framedStream(transport, { decoder: new LengthFieldDecoder({ lengthFieldLength: 2 }) })) {
          got.push(f);
          seen.push(hex(f));
        }
        expect(seen).toEqual(ps.map(hex));
        expect(got.map(hex)).toEqual(seen);
      }),
      { numRuns: 150 },
    );
  });

  test('a loop left early closes nothing: the next loop goes on from the next frame', async () => {
    const { transport, state } = scripted([bytes('a\nb\nc\n')]);
    const conn = framedStream(transport, lines());
    for await (const f of conn) {
      expect(text([f])).toEqual(['a']);
      break;
    }
    expect(text(await collect(conn))).toEqual(['b', 'c']);
    expect(state.cancelled).toBe(false);
  });

  test('next() calls made together are served in order', async () => {
    const { transport } = scripted([bytes('a\n'), bytes('b\nc'), bytes('\n')]);
    const it = framedStream(transport, lines())[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => (r.done ? 'done' : text([r.value])[0]))).toEqual(['a', 'b', 'c', 'done']);
  });
});

describe('the end of the input', () => {
  test('the peer ending inside a frame: the frames before it, then TruncatedFrameError', async () => {
    const { transport } = scripted([new Uint8Array([0, 1, 97, 0, 5, 98])]);
    const got: Uint8Array[] = [];
    const e = await failure(async () => {
      for await (const f of framedStream(transport, { decoder: new LengthFieldDecoder({ lengthFieldLength: 2 }) }))
        got.push(f);
    });
    expect(text(got)).toEqual(['a']);
    expect(e).toBeInstanceOf(TruncatedFrameError);
    expect(hex((e as TruncatedFrameError).partial)).toBe('000562');
  });

  test("the decoder's trailing applies: a last line without its ending is a frame", async () => {
    const { transport } = scripted([bytes('a\nlast')]);
    expect(text(await collect(framedStream(transport, lines())))).toEqual(['a', 'last']);
  });

  test('a transport error ends the iteration with it, after the frames received before it', async () => {
    const m = manual();
    const conn = framedStream(m.transport, lines());
    m.push('a\nb\npart');
    const boom = new Error('connection reset');
    const got: string[] = [];
    const e = await failure(async () => {
      for await (const f of conn) {
        got.push(text([f])[0]);
        if (got.length === 2) m.fail(boom);
      }
    });
    expect(got).toEqual(['a', 'b']);
    expect(e).toBe(boom);
  });

  test('a decoder error comes after the frames completed before it, and only once', async () => {
    const { transport } = scripted([new Uint8Array([0, 1, 97, 0, 1, 98, 0, 9])]);
    const conn = framedStream(transport, {
      decoder: new LengthFieldDecoder({ lengthFieldLength: 2, maxFrameLength: 5 }),
    });
    const got: Uint8Array[] = [];
    const e = await failure(async () => {
      for await (const f of conn) got.push(f);
    });
    expect(text(got)).toEqual(['a', 'b']);
    expect(e).toBeInstanceOf(FrameTooLongError);
    expect(await collect(conn)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The decoder switch.

type Kind = 'line' | 'length' | 'fixed' | 'pipes';

/** The decoder of each kind of segment. `pipes` ends frames at '|' or '|||||': it looks ahead past a '|'. */
function decoderOf(kind: Kind): FrameDecoder {
  switch (kind) {
    case 'line':
      return new LineDecoder();
    case 'length':
      return new LengthFieldDecoder({ lengthFieldLength: 2 });
    case 'fixed':
      return new FixedLengthDecoder({ frameLength: 3 });
    case 'pipes':
      return new DelimiterDecoder({ delimiter: ['|', '|||||'] });
  }
}

/** Payload bytes: never 0x7c ('|'), so that no segment starts like a '|||||' after a pipes frame. */
const safeByte = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x7c);
const textByte = fc.integer({ min: 0x20, max: 0x7e }).filter((b) => b !== 0x7c);

const segment = fc.oneof(
  fc
    .record({
      kind: fc.constant<Kind>('line'),
      payloads: fc.array(fc.array(textByte, { maxLength: 20 }), { minLength: 1, maxLength: 5 }),
      crlf: fc.boolean(),
      pipes: fc.integer({ min: 0, max: 3 }),
    })
    // Up to three '|' at the start: after a pipes segment, its decoder must look
    // past its last '|' to see that they do not make a '|||||'.
    .map(({ pipes, ...s }) => ({
      ...s,
      payloads: [[...new Array(pipes).fill(0x7c), ...s.payloads[0]], ...s.payloads.slice(1)],
    })),
  fc.record({
    kind: fc.constant<Kind>('length'),
    payloads: fc.array(fc.array(safeByte, { maxLength: 100 }), { minLength: 1, maxLength: 5 }),
    crlf: fc.constant(false),
  }),
  fc.record({
    kind: fc.constant<Kind>('fixed'),
    payloads: fc.array(fc.array(safeByte, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
    crlf: fc.constant(false),
  }),
  fc.record({
    kind: fc.constant<Kind>('pipes'),
    payloads: fc.array(fc.array(textByte, { maxLength: 20 }), { minLength: 1, maxLength: 8 }).map(atMostFourPipes),
    crlf: fc.constant(false),
  }),
);

/**
 * Empty payloads put '|'s side by side, which the pipes decoder must look past
 * (frames then end before the chunk that completes them), but five in a row would
 * be one '|||||' delimiter: the first and last payloads are not empty, nor any
 * after three empty ones (a line segment after this one may start with three '|').
 */
function atMostFourPipes(payloads: number[][]): number[][] {
  let empty = 0;
  return payloads.map((p, i) => {
    empty = p.length === 0 ? empty + 1 : 0;
    if ((i === 0 || i === payloads.length - 1 || empty > 3) && p.length === 0) {
      empty = 0;
      return [0x61];
    }
    return p;
  });
}

function wireOf(segments: { kind: Kind; payloads: number[][]; crlf: boolean }[]): Uint8Array {
  const out: number[] = [];
  for (const s of segments) {
    for (const p of s.payloads) {
      if (s.kind === 'length') out.push(p.length >> 8, p.length & 0xff);
      out.push(...p);
      if (s.kind === 'line') out.push(...(s.crlf ? [0x0d, 0x0a] : [0x0a]));
      if (s.kind === 'pipes') out.push(0x7c);
    }
  }
  return Uint8Array.from(out);
}

describe('conn.decoder: switching framing mid-stream', () => {
  test('from a line preamble to length-field frames that came in the same chunk', async () => {
    const wire = Uint8Array.from([...bytes('HELLO\n'), 0, 2, 104, 105, 0, 1, 33]);
    const { transport } = scripted([wire]);
    const conn = framedStream(transport, { decoder: new LineDecoder() });
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['HELLO']);
    conn.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
    expect(text(await collect(conn))).toEqual(['hi', '!']);
  });

  test('segments of four framings, each switched to after the last frame of the one before, under any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        chunking(600),
        fc.boolean(),
        async (segments, how, byob) => {
          const wire = wireOf(segments);
          const chunks = apply(wire, how);
          const transport: FramedTransport = byob
            ? fakeConn(
                wire,
                chunks.map((c) => c.length),
              ).conn
            : scripted(chunks).transport;
          const conn = framedStream(transport, { decoder: decoderOf(segments[0].kind) });
          const it = conn[Symbol.asyncIterator]();
          const got: string[] = [];
          const frames: Uint8Array[] = [];
          for (let s = 0; s < segments.length; s++) {
            if (s > 0) conn.decoder = decoderOf(segments[s].kind);
            for (let i = 0; i < segments[s].payloads.length; i++) {
              const r = await it.next();
              expect(r.done).toBe(false);
              frames.push(r.value as Uint8Array);
              got.push(hex(r.value as Uint8Array));
            }
          }
          expect((await it.next()).done).toBe(true);
          const expected = segments.flatMap((s) => s.payloads.map((p) => hex(Uint8Array.from(p))));
          expect(got).toEqual(expected);
          expect(frames.map(hex)).toEqual(expected); // none changed after later reads
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a frame that ended before the chunk completing it (a delimiter look-ahead): its bytes after are handed over', async () => {
    // '|' at 1 could start '|||||': the decoder learns it is a lone '|' from the
    // 'y' of the next chunk, so frame "x" ends at offset 2, before that chunk (3).
    const { transport } = scripted([bytes('x||'), bytes('y|')]);
    const conn = framedStream(transport, { decoder: new DelimiterDecoder({ delimiter: ['|', '|||||'] }) });
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['x']);
    conn.decoder = new LineDecoder();
    expect(text(await collect(conn))).toEqual(['|y|']);
  });

  test('switching while a read is in progress: the chunk goes to the new decoder, after what the old one held', async () => {
    const m = manual();
    const conn = framedStream(m.transport, { decoder: new LineDecoder() });
    const it = conn[Symbol.asyncIterator]();
    m.push(Uint8Array.from([...bytes('HELLO\n'), 0]));
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['HELLO']);
    const pending = it.next(); // the line decoder holds 0x00 and waits for more
    await sleep(5);
    conn.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
    m.push(Uint8Array.from([3, 97, 98, 99]));
    expect(text([(await pending).value as Uint8Array])).toEqual(['abc']);
    m.end();
    expect((await it.next()).done).toBe(true);
  });

  test("a decoder error about bytes after the switch point is the old decoder's no more", async () => {
    // The line decoder would fail on the binary frame (too long); after the
    // switch those bytes are the length-field decoder's.
    const wire = Uint8Array.from([...bytes('HI\n'), 0, 20, ...new Uint8Array(20).fill(120)]);
    const { transport } = scripted([wire]);
    const conn = framedStream(transport, { decoder: new LineDecoder({ maxFrameLength: 4 }) });
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['HI']);
    conn.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
    expect(text(await collect(conn))).toEqual(['x'.repeat(20)]);
  });

  test('a decoder without decodeTracked() is pulled one frame at a time (maxFrames: 1) and switched with takeBuffered()', async () => {
    const inner = new LineDecoder();
    const calls: (number | undefined)[] = [];
    const plain: FrameDecoder = {
      decode: (chunk, options) => {
        calls.push(options?.maxFrames);
        return inner.decode(chunk, options);
      },
      decodeEach: inner.decodeEach.bind(inner),
      end: () => inner.end(),
      takeBuffered: () => inner.takeBuffered(),
      reset: () => inner.reset(),
      free: () => inner.free(),
      [Symbol.dispose]: () => inner.free(),
      get buffered() {
        return inner.buffered;
      },
      stats: inner.stats,
    };
    const { transport } = scripted([Uint8Array.from([...bytes('A\nB\n'), 0, 1, 122])]);
    const conn = framedStream(transport, { decoder: plain });
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['A']);
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['B']);
    expect(calls).toEqual([1, 1]);
    conn.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
    expect(text(await collect(conn))).toEqual(['z']);
  });

  test('the bytes a new decoder already held come before those handed over', async () => {
    const { transport } = scripted([bytes('x\n'), Uint8Array.from([1, 2])]);
    const conn = framedStream(transport, { decoder: new LineDecoder() });
    const it = conn[Symbol.asyncIterator]();
    await it.next();
    const next = new LengthFieldDecoder({ lengthFieldLength: 1 });
    next.decode(Uint8Array.of(3, 0)); // holds a partial frame: length 3, one byte of it
    conn.decoder = next;
    expect(Array.from((await it.next()).value as Uint8Array)).toEqual([0, 1, 2]);
  });

  test('after the end of the iteration, assigning a decoder just replaces it', async () => {
    const { transport } = scripted([bytes('a\n')]);
    const conn = framedStream(transport, lines());
    await collect(conn);
    const next = new LineDecoder();
    conn.decoder = next;
    expect(conn.decoder).toBe(next);
  });

  test('assigning something that is not a decoder throws InvalidOptionError naming decoder', () => {
    const conn = framedStream(scripted([]).transport, lines());
    const e = (() => {
      try {
        conn.decoder = {} as FrameDecoder;
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as InvalidOptionError).option).toBe('decoder');
  });
});

// ---------------------------------------------------------------------------
// Writing, ending, closing.

describe('frames out', () => {
  test('write(), writeAll() and writeRaw() write framed bytes in order', async () => {
    const { transport, state } = scripted([]);
    const conn = framedStream(transport, lines());
    await conn.write(bytes('a'));
    await conn.writeAll([bytes('b'), bytes('c')]);
    await conn.writeRaw(bytes('raw\n'));
    expect(state.written.map((w) => new TextDecoder().decode(w))).toEqual(['a\n', 'b\nc\n', 'raw\n']);
  });

  test('write() settles when the writable side has taken the bytes (its backpressure)', async () => {
    let release!: () => void;
    const writable = new WritableStream<Uint8Array>(
      { write: () => new Promise<void>((resolve) => (release = resolve)) },
      { highWaterMark: 1 },
    );
    const conn = framedStream({ readable: new ReadableStream(), writable }, lines());
    let settled = false;
    const w = conn.write(bytes('a')).then(() => (settled = true));
    await sleep(10);
    expect(settled).toBe(false);
    release();
    await w;
    expect(settled).toBe(true);
  });

  test('an encoder error rejects write() and writes nothing; no encoder rejects with InvalidOptionError', async () => {
    const { transport, state } = scripted([]);
    const conn = framedStream(transport, {
      decoder: new LineDecoder(),
      encoder: new DelimiterEncoder({ delimiter: '\n' }),
    });
    expect(((await failure(conn.write(bytes('a\nb')))) as { code: string }).code).toBe('ERR_DELIMITER_IN_PAYLOAD');
    const bare = framedStream(scripted([]).transport, { decoder: new LineDecoder() });
    const e = await failure(bare.write(bytes('a')));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as InvalidOptionError).option).toBe('encoder');
    await bare.writeRaw(bytes('fine without an encoder'));
    expect(state.written).toEqual([]);
  });

  test('end() closes the writable side after the writes before it; reading goes on', async () => {
    const m = manual();
    const written: string[] = [];
    let closed = false;
    const writable = new WritableStream<Uint8Array>({
      async write(chunk) {
        await sleep(2);
        written.push(new TextDecoder().decode(chunk));
      },
      close() {
        closed = true;
      },
    });
    const conn = framedStream({ readable: m.transport.readable, writable }, lines());
    void conn.write(bytes('one'));
    void conn.write(bytes('two'));
    await conn.end();
    expect(written).toEqual(['one\n', 'two\n']);
    expect(closed).toBe(true);
    expect(conn.end()).toBe(conn.end());
    const e = await failure(conn.write(bytes('three')));
    expect((e as { code: string }).code).toBe('ERR_STREAM_WRITE_AFTER_END');
    m.push('still\nreading\n');
    m.end();
    expect(text(await collect(conn))).toEqual(['still', 'reading']);
  });

  test('close() ends the iteration, closes the writable side after the writes, then cancels the readable side', async () => {
    const m = manual();
    const events: string[] = [];
    const writable = new WritableStream<Uint8Array>({
      async write() {
        await sleep(2);
        events.push('written');
      },
      close: () => void events.push('writable closed'),
    });
    let cancelled = false;
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(bytes('a\nb\n')),
      cancel() {
        cancelled = true;
      },
    });
    const conn = framedStream({ readable, writable }, lines());
    const it = conn[Symbol.asyncIterator]();
    expect(text([(await it.next()).value as Uint8Array])).toEqual(['a']);
    void conn.write(bytes('bye'));
    await conn.close();
    expect(events).toEqual(['written', 'writable closed']);
    expect(cancelled).toBe(true);
    expect((await it.next()).done).toBe(true); // 'b' was received, and is dropped
    expect(conn.close()).toBe(conn.close());
    void m;
  });

  test('close() ends a loop waiting for data at once', async () => {
    const m = manual();
    const conn = framedStream(m.transport, lines());
    const loop = collect(conn);
    await sleep(5);
    await conn.close();
    expect(await loop).toEqual([]);
  });
});

describe('signal', () => {
  test('aborting ends the iteration with the reason, aborts the writable side and cancels the readable side', async () => {
    const { transport, state, sink } = scripted([bytes('a\n'), bytes('b\n')]);
    const controller = new AbortController();
    const conn = framedStream(transport, { ...lines(), signal: controller.signal });
    const got: string[] = [];
    const reason = new Error('shutting down');
    const e = await failure(async () => {
      for await (const f of conn) {
        got.push(text([f])[0]);
        await conn.write(bytes('ack'));
        controller.abort(reason);
      }
    });
    expect(got).toEqual(['a']);
    expect(e).toBe(reason);
    await sleep(1);
    expect(sink.aborted).toBe(true);
    expect(sink.abortReason).toBe(reason);
    expect(state.cancelled).toBe(true);
    expect(await failure(conn.write(bytes('late')))).toBe(reason);
    expect(await collect(conn)).toEqual([]);
  });

  test('aborting while the loop waits for data ends it at once', async () => {
    const m = manual();
    const controller = new AbortController();
    const conn = framedStream(m.transport, { ...lines(), signal: controller.signal });
    const loop = failure(collect(conn));
    await sleep(5);
    controller.abort(new Error('stop'));
    expect(((await loop) as Error).message).toBe('stop');
  });

  test('an already aborted signal: the first next() throws its reason', async () => {
    const { transport, state } = scripted([bytes('a\n')]);
    const conn = framedStream(transport, { ...lines(), signal: AbortSignal.abort('gone') });
    expect(await failure(collect(conn))).toBe('gone');
    expect(state.pulls).toBe(0);
  });
});

describe('a transport with read(p), closeWrite() and close() (Deno.Conn)', () => {
  test('reads with read(p), never touches readable; frames stay stable although short reads reuse the buffer', async () => {
    const wire = bytes('alpha\nbeta\ngamma\ndelta\n');
    const { conn } = fakeConn(wire, [3, 5, 1, 7]);
    const got: Uint8Array[] = [];
    for await (const f of framedStream(conn, lines())) got.push(f);
    expect(text(got)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
  });

  test('a read that fills most of the buffer is handed on, not copied: frames are views on it', async () => {
    const payloads = Array.from({ length: 400 }, (_, i) => new Uint8Array(300).fill(i));
    const wire = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll(payloads);
    const { conn } = fakeConn(wire);
    const got = await collect(framedStream(conn, { decoder: new LengthFieldDecoder({ lengthFieldLength: 2 }) }));
    expect(got.map(hex)).toEqual(payloads.map(hex));
    expect(got[1].buffer.byteLength).toBe(65536);
  });

  test('end() waits for the writes, then closeWrite(); close() waits for them, then close()', async () => {
    const { conn, calls } = fakeConn(bytes('x\n'));
    const c = framedStream(conn, lines());
    void c.write(bytes('a'));
    void c.write(bytes('bb'));
    await c.end();
    expect(calls).toEqual(['write 2', 'write 3', 'closeWrite']);
    expect(text(await collect(c))).toEqual(['x']);
    await c.close();
    expect(calls).toEqual(['write 2', 'write 3', 'closeWrite', 'close']);
  });

  test('a signal closes the connection: a pending read fails, the loop ends with the reason', async () => {
    const never = {
      read: () => new Promise<number | null>(() => {}),
      closeWrite: async () => {},
      closed: false,
      close() {
        this.closed = true;
      },
      readable: new ReadableStream<Uint8Array>(),
      writable: new WritableStream<Uint8Array>(),
    };
    const controller = new AbortController();
    const conn = framedStream(never, { ...lines(), signal: controller.signal });
    const loop = failure(collect(conn));
    await sleep(5);
    controller.abort('bye');
    expect(await loop).toBe('bye');
    expect(never.closed).toBe(true);
  });
});

describe('options', () => {
  test('bad transports, decoders, encoders and signals throw InvalidOptionError naming them', () => {
    const ok = scripted([]).transport;
    const cases: [() => unknown, string][] = [
      [() => framedStream(null as unknown as FramedTransport, lines()), 'transport'],
      [() => framedStream({ readable: 1, writable: ok.writable } as unknown as FramedTransport, lines()), 'transport'],
      [() => framedStream({ readable: ok.readable } as unknown as FramedTransport, lines()), 'transport'],
      [() => framedStream(ok, { decoder: {} as FrameDecoder }), 'decoder'],
      [() => framedStream(ok, { decoder: new LineDecoder(), encoder: {} as never }), 'encoder'],
      [() => framedStream(ok, { decoder: new LineDecoder(), signal: {} as AbortSignal }), 'signal'],
    ];
    for (const [make, option] of cases) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error, option).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  test('framedStream() returns a FramedStream', () => {
    expect(framedStream(scripted([]).transport, lines())).toBeInstanceOf(FramedStream);
  });
});
