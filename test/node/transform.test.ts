// decoderTransform / encoderTransform: pipeline() over loopback TCP, trailing at
// the end, and errors raised only after the frames before them were read.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import {
  CorruptLengthError,
  DelimiterEncoder,
  FrameTooLongError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
} from '../../src/index.js';
import { decoderTransform, encoderTransform } from '../../src/node/index.js';
import { pair, randomBytes, rng, sameFrames, sleep, within } from './_tcp.js';

const utf8 = new TextEncoder();
const text = (f: Uint8Array) => new TextDecoder().decode(f);

/** A sink that records what reaches it, slowly if asked. */
function sink(delayMs = 0): { frames: Uint8Array[]; stream: Writable } {
  const frames: Uint8Array[] = [];
  const stream = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(frame: Uint8Array, _e, done) {
      frames.push(frame);
      if (delayMs) setTimeout(done, delayMs);
      else done();
    },
  });
  return { frames, stream };
}

describe('over loopback TCP', () => {
  test('encoderTransform -> socket -> decoderTransform restores every payload, in order', async () => {
    const p = await pair();
    try {
      const rand = rng(42);
      const payloads = Array.from({ length: 2000 }, (_, k) => randomBytes(rand, k % 250 === 0 ? 150_000 : rand(200)));
      const { frames, stream } = sink();
      const sending = pipeline(Readable.from(payloads), encoderTransform(new LengthFieldEncoder()), p.client);
      const receiving = pipeline(p.accepted, decoderTransform(new LengthFieldDecoder()), stream);
      await within(Promise.all([sending, receiving]), 20_000, 'pipelines');
      expect(sameFrames(frames, payloads)).toBeNull();
    } finally {
      await p.dispose();
    }
  });

  test('a FIN inside a frame fails the pipeline with TruncatedFrameError after the whole frames', async () => {
    const p = await pair();
    try {
      const { frames, stream } = sink();
      const receiving = pipeline(p.accepted, decoderTransform(new LengthFieldDecoder()), stream);
      const wire = new LengthFieldEncoder().encodeAll([utf8.encode('one'), utf8.encode('two'), utf8.encode('three')]);
      p.client.end(wire.subarray(0, wire.length - 2));
      const error = await within(
        receiving.then(
          () => null,
          (e: unknown) => e,
        ),
        5000,
        'pipeline',
      );
      expect(error).toBeInstanceOf(TruncatedFrameError);
      expect(text((error as TruncatedFrameError).partial.subarray(4))).toBe('thr');
      expect(frames.map(text)).toEqual(['one', 'two']);
    } finally {
      await p.dispose();
    }
  });
});

describe('errors come after the frames before them', () => {
  // 3 good frames, then a length field above maxFrameLength, in one chunk.
  const good = new LengthFieldEncoder().encodeAll(['a', 'b', 'c'].map((s) => utf8.encode(s)));
  const chunk = Buffer.concat([good, Buffer.from([0x7f, 0, 0, 0])]);

  test('a slow pipeline destination receives every frame, then the FrameTooLongError', async () => {
    const { frames, stream } = sink(5);
    const error = await pipeline(
      Readable.from([chunk]),
      decoderTransform(new LengthFieldDecoder({ maxFrameLength: 100 })),
      stream,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FrameTooLongError);
    expect((error as FrameTooLongError).frames).toEqual([]); // delivered as chunks instead
    expect(frames.map(text)).toEqual(['a', 'b', 'c']);
  });

  test('an async iterator that reads one frame at a time gets every frame, then the error', async () => {
    const t = decoderTransform(new LengthFieldDecoder({ maxFrameLength: 100 }));
    t.end(chunk);
    const got: string[] = [];
    let error: unknown = null;
    try {
      for await (const f of t) {
        got.push(text(f));
        await sleep(5);
      }
    } catch (e) {
      error = e;
    }
    expect(got).toEqual(['a', 'b', 'c']);
    expect(error).toBeInstanceOf(FrameTooLongError);
  });

  test('a corrupt length after frames of an earlier chunk: those and the new ones come first', async () => {
    const decoder = new LengthFieldDecoder({ lengthFieldLength: 1, lengthAdjustment: -1 });
    const { frames, stream } = sink(2);
    // The field counts the whole frame: 0x02 is a header and one byte; 0x00 is shorter than its header.
    const chunks = [Buffer.from([2, 1, 2, 2]), Buffer.from([2, 3, 0])];
    const error = await pipeline(Readable.from(chunks), decoderTransform(decoder), stream).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptLengthError);
    expect(frames.map((f) => [...f])).toEqual([[1], [2], [3]]);
  });

  test('trailing at the end of input: LineDecoder emits the last line without a newline', async () => {
    const { frames, stream } = sink();
    await pipeline(Readable.from([utf8.encode('x\ny')]), decoderTransform(new LineDecoder()), stream);
    expect(frames.map(text)).toEqual(['x', 'y']);
  });
});

describe('encoderTransform', () => {
  test('a payload the encoder rejects fails the stream', async () => {
    const { stream } = sink();
    const error = await pipeline(
      Readable.from([utf8.encode('ok'), utf8.encode('a\nb')]),
      encoderTransform(new DelimiterEncoder({ delimiter: '\n' })),
      stream,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('ERR_DELIMITER_IN_PAYLOAD');
  });

  test('payloads written faster than read are framed together in one chunk (encodeAll)', async () => {
    const t = encoderTransform(new LengthFieldEncoder({ lengthFieldLength: 1 }), { readableHighWaterMark: 1 });
    t.write(utf8.encode('a')); // taken at once
    t.write(utf8.encode('b')); // these wait in the writable buffer...
    t.write(utf8.encode('c'));
    t.end(utf8.encode('d'));
    const chunks: number[][] = [];
    for await (const c of t) chunks.push([...c]);
    expect(chunks.flat()).toEqual([1, 97, 1, 98, 1, 99, 1, 100]);
    expect(chunks.length).toBeLessThan(4); // ...and leave as one
  });

  test('options are validated', () => {
    expect(() => decoderTransform({} as never)).toThrow(InvalidOptionError);
    expect(() => encoderTransform(new LineDecoder() as never)).toThrow(InvalidOptionError);
    expect(() => decoderTransform(new LineDecoder(), { readableHighWaterMark: 0 })).toThrow(InvalidOptionError);
  });
});
