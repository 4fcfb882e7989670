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
  return new FrameIterator(chunks, decoder, signal) as unknown as AsyncGenerator<T, void, undefined>;
}

// ---------------------------------------------------------------------------
// Private helpers.

type Chunk = Uint8Array | ArrayBuffer;

/** A source of chunks, read one at a time, and how to let go of it. */
interface Chunks {
  /**
   * The next chunk when the source can give it without waiting (a sync iterable,
   * a Node stream with chunks buffered); otherwise undefined, and `next()` reads.
   */
  ready(): IteratorResult<Chunk, unknown> | undefined;
  next(): Promise<IteratorResult<Chunk, unknown>>;
  /**
   * Lets go of the source: with `early` (the consumer stopped, a read or the
   * decoder failed, the signal was aborted) a stream is cancelled with `reason`
   * (unless preventCancel) and an iterator returned; a stream is unlocked in any
   * case. `reading`: a `next()` is still in progress (abandoned by an abort).
   * Called once at most; never rejects.
   */
  release(early: boolean, reason: unknown, reading: boolean): Promise<void>;
}

/**
 * Decodes chunk after chunk, then ends the decoder; each step only when the
 * consumer asks. An abort rejects a pending read at once (the read itself is
 * abandoned) and releases the source.
 *
 * A hand-written async iterator rather than an async generator: a frame already
 * decoded is handed out by a `next()` that returns an already-resolved promise,
 * with none of the generator machinery (about a third of the cost per frame of
 * `yield*` over a synchronous generator inside an async one). A `next()` that
 * reads a chunk awaits once, the read itself: `next()` is not an async function
 * (one returning a promise costs two more turns of the microtask queue), each
 * call leaves the queue of calls itself (no wrapper to await), and no promise is
 * made to chain the calls while only one is in flight. States:
 *
 *   reading   frames queued from the last decode() are handed out; when none is
 *             left, the next chunk is read and decoded (or end() at the source's end)
 *   failing   the frames completed before a decoder error are handed out, then the
 *             error is thrown
 *   done      the source is released; next() gives { done: true }
 */
class FrameIterator<T> {
  private queue: T[] = [];
  private at = 0;
  /** A decoder error, thrown once the frames before it have been handed out. */
  private failure: { error: unknown } | null = null;
  /** The source has ended and end() has run. */
  private exhausted = false;
  private done = false;
  private released: Promise<void> | null = null;
  /** Calls in flight or waiting; while there is one, calls made meanwhile run after it, in order. */
  private busy = 0;
  /** Starts each waiting call, in order (see serial()). */
  private waiting: (() => void)[] = [];
  /**
   * With a signal, while the source's `next()` is in progress: rejects the read
   * with the abort's reason. Stays set until that `next()` settles, even after.
   */
  private abortRead: ((reason: unknown) => void) | null = null;
  private readonly onAbort = (): void => {
    this.abortRead?.(this.signal!.reason);
    void this.release();
  };

  constructor(
    private readonly chunks: Chunks,
    private readonly decoder: FrameDecoder<T>,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort);
  }

  next(): Promise<IteratorResult<T, void>> {
    // The common case: a frame is queued and nothing else is going on.
    if (this.busy === 0 && this.at < this.queue.length && !this.signal?.aborted) {
      return Promise.resolve({ value: this.queue[this.at++], done: false });
    }
    return this.serial(this.step);
  }

  return(): Promise<IteratorResult<T, void>> {
    return this.serial(async () => {
      try {
        await this.finish();
        return { value: undefined, done: true };
      } finally {
        this.leave();
      }
    });
  }

  throw(error: unknown): Promise<IteratorResult<T, void>> {
    const result = this.serial(async (): Promise<IteratorResult<T, void>> => {
      try {
        await this.finish();
        throw error;
      } finally {
        this.leave();
      }
    });
    // Handled here, as it always was: ignoring what throw() returns raises no unhandled rejection.
    result.catch(() => {});
    return result;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** next() when it cannot hand out a queued frame at once; run by serial(). */
  private readonly step = async (): Promise<IteratorResult<T, void>> => {
    try {
      for (;;) {
        if (this.done) return { value: undefined, done: true };
        if (this.signal?.aborted) return await this.fail(this.signal.reason);
        if (this.at < this.queue.length) return { value: this.queue[this.at++], done: false };
        if (this.failure !== null) return await this.fail(this.failure.error);
        if (this.exhausted) {
          await this.finish();
          return { value: undefined, done: true };
        }
        let ended = false;
        let chunk: Chunk | undefined;
        try {
          // The source's result is read here, so that a malformed one fails as a read.
          const next = this.chunks.ready() ?? (await this.read());
          if (next.done) ended = true;
          else chunk = next.value;
        } catch (e) {
          return await this.fail(e);
        }
        // The frames of one decoder call; on an error, those completed before it, then the error.
        this.at = 0;
        try {
          if (ended) {
            this.exhausted = true;
            this.queue = this.decoder.end();
          } else {
            this.queue = this.decoder.decode(chunk);
          }
        } catch (e) {
          this.queue = takeFrames<T>(e);
          this.failure = { error: e };
        }
      }
    } finally {
      this.leave();
    }
  };

  /** The next chunk; with a signal, a read that an abort rejects at once. */
  private read(): Promise<IteratorResult<Chunk, unknown>> {
    const pending = this.chunks.next();
    if (this.signal === undefined) return pending;
    return new Promise<IteratorResult<Chunk, unknown>>((resolve, reject) => {
      this.abortRead = reject;
      pending.then(
        (result) => {
          this.abortRead = null;
          resolve(result);
        },
        (error) => {
          this.abortRead = null;
          reject(error);
        },
      );
    });
  }

  private async fail(error: unknown): Promise<never> {
    this.failure = null;
    await this.finish();
    throw error;
  }

  /** Done: no more frames, the abort listener removed, the source released. */
  private async finish(): Promise<void> {
    if (!this.done) {
      this.done = true;
      this.queue = [];
      this.at = 0;
      this.signal?.removeEventListener('abort', this.onAbort);
    }
    await this.release();
  }

  private release(): Promise<void> {
    // Calls are serial, so the source can still be reading only when an abort
    // cut its read short (abortRead is set until that read settles).
    this.released ??= this.chunks.release(!this.exhausted, this.signal?.reason, this.abortRead !== null);
    return this.released;
  }

  /**
   * Runs `call` at once if no call is in flight, else after those in flight and
   * waiting (as a generator queues its calls). `call` must end with `leave()`,
   * in a `finally`: `busy` then drops before the returned promise settles, so
   * that the caller's next `next()` can take the fast path.
   */
  private serial<R>(call: () => Promise<R>): Promise<R> {
    if (this.busy++ === 0) return call();
    return new Promise<void>((start) => this.waiting.push(start)).then(call);
  }

  /** Ends a call run by serial(): starts the first waiting call, if any. */
  private leave(): void {
    this.busy--;
    this.waiting.shift()?.();
  }
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
    ready: () => undefined,
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
 * `for await` does, when they are promises: others are taken as they are, with no
 * wait). An async iterator's results are passed on as they come, with no await of
 * ours in between. A Node `Readable` whose iterator is the stock one (it reads
 * with `read()` and waits for `'readable'`) is read with `read()` directly while
 * it has chunks buffered, once its iterator has started (and listens for errors):
 * a chunk then costs no turn of an async generator. Released early, its
 * iterator's `return()` is called, and awaited unless a `next()` is still in
 * progress: an async generator runs `return()` only once that settles.
 */
function iterableChunks(source: AsyncIterable<Chunk> | Iterable<Chunk>): Chunks {
  const isAsync = typeof (source as AsyncIterable<Chunk>)[Symbol.asyncIterator] === 'function';
  let iterator: AsyncIterator<Chunk> | Iterator<Chunk> | null = null;
  const open = () =>
    (iterator ??= isAsync
      ? (source as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
      : (source as Iterable<Chunk>)[Symbol.iterator]());
  const release = async (early: boolean, _reason: unknown, reading: boolean) => {
    if (!early) return;
    const done = Promise.resolve()
      .then(() => open().return?.())
      .then(
        () => {},
        () => {},
      );
    if (!reading) await done;
  };
  if (!isAsync) {
    // A result whose value is a promise, left for next() to await.
    let thenable: IteratorResult<unknown> | null = null;
    return {
      ready() {
        const r = (open() as Iterator<unknown>).next();
        if (r.done || !isThenable(r.value)) return r as IteratorResult<Chunk, unknown>;
        thenable = r;
        return undefined;
      },
      async next() {
        const r = thenable!;
        thenable = null;
        return { done: false, value: (await r.value) as Chunk };
      },
      release,
    };
  }
  const stream = nodeReadable(source);
  let started = false;
  return {
    ready() {
      if (!started || stream === null || stream.destroyed) return undefined;
      const chunk = stream.read();
      return chunk === null ? undefined : { done: false, value: chunk };
    },
    next() {
      started = true;
      try {
        return Promise.resolve((open() as AsyncIterator<Chunk>).next());
      } catch (e) {
        return Promise.reject(e);
      }
    },
    release,
  };
}

/** What frames() uses of a Node `Readable`. */
interface NodeReadable {
  readonly destroyed: boolean;
  read(): Chunk | null;
}

/**
 * `source` as a Node `Readable` (or a Duplex, a socket) whose async iterator is
 * `Readable.prototype`'s, which reads with `read()`; else null. Recognised by
 * shape, without importing Node: the object on its prototype chain that owns
 * `Symbol.asyncIterator` also owns `read`, `unshift` and `wrap`.
 */
function nodeReadable(source: object): NodeReadable | null {
  const s = source as Partial<NodeReadable> & { readableLength?: unknown };
  if (typeof s.read !== 'function' || typeof s.readableLength !== 'number') return null;
  let owner: object | null = source;
  while (owner !== null && !Object.hasOwn(owner, Symbol.asyncIterator)) owner = Object.getPrototypeOf(owner);
  if (owner === null || !['read', 'unshift', 'wrap'].every((k) => Object.hasOwn(owner!, k))) return null;
  return s as NodeReadable;
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function isReadableStream<T>(source: unknown): source is ReadableStream<T> {
  return typeof source === 'object' && source !== null && typeof (source as ReadableStream<T>).getReader === 'function';
}

function isIterable(source: unknown): source is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof source !== 'object' || source === null) return false;
  const s = source as Record<symbol, unknown>;
  return typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function';
}
