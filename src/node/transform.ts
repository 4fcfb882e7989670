/**
 * Node stream adapters: a decoder or an encoder as a `stream.Transform`, for
 * `pipeline()`. The codec does the work; these only move chunks and errors.
 *
 * ```
 * socket --bytes--> decoderTransform(decoder) --frames--> your Writable / for await
 * your frames --payloads--> encoderTransform(encoder) --bytes--> socket
 * ```
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FrameDecoder } from '../codec/decoder.js';
import { encodeMany, encodeOne, type FrameEncoder } from '../codec/encoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import { describe, requireDecoder, requireEncoder } from '../codec/options.js';

/** Buffer sizes of the transforms (passed to `stream.Transform`). */
export interface CodecTransformOptions {
  /** Frames (decoder) or bytes (encoder) buffered on the readable side. @default Node's default */
  readableHighWaterMark?: number;
  /** Bytes (decoder) or payloads (encoder) buffered on the writable side. @default Node's default */
  writableHighWaterMark?: number;
}

function sizes(options: CodecTransformOptions | undefined): CodecTransformOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', `options must be an object, got ${describe(options)}`);
  }
  const out: CodecTransformOptions = {};
  for (const key of ['readableHighWaterMark', 'writableHighWaterMark'] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new InvalidOptionError(key, `${key} must be an integer >= 1, got ${describe(v)}`);
    }
    out[key] = v;
  }
  return out;
}

/**
 * Bytes in, frames out. Each frame is one chunk of the readable side (object
 * mode), so boundaries survive. Frames are stable (see `decode()`).
 *
 * A framing error fails the stream only after every frame completed before the
 * fault has been read by the consumer: they are pushed first, and the error is
 * raised once the readable buffer has been drained (the error's `frames` is then
 * empty: they were delivered). At the end of the input, `decoder.end()` applies
 * the decoder's `trailing` option, so a stream cut inside a frame raises
 * `TruncatedFrameError` (by default for length-field and fixed-length framing).
 */
class DecoderTransform<T> extends Transform {
  readonly #decoder: FrameDecoder<T>;
  /** A failure waiting for the frames before it to be read. */
  #failure: { error: unknown; callback: TransformCallback } | null = null;

  constructor(decoder: FrameDecoder<T>, options: CodecTransformOptions) {
    super({ ...options, readableObjectMode: true, writableObjectMode: false });
    this.#decoder = decoder;
  }

  override _transform(chunk: Uint8Array, _encoding: BufferEncoding, callback: TransformCallback): void {
    let frames: T[];
    try {
      frames = this.#decoder.decode(chunk);
    } catch (error) {
      this.#failAfter(takeFrames<T>(error), error, callback);
      return;
    }
    for (let i = 0; i < frames.length; i++) this.push(frames[i]);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    let frames: T[];
    try {
      frames = this.#decoder.end();
    } catch (error) {
      this.#failAfter(takeFrames<T>(error), error, callback);
      return;
    }
    for (let i = 0; i < frames.length; i++) this.push(frames[i]);
    callback();
  }

  /** Every consumer (flowing mode, pipe, async iterator) takes frames through read(). */
  // biome-ignore lint/suspicious/noExplicitAny: the signature of stream.Readable#read, which this overrides
  override read(size?: number): any {
    const chunk = super.read(size);
    if (this.#failure !== null && this.readableLength === 0) this.#raise();
    return chunk;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#failure = null;
    callback(error);
  }

  #failAfter(frames: T[], error: unknown, callback: TransformCallback): void {
    for (let i = 0; i < frames.length; i++) this.push(frames[i]);
    this.#failure = { error, callback };
    // In flowing mode the frames were emitted at once; otherwise read() raises it.
    if (this.readableLength === 0) this.#raise();
  }

  #raise(): void {
    const { error, callback } = this.#failure!;
    this.#failure = null;
    process.nextTick(callback, error as Error);
  }
}

/**
 * What {@link decoderTransform} returns: a `stream.Transform` whose readable side
 * gives frames of type `T` (`Uint8Array`, or `string` for a `TextLineDecoder`):
 * `for await (const frame of transform)` has `frame: T`. (A type, not a class:
 * the frame type is added in front of `Transform`'s, so that the transform stays
 * a `Transform` for `pipeline()`, whose typings expect `string | Buffer` chunks.)
 */
export type FrameTransform<T = Uint8Array> = { [Symbol.asyncIterator](): NodeJS.AsyncIterator<T> } & Transform;

/** A batch of payloads handed to `_transform` by `_writev`. */
class Batch {
  constructor(readonly payloads: Uint8Array[]) {}
}

/**
 * Payloads in, framed bytes out. Payloads written faster than the readable side is
 * read are framed together (`encodeAll`: one chunk, so one socket write).
 * A payload the encoder rejects (e.g. `FrameTooLongError`) fails the stream.
 */
class EncoderTransform extends Transform {
  readonly #encoder: FrameEncoder;

  constructor(encoder: FrameEncoder, options: CodecTransformOptions) {
    super({ ...options, writableObjectMode: true, readableObjectMode: false });
    this.#encoder = encoder;
  }

  override _transform(payload: Uint8Array | Batch, _encoding: BufferEncoding, callback: TransformCallback): void {
    let bytes: Uint8Array;
    try {
      bytes =
        payload instanceof Batch ? encodeMany(this.#encoder, payload.payloads) : encodeOne(this.#encoder, payload);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, bytes);
  }

  override _writev(chunks: Array<{ chunk: Uint8Array }>, callback: (error?: Error | null) => void): void {
    // Transform's _write applies the readable side's backpressure to the callback.
    this._write(new Batch(chunks.map((c) => c.chunk)), 'buffer' as BufferEncoding, callback);
  }
}

/**
 * A `stream.Transform` that turns bytes into frames with `decoder`: each frame is
 * one object-mode chunk. At the end of the input it applies the decoder's
 * `trailing` option; a `FramingError` fails the stream after every frame completed
 * before the fault has been read. The transform does not free the decoder.
 *
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { pipeline } from 'node:stream/promises';
 * import { LineDecoder } from 'framecodec';
 * import { decoderTransform } from 'framecodec/node';
 * const input = Readable.from([Buffer.from('one\ntw'), Buffer.from('o\n')]); // or a socket, a file, stdin
 * const lines: string[] = [];
 * await pipeline(input, decoderTransform(new LineDecoder()), async (frames: AsyncIterable<Uint8Array>) => {
 *   for await (const line of frames) lines.push(new TextDecoder().decode(line));
 * });
 * console.log(lines); // => ["one","two"]
 * ```
 */
export function decoderTransform<T = Uint8Array>(
  decoder: FrameDecoder<T>,
  options?: CodecTransformOptions,
): FrameTransform<T> {
  return new DecoderTransform(requireDecoder(decoder), sizes(options)) as FrameTransform<T>;
}

/**
 * A `stream.Transform` that frames each payload written to it with `encoder`
 * (object mode in, bytes out): any framecodec encoder, or any `FrameEncoder`.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { Readable } from 'node:stream';
 * import { LengthFieldEncoder } from 'framecodec';
 * import { encoderTransform } from 'framecodec/node';
 * const payloads = [new Uint8Array([1, 2]), new Uint8Array([3])];
 * const wire: number[] = [];
 * await pipeline(
 *   Readable.from(payloads),
 *   encoderTransform(new LengthFieldEncoder()),
 *   async (chunks: AsyncIterable<Uint8Array>) => {
 *     for await (const chunk of chunks) wire.push(...chunk);
 *   },
 * );
 * console.log(wire); // => [0,0,0,2,1,2,0,0,0,1,3]
 * // To send them: pipeline(Readable.from(payloads), encoderTransform(encoder), socket)
 * ```
 */
export function encoderTransform(encoder: FrameEncoder, options?: CodecTransformOptions): Transform {
  return new EncoderTransform(requireEncoder(encoder), sizes(options));
}
