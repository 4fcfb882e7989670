// The WHATWG stream adapters: DecoderStream, EncoderStream and frames(). The
// decoders themselves are tested elsewhere; here the questions are what the
// adapters add: end of input, errors after the frames before them, backpressure,
// sources of every kind, and releasing them.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DecoderStream,
  DelimiterDecoder,
  DelimiterEncoder,
  DelimiterInPayloadError,
  EncoderStream,
  FixedLengthDecoder,
  FixedLengthEncoder,
  FrameTooLongError,
  type FramingError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
  frames,
  type FrameDecoder,
} from '../../src/index.js';
import { apply, bytes, chunking, hex, run, text } from '../_harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A ReadableStream that gives the chunks one per pull and counts the pulls. */
function source(chunks: (Uint8Array | ArrayBuffer)[]) {
  const state = { pulls: 0, cancelled: false, cancelReason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array | ArrayBuffer>(
    {
      pull(controller) {
        if (state.pulls === chunks.length) return controller.close();
        controller.enqueue(chunks[state.pulls++]);
      },
      cancel(reason) {
        state.cancelled = true;
        state.cancelReason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** Counts the decoder's decode() calls (how far it has read ahead). */
function counted<D extends FrameDecoder>(decoder: D): D & { decodeCalls: number } {
  const d = decoder as D & { decodeCalls: number };
  const decode = decoder.decode.bind(decoder);
  d.decodeCalls = 0;
  d.decode = (chunk) => {
    d.decodeCalls++;
    return decode(chunk);
  };
  return d;
}

interface Read {
  frames: string[]; // hex
  error?: unknown;
}

/** Reads a stream to its end or error, optionally waiting `delay` ms before each read. */
async function readAll(readable: ReadableStream<Uint8Array>, delay = 0): Promise<Read> {
  const reader = readable.getReader();
  const out: Read = { frames: [] };
  try {
    for (;;) {
      if (delay) await sleep(delay);
      const { done, value } = await reader.read();
      if (done) return out;
      out.frames.push(hex(value));
    }
  } catch (e) {
    out.error = e;
    return out;
  }
}

/** Writes chunks into a DecoderStream's writable side without waiting, then closes it. */
function decodeStream(decoder: FrameDecoder, chunks: (Uint8Array | ArrayBuffer)[]): ReadableStream<Uint8Array> {
  return source(chunks).stream.pipeThrough(new DecoderStream(decoder));
}

const hexOf = (...parts: string[]) => parts.map((p) => hex(bytes(p)));
const lengthFrame = (payload: string) => new LengthFieldEncoder({ lengthFieldLength: 2 }).encode(bytes(payload));

describe('DecoderStream', () => {
  test('JSDoc example: lines of a response body, the last one emitted at the end', async () => {
    const lines = new Response('one\ntwo\r\nthree').body!.pipeThrough(new DecoderStream(new LineDecoder()));
    const reader = lines.getReader();
    const got: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(new TextDecoder().decode(r.value));
    expect(got).toEqual(['one', 'two', 'three']);
  });

  test('is a TransformStream', () => {
    expect(new DecoderStream(new LineDecoder())).toBeInstanceOf(TransformStream);
  });

  test('frames that share chunks and span chunks', async () => {
    const wire = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll(['a', 'bc', 'def', 'ghij'].map(bytes));
    // 00 01 61 | 00 02 62 63 | 00 03 64 65 66 | 00 04 67 68 69 6a
    const chunks = [
      wire.subarray(0, 1), //   half a header
      wire.subarray(1, 8), //   rest of "a", all of "bc", half of "def"'s header
      wire.subarray(8, 12), //  rest of "def", start of "ghij"'s header
      wire.subarray(12), //     "ghij" (header split 1/2)
    ];
    const got = await readAll(decodeStream(new LengthFieldDecoder({ lengthFieldLength: 2 }), chunks));
    expect(got).toEqual({ frames: hexOf('a', 'bc', 'def', 'ghij') });
  });

  test('accepts ArrayBuffer chunks, as WebSocket messages with binaryType "arraybuffer"', async () => {
    const messages = ['ab|c', 'd|', '|e'].map((s) => bytes(s).slice().buffer);
    const got = await readAll(decodeStream(new DelimiterDecoder({ delimiter: '|' }), messages));
    expect(got).toEqual({ frames: hexOf('ab', 'cd', '', 'e') });
  });

  test('an empty input gives no frames and closes', async () => {
    expect(await readAll(decodeStream(new LineDecoder(), []))).toEqual({ frames: [] });
    expect(await readAll(decodeStream(new LineDecoder(), [new Uint8Array(0)]))).toEqual({ frames: [] });
  });

  describe("end of input applies the decoder's trailing option", () => {
    test("'emit' (LineDecoder's default) gives the incomplete last line as a frame", async () => {
      expect(await readAll(decodeStream(new LineDecoder(), [bytes('a\nb')]))).toEqual({ frames: hexOf('a', 'b') });
    });

    test("'drop' closes the stream without it and counts it", async () => {
      const decoder = new LineDecoder({ trailing: 'drop' });
      expect(await readAll(decodeStream(decoder, [bytes('a\nbc')]))).toEqual({ frames: hexOf('a') });
      expect(decoder.stats.discardedBytes).toBe(2);
    });

    test("'error' (LengthFieldDecoder's default) errors the stream after the complete frames", async () => {
      const wire = new Uint8Array([...lengthFrame('ok'), 0, 5, 104, 105]); // "ok", then 2 of 5 bytes
      const got = await readAll(decodeStream(new LengthFieldDecoder({ lengthFieldLength: 2 }), [wire]));
      expect(got.frames).toEqual(hexOf('ok'));
      expect(got.error).toBeInstanceOf(TruncatedFrameError);
      expect(hex((got.error as TruncatedFrameError).partial)).toBe('00056869');
    });

    test('the decoder is reset by end(), ready for another stream', async () => {
      const decoder = new LineDecoder();
      await readAll(decodeStream(decoder, [bytes('x\ny')]));
      expect(decoder.buffered).toBe(0);
      expect(await readAll(decodeStream(decoder, [bytes('z\n')]))).toEqual({ frames: hexOf('z') });
    });
  });

  describe('a fatal error errors the stream only after the frames before it have been read', () => {
    // "a", "b", then a header announcing 0x7fff bytes where at most 16 are allowed.
    const faulty = () => new Uint8Array([...lengthFrame('a'), ...lengthFrame('b'), 0x7f, 0xff]);
    const decoder = () => new LengthFieldDecoder({ lengthFieldLength: 2, maxFrameLength: 16 });

    test('frames of the faulting chunk come first, then the FramingError', async () => {
      const got = await readAll(decodeStream(decoder(), [faulty()]));
      expect(got.frames).toEqual(hexOf('a', 'b'));
      expect(got.error).toBeInstanceOf(FrameTooLongError);
      expect((got.error as FrameTooLongError).code).toBe('ERR_FRAME_TOO_LONG');
      expect((got.error as FrameTooLongError).offset).toBe(6);
      // Delivered on the readable side, so not repeated on the error.
      expect((got.error as FrameTooLongError).frames).toEqual([]);
    });

    test('also when the reader is slow (the frames wait in the queue)', async () => {
      const got = await readAll(decodeStream(decoder(), [lengthFrame('0'), faulty()]), 25);
      expect(got.frames).toEqual(hexOf('0', 'a', 'b'));
      expect(got.error).toBeInstanceOf(FrameTooLongError);
    });

    test('when end() throws while frames of the last chunk are still unread', async () => {
      const wire = new Uint8Array([...lengthFrame('a'), ...lengthFrame('b'), 0, 9]); // then the stream ends
      const got = await readAll(decodeStream(new LengthFieldDecoder({ lengthFieldLength: 2 }), [wire]), 20);
      expect(got.frames).toEqual(hexOf('a', 'b'));
      expect(got.error).toBeInstanceOf(TruncatedFrameError);
    });

    test('the writing side sees the same error', async () => {
      const stream = new DecoderStream(decoder());
      const reading = readAll(stream.readable);
      const writer = stream.writable.getWriter();
      await expect(writer.write(faulty())).rejects.toBeInstanceOf(FrameTooLongError);
      await expect(writer.closed).rejects.toBeInstanceOf(FrameTooLongError);
      expect((await reading).frames).toEqual(hexOf('a', 'b'));
    });

    test('pipeTo rejects with it and cancels the source', async () => {
      const { stream, state } = source([lengthFrame('a'), faulty(), lengthFrame('never read')]);
      const sink: string[] = [];
      const piping = stream
        .pipeThrough(new DecoderStream(decoder()))
        .pipeTo(new WritableStream({ write: (frame) => void sink.push(hex(frame)) }));
      await expect(piping).rejects.toBeInstanceOf(FrameTooLongError);
      expect(sink).toEqual(hexOf('a', 'a', 'b'));
      expect(state.cancelled).toBe(true);
      expect(state.pulls).toBe(2);
    });

    test('a cancelled reader does not leave the error path waiting', async () => {
      const stream = decodeStream(decoder(), [faulty()]);
      const reader = stream.getReader();
      expect(hex((await reader.read()).value!)).toBe(hex(bytes('a')));
      await reader.cancel('no more'); // "b" is still queued
      expect(await reader.read()).toEqual({ done: true, value: undefined });
    });
  });

  test('a chunk that is not bytes errors the stream with InvalidOptionError', async () => {
    const got = await readAll(decodeStream(new LineDecoder(), [bytes('a\n'), 'text' as unknown as Uint8Array]));
    expect(got.frames).toEqual(hexOf('a'));
    expect(got.error).toBeInstanceOf(InvalidOptionError);
  });

  test('throws InvalidOptionError for something that is not a decoder', () => {
    expect(() => new DecoderStream({} as FrameDecoder)).toThrow(InvalidOptionError);
    expect(() => new DecoderStream(undefined as unknown as FrameDecoder)).toThrow(
      /decoder must be an object with a decode\(\) method/,
    );
  });

  describe('backpressure', () => {
    test('a slow reader does not make it decode ahead', async () => {
      const chunks = Array.from({ length: 1000 }, (_, i) => bytes(`${i}a\n${i}b\n`)); // two lines per chunk
      const { stream, state } = source(chunks);
      const decoder = counted(new LineDecoder());
      const reader = stream.pipeThrough(new DecoderStream(decoder)).getReader();
      const first: string[] = [];
      for (let i = 0; i < 3; i++) first.push(new TextDecoder().decode((await reader.read()).value));
      expect(first).toEqual(['0a', '0b', '1a']);
      await sleep(50); // time enough to race through the 1000 chunks, if it would
      // Decoded: the two chunks read from. Pulled: those, one held by the
      // DecoderStream's writable side, one by pipeThrough's read-ahead.
      expect(decoder.decodeCalls).toBe(2);
      expect(state.pulls).toBeLessThanOrEqual(4);
      let rest = 0;
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest++;
      expect(rest).toBe(2000 - 3);
      expect(decoder.decodeCalls).toBe(1000);
    });

    test('a write completes only when the frames before it have been read', async () => {
      const stream = new DecoderStream(new LineDecoder());
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader();
      const settled: string[] = [];
      void writer.write(bytes('a\nb\n')).then(() => settled.push('first'));
      void writer.write(bytes('c\n')).then(() => settled.push('second'));
      await sleep(10);
      expect(settled).toEqual([]); // nothing decoded before the first read
      expect(text([(await reader.read()).value!])).toEqual(['a']);
      await sleep(10);
      expect(settled).toEqual(['first']); // "b" is unread: "c\n" waits
      expect(text([(await reader.read()).value!])).toEqual(['b']);
      expect(text([(await reader.read()).value!])).toEqual(['c']);
      await sleep(10);
      expect(settled).toEqual(['first', 'second']);
    });
  });

  test('any chunking gives the frames and the error decode() gives', async () => {
    // Length-field frames, sometimes followed by a corrupt header or a cut-off frame.
    const stream = fc.tuple(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
      fc.constantFrom('', 'ff ff', '00 09 01'),
    );
    await fc.assert(
      fc.asyncProperty(
        stream.chain(([payloads, tail]) => {
          const encoded = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll(payloads);
          const bad = tail ? Uint8Array.from(tail.split(' '), (h) => parseInt(h, 16)) : new Uint8Array(0);
          const input = new Uint8Array([...encoded, ...bad]);
          return fc.tuple(fc.constant(input), chunking(input.length));
        }),
        async ([input, how]) => {
          const options = { lengthFieldLength: 2, maxFrameLength: 64 } as const;
          const expected = run(new LengthFieldDecoder(options), apply(input, how));
          const got = await readAll(decodeStream(new LengthFieldDecoder(options), apply(input, how)));
          expect(got.frames).toEqual(expected.frames);
          expect((got.error as FramingError | undefined)?.code).toBe(expected.error?.code);
          expect((got.error as FramingError | undefined)?.offset).toBe(expected.error?.offset);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('EncoderStream', () => {
  test('JSDoc example: one frame per chunk', async () => {
    const { readable, writable } = new EncoderStream(new LengthFieldEncoder({ lengthFieldLength: 2 }));
    const writer = writable.getWriter();
    void writer.write(new Uint8Array([104, 105]));
    void writer.close();
    const { value } = await readable.getReader().read();
    expect(value).toEqual(new Uint8Array([0, 2, 104, 105]));
  });

  test('round trips through a DecoderStream for every scheme', async () => {
    const payloads = ['', 'a', 'hello', 'x'.repeat(300)].map(bytes);
    const pairs: [EncoderStream, DecoderStream][] = [
      [
        new EncoderStream(new LengthFieldEncoder({ lengthFieldLength: 'varint' })),
        new DecoderStream(new LengthFieldDecoder({ lengthFieldLength: 'varint' })),
      ],
      [new EncoderStream(new DelimiterEncoder({ delimiter: '\r\n' })), new DecoderStream(new LineDecoder())],
    ];
    for (const [encoder, decoder] of pairs) {
      const got = await readAll(source(payloads).stream.pipeThrough(encoder).pipeThrough(decoder));
      expect(got).toEqual({ frames: payloads.map(hex) });
    }
    const fixed = await readAll(
      source(['ab', 'c'].map(bytes))
        .stream.pipeThrough(new EncoderStream(new FixedLengthEncoder({ frameLength: 3, padding: 0x2e })))
        .pipeThrough(new DecoderStream(new FixedLengthDecoder({ frameLength: 3 }))),
    );
    expect(fixed).toEqual({ frames: hexOf('ab.', 'c..') });
  });

  test('an encoder error errors the stream after the frames before it have been read', async () => {
    const got = await readAll(
      source(['ok', 'bad\npayload', 'never'].map(bytes)).stream.pipeThrough(
        new EncoderStream(new DelimiterEncoder({ delimiter: '\n' })),
      ),
    );
    expect(got.frames).toEqual(hexOf('ok\n'));
    expect(got.error).toBeInstanceOf(DelimiterInPayloadError);
  });

  test('throws InvalidOptionError for something that is not an encoder', () => {
    expect(() => new EncoderStream(new LineDecoder() as never)).toThrow(InvalidOptionError);
  });
});

describe('frames()', () => {
  test('JSDoc example: frames of a response body', async () => {
    const body = new Response(new Uint8Array([0, 1, 97, 0, 2, 98, 99])).body!;
    const payloads: string[] = [];
    for await (const frame of frames(body, new LengthFieldDecoder({ lengthFieldLength: 2 }))) {
      payloads.push(new TextDecoder().decode(frame));
    }
    expect(payloads).toEqual(['a', 'bc']);
  });

  const collect = async (it: AsyncIterable<Uint8Array>) => {
    const out: string[] = [];
    for await (const f of it) out.push(new TextDecoder().decode(f));
    return out;
  };

  test('from an async iterable, a sync iterable and a ReadableStream, with ArrayBuffer chunks too', async () => {
    const chunks = () => [bytes('a\nb'), bytes('c\n').slice().buffer, bytes('d')];
    async function* generate() {
      yield* chunks();
    }
    expect(await collect(frames(generate(), new LineDecoder()))).toEqual(['a', 'bc', 'd']);
    expect(await collect(frames(chunks(), new LineDecoder()))).toEqual(['a', 'bc', 'd']);
    expect(await collect(frames(source(chunks()).stream, new LineDecoder()))).toEqual(['a', 'bc', 'd']);
  });

  test('a decoder error is thrown after the frames completed before it, which it no longer carries', async () => {
    const got: string[] = [];
    const decoder = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3 });
    const error = await (async () => {
      for await (const f of frames([bytes('ab|cd'), bytes('e|toolong|x')], decoder))
        got.push(new TextDecoder().decode(f));
    })().catch((e: unknown) => e);
    expect(got).toEqual(['ab', 'cde']);
    expect(error).toBeInstanceOf(FrameTooLongError);
    expect((error as FrameTooLongError).frames).toEqual([]);
  });

  test("end() applies trailing: 'error' throws TruncatedFrameError after the complete frames", async () => {
    const got: string[] = [];
    const error = await (async () => {
      for await (const f of frames(
        [new Uint8Array([...lengthFrame('ok'), 0])],
        new LengthFieldDecoder({ lengthFieldLength: 2 }),
      )) {
        got.push(new TextDecoder().decode(f));
      }
    })().catch((e: unknown) => e);
    expect(got).toEqual(['ok']);
    expect(error).toBeInstanceOf(TruncatedFrameError);
  });

  test('reads the next chunk only when the next frame is asked for', async () => {
    const { stream, state } = source(Array.from({ length: 100 }, (_, i) => bytes(`${i}\n`)));
    const it = frames(stream, new LineDecoder())[Symbol.asyncIterator]();
    expect(state.pulls).toBe(0); // nothing happens before the first next()
    await it.next();
    await it.next();
    await sleep(20);
    expect(state.pulls).toBe(2);
    await it.return(undefined);
  });

  describe('early exit releases the source', () => {
    test('break cancels a ReadableStream and releases its lock', async () => {
      const { stream, state } = source([bytes('a\nb\n'), bytes('c\n')]);
      for await (const f of frames(stream, new LineDecoder())) {
        expect(text([f])).toEqual(['a']);
        break;
      }
      expect(stream.locked).toBe(false);
      expect(state.cancelled).toBe(true);
    });

    test('with preventCancel the rest of the stream can be read by someone else', async () => {
      const { stream, state } = source([bytes('a\nb\n'), bytes('c\n')]);
      const decoder = new LineDecoder();
      for await (const f of frames(stream, decoder, { preventCancel: true })) {
        expect(text([f])).toEqual(['a']);
        break;
      }
      expect(stream.locked).toBe(false);
      expect(state.cancelled).toBe(false);
      // "b" was decoded with the first chunk and is gone with the loop; the next chunk is not.
      expect(await collect(frames(stream, decoder))).toEqual(['c']);
    });

    test('a decoder error cancels a ReadableStream and releases its lock', async () => {
      const { stream, state } = source([bytes('ab|'), bytes('toolong|'), bytes('never read|')]);
      await expect(
        collect(frames(stream, new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3 }))),
      ).rejects.toBeInstanceOf(FrameTooLongError);
      expect(stream.locked).toBe(false);
      expect(state.cancelled).toBe(true);
      expect(state.pulls).toBe(2);
    });

    test('an erroring source rejects the loop and its lock is released', async () => {
      const boom = new Error('connection reset');
      let pulls = 0;
      const stream = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (pulls++ === 0) controller.enqueue(bytes('a\n'));
            else controller.error(boom);
          },
        },
        { highWaterMark: 0 },
      );
      const got: string[] = [];
      await expect(
        (async () => {
          for await (const f of frames(stream, new LineDecoder())) got.push(...text([f]));
        })(),
      ).rejects.toBe(boom);
      expect(got).toEqual(['a']);
      expect(stream.locked).toBe(false);
    });

    test('break calls return() on an async iterable source', async () => {
      let closed = false;
      async function* socket() {
        try {
          for (let i = 0; ; i++) yield bytes(`${i}\n`);
        } finally {
          closed = true;
        }
      }
      for await (const f of frames(socket(), new LineDecoder())) {
        if (text([f])[0] === '2') break;
      }
      expect(closed).toBe(true);
    });
  });

  test('rejects what is not a source or a decoder, when called', () => {
    expect(() => frames(42 as never, new LineDecoder())).toThrow(InvalidOptionError);
    expect(() => frames([], {} as FrameDecoder)).toThrow(InvalidOptionError);
    expect(() => frames([], new LineDecoder(), { preventCancel: 'yes' as never })).toThrow(/preventCancel/);
  });
});
