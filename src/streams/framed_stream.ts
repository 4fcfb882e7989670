/**
 * `framedStream(transport, { decoder, encoder, signal })`: a full-duplex framed
 * connection over a pair of WHATWG streams, the universal counterpart of
 * `framed()` in `framecodec/node`. Frames in through an async iterator, frames
 * out through `write()`/`writeAll()`, and each direction closed on its own.
 *
 * ```
 *               transport.readable  (or Deno.Conn.read(p))
 *   peer ──bytes──► chunk ──decoder──► frames ──► for await (const frame of conn)
 *   peer ◄──bytes── transport.writable ◄── encoder ◄── conn.write(payload)
 * ```
 *
 * Reading is pulled by the iterator: a chunk is read from the transport only when
 * the loop asks for a frame and every frame of the previous chunk has been taken,
 * so an idle loop leaves the peer to TCP flow control (or the transport's own).
 * What is held is counted in chunks, not in frame bytes: a peer sending empty
 * frames (empty lines, length fields of 0) is held back like any other.
 *
 * Where each received byte is, for the decoder switch (`conn.decoder = next`):
 * ```
 *   stream offsets  ...[ lookback ][ batch: the last chunk decoded              ]
 *                                  ^ batchStart          ^ ends[head - 1]
 *                      frames of the batch: [ returned ... ][ queued ... ][ held ]
 *   handed over: the stream from ends[head - 1] on (the rest of the batch, which
 *   holds the queued frames and the decoder's partial frame), then #input
 * ```
 * `ends` are the offsets the decoder records right after each frame
 * (`decodeTracked`). A frame ends inside the chunk that completed it, except
 * when the decoder had to look past a delimiter to choose between delimiters
 * that start alike: then it ends a few bytes before, in `lookback`.
 * @module
 */
import { toBytes } from '../codec/_bytes.js';
import type { DecodeOptions } from '../codec/decoder.js';
import { encodeMany, encodeOne, encoderFor, type FrameEncoder } from '../codec/encoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import { abortSignal, describe, objectOption, requireDecoder, requireEncoder } from '../codec/options.js';

/**
 * What {@link framedStream} reads and writes: a pair of streams, as a Deno
 * `Deno.Conn`, a `WebTransport` bidirectional stream, the connection a
 * `WebSocketStream` opens, or Node's `Duplex.toWeb(socket)` have. When `read`
 * is there (`Deno.Conn`), frames are read with it instead of `readable`, and
 * `closeWrite()` / `close()` are used for `end()` / `close()`.
 */
export interface FramedTransport {
  /** The bytes from the peer (binary WebSocket messages come as ArrayBuffers). */
  readonly readable: ReadableStream<Uint8Array | ArrayBuffer>;
  /** The bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Reads into `p`; resolves to the number of bytes read, or null at the peer's end (`Deno.Conn.read`). */
  read?(p: Uint8Array): Promise<number | null>;
  /** Half-close: sends our end (TCP FIN) and keeps reading (`Deno.Conn.closeWrite`). */
  closeWrite?(): Promise<void>;
  /** Closes both directions and releases the transport (`Deno.Conn.close`). */
  close?(): void;
}

/**
 * What framedStream calls on a decoder: every framecodec decoder has it. `T` is
 * the type of a frame (`Uint8Array`, or `string` for a `TextLineDecoder`).
 */
interface StreamDecoder<T> {
  decode(chunk?: Uint8Array, options?: DecodeOptions): T[];
  end(): T[];
  takeBuffered(): Uint8Array;
}

/** The internal offset-recording decode of framecodec's decoders (see BaseDecoder.decodeTracked). */
interface TrackedDecoder<T> extends StreamDecoder<T> {
  decodeTracked(chunk: Uint8Array, ends: number[]): T[];
  reset(): void;
}

/** Options of {@link framedStream}. */
export interface FramedStreamOptions<T = Uint8Array> {
  /**
   * Splits the received bytes into frames: any framecodec decoder. Required.
   * framedStream does not free it. Replace it later through `conn.decoder`.
   */
  decoder: StreamDecoder<T>;
  /**
   * Frames what `write()`/`writeAll()` send: any framecodec encoder (or any
   * `FrameEncoder`). Without one they reject with `InvalidOptionError`;
   * `writeRaw()` needs none.
   */
  encoder?: FrameEncoder;
  /**
   * Aborting it closes both directions at once (the writable side is aborted,
   * the readable side cancelled, a `Deno.Conn` closed) and ends the iteration
   * with the signal's reason.
   */
  signal?: AbortSignal;
}

/** Bytes asked of `Deno.Conn.read(p)` at a time: the engine's scan window. */
const READ_SIZE = 64 * 1024;
/** Stream bytes kept from before the last chunk decoded: room for a delimiter's look-ahead. */
const LOOKBACK = 64;
const EMPTY = new Uint8Array(0);

function stateError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * A framed connection over a pair of streams; create it with {@link framedStream}.
 *
 * The iterator ends at the peer's end (throwing `TruncatedFrameError` first if it
 * came inside a frame, under the decoder's `trailing`), after `close()`, or with
 * a framing or transport error after every frame received before it. Leaving a
 * `for await` loop early closes nothing: the next loop goes on from the next frame.
 */
export class FramedStream<T = Uint8Array> implements AsyncIterable<T> {
  /** What the connection reads and writes. */
  readonly transport: FramedTransport;
  readonly #encoder: FrameEncoder | undefined;
  readonly #signal: AbortSignal | undefined;
  /** Read with transport.read(p) (Deno.Conn) rather than transport.readable. */
  readonly #byob: boolean;

  #decoder: StreamDecoder<T>;
  /** The decoder records where each frame ends (every framecodec decoder). */
  #tracked: boolean;

  // Frames of the last batch not yet returned: #queue[#head...].
  #queue: T[] = [];
  #head = 0;
  /** Tracked decoders: stream offset right after each frame of the batch. */
  #ends: number[] = [];
  /** Tracked decoders: the chunk that gave the batch, where it starts, and the bytes before it. */
  #batch: Uint8Array = EMPTY;
  #batchStart = 0;
  #lookback: Uint8Array = EMPTY;
  /** Stream offset (for the decoder) after every byte fed to it. */
  #fed = 0;
  /** Other decoders are fed with maxFrames: 1; this one stopped at its frame and may hold more. */
  #more = false;
  /** A decoder error, thrown once the frames before it have been returned. */
  #failure: { error: unknown } | null = null;
  /** Bytes to decode before reading the transport again (handed over by a decoder switch). */
  #input: Uint8Array[] = [];
  /** The transport has ended (or failed); the decoder has not been ended yet. */
  #eof = false;
  /** No frame will come any more: the decoder was ended, or failed. */
  #done = false;
  /** A pull is in progress (next() calls are served one at a time). */
  #pulling: Promise<unknown> | null = null;

  /** Ends the read in progress, if any, with null: close() and abort do not wait for it. */
  #stopRead: (() => void) | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array | ArrayBuffer> | null = null;
  #buffer: Uint8Array | null = null;

  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** The last write handed to the writer: settled means every write before it is done. */
  #lastWrite: Promise<void> = Promise.resolve();
  #ending: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #closed = false;
  #aborted: { reason: unknown; thrown: boolean } | null = null;

  constructor(transport: FramedTransport, options: FramedStreamOptions<T>) {
    const t = transport as Partial<FramedTransport> | null;
    if (typeof t !== 'object' || t === null) {
      throw new InvalidOptionError(
        'transport',
        `transport must be an object with readable and writable streams, got ${describe(transport)}`,
      );
    }
    const byob = typeof t.read === 'function';
    // A Deno.Conn builds its streams on first use: ask only whether they are there.
    if (!byob && !isReadableStream(t.readable)) {
      throw new InvalidOptionError(
        'transport',
        `transport.readable must be a ReadableStream, got ${describe(t.readable)}`,
      );
    }
    const o = objectOption('options', options);
    const decoder = requireDecoder(o.decoder);
    const encoder = o.encoder === undefined ? undefined : requireEncoder(o.encoder);
    const signal = abortSignal(o.signal);
    if (!isWritableStream(t.writable)) {
      throw new InvalidOptionError(
        'transport',
        `transport.writable must be a WritableStream, got ${describe(t.writable)}`,
      );
    }
    this.#input = this.#takeOver(decoder);
    this.transport = transport;
    this.#byob = byob;
    this.#decoder = decoder;
    this.#tracked = isTracked(decoder);
    this.#encoder = encoder;
    this.#signal = signal;
    if (signal !== undefined) {
      if (signal.aborted) this.#abort(signal.reason);
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /**
   * The decoder that frames the bytes from now on. Assigning another one switches
   * framing right after the frame the iterator returned last: every byte after
   * it (those of frames already decoded and not yet returned, and of a partial
   * frame) goes to the new decoder, and nothing is lost or read twice. The old
   * decoder is reset and can be used again; neither is freed.
   */
  get decoder(): StreamDecoder<T> {
    return this.#decoder;
  }

  set decoder(next: StreamDecoder<T>) {
    requireDecoder(next);
    const old = this.#decoder;
    if (next === old) return;
    if (this.#done || this.#closed || this.#aborted !== null) {
      // No frame will come any more: there is nothing to hand over.
      this.#decoder = next;
      this.#tracked = isTracked(next);
      return;
    }
    // Frames queued, or an error found after the last one returned: the rest of
    // the batch after that frame (the old decoder's partial frame included).
    // Else what the old decoder holds.
    const queued = this.#head > 0 && (this.#head < this.#queue.length || this.#failure !== null);
    const rest = queued ? this.#rest() : [takeBuffered(old)];
    let own: Uint8Array[];
    try {
      own = this.#takeOver(next); // bytes `next` already held come first: it received them before ours
    } catch (error) {
      if (!queued) this.#unread(rest); // the old decoder decodes them again
      throw error;
    }
    if (queued && typeof (old as Partial<TrackedDecoder<T>>).reset === 'function') (old as TrackedDecoder<T>).reset();
    this.#decoder = next;
    this.#tracked = isTracked(next);
    this.#unread([...own, ...rest]);
    this.#failure = null; // an error of the old decoder was about bytes the new one now reads
  }

  /**
   * Frames `payload` with the encoder and writes it. Resolves when the writable
   * side has taken the bytes (its backpressure: await it before writing more);
   * rejects with the encoder's errors (nothing is written then), with
   * `ERR_STREAM_WRITE_AFTER_END` after `end()` or `close()`, or with the
   * transport's error.
   */
  write(payload: Uint8Array | ArrayBuffer): Promise<void> {
    try {
      return this.#send(encodeOne(this.#encoderFor('write'), payload));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Frames every payload into one buffer (the encoder's `encodeAll`, which checks
   * them all first) and writes it as one chunk; otherwise as `write()`.
   */
  writeAll(payloads: Iterable<Uint8Array | ArrayBuffer>): Promise<void> {
    try {
      return this.#send(encodeMany(this.#encoderFor('writeAll'), payloads));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Writes bytes that are already framed (a relay forwarding frames it read, a
   * protocol's preamble), with the same backpressure as `write()`.
   */
  writeRaw(bytes: Uint8Array | ArrayBuffer): Promise<void> {
    try {
      this.#canWrite('writeRaw');
      return this.#send(toBytes(bytes));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Closes the writable side only, after the data already written: a TCP
   * half-close where the transport has one (`Deno.Conn.closeWrite()`, or
   * `writable.close()`, which ends a WebTransport stream or a Node socket).
   * Reading goes on until the peer ends. A WebSocket has no half-close: there
   * this starts the closing handshake, and frames still come until it completes.
   * Resolves when the writable side has closed (over Node 20's
   * `Duplex.toWeb(socket)`, only once the peer has ended too). Calling it again
   * returns the same promise.
   */
  end(): Promise<void> {
    if (this.#ending !== null) return this.#ending;
    if (this.#closing !== null) return this.#closing;
    if (this.transport.closeWrite !== undefined && this.#byob) {
      const conn = this.transport as Required<FramedTransport>;
      this.#ending = this.#lastWrite.then(
        () => conn.closeWrite(),
        () => conn.closeWrite(),
      );
    } else {
      this.#ending = this.#writerFor().close();
    }
    return this.#ending;
  }

  /**
   * Ends both directions: the iteration ends (frames not yet returned are
   * dropped), the data already written is sent and the writable side closed,
   * then reading stops (the readable side is cancelled; a `Deno.Conn` is
   * closed). Waits for the writes already made to be taken (a peer that reads
   * nothing can hold it: abort the `signal` then), not for the peer's end.
   * Never rejects; calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#dropFrames();
    this.#stopRead?.();
    this.#closing = this.#shutDown().finally(() => this.#signal?.removeEventListener('abort', this.#onAbort));
    return this.#closing;
  }

  /**
   * The received frames, in order. A loop left early closes nothing, and the
   * next loop goes on from the next frame.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  // --- receiving ------------------------------------------------------------

  #next(): Promise<IteratorResult<T>> {
    // Fast path: a frame of the last batch, with no pull in progress.
    if (this.#pulling === null && this.#head < this.#queue.length && this.#aborted === null && !this.#closed) {
      return Promise.resolve({ done: false, value: this.#take() });
    }
    const previous = this.#pulling ?? Promise.resolve();
    const pull = previous.then(() => this.#pull());
    const settled = pull.then(
      () => undefined,
      () => undefined,
    );
    this.#pulling = settled;
    void settled.then(() => {
      if (this.#pulling === settled) this.#pulling = null;
    });
    return pull;
  }

  async #pull(): Promise<IteratorResult<T>> {
    for (;;) {
      const aborted = this.#aborted;
      if (aborted !== null) {
        if (aborted.thrown) return { done: true, value: undefined };
        aborted.thrown = true;
        throw aborted.reason;
      }
      if (this.#closed) return { done: true, value: undefined };
      if (this.#head < this.#queue.length) return { done: false, value: this.#take() };
      const failure = this.#failure;
      if (failure !== null) {
        this.#failure = null;
        this.#done = true;
        throw failure.error;
      }
      if (this.#done) return { done: true, value: undefined };
      if (this.#more) {
        // A decoder without decodeTracked(), stopped after its frame: what it holds comes first.
        this.#decodeOne(undefined);
        continue;
      }
      if (this.#input.length > 0) {
        this.#feed(this.#input.shift()!);
        continue;
      }
      if (this.#eof) {
        this.#endDecoder();
        continue;
      }
      let chunk: Uint8Array | null;
      try {
        chunk = await new Promise<Uint8Array | null>((resolve, reject) => {
          this.#stopRead = () => resolve(null);
          this.#read().then(resolve, reject);
        });
        this.#stopRead = null;
      } catch (error) {
        this.#stopRead = null;
        if (this.#aborted !== null || this.#closed) continue; // the read was cut short by abort or close
        this.#eof = this.#done = true;
        throw error;
      }
      if (chunk === null) this.#eof = true;
      else if (this.#input.length > 0)
        this.#input.push(chunk); // the decoder was switched during the read
      else this.#feed(chunk);
    }
  }

  #take(): T {
    const frame = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined as T;
    return frame;
  }

  /** Decodes one chunk: all of it with a tracked decoder, else up to one frame. */
  #feed(chunk: Uint8Array): void {
    if (!this.#tracked) {
      this.#decodeOne(chunk);
      return;
    }
    const decoder = this.#decoder as TrackedDecoder<T>;
    if (this.#batch.length > 0) this.#lookback = lastBytes(this.#lookback, this.#batch);
    this.#batch = chunk;
    this.#batchStart = this.#fed;
    this.#fed += chunk.length;
    const ends = this.#ends;
    ends.length = 0;
    let frames: T[];
    try {
      frames = decoder.decodeTracked(chunk, ends);
    } catch (error) {
      frames = takeFrames(error) as unknown as T[];
      this.#failure = { error };
    }
    this.#queue = frames;
    this.#head = 0;
  }

  /** A decoder without decodeTracked(): pulled one frame at a time, so that none is decoded ahead. */
  #decodeOne(chunk: Uint8Array | undefined): void {
    let frames: T[];
    try {
      frames = this.#decoder.decode(chunk, { maxFrames: 1 });
    } catch (error) {
      frames = takeFrames(error) as unknown as T[];
      this.#failure = { error };
    }
    this.#more = frames.length > 0 && this.#failure === null;
    this.#queue = frames;
    this.#head = 0;
  }

  /** The transport ended: the decoder's `end()` applies `trailing` to a partial frame. */
  #endDecoder(): void {
    this.#done = true;
    let frames: T[];
    try {
      frames = this.#decoder.end();
    } catch (error) {
      frames = takeFrames(error) as unknown as T[];
      this.#failure = { error };
    }
    this.#queue = frames;
    this.#head = 0;
  }

  /** The next chunk from the transport, or null at its end. */
  async #read(): Promise<Uint8Array | null> {
    if (this.#byob) return this.#readInto();
    this.#reader ??= this.transport.readable.getReader();
    for (;;) {
      const { done, value } = await this.#reader.read();
      if (done) return null;
      if (typeof value === 'string') {
        throw new TypeError('framedStream reads bytes, and the transport gave a string (a WebSocket text message?)');
      }
      const bytes = toBytes(value);
      if (bytes.length > 0) return bytes;
    }
  }

  /**
   * `transport.read(p)` (Deno.Conn): unlike `conn.readable`, which closes the
   * whole connection at the peer's FIN, it leaves us free to answer after it.
   * Frames may be views on the chunk, so a chunk is never written again: a read
   * that filled most of the buffer keeps it (a new one is made), a short one is
   * copied out and the buffer reused.
   */
  async #readInto(): Promise<Uint8Array | null> {
    const conn = this.transport as Required<FramedTransport>;
    for (;;) {
      this.#buffer ??= new Uint8Array(READ_SIZE);
      const buffer = this.#buffer;
      const n = await conn.read(buffer);
      if (n === null) return null;
      if (n === 0) continue;
      if (n > buffer.length >> 1) {
        this.#buffer = null;
        return buffer.subarray(0, n);
      }
      return buffer.slice(0, n);
    }
  }

  /**
   * The received bytes after the frame the iterator returned last, when frames
   * decoded after it are still queued: the rest of the batch from that frame's
   * end (its decoder's partial frame included).
   */
  #rest(): Uint8Array[] {
    if (!this.#tracked) {
      throw new InvalidOptionError(
        'decoder',
        'cannot switch decoders: the current one returned several frames for one call with maxFrames: 1, ' +
          'and the bytes of those not yet read are unknown',
      );
    }
    // #head >= 1 (see the setter): the batch's frames up to #head have been returned.
    const from = this.#ends[this.#head - 1] - this.#batchStart;
    if (from >= 0) return [this.#batch.subarray(from)];
    if (-from <= this.#lookback.length) return [this.#lookback.subarray(this.#lookback.length + from), this.#batch];
    throw new InvalidOptionError(
      'decoder',
      `cannot switch decoders here: the last frame ended ${-from} bytes before the chunk that completed it ` +
        `(the decoder looked ahead past its delimiter), more than the ${LOOKBACK} bytes kept`,
    );
  }

  /**
   * Makes `decoder` ours: a tracked decoder's offsets must count from where we
   * start feeding it, so it is reset, and the bytes it held are fed again first.
   */
  #takeOver(decoder: StreamDecoder<T>): Uint8Array[] {
    if (!isTracked(decoder)) return [];
    const held = decoder.takeBuffered();
    return held.length > 0 ? [held] : [];
  }

  /**
   * Puts `bytes` back in front of the input, for the decoder now in place, and
   * forgets the batch: the decoder starts counting offsets afresh.
   */
  #unread(bytes: Uint8Array[]): void {
    this.#input = [...bytes, ...this.#input].filter((b) => b.length > 0);
    this.#queue = [];
    this.#head = 0;
    this.#ends = [];
    this.#batch = this.#lookback = EMPTY;
    this.#batchStart = this.#fed = 0;
    this.#more = false;
  }

  #dropFrames(): void {
    this.#queue = [];
    this.#head = 0;
    this.#input = [];
    this.#failure = null;
    this.#done = true;
  }

  // --- sending and closing --------------------------------------------------

  #writerFor(): WritableStreamDefaultWriter<Uint8Array> {
    this.#writer ??= this.transport.writable.getWriter();
    return this.#writer;
  }

  #canWrite(method: string): void {
    const aborted = this.#aborted;
    if (aborted !== null) throw aborted.reason;
    if (this.#ending !== null || this.#closing !== null) {
      throw stateError(
        'ERR_STREAM_WRITE_AFTER_END',
        `${method}() after end() or close(): this connection has closed its writable side`,
      );
    }
  }

  #encoderFor(method: string): FrameEncoder {
    const encoder = encoderFor(this.#encoder, method, 'framedStream(transport, { decoder, encoder })');
    this.#canWrite(method);
    return encoder;
  }

  #send(bytes: Uint8Array): Promise<void> {
    const write = this.#writerFor().write(bytes);
    // Marked handled: a write nobody awaits may fail without an unhandled
    // rejection; the transport's error also ends the iteration.
    write.catch(() => {});
    this.#lastWrite = write;
    return write;
  }

  async #shutDown(): Promise<void> {
    const t = this.transport;
    if (this.#byob) {
      // Deno.Conn: let the writes in flight finish, then close the resource.
      await this.#lastWrite.catch(() => {});
      await this.#ending?.catch(() => {});
      closeQuietly(t);
      return;
    }
    // The writable side closes after the writes queued before it. Its close()
    // may settle only when the whole transport has (Node 20's Duplex.toWeb()
    // waits for the peer's end): it is awaited after reading stops, not before.
    const closingWrites = this.#ending ?? this.#writerFor().close();
    closingWrites.catch(() => {});
    await this.#lastWrite.catch(() => {});
    if (this.#reader !== null) await this.#reader.cancel().catch(() => {});
    else if (!t.readable.locked) await t.readable.cancel().catch(() => {});
    await closingWrites.catch(() => {});
  }

  readonly #onAbort = (): void => {
    this.#abort(this.#signal!.reason);
  };

  /** Closes both directions at once; the iteration ends with `reason`. */
  #abort(reason: unknown): void {
    if (this.#aborted !== null) return;
    this.#aborted = { reason, thrown: false };
    this.#dropFrames();
    this.#stopRead?.();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const t = this.transport;
    if (this.#byob) {
      closeQuietly(t);
      return;
    }
    if (this.#writer !== null) this.#writer.abort(reason).catch(() => {});
    else if (!t.writable.locked) t.writable.abort(reason).catch(() => {});
    if (this.#reader !== null) this.#reader.cancel(reason).catch(() => {});
    else if (!t.readable.locked) t.readable.cancel(reason).catch(() => {});
  }
}

/**
 * A full-duplex framed connection over a pair of WHATWG streams: a Deno
 * `Deno.Conn` (`Deno.connect`, `Deno.listen`), a `WebTransport` bidirectional
 * stream, a `WebSocketStream` connection, or any `{ readable, writable }`.
 *
 * On Node, use `framed(socket)` from `framecodec/node` instead: Node 20's
 * `Duplex.toWeb(socket)` ends its readable side only after its writable side has
 * finished, so a peer's FIN is seen only after `end()` (and `end()` settles only
 * once the peer has ended too): a server that answers after the client's
 * half-close cannot be written with it.
 *
 * @example
 * ```ts
 * import { DelimiterEncoder, framedStream, LineDecoder } from 'framecodec';
 * // An in-memory pipe in each direction; a socket's streams work the same way.
 * const up = new TransformStream<Uint8Array, Uint8Array>();
 * const down = new TransformStream<Uint8Array, Uint8Array>();
 * const lines = () => ({ decoder: new LineDecoder(), encoder: new DelimiterEncoder({ delimiter: '\n' }) });
 * const client = framedStream({ readable: down.readable, writable: up.writable }, lines());
 * const server = framedStream({ readable: up.readable, writable: down.writable }, lines());
 *
 * // The server answers each line in upper case until the client ends.
 * const serving = (async () => {
 *   for await (const line of server) await server.write(new TextEncoder().encode(new TextDecoder().decode(line).toUpperCase()));
 *   await server.end();
 * })();
 * void client.writeAll([new TextEncoder().encode('hello'), new TextEncoder().encode('world')]);
 * void client.end(); // half-close: the answers still come
 * const answers: string[] = [];
 * for await (const line of client) answers.push(new TextDecoder().decode(line));
 * await serving;
 * console.log(answers); // => ["HELLO","WORLD"]
 * ```
 */
export function framedStream<T = Uint8Array>(
  transport: FramedTransport,
  options: FramedStreamOptions<T>,
): FramedStream<T> {
  return new FramedStream<T>(transport, options);
}

// ---------------------------------------------------------------------------
// Private helpers.

function isTracked<T>(decoder: StreamDecoder<T>): decoder is TrackedDecoder<T> {
  return typeof (decoder as Partial<TrackedDecoder<T>>).decodeTracked === 'function';
}

function takeBuffered<T>(decoder: StreamDecoder<T>): Uint8Array {
  if (typeof decoder.takeBuffered !== 'function') {
    throw new InvalidOptionError(
      'decoder',
      'cannot switch decoders: the current one has no takeBuffered() to hand its bytes over',
    );
  }
  return decoder.takeBuffered();
}

/** The last LOOKBACK bytes of `before` followed by `chunk` (a copy). */
function lastBytes(before: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= LOOKBACK) return chunk.slice(chunk.length - LOOKBACK);
  const keep = Math.min(before.length, LOOKBACK - chunk.length);
  const out = new Uint8Array(keep + chunk.length);
  out.set(before.subarray(before.length - keep));
  out.set(chunk, keep);
  return out;
}

function closeQuietly(transport: FramedTransport): void {
  try {
    transport.close?.();
  } catch {
    // Already closed (by the peer's reset, or an earlier close).
  }
}

function isReadableStream(value: unknown): value is ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';
}

function isWritableStream(value: unknown): value is WritableStream {
  return typeof value === 'object' && value !== null && typeof (value as WritableStream).getWriter === 'function';
}
