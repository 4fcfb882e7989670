/**
 * WHATWG stream adapters: the same in Node ≥ 20, Deno, browsers and web workers.
 *
 * - {@link DecoderStream}: bytes in, frames out, for `pipeThrough`.
 * - {@link EncoderStream}: payloads in, framed bytes out.
 * - {@link frames}: an async iterable of frames from a `ReadableStream` or any
 *   (async) iterable of chunks, such as a Node socket.
 *
 * These are thin adapters: all framing is done by the decoder or encoder they
 * wrap, which they use but do not own (they never `free()` it).
 *
 * Copy semantics: frames are what `decoder.decode()` returns, so they are stable
 * (never views of decoder or WebAssembly memory), but a frame that lies wholly
 * inside one input chunk is a view of that chunk's buffer. Do not overwrite a
 * chunk after writing it to a `DecoderStream`, or copy the frames first.
 *
 * Backpressure: nothing is decoded ahead of the reader. A `DecoderStream` takes
 * the next chunk only when every frame of the previous one has been read and a
 * read is waiting; `frames()` reads the next chunk only when the loop asks for
 * the next frame.
 *
 * @module
 */
import type { FrameDecoder } from '../codec/decoder.js';
import { FramingError, InvalidOptionError } from '../codec/errors.js';
import { boolean, describe } from '../codec/options.js';

/**
 * What {@link EncoderStream} needs of an encoder: every framecodec encoder has it.
 *
 * @example
 * ```ts
 * import { EncoderStream, type FrameEncoder } from 'framecodec';
 * // A hand-written encoder: a 1-byte tag before each payload.
 * const tagged: FrameEncoder = { encode: (payload) => new Uint8Array([0x01, ...payload]) };
 * const stream = new EncoderStream(tagged);
 * ```
 */
export interface FrameEncoder {
  /** Returns the framed bytes of one payload. */
  encode(payload: Uint8Array): Uint8Array;
}

/**
 * A `TransformStream` from bytes to frames, wrapping any framecodec decoder.
 *
 * - Chunks may be `Uint8Array`s or `ArrayBuffer`s (a WebSocket's `binaryType =
 *   'arraybuffer'` messages); frames may span chunks or share one.
 * - At the end of the input it calls `decoder.end()`, so the decoder's `trailing`
 *   option applies: an incomplete last frame is emitted, dropped, or errors the
 *   stream with a `TruncatedFrameError`.
 * - A `FramingError` (too long, corrupt length, truncated) errors the stream, but
 *   only after every frame completed before the fault has been read. Those frames
 *   are not repeated in the error: its `frames` is empty.
 * - Backpressure: the writable side holds one chunk (high-water mark 1) and the
 *   readable side none (high-water mark 0): a chunk is decoded only when every
 *   frame of the one before has been read and a read is waiting.
 * - The decoder is used, not owned: the stream never frees it. After the stream
 *   closes it is reset by `end()`; after an error it is failed until `reset()`;
 *   after a cancel or abort it keeps what it holds until `reset()`.
 *
 * @example
 * ```ts
 * import { DecoderStream, LineDecoder } from 'framecodec';
 * const lines = new Response('one\ntwo\r\nthree').body!
 *   .pipeThrough(new DecoderStream(new LineDecoder()));
 * const reader = lines.getReader();
 * const text: string[] = [];
 * for (let r = await reader.read(); !r.done; r = await reader.read()) text.push(new TextDecoder().decode(r.value));
 * // text: ['one', 'two', 'three']  ('three' is the trailing frame, emitted at the end)
 * ```
 */
export class DecoderStream extends TransformStream<Uint8Array | ArrayBuffer, Uint8Array> {
  /** @param decoder any framecodec decoder (or other {@link FrameDecoder}). */
  constructor(decoder: FrameDecoder) {
    requireMethod(decoder, 'decoder', 'decode');
    super(
      {
        transform(chunk, controller) {
          let out: Uint8Array[];
          try {
            out = decoder.decode(chunk);
          } catch (e) {
            return fail(controller, e);
          }
          for (let i = 0; i < out.length; i++) controller.enqueue(out[i]);
        },
        flush(controller) {
          let out: Uint8Array[];
          try {
            out = decoder.end();
          } catch (e) {
            return fail(controller, e);
          }
          for (let i = 0; i < out.length; i++) controller.enqueue(out[i]);
          // Frames still queued are delivered before the readable side closes.
        },
      },
      { highWaterMark: 1 },
      { highWaterMark: 0 },
    );
  }
}

/**
 * A `TransformStream` from payloads to framed bytes: each chunk written becomes
 * one `encoder.encode(chunk)`. An error of the encoder (a payload too long for
 * the frame, a delimiter inside a payload) errors the stream; what was encoded
 * before it has already been read, as the readable side holds nothing (high-water
 * marks: writable 1 chunk, readable 0).
 *
 * @example
 * ```ts
 * import { EncoderStream, LengthFieldEncoder } from 'framecodec';
 * const { readable, writable } = new EncoderStream(new LengthFieldEncoder({ lengthFieldLength: 2 }));
 * const writer = writable.getWriter();
 * void writer.write(new Uint8Array([104, 105])); // "hi"
 * void writer.close();
 * const { value } = await readable.getReader().read();
 * // value: Uint8Array [0, 2, 104, 105]
 * ```
 */
export class EncoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /** @param encoder any framecodec encoder (or other {@link FrameEncoder}). */
  constructor(encoder: FrameEncoder) {
    requireMethod(encoder, 'encoder', 'encode');
    super(
      {
        transform(chunk, controller) {
          controller.enqueue(encoder.encode(chunk));
        },
      },
      { highWaterMark: 1 },
      { highWaterMark: 0 },
    );
  }
}

/**
 * What {@link frames} reads: a `ReadableStream`, or an async or sync iterable, of
 * byte chunks (`Uint8Array`s, Node `Buffer`s, `ArrayBuffer`s).
 *
 * @example
 * ```ts
 * import type { ByteSource } from 'framecodec';
 * const fromFetch: ByteSource = (await fetch('https://example.com/feed')).body!;
 * const fromArray: ByteSource = [new Uint8Array([0, 1, 97])];
 * ```
 */
export type ByteSource =
  | ReadableStream<Uint8Array | ArrayBuffer>
  | AsyncIterable<Uint8Array | ArrayBuffer>
  | Iterable<Uint8Array | ArrayBuffer>;

/** Options of {@link frames}. */
export interface FramesOptions {
  /**
   * When the loop stops early (`break`, `return`, a thrown error, a decoder
   * error), a `ReadableStream` source is cancelled unless this is true; its lock
   * is released either way, so with `preventCancel: true` the rest of the
   * stream can still be read by someone else. Ignored for iterable sources,
   * whose `return()` is called as `for await` does.
   * @default false
   *
   * @example
   * ```ts
   * import { frames, LineDecoder } from 'framecodec';
   * const body = new Response('HELLO\nrest of the stream').body!;
   * for await (const line of frames(body, new LineDecoder(), { preventCancel: true })) break; // "HELLO"
   * body.locked; // false: the rest can be read by someone else
   * ```
   */
  preventCancel?: boolean;
}

/**
 * The frames of a byte source, as an async iterable: a `ReadableStream` (such as
 * `response.body`), or any async or sync iterable of chunks (a Node socket, an
 * array). At the end of the source it calls `decoder.end()`, so `trailing`
 * applies. A decoder error is thrown from the loop after the frames completed
 * before it have been yielded (its `frames` is then empty).
 *
 * Chunks are read only as frames are asked for. When the loop exits early the
 * source is released (see {@link FramesOptions.preventCancel}) and the decoder
 * keeps whatever partial frame it holds; it is never freed.
 *
 * @example
 * ```ts
 * import { frames, LengthFieldDecoder } from 'framecodec';
 * const body = new Response(new Uint8Array([0, 1, 97, 0, 2, 98, 99])).body!;
 * const payloads: string[] = [];
 * for await (const frame of frames(body, new LengthFieldDecoder({ lengthFieldLength: 2 }))) {
 *   payloads.push(new TextDecoder().decode(frame));
 * }
 * // payloads: ['a', 'bc']
 * ```
 */
export function frames(
  source: ByteSource,
  decoder: FrameDecoder,
  options: FramesOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  requireMethod(decoder, 'decoder', 'decode');
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', `options must be an object, got ${describe(options)}`);
  }
  const preventCancel = boolean('preventCancel', options.preventCancel, false);
  let chunks: AsyncIterable<Uint8Array | ArrayBuffer> | Iterable<Uint8Array | ArrayBuffer>;
  if (isReadableStream<Uint8Array | ArrayBuffer>(source)) {
    chunks = readChunks(source, preventCancel);
  } else if (isIterable(source)) {
    chunks = source;
  } else {
    throw new InvalidOptionError(
      'source',
      `source must be a ReadableStream or an (async) iterable of chunks, got ${describe(source)}`,
    );
  }
  return decodeAll(chunks, decoder);
}

// ---------------------------------------------------------------------------
// Private helpers.

/** Decodes chunk after chunk, then ends the decoder; each step only when the consumer asks. */
async function* decodeAll(
  chunks: AsyncIterable<Uint8Array | ArrayBuffer> | Iterable<Uint8Array | ArrayBuffer>,
  decoder: FrameDecoder,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of chunks) {
    yield* decodeOrYieldBeforeThrow(() => decoder.decode(chunk));
  }
  yield* decodeOrYieldBeforeThrow(() => decoder.end());
}

/** Yields the frames `step` returns; if it throws, yields those it completed first, then rethrows. */
function* decodeOrYieldBeforeThrow(step: () => Uint8Array[]): Generator<Uint8Array, void, undefined> {
  let out: Uint8Array[];
  try {
    out = step();
  } catch (e) {
    yield* takeFrames(e);
    throw e;
  }
  yield* out;
}

/** The frames a decoder attached to its error, removed from it (they are delivered instead). */
function takeFrames(e: unknown): Uint8Array[] {
  if (!(e instanceof FramingError)) return [];
  const done = e.frames;
  e.frames = [];
  return done;
}

/**
 * Enqueues the frames completed before the fault, waits until they have all been
 * read, then errors the stream (by rejecting). Erroring at once would discard
 * them: an errored readable drops its queue.
 */
async function fail(controller: TransformStreamDefaultController<Uint8Array>, e: unknown): Promise<never> {
  const done = takeFrames(e);
  for (let i = 0; i < done.length; i++) controller.enqueue(done[i]);
  await drained(controller);
  throw e;
}

/**
 * Resolves when the readable side's queue is empty (every enqueued frame has been
 * handed to a read), or the readable side was cancelled or errored.
 *
 * A transformer is not told when its frames are read, so this polls
 * `desiredSize` (0 minus the queue's length, at high-water mark 0; 0 once
 * closed, null once errored), backing off from 1 ms to 50 ms. It runs only on
 * the error path, at most once per stream.
 */
async function drained(controller: TransformStreamDefaultController<Uint8Array>): Promise<void> {
  let wait = 1;
  while ((controller.desiredSize ?? 0) < 0) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 50);
  }
}

/**
 * The chunks of a ReadableStream, read one at a time as they are asked for. On
 * early exit (the consumer stopped, or a read failed) the stream is cancelled
 * unless `preventCancel`; the lock is released in every case.
 */
async function* readChunks<T>(stream: ReadableStream<T>, preventCancel: boolean): AsyncGenerator<T, void, undefined> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished && !preventCancel) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isReadableStream<T>(source: unknown): source is ReadableStream<T> {
  return typeof source === 'object' && source !== null && typeof (source as ReadableStream<T>).getReader === 'function';
}

function isIterable(source: unknown): source is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof source !== 'object' || source === null) return false;
  const s = source as Record<symbol, unknown>;
  return typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function';
}

function requireMethod(value: unknown, name: string, method: string): void {
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new InvalidOptionError(name, `${name} must be an object with a ${method}() method, got ${describe(value)}`);
  }
}
