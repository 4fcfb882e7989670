/**
 * The interface every decoder implements, and the plumbing they share: stats,
 * the failed and freed states, `frames` on errors, deferred `onDiscard` calls.
 *
 * Copy semantics of what a decoder returns:
 * - `decode()` frames are stable: they never alias decoder or WebAssembly memory
 *   and never change afterwards. A frame that lies wholly inside the chunk you
 *   passed is a view on that chunk's buffer (no copy), so copy such frames first if
 *   you overwrite your chunk buffer later. A frame that spans chunks is a fresh copy.
 * - `decodeEach()` passes frames valid only during the `onFrame` call.
 * - `TruncatedFrameError.partial` and `end()` frames are copies.
 *
 * @module
 */
import { engine, useEngine } from '../engine/index.js';
import { toBytes } from './_bytes.js';
import { Carry } from './_carry.js';
import { Ranges } from './_ranges.js';
import { FramingError, InvalidOptionError, takeFrames } from './errors.js';
import type { DiscardInfo } from './options.js';
import { describe } from './options.js';

/** Counters kept over a decoder's life; neither `end()` nor `reset()` clears them. */
export interface FrameStats {
  /** Frames returned or passed to `onFrame` (one emitted by `end()` included). */
  frames: number;
  /** Total length of those frames. */
  bytes: number;
  /** Frames thrown away by `onTooLong: 'skip'` and `trailing: 'drop'`. */
  discardedFrames: number;
  /** Stream bytes thrown away by `onTooLong: 'skip'` and `trailing: 'drop'`. */
  discardedBytes: number;
}

/**
 * Receives frames as ranges: frame `i` is `bytes.subarray(offsets[2 * i], offsets[2 * i + 1])`.
 * `bytes` and `offsets` are valid only during the call.
 */
export type OnRanges = (bytes: Uint8Array, offsets: Int32Array, count: number) => void;

/** Options of a decoding call. */
export interface DecodeOptions {
  /**
   * Return at most this many frames (a positive integer); the bytes after the last
   * one are held, not decoded, until a later call (see {@link FrameDecoder.takeBuffered}).
   * @default no limit
   */
  maxFrames?: number;
}

/**
 * What every framecodec decoder offers. `T` is the type of a frame: `Uint8Array`
 * for every decoder but `TextLineDecoder`, whose frames are strings.
 */
export interface FrameDecoder<T = Uint8Array> {
  /**
   * Feeds bytes (none: continue from bytes held after a `maxFrames` stop);
   * returns, in order, the frames they complete.
   */
  decode(chunk?: Uint8Array | ArrayBuffer, options?: DecodeOptions): T[];
  /** Feeds bytes; passes each completed frame to `onFrame` (valid during the call only); returns their number. */
  decodeEach(chunk: Uint8Array | ArrayBuffer, onFrame: (frame: T) => void, options?: DecodeOptions): number;
  /** Signals the end of the stream; applies `trailing` to an incomplete frame; resets. */
  end(): T[];
  /** Every byte received and not yet returned or discarded, as a fresh buffer; then resets (stats kept). */
  takeBuffered(): Uint8Array;
  /** Drops buffered bytes and a failed state (stats are kept). */
  reset(): void;
  /** Releases the decoder; any later call throws `ERR_DECODER_FREED`. */
  free(): void;
  [Symbol.dispose](): void;
  /** Bytes held: the start of an incomplete frame, and those after a `maxFrames` stop. */
  readonly buffered: number;
  readonly stats: FrameStats;
}

/** A decoder with the frame-offsets path: every framecodec decoder (see {@link BaseDecoder.decodeRanges}). */
export interface RangeDecoder extends FrameDecoder {
  /** Feeds bytes; passes the completed frames as batches of (start, end) ranges, no object per frame. */
  decodeRanges(chunk: Uint8Array | ArrayBuffer, onFrames: OnRanges): number;
}

/** Whether `decoder` has the frame-offsets path. */
export function hasRanges(decoder: FrameDecoder): decoder is RangeDecoder {
  return typeof (decoder as Partial<RangeDecoder>).decodeRanges === 'function';
}

/**
 * When at least this many frames come out of one scan, the hot loops grow the
 * `decode()` result array once and fill it by index: a push per frame costs about
 * a third more (bench/experiments/views.mjs), and growing is a runtime call that a
 * few frames do not repay. @internal
 */
export const PRESIZE_FROM = 64;

const EMPTY = new Uint8Array(0);

/** The most frames decodeEach() decodes before it hands them over (see decodeEach). @internal */
export const EACH_BATCH = 8192;

/**
 * Bytes held after a `maxFrames` stop: our own copies, never written again (frames
 * may be views of them), consumed front to back.
 *
 *   chunks   [ chunk rest ][ later chunk ][ later chunk ]
 *                 ^ at: the first byte not consumed
 */
interface Pending {
  chunks: Uint8Array[];
  at: number;
  /** Bytes not consumed, > 0. */
  bytes: number;
}

/** The `maxFrames` of a call's options: a positive integer, or Infinity when absent. */
function maxFrames(options: DecodeOptions | undefined): number {
  if (options === undefined) return Infinity;
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', `options must be an object, got ${describe(options)}`);
  }
  const n = options.maxFrames;
  if (n === undefined) return Infinity;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new InvalidOptionError('maxFrames', `maxFrames must be a positive integer, got ${describe(n)}`);
  }
  return n;
}

/** `Symbol.dispose` where the runtime has it (else its registered stand-in). @internal */
export const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

/**
 * Base class of the decoders. A subclass implements `push` (consume one chunk,
 * append completed frames to `out`), `finish` (end of stream), `clear` (drop
 * state) and `held` (bytes buffered); this class does everything else.
 * @internal
 */
export abstract class BaseDecoder implements FrameDecoder {
  readonly stats: FrameStats = { frames: 0, bytes: 0, discardedFrames: 0, discardedBytes: 0 };
  private failure: FramingError | null = null;
  private freed = false;
  private discards: DiscardInfo[] | null = null;
  /**
   * The bytes of an incomplete frame (for delimiters: from the frame's start, or
   * from the resume offset while discarding). Settled after every call, so an idle
   * decoder at a frame boundary owns no buffer.
   */
  protected readonly carry: Carry = new Carry();
  /** Set during decodeRanges(): the hot loops add ranges here instead of making views. */
  protected ranges: Ranges | null = null;

  constructor(private readonly onDiscard: ((info: DiscardInfo) => void) | undefined) {
    useEngine();
  }

  /**
   * Consumes `chunk` (or, once `budget` frames have come out, the part of it up to
   * the end of the last one, leaving the decoder at that frame boundary) and
   * appends the completed frames to `out`. Returns the number of bytes consumed.
   */
  protected abstract push(chunk: Uint8Array, out: Uint8Array[]): number;
  protected abstract finish(out: Uint8Array[]): void;
  protected abstract clear(): void;
  protected abstract held(): number;

  /**
   * Set during decodeTracked(): the stream offset right after each frame emitted
   * (where the next frame's bytes begin) is appended here.
   */
  protected ends: number[] | null = null;
  /**
   * Frames this call may still emit (`maxFrames`); Infinity without a limit. The
   * subclasses decrement it as they emit and stop at 0.
   */
  protected budget = Infinity;
  /**
   * Bytes received after a `maxFrames` stop and not decoded yet (null when none:
   * most decoders never stop, and an idle one stays small).
   */
  private pending: Pending | null = null;

  decode(chunk?: Uint8Array | ArrayBuffer, options?: DecodeOptions): Uint8Array[] {
    return this.decodeUpTo(chunk, options === undefined ? Infinity : maxFrames(options));
  }

  /** decode() with `maxFrames` already checked (Infinity: no limit). */
  private decodeUpTo(chunk: Uint8Array | ArrayBuffer | undefined, limit: number): Uint8Array[] {
    this.usable();
    let bytes = chunk === undefined ? EMPTY : toBytes(chunk);
    if (this.failure) throw this.failure.again();
    const out: Uint8Array[] = [];
    let inMemory = engine.holds(bytes);
    if (inMemory) {
      bytes = this.inPlace(bytes);
      inMemory = engine.holds(bytes); // not when it had to be copied out
    }
    try {
      this.feed(bytes, out, limit);
    } catch (e) {
      if (inMemory) stabilize(out, bytes.buffer);
      this.fault(e, out);
    }
    this.carry.settle();
    if (inMemory) stabilize(out, bytes.buffer);
    this.flushDiscards();
    return out;
  }

  /**
   * Decodes the pending bytes, then `bytes`, until `limit` frames have come out;
   * what is left of `bytes` then is kept (copied: the caller may reuse its chunk).
   */
  private feed(bytes: Uint8Array, out: Uint8Array[], limit: number): void {
    this.budget = limit;
    try {
      let p = this.pending;
      while (p !== null && this.budget > 0) {
        const piece = p.chunks[0];
        const from = p.at;
        const used = this.push(piece.subarray(from), out);
        p.bytes -= used;
        if (from + used < piece.length) p.at = from + used;
        else {
          p.chunks.shift();
          p.at = 0;
        }
        if (p.bytes === 0) this.pending = p = null;
      }
      const used = p === null && this.budget > 0 ? this.push(bytes, out) : 0;
      if (used < bytes.length) {
        this.pending ??= { chunks: [], at: 0, bytes: 0 };
        this.pending.chunks.push(bytes.slice(used));
        this.pending.bytes += bytes.length - used;
      }
    } finally {
      this.budget = Infinity;
    }
  }

  /**
   * Every byte received and not yet returned in a frame or discarded, as a fresh
   * buffer: the start of an incomplete frame (header included), then the bytes
   * held after a `maxFrames` stop. The decoder is then reset (`stats` are kept),
   * so that another decoder can take over the stream: this is how a protocol
   * switches framing mid-stream.
   *
   * @example
   * ```ts
   * import { LengthFieldDecoder, LineDecoder } from 'framecodec';
   * // A line, then length-prefixed frames, in one read.
   * const wire = new Uint8Array([...new TextEncoder().encode('HELLO\n'), 0, 0, 0, 2, 104, 105]);
   * const preamble = new LineDecoder();
   * const [hello] = preamble.decode(wire, { maxFrames: 1 });
   * console.log(new TextDecoder().decode(hello)); // => "HELLO"
   * const frames = new LengthFieldDecoder().decode(preamble.takeBuffered());
   * console.log(frames.map((f) => new TextDecoder().decode(f))); // => ["hi"]
   * ```
   */
  takeBuffered(): Uint8Array {
    this.usable();
    if (this.failure) throw this.failure.again();
    const carried = this.held();
    const p = this.pending;
    const all = new Uint8Array(carried + (p?.bytes ?? 0));
    if (carried > 0) all.set(this.carry.buf!.subarray(0, carried));
    let at = carried;
    for (let k = 0; p !== null && k < p.chunks.length; k++) {
      const piece = k === 0 ? p.chunks[0].subarray(p.at) : p.chunks[k];
      all.set(piece, at);
      at += piece.length;
    }
    this.reset();
    return all;
  }

  /**
   * `decode()` that also appends to `ends`, for each frame returned, the stream
   * offset right after it (counted from the decoder's start or its last reset):
   * what `framed()` needs to hand the bytes of frames it decoded but has not
   * delivered yet to another decoder. Also on error, for the frames it carries.
   * @internal
   */
  decodeTracked(chunk: Uint8Array | undefined, ends: number[], options?: DecodeOptions): Uint8Array[] {
    this.ends = ends;
    try {
      return this.decode(chunk, options);
    } finally {
      this.ends = null;
    }
  }

  /** Records the stream offset right after a frame, during decodeTracked(). */
  protected tracked(end: number): void {
    if (this.ends !== null) this.ends.push(end);
  }

  /**
   * The chunk lies in linear memory (zero-copy receive): scanned where it lies when
   * the engine allows it, else copied out first, since staging could overwrite it.
   */
  private inPlace(bytes: Uint8Array): Uint8Array {
    return engine.inPlace(bytes, this.maxTail(), this.table()) ?? bytes.slice();
  }

  /** The delimiter table a subclass scans with, loaded before an in-place scan. */
  protected table(): Uint8Array | null {
    return null;
  }

  /** The most bytes a subclass carries in front of a window (a header, a delimiter's start). */
  protected maxTail(): number {
    return 0;
  }

  /**
   * Passes the frames to `onFrame` in batches of at most {@link EACH_BATCH}, each
   * handed over as soon as it is decoded: a chunk of a million tiny frames never
   * builds a list of them all (which would outlive the young generation and make
   * the time grow faster than the input). Between batches the decoder is at a
   * frame boundary with the rest of the chunk held, as after a `maxFrames` stop,
   * so an `onFrame` may call back into it (or throw) and leave it consistent.
   */
  decodeEach(chunk: Uint8Array | ArrayBuffer, onFrame: (frame: Uint8Array) => void, options?: DecodeOptions): number {
    if (typeof onFrame !== 'function') {
      throw new InvalidOptionError('onFrame', `onFrame must be a function, got ${describe(onFrame)}`);
    }
    let left = maxFrames(options);
    let next: Uint8Array | ArrayBuffer | undefined = chunk;
    let n = 0;
    for (;;) {
      const batch = Math.min(left, EACH_BATCH);
      const bytes = next;
      next = undefined;
      const got = eachFrame(() => this.decodeUpTo(bytes, batch), onFrame);
      n += got;
      left -= got;
      if (got < batch || left === 0) return n;
    }
  }

  /**
   * The frame-offsets path, for proxies and routers that do not need an object per
   * frame: feeds bytes like `decode()`, and passes the completed frames in batches of
   * (start, end) offsets into a source buffer (the chunk itself, or a buffer that
   * holds a frame which spanned chunks), in order. Nothing passed to `onFrames`
   * outlives the call. Returns the number of frames. Errors as `decodeEach()`.
   *
   * @example
   * ```ts
   * import { LineDecoder } from 'framecodec';
   * const lines = new LineDecoder();
   * const lengths: number[] = [];
   * const n = lines.decodeRanges(new TextEncoder().encode('a\nbb\nccc\n'), (bytes, offsets, count) => {
   *   for (let i = 0; i < count; i++) lengths.push(offsets[2 * i + 1] - offsets[2 * i]);
   * });
   * console.log(n); // => 3
   * console.log(lengths); // => [1,2,3]
   * ```
   */
  decodeRanges(chunk: Uint8Array | ArrayBuffer, onFrames: OnRanges): number {
    if (typeof onFrames !== 'function')
      throw new InvalidOptionError('onFrames', `onFrames must be a function, got ${describe(onFrames)}`);
    this.usable();
    let bytes = toBytes(chunk);
    if (this.failure) throw this.failure.again();
    if (engine.holds(bytes)) bytes = this.inPlace(bytes);
    const ranges = Ranges.acquire();
    this.ranges = ranges;
    const before = this.stats.frames;
    const out: Uint8Array[] = [];
    try {
      this.feed(bytes, out, Infinity);
    } catch (e) {
      this.ranges = null;
      ranges.deliver(onFrames);
      if (e instanceof FramingError) e.frames = [];
      this.flushDiscards();
      throw e;
    }
    this.ranges = null;
    this.carry.settle();
    ranges.deliver(onFrames);
    this.flushDiscards();
    return this.stats.frames - before;
  }

  end(): Uint8Array[] {
    this.usable();
    const failure = this.failure;
    if (failure) {
      this.reset();
      throw failure.again();
    }
    const out: Uint8Array[] = [];
    try {
      // Bytes held after a maxFrames stop are decoded first, then `trailing` applies.
      if (this.pending !== null) this.feed(EMPTY, out, Infinity);
      this.finish(out);
    } catch (e) {
      this.reset();
      this.fault(e, out);
    }
    this.clear();
    this.flushDiscards();
    return out;
  }

  reset(): void {
    this.usable();
    this.failure = null;
    this.dropPending();
    this.clear();
  }

  free(): void {
    if (this.freed) return;
    this.dropPending();
    this.clear();
    this.failure = null;
    this.freed = true;
  }

  [disposeSymbol](): void {
    this.free();
  }

  get buffered(): number {
    return this.freed ? 0 : this.held() + (this.pending?.bytes ?? 0);
  }

  private dropPending(): void {
    this.pending = null;
  }

  /**
   * Emits bytes[start, end): a view appended to `out`, or a range during decodeRanges().
   * (The hot loops inline this.)
   */
  protected put(out: Uint8Array[], bytes: Uint8Array, start: number, end: number): void {
    this.budget--;
    this.stats.frames++;
    this.stats.bytes += end - start;
    if (this.ranges !== null) this.ranges.add(bytes, start, end);
    else
      out.push(
        start === 0 && end === bytes.length
          ? bytes
          : new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start),
      );
  }

  /** Emits a whole frame (a stable buffer of its own). */
  protected putFrame(out: Uint8Array[], frame: Uint8Array): void {
    this.put(out, frame, 0, frame.length);
  }

  /** Counts a dropped frame and queues its `onDiscard` call for the end of the call. */
  protected discarded(bytes: number, offset: number): void {
    this.stats.discardedFrames++;
    this.stats.discardedBytes += bytes;
    if (this.onDiscard) {
      this.discards ??= [];
      this.discards.push({ reason: 'too-long', bytes, offset });
    }
  }

  /** Counts a frame dropped by `trailing: 'drop'` (no `onDiscard` call). */
  protected dropped(bytes: number): void {
    this.stats.discardedFrames++;
    this.stats.discardedBytes += bytes;
  }

  /** Marks the decoder failed and throws: every later decode/end throws the same code. */
  protected fail(error: FramingError): never {
    this.failure = error;
    this.dropPending(); // a failed decoder decodes nothing more: what it held after a stop goes
    throw error;
  }

  private usable(): void {
    if (this.freed) throw new FramingError('ERR_DECODER_FREED', 'this decoder was freed; create a new one');
  }

  private fault(e: unknown, out: Uint8Array[]): never {
    if (e instanceof FramingError) e.frames = out;
    this.flushDiscards();
    throw e;
  }

  private flushDiscards(): void {
    const list = this.discards;
    if (!list) return;
    this.discards = null;
    for (const info of list) this.onDiscard!(info);
  }
}

/**
 * Frames that are views on linear memory (chunk scanned in place) are copied out,
 * all in one slab, so that `decode()` frames stay stable.
 */
function stabilize(out: Uint8Array[], memory: ArrayBufferLike): void {
  let lo = Infinity;
  let hi = -1;
  for (const f of out) {
    if (f.buffer !== memory) continue;
    if (f.byteOffset < lo) lo = f.byteOffset;
    if (f.byteOffset + f.length > hi) hi = f.byteOffset + f.length;
  }
  if (hi < 0) return;
  const slab = new Uint8Array(memory, lo, hi - lo).slice();
  for (let k = 0; k < out.length; k++) {
    const f = out[k];
    if (f.buffer === memory) out[k] = slab.subarray(f.byteOffset - lo, f.byteOffset - lo + f.length);
  }
}

/**
 * decodeEach() in terms of decode(): passes each frame `decode` returns to
 * `onFrame`; when it throws, passes first the frames completed before the fault
 * (taken from the error, so they are not delivered twice). @internal
 */
export function eachFrame<T>(decode: () => T[], onFrame: (frame: T) => void): number {
  if (typeof onFrame !== 'function') {
    throw new InvalidOptionError('onFrame', `onFrame must be a function, got ${describe(onFrame)}`);
  }
  let frames: T[];
  try {
    frames = decode();
  } catch (e) {
    const done = takeFrames<T>(e);
    for (let i = 0; i < done.length; i++) onFrame(done[i]);
    throw e;
  }
  for (let i = 0; i < frames.length; i++) onFrame(frames[i]);
  return frames.length;
}
