// frames(): the frames of a ReadableStream or an (async) iterable of chunks, as an
// async iterable.
import type { FrameDecoder } from '../codec/decoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import { boolean, describe, requireDecoder } from '../codec/options.js';

/**
 * What {@link frames} reads: a `ReadableStream`, or an async or sync iterable, of
 * byte chunks (`Uint8Array`s, Node `Buffer`s, `ArrayBuffer`s).
 *
 * @example
 * ```ts
 * import { type ByteSource, frames, LineDecoder } from 'framecodec';
 * const fromFetch: ByteSource = new Response('a\nb\n').body!; // as (await fetch(url)).body!
 * const fromArray: ByteSource = [new TextEncoder().encode('a\nb'), new TextEncoder().encode('\n')];
 * const lines = async (source: ByteSource) => {
 *   const out: string[] = [];
 *   for await (const line of frames(source, new LineDecoder())) out.push(new TextDecoder().decode(line));
 *   return out;
 * };
 * console.log(await lines(fromFetch)); // => ["a","b"]
 * console.log(await lines(fromArray)); // => ["a","b"]
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
   * for await (const line of frames(body, new LineDecoder(), { preventCancel: true })) {
   *   console.log(new TextDecoder().decode(line)); // => "HELLO"
   *   break;
   * }
   * // Released, not cancelled: the rest of the stream can be read by someone else.
   * console.log(body.locked); // => false
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
 * console.log(payloads); // => ["a","bc"]
 * ```
 */
export function frames(
  source: ByteSource,
  decoder: FrameDecoder,
  options: FramesOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  requireDecoder(decoder);
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
