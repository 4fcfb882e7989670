/**
 * `framed(socket, { decoder, encoder })`: a full-duplex framed connection over a
 * `net.Socket` (or any Duplex). Frames in through an async iterator (one at a time,
 * or in arrays: `batches()`), frames out through `write()`/`writeAll()`/`writeRaw()`,
 * and the close handshake made explicit.
 *
 * States, and where each side's TCP socket is (see docs/node-tcp.md):
 * ```
 *                    peer FIN ('end')                 end() / close()
 *   open ───────────────────────────► half-closed-remote ───────────────┐
 *    │  (us: ESTABLISHED)               (us: CLOSE_WAIT)                 │
 *    │ end() / close()                                                   ▼
 *    └──────────────────────────────► closing ─────── socket 'close' ──► closed
 *                                      (us: FIN_WAIT1/2, or LAST_ACK)   (TIME_WAIT / gone)
 * ```
 *
 * Switching decoders mid-stream (`conn.decoder = next`). Frames are decoded as
 * the bytes arrive and queued for the iterator, so when the user switches, the
 * old decoder has usually gone past the frame the iterator returned last. framed()
 * therefore keeps the received bytes from the end of that frame on, and where each
 * queued frame ends in them (the decoder's `decodeTracked()`):
 * ```
 *   raw      [ frame 5 | frame 6 | frame 7 | start of frame 8 ]   (views of the socket's chunks)
 *            ^ taken: end of frame 4, the last one returned
 *   queue      frame 5   frame 6   frame 7                          ends: 5|6|7 in raw
 *   decoder                                  [ start of frame 8 ]  (its own copy)
 * ```
 * Returning frame 5 moves `taken` to its end and drops the chunks wholly before
 * it. A switch drops the queue, resets the old decoder and feeds the new one
 * raw[taken, end): the queued frames' bytes, then what the old decoder held (its
 * `takeBuffered()`). Bytes a decoder discards (`onTooLong: 'skip'`) after its last
 * frame are cut out of raw, as `takeBuffered()` leaves them out, so memory stays
 * bounded by the queue plus the frame in progress.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { OnReadOpts, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { part } from '../codec/_bytes.js';
import type { DecodeOptions, FrameDecoder } from '../codec/decoder.js';
import { encodeMany, encodeOne, encoderFor, type FrameEncoder } from '../codec/encoder.js';
import { InvalidOptionError, takeFrames } from '../codec/errors.js';
import {
  boolean,
  describe,
  integer,
  objectOption,
  requireDecoder,
  requireEncoder,
  abortSignal,
} from '../codec/options.js';
import { receiverOf } from './zero_copy.js';

/** Where a framed connection is in its close handshake. */
export type FramedState = 'open' | 'closing' | 'half-closed-remote' | 'closed';

/** Options of {@link framed}. */
export interface FramedOptions<T = Uint8Array> {
  /**
   * Splits the received bytes into frames, which the iterator yields as they are
   * (strings for a `TextLineDecoder`). Required. framed() does not free it.
   * Bytes it holds already (after a `maxFrames` stop on bytes you read yourself)
   * are decoded first, before the socket's; it may be replaced later
   * (see {@link Framed.decoder}).
   */
  decoder: FrameDecoder<T>;
  /**
   * Frames what `write()`/`writeAll()` send: any framecodec encoder (or any
   * `FrameEncoder`). Without one, they throw `InvalidOptionError`.
   */
  encoder?: FrameEncoder;
  /**
   * Bytes of received frames held for the iterator before reading pauses (the peer
   * then sees TCP flow control); reading resumes below half of it. Each frame
   * counts its length and at least 1, so empty frames (empty lines, length fields
   * of 0) fill the queue too, as a Node stream in object mode counts each object
   * as 1. String frames count their length (UTF-16 code units), also at least 1.
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
   * receive). Each read is copied once out of the shared receive area (the copy is
   * what a decoder switch re-reads) and decoded there, so this is on par with the
   * `'data'` path.
   */
  onread?: OnReadOpts;
  /**
   * Aborting it closes the connection as `close({ timeoutMs: 0 })` does (FIN, then
   * RST at once) and ends the iteration: the pending `next()`, or the next one,
   * rejects with `signal.reason`; frames still queued are dropped. An already
   * aborted signal does the same at once. The listener is removed when the socket
   * closes. A server that shares one signal among many connections raises its
   * limit (`events.setMaxListeners(n, signal)`), or Node warns past 10 listeners.
   */
  signal?: AbortSignal;
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

/**
 * The events of a {@link Framed} connection and their arguments, for
 * `conn.on(name, listener)`: a listener of the wrong type does not compile.
 */
export interface FramedEvents {
  /** `write()`, `writeAll()` or `writeRaw()` returned false earlier, and more can be written now. */
  drain: [];
  /** The connection entered another {@link FramedState}. */
  state: [state: FramedState];
  /** The socket closed; `hadError` as the socket's `'close'`. */
  close: [hadError: boolean];
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

/** A framecodec decoder: `decode()` that also says where each frame ends (see `BaseDecoder.decodeTracked`). */
interface TrackedDecoder<T> extends FrameDecoder<T> {
  decodeTracked(chunk: Uint8Array | undefined, ends: number[], options?: DecodeOptions): T[];
}

function isTracked<T>(decoder: FrameDecoder<T>): decoder is TrackedDecoder<T> {
  return typeof (decoder as Partial<TrackedDecoder<T>>).decodeTracked === 'function';
}

/** Other decoders are pulled one frame at a time, so that each frame's end is known. */
const ONE_FRAME: DecodeOptions = Object.freeze({ maxFrames: 1 });
const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * What a queued frame counts for the high-water mark: its bytes (UTF-16 code units
 * for a string frame), and at least 1. An empty frame still costs a queue slot and
 * an object: counted as 0, a peer sending empty lines would never pause reading.
 */
function sizeOf(frame: unknown): number {
  return (frame as { length: number }).length || 1;
}

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
 * Events ({@link FramedEvents}): `'drain'` (after a write returned false, when more
 * can be written), `'state'` (the new {@link FramedState}), `'close'` (`hadError`),
 * as the socket's. Errors (a framing error, a reset by the peer, an abort) are
 * thrown by the iterator, after every frame received before them.
 */
export class Framed<T = Uint8Array> extends EventEmitter<FramedEvents> implements AsyncIterable<T> {
  readonly socket: Duplex;
  #decoder: FrameDecoder<T>;
  #tracked: boolean;
  readonly #encoder: FrameEncoder | undefined;
  readonly #highWaterMark: number;
  readonly #signal: AbortSignal | undefined;

  // Received frames not yet taken by the iterator: #queue[#head...]. #ends[k] is
  // where #queue[k] ends, in raw coordinates (NaN: unknown).
  #queue: T[] = [];
  #ends: number[] = [];
  #head = 0;
  #queuedBytes = 0;

  // The received bytes a decoder switch would re-read: #raw[#rawHead...] holds
  // raw coordinates [#rawStart, #rawEnd). Raw coordinates count the bytes fed to
  // the current decoder (its stream offsets) minus #cut, the discarded bytes cut out.
  #raw: Uint8Array[] = [];
  #rawHead = 0;
  #rawStart = 0;
  #rawEnd = 0;
  #cut = 0;
  /** Raw coordinate right after the frame the iterator returned last (NaN: unknown). */
  #taken = 0;
  /** Decoder offset up to which every byte is in a decoded frame or was discarded. */
  #resolved = 0;
  /** Inside a decoder call (a switch from its onDiscard callback would corrupt the queue). */
  #decoding = false;

  /** Reading paused: the queue reached the high-water mark, or the decoder failed. */
  #paused = false;
  /** Received bytes are dropped, not decoded: close() was called, or the iteration ended. */
  #discard = false;
  /** The peer's FIN came while decoding: the decoder was (or, after a switch, will be) ended. */
  #endOfInput = false;
  /**
   * The decoder failed: thrown by the iterator after the queued frames, unless a
   * switch hands the bytes to another decoder first. Later bytes are kept, not
   * decoded, and reading pauses.
   */
  #decodeError: unknown = undefined;
  /** A socket error: thrown by the iterator after the queued frames. */
  #socketError: unknown = undefined;
  /** `signal` was aborted: the iterator throws its reason next. */
  #aborted: { reason: unknown } | null = null;
  /** The iterator has ended (returned done or thrown): nothing more is delivered. */
  #finished = false;
  #waiters: Array<() => void> = [];

  #remoteEnded = false;
  #closeRequested = false;
  #closed = false;
  #wasReset = false;
  #lastState: FramedState;
  #ending: Promise<void> | null = null;
  #closing: Promise<CloseResult> | null = null;

  constructor(socket: Duplex, options: FramedOptions<T>) {
    super();
    if (!socket || typeof (socket as Duplex).write !== 'function' || typeof (socket as Duplex).on !== 'function') {
      throw new InvalidOptionError('socket', `socket must be a net.Socket or a Duplex stream, got ${describe(socket)}`);
    }
    const o = objectOption('options', options);
    this.socket = socket;
    this.#decoder = requireDecoder(o.decoder);
    this.#tracked = isTracked(this.#decoder);
    this.#encoder = o.encoder === undefined ? undefined : requireEncoder(o.encoder);
    this.#highWaterMark = integer('highWaterMark', o.highWaterMark, DEFAULT_HIGH_WATER_MARK, 1);
    const allowHalfOpen = boolean('allowHalfOpen', o.allowHalfOpen, true);
    this.#signal = abortSignal(o.signal);
    const receiver = o.onread === undefined ? null : receiverOf(o.onread);
    if (receiver?.attached) {
      throw new InvalidOptionError(
        'onread',
        'this zeroCopyOnread() object is already used by another connection: create one per socket',
      );
    }
    // Every option is valid: only now are the socket and the decoder touched.
    socket.allowHalfOpen = allowHalfOpen;

    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', () => this.emit('drain'));
    socket.on('finish', this.#stateMayChange);
    this.#closed = (socket as { closed?: boolean }).closed === true;
    this.#lastState = this.state;
    // Decoder offsets start here: what the decoder holds already comes first. A
    // failed or freed decoder's error is thrown by the iterator.
    let held = EMPTY;
    try {
      held = this.#takeHeld(this.#decoder);
    } catch (error) {
      this.#fault(error);
    }
    this.#feed(held);
    if (receiver !== null) {
      receiver.attach(this.#onRead);
    } else {
      socket.on('data', this.#onData);
    }
    if (socket.readableEnded) this.#onEnd();
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#onAbort();
      } else if (!this.#closed) {
        signal.addEventListener('abort', this.#onAbort, { once: true });
        socket.once('close', () => signal.removeEventListener('abort', this.#onAbort));
      }
    }
    // Flowing: 'data' (or the onread callback) delivers, 'end' is emitted after them.
    if (!this.#paused) socket.resume();
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

  /**
   * Bytes of received frames waiting for the iterator, each frame counting at
   * least 1 (an empty frame counts 1; string frames count their length): what
   * `highWaterMark` is measured against, 0 exactly when no frame is queued.
   */
  get readableLength(): number {
    return this.#queuedBytes;
  }

  /**
   * The decoder that splits the received bytes. Assigning another one switches
   * framing right after the frame the iterator returned last: every byte after
   * that frame goes to the new decoder (the bytes of frames decoded and queued but
   * not returned yet, then those of the frame in progress), nothing is lost or
   * read twice. The old decoder is reset (not freed), so it can be assigned again
   * later; bytes the new one holds already come first. This is how a connection
   * upgrades its protocol (a line preamble, then length-prefixed messages;
   * HTTP/1.1 `Upgrade`; the PROXY protocol; STARTTLS).
   *
   * - A framing error of the old decoder that the iterator has not thrown yet is
   *   dropped: its bytes go to the new decoder. (The frames before it are
   *   delivered first, so you can switch when you see the last of them.)
   * - After the peer's FIN, the new decoder gets the rest and is ended at once
   *   (`trailing` applies); after `close()`, it gets the bytes received before.
   * - Decoders other than framecodec's are pulled one frame at a time
   *   (`{ maxFrames: 1 }`; a frame ends `buffered` bytes before the end of what
   *   was fed). One that ignores `maxFrames` returns several frames per call:
   *   switching after one of them but the last throws `ERR_INVALID_STATE`, since
   *   where it ends is unknown; so does a switch from the decoder's `onDiscard`.
   *
   * @example
   * ```ts
   * import net, { type AddressInfo } from 'node:net';
   * import { LengthFieldDecoder, LengthFieldEncoder, LineDecoder } from 'framecodec';
   * import { framed } from 'framecodec/node';
   * // A server that greets with a line, then sends 4-byte length-prefixed messages, all in one write.
   * const utf8 = new TextEncoder();
   * const messages = new LengthFieldEncoder().encodeAll([utf8.encode('one'), utf8.encode('two')]);
   * const server = net.createServer((socket) => socket.end(Buffer.concat([utf8.encode('HELLO v2\n'), messages])));
   * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
   *
   * const conn = framed(net.connect((server.address() as AddressInfo).port, '127.0.0.1'), { decoder: new LineDecoder() });
   * const seen: string[] = [];
   * for await (const frame of conn) {
   *   seen.push(new TextDecoder().decode(frame));
   *   if (seen.length === 1) conn.decoder = new LengthFieldDecoder(); // the next frame is the first message
   * }
   * console.log(seen); // => ["HELLO v2","one","two"]
   * server.close();
   * ```
   */
  get decoder(): FrameDecoder<T> {
    return this.#decoder;
  }

  set decoder(next: FrameDecoder<T>) {
    requireDecoder(next);
    if (this.#decoding) {
      throw stateError(
        'ERR_INVALID_STATE',
        'conn.decoder cannot be replaced during a decoder call (from its onDiscard callback)',
      );
    }
    if (this.#finished) {
      // The iteration is over: nothing more will be decoded.
      this.#decoder = next;
      this.#tracked = isTracked(next);
      return;
    }
    const from = this.#taken;
    if (Number.isNaN(from)) {
      throw stateError(
        'ERR_INVALID_STATE',
        'conn.decoder cannot be replaced here: the decoder returned several frames in one call (it ignores maxFrames), ' +
          'so where the frame returned last ends is unknown',
      );
    }
    const old = this.#decoder;
    // Bytes the new decoder holds already: taken first, so a failed or freed one
    // throws here and nothing changes.
    const held = next === old ? EMPTY : this.#takeHeld(next);
    const rest = this.#rawFrom(from);
    if (typeof old.reset === 'function') {
      try {
        old.reset();
      } catch {
        // Freed by its owner: nothing to reset.
      }
    }
    this.#decoder = next;
    this.#tracked = isTracked(next);
    this.#dropQueue();
    this.#rawStart = this.#rawEnd = this.#cut = this.#taken = this.#resolved = 0;
    this.#feed(held);
    for (const bytes of rest) this.#feed(bytes);
    if (this.#endOfInput && this.#decodeError === undefined) this.#endDecoder();
    this.#flow();
    this.#wake();
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
    this.#coalesce();
    return this.socket.write(encodeOne(encoder, payload));
  }

  /** True while writes are gathered for the end of this tick (see #coalesce). */
  #corked = false;

  /**
   * Writes made in one turn of the event loop (a `for await` loop answering each
   * frame of a read, say) leave in one socket write (`writev`) at the end of it:
   * the socket is corked until the next tick, as Node's own HTTP does. A write
   * system call per frame cost ~2 µs of the ~2.5 µs per 64 B frame of an echo
   * server (bench/echo). `end()`/`close()` flush what is gathered.
   */
  #coalesce(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.socket.uncork();
    });
  }

  /**
   * Frames every payload into one buffer (the encoder's `encodeAll`, which checks
   * them all first) and writes it with one socket write; otherwise as `write()`.
   */
  writeAll(payloads: Iterable<Uint8Array | ArrayBuffer>): boolean {
    const encoder = this.#writer('writeAll');
    if (this.socket.destroyed) return false;
    this.#coalesce();
    return this.socket.write(encodeMany(encoder, payloads));
  }

  /**
   * Writes bytes that are already framed, as they are (a relay forwarding the
   * frames it read with `initialBytesToStrip: 0`, a preamble, a pre-encoded
   * message); no encoder is needed. Backpressure as `write()`: returns false when
   * the socket's buffer is full, then wait for `'drain'`. The bytes are not copied:
   * do not change them until they are written. Throws `InvalidOptionError` for
   * anything but a `Uint8Array` or an `ArrayBuffer`, and `ERR_STREAM_WRITE_AFTER_END`
   * after `end()`/`close()`; on a destroyed socket it writes nothing and returns false.
   *
   * @example
   * ```ts
   * import net, { type AddressInfo } from 'node:net';
   * import { LengthFieldDecoder, LengthFieldEncoder } from 'framecodec';
   * import { framed } from 'framecodec/node';
   * // An echo server; the client sends a frame it holds already framed, as it is.
   * const server = net.createServer((socket) => socket.pipe(socket));
   * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
   * const conn = framed(net.connect((server.address() as AddressInfo).port, '127.0.0.1'), {
   *   decoder: new LengthFieldDecoder(),
   * });
   * const wire = new LengthFieldEncoder().encode(new TextEncoder().encode('relayed'));
   * console.log(Array.from(wire.subarray(0, 4))); // => [0,0,0,7]
   * if (!conn.writeRaw(wire)) await new Promise<void>((resolve) => conn.once('drain', () => resolve()));
   * await conn.end();
   * for await (const frame of conn) {
   *   console.log(new TextDecoder().decode(frame)); // => "relayed"
   * }
   * server.close();
   * ```
   */
  writeRaw(bytes: Uint8Array | ArrayBuffer): boolean {
    let view: Uint8Array;
    if (bytes instanceof Uint8Array) view = bytes;
    else if (bytes instanceof ArrayBuffer) view = new Uint8Array(bytes);
    else throw new InvalidOptionError('bytes', `bytes must be a Uint8Array or an ArrayBuffer, got ${describe(bytes)}`);
    this.#writable('writeRaw');
    if (this.socket.destroyed) return false;
    this.#coalesce();
    return this.socket.write(view);
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
    return this.#close(timeoutMs);
  }

  #close(timeoutMs: number): Promise<CloseResult> {
    const s = this.socket;
    this.#closeRequested = true;
    this.#discard = true;
    this.#flow(); // read and drop, so that the peer's FIN is seen
    this.#wake();
    const closing = new Promise<CloseResult>((resolve) => {
      if (this.#closed) {
        resolve({ reset: false });
        return;
      }
      const timer = Number.isFinite(timeoutMs) ? setTimeout(this.#reset, timeoutMs) : undefined;
      s.once('close', () => {
        clearTimeout(timer);
        resolve({ reset: this.#wasReset });
      });
    });
    this.#closing = closing;
    if (!s.writableEnded && !s.destroyed) s.end();
    this.#stateMayChange();
    return closing;
  }

  readonly #reset = (): void => {
    if (this.#closed || this.socket.destroyed) return;
    this.#wasReset = true;
    reset(this.socket);
  };

  /**
   * The received frames, in order. Ends after the peer's FIN (throwing
   * `TruncatedFrameError` first if the FIN came inside a frame, per the decoder's
   * `trailing`), after `close()`, or when the socket closes; throws a framing or
   * socket error after the frames received before it, and an abort's reason at
   * once. Leaving a `for await` loop early does not close the connection, and the
   * frames not taken stay queued for the next loop.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#next(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * The received frames in batches: each step gives, as a new array of at least
   * one frame, every frame received and not taken yet, in order. A server that
   * answers each batch with one `writeAll()` makes one encoder call and one socket
   * write per batch, where `for await (const frame of conn)` and `write()` make
   * one of each, and one iterator step, per frame. A batch holds the frames of the
   * reads that came since the last step: at most the `highWaterMark` (each frame
   * counting its length and at least 1) and the frames of one read.
   *
   * The frames are those the frame iterator gives (stable, `decode()` frames); it
   * ends and throws as that iterator does, an error coming after a batch of the
   * frames received before it. Both iterators take from the same queue: use one at
   * a time (one after the other is fine; leaving a loop early leaves the frames
   * not taken queued). Assigning {@link Framed.decoder} switches framing right
   * after the last frame of the batch taken last.
   *
   * @example
   * ```ts
   * import net, { type AddressInfo } from 'node:net';
   * import { LengthFieldDecoder, LengthFieldEncoder } from 'framecodec';
   * import { framed } from 'framecodec/node';
   * const codec = () => ({ decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
   * // An echo server: each batch goes back in one write.
   * const server = net.createServer((socket) => {
   *   const conn = framed(socket, codec());
   *   (async () => {
   *     for await (const batch of conn.batches()) conn.writeAll(batch);
   *     await conn.close({ timeoutMs: 5000 });
   *   })().catch(() => conn.close({ timeoutMs: 0 }));
   * });
   * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
   *
   * const client = framed(net.connect((server.address() as AddressInfo).port, '127.0.0.1'), codec());
   * client.writeAll([1, 2, 3].map((n) => new Uint8Array(n))); // three frames in one write
   * await client.end();
   * const lengths: number[] = [];
   * for await (const batch of client.batches()) for (const frame of batch) lengths.push(frame.length);
   * console.log(lengths); // => [1,2,3]
   * server.close();
   * ```
   */
  batches(): AsyncIterableIterator<T[]> {
    const iterator: AsyncIterableIterator<T[]> = {
      next: () => this.#nextBatch(),
      return: async () => ({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async #next(): Promise<IteratorResult<T>> {
    for (;;) {
      const ready = this.#poll();
      if (ready) return { done: false, value: this.#take() };
      if (ready === false) return { done: true, value: undefined };
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async #nextBatch(): Promise<IteratorResult<T[]>> {
    for (;;) {
      const ready = this.#poll();
      if (ready) return { done: false, value: this.#takeAll() };
      if (ready === false) return { done: true, value: undefined };
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * What an iterator step finds: true, a frame is queued; false, the iteration is
   * over; undefined, wait for more. Throws an abort's reason, or the decoder's or
   * the socket's error once the frames before it are taken.
   */
  #poll(): boolean | undefined {
    if (this.#aborted !== null) {
      const { reason } = this.#aborted;
      this.#aborted = null;
      throw reason;
    }
    if (this.#head < this.#queue.length) return true;
    if (this.#finished) return false;
    const decodeError = this.#decodeError;
    if (decodeError !== undefined) {
      this.#finish();
      throw decodeError;
    }
    if (this.#discard || this.#remoteEnded || this.#socketError !== undefined || this.#closed) {
      // No frame will come any more.
      const error = this.#socketError;
      this.#finish();
      if (error !== undefined) throw error;
      return false;
    }
    return undefined;
  }

  /** The next queued frame. */
  #take(): T {
    const head = this.#head;
    const frame = this.#queue[head];
    this.#queue[head] = undefined as T;
    this.#head = head + 1;
    this.#queuedBytes -= sizeOf(frame);
    this.#taken = this.#ends[head];
    this.#dropRawBefore(this.#taken);
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#ends = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#ends = this.#ends.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused) this.#flow();
    return frame;
  }

  /** Every queued frame, as an array of the caller's. */
  #takeAll(): T[] {
    const queue = this.#queue;
    const batch = this.#head === 0 ? queue : queue.slice(this.#head);
    this.#taken = this.#ends[queue.length - 1];
    this.#dropRawBefore(this.#taken);
    this.#queue = [];
    this.#ends = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    if (this.#paused) this.#flow();
    return batch;
  }

  /** Drops the received chunks that lie wholly before raw coordinate `end` (the end of a frame taken). */
  #dropRawBefore(end: number): void {
    const raw = this.#raw;
    let k = this.#rawHead;
    let at = this.#rawStart;
    while (k < raw.length && at + raw[k].length <= end) {
      at += raw[k].length;
      raw[k++] = undefined as unknown as Uint8Array;
    }
    this.#rawStart = at;
    if (k === raw.length) {
      this.#raw = [];
      this.#rawHead = 0;
    } else if (k >= 1024 && k * 2 >= raw.length) {
      this.#raw = raw.slice(k);
      this.#rawHead = 0;
    } else {
      this.#rawHead = k;
    }
  }

  /** The iteration is over: nothing more is delivered, later bytes are dropped. */
  #finish(): void {
    this.#finished = true;
    this.#discard = true;
    this.#dropQueue();
    this.#rawStart = this.#rawEnd;
    this.#flow();
  }

  /** Forgets the queued frames, the raw bytes kept for them and a pending decode error. */
  #dropQueue(): void {
    this.#queue = [];
    this.#ends = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#raw = [];
    this.#rawHead = 0;
    this.#decodeError = undefined;
  }

  #writer(method: string): FrameEncoder {
    const encoder = encoderFor(this.#encoder, method, 'framed(socket, { decoder, encoder })');
    this.#writable(method);
    return encoder;
  }

  #writable(method: string): void {
    if (this.socket.writableEnded) {
      throw stateError(
        'ERR_STREAM_WRITE_AFTER_END',
        `${method}() after end() or close(): this connection has sent its FIN`,
      );
    }
  }

  // --- receiving ------------------------------------------------------------

  /** 'data' chunks are fresh buffers that nobody writes again: kept as they are. */
  readonly #onData = (chunk: Uint8Array): void => {
    if (!this.#discard) this.#feed(chunk);
  };

  /**
   * Zero-copy: `bytes` usually lie in the receive area, which the next read
   * overwrites. They are copied out once, and the copy is both decoded (frames are
   * views of it) and kept for a decoder switch.
   */
  readonly #onRead = (bytes: Uint8Array): void => {
    if (!this.#discard) this.#feed(bytes.slice());
  };

  /** Takes in received bytes (stable ones): kept for a switch, and decoded unless the decoder failed. */
  #feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#raw.push(bytes);
    this.#rawEnd += bytes.length;
    if (this.#decodeError === undefined) this.#decode(bytes);
  }

  /** Decodes `chunk` (none: the bytes held after a maxFrames stop) and queues the frames with their ends. */
  #decode(chunk: Uint8Array | undefined): void {
    const decoder = this.#decoder;
    const from = this.#ends.length;
    this.#decoding = true;
    try {
      if (this.#tracked) this.#enqueue((decoder as TrackedDecoder<T>).decodeTracked(chunk, this.#ends), from);
      else this.#decodeFrameByFrame(decoder, chunk);
    } catch (error) {
      // The frames completed before the fault (their ends are recorded too).
      this.#enqueue(takeFrames<T>(error), this.#tracked ? from : this.#ends.length);
      this.#fault(error);
      return;
    } finally {
      this.#decoding = false;
    }
    this.#cutDiscarded();
  }

  /** A decoder without decodeTracked: one frame per call; it ends where the held bytes begin. */
  #decodeFrameByFrame(decoder: FrameDecoder<T>, chunk: Uint8Array | undefined): void {
    const fed = this.#rawEnd + this.#cut;
    let frames = decoder.decode(chunk, ONE_FRAME);
    while (frames.length > 0) {
      const ends = this.#ends;
      const from = ends.length;
      const held = decoder.buffered;
      // A decoder that ignores maxFrames: only the last frame's end is known.
      for (let k = 1; k < frames.length; k++) ends.push(Number.NaN);
      ends.push(typeof held === 'number' && held >= 0 && held <= fed ? fed - held : Number.NaN);
      this.#enqueue(frames, from);
      frames = decoder.decode(undefined, ONE_FRAME);
    }
  }

  /**
   * Queues `frames`, whose ends (decoder offsets) are #ends[from...]: turned into
   * raw coordinates, or NaN if the decoder did not give one per frame.
   */
  #enqueue(frames: T[], from: number): void {
    const ends = this.#ends;
    const n = frames.length;
    if (ends.length !== from + n) {
      ends.length = from;
      for (let k = 0; k < n; k++) ends.push(Number.NaN);
    }
    if (n === 0) return;
    const last = ends[from + n - 1];
    if (last > this.#resolved) this.#resolved = last;
    const cut = this.#cut;
    if (cut !== 0) for (let k = from; k < from + n; k++) ends[k] -= cut;
    const queue = this.#queue;
    let bytes = 0;
    for (let k = 0; k < n; k++) {
      queue.push(frames[k]);
      bytes += sizeOf(frames[k]);
    }
    this.#queuedBytes += bytes;
    if (!this.#paused && this.#queuedBytes >= this.#highWaterMark) this.#flow();
    this.#wake();
  }

  /**
   * Bytes after the last decoded frame that the decoder no longer holds were
   * discarded (onTooLong: 'skip'): a switch would not get them from
   * takeBuffered() either, so they are cut out of the kept bytes.
   */
  #cutDiscarded(): void {
    const held = this.#decoder.buffered;
    if (typeof held !== 'number' || !(held >= 0)) return;
    const cut = this.#cut;
    const heldStart = this.#rawEnd + cut - held;
    const resolved = this.#resolved;
    if (!(heldStart > resolved) || resolved - cut < this.#rawStart) return;
    this.#cutRaw(resolved - cut, heldStart - cut);
    this.#cut = cut + (heldStart - resolved);
    this.#resolved = heldStart;
  }

  /** Removes raw coordinates [from, to) from the kept bytes; those after `to` move down. */
  #cutRaw(from: number, to: number): void {
    const raw = this.#raw;
    const tail: Uint8Array[] = [];
    let end = this.#rawEnd;
    while (end > from) {
      const seg = raw.pop() as Uint8Array;
      const start = end - seg.length;
      if (end > to) tail.push(start >= to ? seg : part(seg, to - start, seg.length));
      if (start < from) raw.push(part(seg, 0, from - start));
      end = start;
    }
    for (let k = tail.length - 1; k >= 0; k--) raw.push(tail[k]);
    this.#rawEnd -= to - from;
  }

  /** The kept bytes from raw coordinate `from` on, as views. */
  #rawFrom(from: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const raw = this.#raw;
    let at = this.#rawStart;
    for (let k = this.#rawHead; k < raw.length; k++) {
      const seg = raw[k];
      const end = at + seg.length;
      if (end > from) out.push(at >= from ? seg : part(seg, from - at, seg.length));
      at = end;
    }
    return out;
  }

  /** What `decoder` holds, taken (it is reset: its offsets start at 0 with what framed() feeds it). */
  #takeHeld(decoder: FrameDecoder<T>): Uint8Array {
    if (typeof decoder.takeBuffered === 'function') return decoder.takeBuffered();
    return EMPTY;
  }

  /** The decoder failed: the frames before are queued; the error waits behind them. */
  #fault(error: unknown): void {
    this.#decodeError = error;
    this.#flow();
    this.#wake();
  }

  /** End of input: decodes what the decoder holds after a maxFrames stop, then ends it (`trailing`). */
  #endDecoder(): void {
    // end() does not say where its frames end: decode the held bytes tracked first.
    this.#decode(undefined);
    if (this.#decodeError !== undefined) return;
    const ends = this.#ends;
    const from = ends.length;
    let frames: T[];
    let error: unknown;
    this.#decoding = true;
    try {
      frames = this.#decoder.end();
    } catch (e) {
      frames = takeFrames<T>(e);
      error = e;
    } finally {
      this.#decoding = false;
    }
    // Every byte is consumed: the last frame ends at the end of the input. Where
    // one before it ends (a delimiter resolved by the end of input, then the
    // trailing frame) is unknown, as is where frames before an error end.
    for (let k = 0; k < frames.length; k++) {
      ends.push(k === frames.length - 1 && error === undefined ? this.#rawEnd + this.#cut : Number.NaN);
    }
    this.#enqueue(frames, from);
    if (error !== undefined) this.#fault(error);
    else this.#cutDiscarded();
  }

  /** Pauses reading at the high-water mark or after a decoder fault, resumes below half of it. */
  #flow(): void {
    let pause: boolean;
    if (this.#discard || this.#remoteEnded || this.#closed) pause = false;
    else if (this.#decodeError !== undefined) pause = true;
    else if (this.#paused) pause = this.#queuedBytes > this.#highWaterMark / 2;
    else pause = this.#queuedBytes >= this.#highWaterMark;
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.socket.pause();
    else if (!this.socket.destroyed) this.socket.resume();
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
      this.#endOfInput = true;
      if (this.#decodeError === undefined) this.#endDecoder();
    }
    this.#flow();
    this.#wake();
    this.#stateMayChange();
  };

  readonly #onError = (error: Error): void => {
    if (this.#socketError === undefined) this.#socketError = error;
    this.#wake();
  };

  readonly #onClose = (hadError: boolean): void => {
    this.#closed = true;
    this.#wake();
    this.#stateMayChange();
    this.emit('close', hadError);
  };

  readonly #onAbort = (): void => {
    if (!this.#finished) {
      this.#aborted = { reason: this.#signal?.reason };
      this.#finish(); // queued frames and kept bytes go now; the iterator throws the reason next
    }
    if (this.#closing === null) void this.#close(0);
    else this.#reset();
    this.#wake();
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
export function framed<T = Uint8Array>(socket: Duplex, options: FramedOptions<T>): Framed<T> {
  return new Framed(socket, options);
}
