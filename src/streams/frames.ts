// frames(): the frames of a ReadableStream or an (async) iterable of chunks, as an
// async iterable.
import type { FrameDecoder } from '../codec/decoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import { boolean, describe, requireDecoder, abortSignal } from '../codec/options.js';

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
  /**
   * Aborting it ends the iteration with `signal.reason`: the pending `next()`, or
   * the next one, rejects with it (frames decoded but not yet yielded are
   * dropped), and the source is released as when the loop exits early: a
   * `ReadableStream` is cancelled with the reason (unless `preventCancel`) and
   * unlocked, an iterable's `return()` is called. An already aborted signal ends
   * the iteration at the first `next()`. Without a signal the iteration can only
   * be ended by its consumer.
   *
   * @example
   * ```ts
   * import { frames, LineDecoder } from 'framecodec';
   * // A stream that sends two lines, then nothing (and never closes).
   * const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('a\nb\n')) });
   * const controller = new AbortController();
   * const lines: string[] = [];
   * try {
   *   for await (const line of frames(body, new LineDecoder(), { signal: controller.signal })) {
   *     lines.push(new TextDecoder().decode(line));
   *     if (lines.length === 2) setTimeout(() => controller.abort(new Error('idle for 10 ms')), 10);
   *   }
   * } catch (e) {
   *   console.log((e as Error).message); // => "idle for 10 ms"
   * }
   * console.log(lines); // => ["a","b"]
   * console.log(body.locked); // => false
   * ```
   */
  signal?: AbortSignal;
}

/**
 * The frames of a byte source, as an async iterable: a `ReadableStream` (such as
 * `response.body`), or any async or sync iterable of chunks (a Node socket, an
 * array). The frames are the decoder's (strings for a `TextLineDecoder`). At the end of the source it calls `decoder.end()`, so `trailing`
 * applies. A decoder error is thrown from the loop after the frames completed
 * before it have been yielded (its `frames` is then empty).
 *
 * Chunks are read only as frames are asked for. When the loop exits early, or
 * `signal` is aborted, the source is released (see {@link FramesOptions}) and the
 * decoder keeps whatever partial frame it holds; it is never freed.
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
export function frames<T = Uint8Array>(
  source: ByteSource,
  decoder: FrameDecoder<T>,
  options: FramesOptions = {},
): AsyncGenerator<T, void, undefined> {
  requireDecoder(decoder);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', `options must be an object, got ${describe(options)}`);
  }
  const preventCancel = boolean('preventCancel', options.preventCancel, false);
  const signal = abortSignal(options.signal);
  let chunks: Chunks;
  if (isReadableStream<Uint8Array | ArrayBuffer>(source)) {
    chunks = streamChunks(source, preventCancel);
  } else if (isIterable(source)) {
    chunks = iterableChunks(source);
  } else {
    throw new InvalidOptionError(
      'source',
      `source must be a ReadableStream or an (async) iterable of chunks, got ${describe(source)}`,
    );
  }
  return decodeAll(chunks, decoder, signal);
}

// ---------------------------------------------------------------------------
// Private helpers.

type Chunk = Uint8Array | ArrayBuffer;

/** A source of chunks, read one at a time, and how to let go of it. */
interface Chunks {
  next(): Promise<IteratorResult<Chunk, unknown>>;
  /**
   * Lets go of the source: with `early` (the consumer stopped, a read or the
   * decoder failed, the signal was aborted) a stream is cancelled with `reason`
   * (unless preventCancel) and an iterator returned; a stream is unlocked in any
   * case. Called once at most; never rejects.
   */
  release(early: boolean, reason: unknown): Promise<void>;
}

/**
 * Decodes chunk after chunk, then ends the decoder; each step only when the
 * consumer asks. An abort rejects a pending read at once (the read itself is
 * abandoned) and releases the source.
 */
async function* decodeAll<T>(
  chunks: Chunks,
  decoder: FrameDecoder<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T, void, undefined> {
  let exhausted = false;
  let released: Promise<void> | null = null;
  const release = () => (released ??= chunks.release(!exhausted, signal?.reason));
  /** Rejects the read in progress, if any, with the abort's reason. */
  let abortRead: ((reason: unknown) => void) | null = null;
  const onAbort = () => {
    abortRead?.(signal!.reason);
    void release();
  };
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const pending = chunks.next();
      const next =
        signal === undefined
          ? await pending
          : await new Promise<IteratorResult<Chunk, unknown>>((resolve, reject) => {
              abortRead = reject;
              pending.then(resolve, reject);
            }).finally(() => {
              abortRead = null;
            });
      if (next.done) break;
      yield* checked(
        decodeOrYieldBeforeThrow(() => decoder.decode(next.value)),
        signal,
      );
    }
    exhausted = true;
    yield* checked(
      decodeOrYieldBeforeThrow(() => decoder.end()),
      signal,
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await release();
  }
}

/** Yields `frames`; after each, when the consumer asks for the next, throws the abort's reason if aborted. */
function* checked<T>(frames: Iterable<T>, signal: AbortSignal | undefined): Generator<T, void, undefined> {
  for (const frame of frames) {
    yield frame;
    if (signal?.aborted) throw signal.reason;
  }
}

/** Yields the frames `step` returns; if it throws, yields those it completed first, then rethrows. */
function* decodeOrYieldBeforeThrow<T>(step: () => T[]): Generator<T, void, undefined> {
  let out: T[];
  try {
    out = step();
  } catch (e) {
    yield* takeFrames<T>(e);
    throw e;
  }
  yield* out;
}

/**
 * The chunks of a ReadableStream, read one at a time as they are asked for (the
 * reader is taken at the first read). Released early, the stream is cancelled
 * unless `preventCancel`; the lock is released in every case. Cancelling resolves
 * a read in progress; with preventCancel, unlocking rejects it.
 */
function streamChunks(stream: ReadableStream<Chunk>, preventCancel: boolean): Chunks {
  let reader: ReadableStreamDefaultReader<Chunk> | null = null;
  return {
    next() {
      reader ??= stream.getReader();
      return reader.read();
    },
    async release(early, reason) {
      if (reader === null) {
        if (early && !preventCancel && !stream.locked) await stream.cancel(reason).catch(() => {});
        return;
      }
      if (early && !preventCancel) await reader.cancel(reason).catch(() => {});
      reader.releaseLock();
    },
  };
}

/**
 * The chunks of an async or sync iterable (a sync one's values are awaited, as
 * `for await` does). Released early, its iterator's `return()` is called, and
 * awaited unless a `next()` is still in progress: an async generator runs
 * `return()` only once that settles.
 */
function iterableChunks(source: AsyncIterable<Chunk> | Iterable<Chunk>): Chunks {
  let iterator: AsyncIterator<Chunk> | Iterator<Chunk> | null = null;
  let reading = false;
  const open = () =>
    (iterator ??=
      typeof (source as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function'
        ? (source as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
        : (source as Iterable<Chunk>)[Symbol.iterator]());
  return {
    async next() {
      const it = open();
      reading = true;
      try {
        const r = await it.next();
        return r.done ? r : { done: false, value: await r.value };
      } finally {
        reading = false;
      }
    },
    async release(early) {
      if (!early) return;
      const done = Promise.resolve()
        .then(() => open().return?.())
        .then(
          () => {},
          () => {},
        );
      if (!reading) await done;
    },
  };
}

function isReadableStream<T>(source: unknown): source is ReadableStream<T> {
  return typeof source === 'object' && source !== null && typeof (source as ReadableStream<T>).getReader === 'function';
}

function isIterable(source: unknown): source is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof source !== 'object' || source === null) return false;
  const s = source as Record<symbol, unknown>;
  return typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function';
}
