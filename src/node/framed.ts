/**
 * `framed(socket, { decoder, encoder })`: a full-duplex framed connection over a
 * `net.Socket` (or any Duplex). Frames in through an async iterator, frames out
 * through `write()`/`writeAll()`, and the close handshake made explicit.
 *
 * States, and where each side's TCP socket is (see docs/tcp.md):
 * ```
 *                    peer FIN ('end')                 end() / close()
 *   open ───────────────────────────► half-closed-remote ───────────────┐
 *    │  (us: ESTABLISHED)               (us: CLOSE_WAIT)                 │
 *    │ end() / close()                                                   ▼
 *    └──────────────────────────────► closing ─────── socket 'close' ──► closed
 *                                      (us: FIN_WAIT1/2, or LAST_ACK)   (TIME_WAIT / gone)
 * ```
 * @module
 */
import { EventEmitter } from 'node:events';
import type { OnReadOpts, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type FrameDecoder, hasRanges, type OnRanges } from '../codec/decoder.js';
import { encodeMany, encodeOne, type FrameEncoder } from '../codec/encoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import { boolean, describe, integer, objectOption, requireDecoder, requireEncoder } from '../codec/options.js';
import { receiverOf } from './zero_copy.js';

/** Where a framed connection is in its close handshake. */
export type FramedState = 'open' | 'closing' | 'half-closed-remote' | 'closed';

/** Options of {@link framed}. */
export interface FramedOptions {
  /** Splits the received bytes into frames. Required. framed() does not free it. */
  decoder: FrameDecoder;
  /**
   * Frames what `write()`/`writeAll()` send: any framecodec encoder (or any
   * `FrameEncoder`). Without one, they throw `InvalidOptionError`.
   */
  encoder?: FrameEncoder;
  /**
   * Bytes of received frames held for the iterator before reading pauses (the peer
   * then sees TCP flow control); reading resumes below half of it.
   * @default 262144 (256 KiB)
   */
  highWaterMark?: number;
  /**
   * Keep the write side open after the peer's FIN (state `'half-closed-remote'`)
   * until you call `end()` or `close()`. With `false`, the peer's FIN makes the
   * socket send its own at once (Node's default for sockets).
   * @default true
   */
  allowHalfOpen?: boolean;
  /**
   * The object from `zeroCopyOnread()` that the socket was created with (zero-copy
   * receive). Frames are copied out of the shared receive area once per read, so
   * this is on par with the `'data'` path for small frames and slower for large ones.
   */
  onread?: OnReadOpts;
}

/** Options of {@link Framed.close}. */
export interface CloseOptions {
  /**
   * How long the peer has to complete the close (read what was sent and send its
   * own FIN) before the connection is reset. `Infinity` waits for ever; `0`
   * resets at once.
   * @default 30000
   */
  timeoutMs?: number;
}

/** How {@link Framed.close} ended the connection. */
export interface CloseResult {
  /** The peer did not complete the close in time and the connection was reset (RST). */
  reset: boolean;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

function stateError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Sends RST and frees the socket at once (no orphan); a plain destroy() for other
 * duplexes. libuv refuses a reset while the shutdown that sends our FIN is in
 * flight (the FIN queued, nothing left to write, 'finish' not yet emitted): Node
 * then emits an EINVAL 'error', drops the handle and never emits 'close'. So in
 * that window the reset waits for 'finish', which comes within one turn of the
 * event loop. (While data is still queued the shutdown has not started, and a
 * reset is accepted.)
 */
function reset(socket: Duplex): void {
  const tcp = socket as Partial<Socket>;
  if (typeof tcp.resetAndDestroy === 'function') {
    if (socket.writableEnded && !socket.writableFinished && socket.writableLength === 0 && !socket.destroyed) {
      socket.once('finish', () => {
        if (!socket.destroyed) reset(socket);
      });
      return;
    }
    try {
      tcp.resetAndDestroy();
      return;
    } catch {
      // Not a TCP handle (e.g. a pipe): destroy below.
    }
  }
  socket.destroy();
}

/**
 * A framed connection; create it with {@link framed}.
 *
 * Events: `'drain'` (after `write()` returned false, when more can be written),
 * `'state'` (the new {@link FramedState}), `'close'` (`hadError`), as the socket's.
 * Errors (a framing error, a reset by the peer) are thrown by the iterator, after
 * every frame received before them.
 */
export class Framed extends EventEmitter implements AsyncIterable<Uint8Array> {
  readonly socket: Duplex;
  readonly decoder: FrameDecoder;
  readonly #encoder: FrameEncoder | undefined;
  readonly #highWaterMark: number;

  // Received frames not yet taken by the iterator: #queue[#head...].
  #queue: Uint8Array[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** Reading paused because the queue reached the high-water mark. */
  #paused = false;
  /** No frame will be queued any more (peer FIN, framing error, close(), socket closed). */
  #readDone = false;
  /** Thrown by the iterator once the queue is empty. */
  #readError: unknown = undefined;
  /** Received bytes are dropped, not decoded (after readDone). */
  #discard = false;
  #waiters: Array<() => void> = [];

  #remoteEnded = false;
  #closeRequested = false;
  #closed = false;
  #lastState: FramedState;
  #ending: Promise<void> | null = null;
  #closing: Promise<CloseResult> | null = null;

  constructor(socket: Duplex, options: FramedOptions) {
    super();
    if (!socket || typeof (socket as Duplex).write !== 'function' || typeof (socket as Duplex).on !== 'function') {
      throw new InvalidOptionError('socket', `socket must be a net.Socket or a Duplex stream, got ${describe(socket)}`);
    }
    const o = objectOption('options', options);
    this.socket = socket;
    this.decoder = requireDecoder(o.decoder);
    this.#encoder = o.encoder === undefined ? undefined : requireEncoder(o.encoder);
    this.#highWaterMark = integer('highWaterMark', o.highWaterMark, DEFAULT_HIGH_WATER_MARK, 1);
    const allowHalfOpen = boolean('allowHalfOpen', o.allowHalfOpen, true);
    const receiver = o.onread === undefined ? null : receiverOf(o.onread);
    if (receiver?.attached) {
      throw new InvalidOptionError(
        'onread',
        'this zeroCopyOnread() object is already used by another connection: create one per socket',
      );
    }
    // Every option is valid: only now is the socket touched.
    socket.allowHalfOpen = allowHalfOpen;

    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', () => this.emit('drain'));
    socket.on('finish', this.#stateMayChange);
    if (receiver !== null) {
      receiver.attach(this.#onRead);
    } else {
      socket.on('data', this.#onData);
    }
    this.#closed = (socket as { closed?: boolean }).closed === true;
    if (socket.readableEnded) this.#onEnd();
    this.#lastState = this.state;
    // Flowing: 'data' (or the onread callback) delivers, 'end' is emitted after them.
    socket.resume();
  }

  /**
   * `'open'`; `'closing'`: we sent or queued our FIN (`end()`, `close()`), or the
   * socket is being destroyed; `'half-closed-remote'`: the peer sent its FIN and
   * we have not; `'closed'`: the socket emitted `'close'`.
   */
  get state(): FramedState {
    const s = this.socket;
    if (this.#closed) return 'closed';
    if (this.#closeRequested || s.writableEnded || s.destroyed) return 'closing';
    if (this.#remoteEnded) return 'half-closed-remote';
    return 'open';
  }

  /** Bytes of received frames waiting for the iterator. */
  get readableLength(): number {
    return this.#queuedBytes;
  }

  /**
   * Frames `payload` and writes it. Returns false when the socket's buffer is
   * full: wait for `'drain'` before writing more. Throws the encoder's errors
   * (nothing is written then), and `ERR_STREAM_WRITE_AFTER_END` after `end()`/
   * `close()`. On a destroyed socket it writes nothing and returns false.
   */
  write(payload: Uint8Array | ArrayBuffer): boolean {
    const encoder = this.#writer('write');
    if (this.socket.destroyed) return false;
    return this.socket.write(encodeOne(encoder, payload));
  }

  /**
   * Frames every payload into one buffer (the encoder's `encodeAll`, which checks
   * them all first) and writes it with one socket write; otherwise as `write()`.
   */
  writeAll(payloads: Iterable<Uint8Array | ArrayBuffer>): boolean {
    const encoder = this.#writer('writeAll');
    if (this.socket.destroyed) return false;
    return this.socket.write(encodeMany(encoder, payloads));
  }

  /**
   * Half-close: sends FIN after the data already written, and keeps reading until
   * the peer sends its own. Resolves when the FIN has been handed to the kernel
   * (or the socket closed).
   */
  end(): Promise<void> {
    if (this.#ending === null) {
      const s = this.socket;
      this.#ending = new Promise<void>((resolve) => {
        if (s.writableFinished || this.#closed || s.destroyed) {
          resolve();
          return;
        }
        s.once('finish', () => resolve());
        s.once('close', () => resolve());
      });
      if (!s.writableEnded && !s.destroyed) s.end();
      this.#stateMayChange();
    }
    return this.#ending;
  }

  /**
   * Graceful close: stops delivering frames (the iterator ends after the frames
   * already received; later bytes are read and dropped, so the peer's FIN gets
   * through), sends FIN after the data already written, and waits for the peer to
   * complete the close. If it has not within `timeoutMs`, the connection is reset
   * (`socket.resetAndDestroy()`: RST, and the kernel frees the socket at once), so
   * that data the peer does not read cannot hold it in FIN_WAIT1 as an orphan.
   * Calling it again returns the same promise.
   */
  close(options?: CloseOptions): Promise<CloseResult> {
    if (this.#closing !== null) return this.#closing;
    const o = objectOption('options', options);
    const timeoutMs = o.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new InvalidOptionError(
        'timeoutMs',
        `timeoutMs must be a number >= 0 (Infinity waits for ever), got ${describe(timeoutMs)}`,
      );
    }
    const s = this.socket;
    this.#closeRequested = true;
    this.#finishReading(undefined);
    this.#closing = new Promise<CloseResult>((resolve) => {
      if (this.#closed) {
        resolve({ reset: false });
        return;
      }
      let wasReset = false;
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            if (this.#closed || s.destroyed) return;
            wasReset = true;
            reset(s);
          }, timeoutMs)
        : undefined;
      s.once('close', () => {
        clearTimeout(timer);
        resolve({ reset: wasReset });
      });
    });
    if (!s.writableEnded && !s.destroyed) s.end();
    this.#stateMayChange();
    return this.#closing;
  }

  /**
   * The received frames, in order. Ends after the peer's FIN (throwing
   * `TruncatedFrameError` first if the FIN came inside a frame, per the decoder's
   * `trailing`), after `close()`, or when the socket closes; throws a framing or
   * socket error after the frames received before it. Leaving a `for await` loop
   * early does not close the connection, and the frames not taken stay queued for
   * the next loop.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => this.#next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.#head < this.#queue.length) return { done: false, value: this.#take() };
      if (this.#readDone) {
        const error = this.#readError;
        if (error !== undefined) {
          this.#readError = undefined;
          throw error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #take(): Uint8Array {
    const frame = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined as unknown as Uint8Array;
    this.#queuedBytes -= frame.length;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#queuedBytes <= this.#highWaterMark / 2) this.#resume();
    return frame;
  }

  #writer(method: string): FrameEncoder {
    if (this.#encoder === undefined) {
      throw new InvalidOptionError(
        'encoder',
        `${method}() needs an encoder: pass one to framed(socket, { decoder, encoder })`,
      );
    }
    if (this.socket.writableEnded) {
      throw stateError(
        'ERR_STREAM_WRITE_AFTER_END',
        `${method}() after end() or close(): this connection has sent its FIN`,
      );
    }
    return this.#encoder;
  }

  // --- receiving ------------------------------------------------------------

  readonly #onData = (chunk: Uint8Array): void => {
    if (!this.#discard) this.#decode(chunk);
  };

  /**
   * Zero-copy: `bytes` usually lie in the receive area; decode them now, before
   * anything else runs. With `decodeRanges` (every framecodec decoder has it) the
   * frames are copied out of the area in one slab per read and viewed once; with
   * `decode()`, each frame would be viewed in the area, then again in its slab.
   */
  readonly #onRead = (bytes: Uint8Array): void => {
    if (this.#discard) return;
    const decoder = this.decoder;
    if (!hasRanges(decoder)) {
      this.#decode(bytes);
      return;
    }
    try {
      decoder.decodeRanges(bytes, this.#onRanges);
    } catch (error) {
      // The frames completed before the fault have been passed to #onRanges.
      this.#finishReading(error);
    }
  };

  /** Frames as offsets into `source`, valid during this call only: copy them out. */
  readonly #onRanges: OnRanges = (source, offsets, count) => {
    if (count === 0) return;
    const lo = offsets[0];
    const slab = source.slice(lo, offsets[2 * count - 1]);
    const frames = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) frames[i] = slab.subarray(offsets[2 * i] - lo, offsets[2 * i + 1] - lo);
    this.#enqueue(frames);
  };

  #decode(chunk: Uint8Array): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.decode(chunk);
    } catch (error) {
      this.#enqueue(takeFrames(error));
      this.#finishReading(error);
      return;
    }
    this.#enqueue(frames);
  }

  #enqueue(frames: Uint8Array[]): void {
    if (frames.length === 0) return;
    for (let i = 0; i < frames.length; i++) {
      this.#queue.push(frames[i]);
      this.#queuedBytes += frames[i].length;
    }
    if (!this.#paused && this.#queuedBytes >= this.#highWaterMark && !this.#readDone) {
      this.#paused = true;
      this.socket.pause();
    }
    this.#wake();
  }

  #resume(): void {
    this.#paused = false;
    if (!this.socket.destroyed) this.socket.resume();
  }

  /** No more frames: the iterator ends (or throws `error`) after the queued ones. Later bytes are dropped. */
  #finishReading(error: unknown): void {
    if (this.#readDone) return;
    this.#readDone = true;
    this.#discard = true;
    if (error !== undefined) this.#readError = error;
    // Keep reading (and dropping) so that the peer's FIN is seen.
    if (this.#paused) this.#resume();
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  readonly #onEnd = (): void => {
    if (this.#remoteEnded) return;
    this.#remoteEnded = true;
    if (!this.#discard) {
      let frames: Uint8Array[];
      try {
        frames = this.decoder.end();
      } catch (error) {
        this.#enqueue(takeFrames(error));
        this.#finishReading(error);
        this.#stateMayChange();
        return;
      }
      this.#enqueue(frames);
    }
    this.#finishReading(undefined);
    this.#stateMayChange();
  };

  readonly #onError = (error: Error): void => {
    this.#finishReading(error);
  };

  readonly #onClose = (hadError: boolean): void => {
    this.#closed = true;
    this.#finishReading(undefined);
    this.#stateMayChange();
    this.emit('close', hadError);
  };

  readonly #stateMayChange = (): void => {
    const state = this.state;
    if (state === this.#lastState) return;
    this.#lastState = state;
    this.emit('state', state);
  };
}

/**
 * A full-duplex framed connection over `socket`.
 *
 * @example
 * ```ts
 * import net, { type AddressInfo } from 'node:net';
 * import { LineDecoder, DelimiterEncoder } from 'framecodec';
 * import { framed } from 'framecodec/node';
 * const lineCodec = () => ({ decoder: new LineDecoder(), encoder: new DelimiterEncoder({ delimiter: '\n' }) });
 * const server = net.createServer((socket) => {
 *   const conn = framed(socket, lineCodec());
 *   (async () => {
 *     for await (const line of conn) conn.write(line); // echo each line
 *     await conn.close({ timeoutMs: 5000 });           // peer sent FIN: finish, or reset after 5 s
 *   })().catch(() => conn.close({ timeoutMs: 0 }));
 * });
 * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
 *
 * const client = framed(net.connect((server.address() as AddressInfo).port, '127.0.0.1'), lineCodec());
 * client.write(new TextEncoder().encode('hi'));
 * await client.end(); // our FIN; reading goes on until the server's
 * const replies: string[] = [];
 * for await (const line of client) replies.push(new TextDecoder().decode(line));
 * console.log(replies); // => ["hi"]
 * server.close();
 * ```
 */
export function framed(socket: Duplex, options: FramedOptions): Framed {
  return new Framed(socket, options);
}
