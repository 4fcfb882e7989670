// Type-level tests: the frame type T of FrameDecoder<T> (SPEC section 2) flows
// through every adapter, so that a TextLineDecoder's frames are strings and every
// other decoder's are Uint8Arrays. `npx tsc -p .` checks this file: each
// `// @ts-expect-error` line must be an error (else tsc fails), every other line
// must type-check. The tests only run what is cheap to run.
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  DecoderStream,
  type FrameDecoder,
  type FramedStream,
  framedStream,
  frames,
  type FrameTooLongError,
  FramingError,
  InvalidDataError,
  LengthFieldDecoder,
  LineDecoder,
  TextLineDecoder,
} from '../../src/index.js';
import { decoderTransform, type Framed, framed, type FrameTransform } from '../../src/node/index.js';

const bytes = new TextEncoder().encode('a\nb\n');

describe('FrameDecoder<T>', () => {
  test('TextLineDecoder is a FrameDecoder<string>; the others are FrameDecoder<Uint8Array>', () => {
    const text: FrameDecoder<string> = new TextLineDecoder();
    const binary: FrameDecoder = new LineDecoder();
    const explicit: FrameDecoder<Uint8Array> = new LengthFieldDecoder();
    // @ts-expect-error strings are not byte frames
    const wrong: FrameDecoder = new TextLineDecoder();
    // @ts-expect-error byte frames are not strings
    const wrong2: FrameDecoder<string> = new LineDecoder();
    expect([text, binary, explicit, wrong, wrong2].length).toBe(5);

    expectTypeOf(new TextLineDecoder().decode(bytes)).toEqualTypeOf<string[]>();
    expectTypeOf(new TextLineDecoder().end()).toEqualTypeOf<string[]>();
    expectTypeOf(new LineDecoder().decode(bytes)).toEqualTypeOf<Uint8Array[]>();
    new TextLineDecoder().decodeEach(bytes, (line) => expectTypeOf(line).toEqualTypeOf<string>());
    // takeBuffered() gives bytes whatever the frames are.
    expectTypeOf(new TextLineDecoder().takeBuffered()).toEqualTypeOf<Uint8Array>();
    // @ts-expect-error a line is a string
    new TextLineDecoder().decodeEach(bytes, (line: Uint8Array) => line);
  });

  test("errors carry the decoder's frames", () => {
    expectTypeOf<InvalidDataError['frames']>().toEqualTypeOf<string[]>();
    expectTypeOf<FrameTooLongError['frames']>().toEqualTypeOf<Uint8Array[]>();
    expectTypeOf<FrameTooLongError<string>['frames']>().toEqualTypeOf<string[]>();
    try {
      new TextLineDecoder({ fatal: true }).decode(new Uint8Array([0xff, 0x0a]));
    } catch (e) {
      if (e instanceof InvalidDataError) {
        expectTypeOf(e.frames).toEqualTypeOf<string[]>();
        // @ts-expect-error the lines before the fault are strings
        const first: Uint8Array | undefined = e.frames[0];
        expect(first).toBeUndefined();
      }
      // instanceof on a generic class gives any frames: existing code keeps compiling.
      // biome-ignore lint/suspicious/noExplicitAny: what TypeScript gives, asserted
      if (e instanceof FramingError) expectTypeOf(e.frames).toEqualTypeOf<any[]>();
    }
  });
});

describe('the adapters pass T through', () => {
  test('DecoderStream<T>', async () => {
    const lines = new Response('a\nb').body!.pipeThrough(new DecoderStream(new TextLineDecoder()));
    expectTypeOf(lines).toEqualTypeOf<ReadableStream<string>>();
    const frames = new Response('a\nb').body!.pipeThrough(new DecoderStream(new LineDecoder()));
    expectTypeOf(frames).toEqualTypeOf<ReadableStream<Uint8Array>>();
    // @ts-expect-error lines are strings
    const wrong: ReadableStream<Uint8Array> = lines;
    const { value } = await lines.getReader().read();
    expect(value).toBe('a');
    await frames.cancel();
    expect(wrong).toBe(lines);
  });

  test('decoderTransform<T>', async () => {
    const t = decoderTransform(new TextLineDecoder());
    expectTypeOf(t).toEqualTypeOf<FrameTransform<string>>();
    const got: string[] = [];
    // Still a Transform for pipeline(), with a typed or untyped destination.
    await pipeline(Readable.from([bytes]), t, async (lines: AsyncIterable<string>) => {
      for await (const line of lines) got.push(line);
    });
    expect(got).toEqual(['a', 'b']);
    const sink = new Writable({ objectMode: true, write: (_c, _e, done) => done() });
    await pipeline(Readable.from([bytes]), decoderTransform(new LineDecoder()), sink);
    await pipeline(
      Readable.from([bytes]),
      decoderTransform(new LineDecoder()),
      async (f: AsyncIterable<Uint8Array>) => {
        for await (const frame of f) expect(frame).toBeInstanceOf(Uint8Array);
      },
    );
    for await (const line of decoderTransform(new TextLineDecoder()).end(bytes)) {
      expectTypeOf(line).toEqualTypeOf<string>();
    }
    const typed = decoderTransform(new TextLineDecoder());
    typed.end(bytes);
    for await (const line of typed) {
      expectTypeOf(line).toEqualTypeOf<string>();
      // @ts-expect-error a line is a string
      const frame: Uint8Array = line;
      expect(typeof frame).toBe('string');
    }
    for await (const frame of decoderTransform(new LineDecoder()).end(bytes)) {
      expect(frame).toBeDefined();
    }
  });

  test('frames<T>', async () => {
    const got: string[] = [];
    for await (const line of frames([bytes], new TextLineDecoder())) {
      expectTypeOf(line).toEqualTypeOf<string>();
      got.push(line);
    }
    expect(got).toEqual(['a', 'b']);
    for await (const frame of frames([bytes], new LineDecoder())) {
      expectTypeOf(frame).toEqualTypeOf<Uint8Array>();
      // @ts-expect-error a frame is bytes
      const text: string = frame;
      expect(text).toBeInstanceOf(Uint8Array);
    }
    expectTypeOf(frames([bytes], new TextLineDecoder())).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  test('framed<T> (Node) and framedStream<T>', async () => {
    const socket = new PassThrough();
    const conn = framed(socket, { decoder: new TextLineDecoder() });
    expectTypeOf(conn).toEqualTypeOf<Framed<string>>();
    expectTypeOf(conn.decoder).toEqualTypeOf<FrameDecoder<string>>();
    const switchFraming = (c: Framed<string>) => {
      // @ts-expect-error the connection's frames are strings: its decoder must give strings
      c.decoder = new LineDecoder();
      c.decoder = new TextLineDecoder({ allowCR: true });
    };
    expect(typeof switchFraming).toBe('function'); // types only: not called
    socket.end(bytes);
    const got: string[] = [];
    for await (const line of conn) {
      expectTypeOf(line).toEqualTypeOf<string>();
      got.push(line);
    }
    expect(got).toEqual(['a', 'b']);
    expectTypeOf(framed(new PassThrough(), { decoder: new LineDecoder() })).toEqualTypeOf<Framed<Uint8Array>>();

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const stream = framedStream({ readable, writable }, { decoder: new TextLineDecoder() });
    expectTypeOf(stream).toEqualTypeOf<FramedStream<string>>();
    const read = async () => {
      for await (const line of stream) expectTypeOf(line).toEqualTypeOf<string>();
    };
    expect(typeof read).toBe('function'); // types only: the transport never ends
    await stream.close();
  });
});
