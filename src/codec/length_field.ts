/**
 * Length-field framing: each frame carries its length in a header, as Netty's
 * `LengthFieldBasedFrameDecoder` and tokio-util's `LengthDelimitedCodec`.
 *
 * frame length on the wire = lengthFieldOffset + fieldBytes + value + lengthAdjustment
 *
 * Defaults: a 4-byte big-endian length of the payload, header stripped.
 * ```
 * INPUT (9 bytes)                              DECODED
 * +-------------+----------------+             +----------------+
 * | 00 00 00 05 | 68 65 6c 6c 6f |   ---->     | 68 65 6c 6c 6f |  "hello"
 * +-------------+----------------+             +----------------+
 * ```
 * `initialBytesToStrip: 0` keeps the header:
 * ```
 * +-------------+----------------+             +-------------+----------------+
 * | 00 00 00 05 | 68 65 6c 6c 6f |   ---->     | 00 00 00 05 | 68 65 6c 6c 6f |
 * +-------------+----------------+             +-------------+----------------+
 * ```
 * The field counts the whole frame (`lengthAdjustment: -2`, 2-byte field):
 * ```
 * +-------+----------------+                   +----------------+
 * | 00 07 | 68 65 6c 6c 6f |   ---->           | 68 65 6c 6c 6f |
 * +-------+----------------+                   +----------------+
 * ```
 * A header before the field (`lengthFieldOffset: 2`, `lengthFieldLength: 2`,
 * `initialBytesToStrip: 0`); the magic bytes stay:
 * ```
 * +-------+-------+----------------+           +-------+-------+----------------+
 * | ca fe | 00 05 | 68 65 6c 6c 6f |   ---->   | ca fe | 00 05 | 68 65 6c 6c 6f |
 * +-------+-------+----------------+           +-------+-------+----------------+
 * ```
 * A varint (unsigned LEB128) length, as protobuf's delimited messages:
 * ```
 * +----+----------------+                      +----------------+
 * | 05 | 68 65 6c 6c 6f |   ---->              | 68 65 6c 6c 6f |
 * +----+----------------+                      +----------------+
 * ```
 * @module
 */
import {
  CORRUPT,
  CORRUPT_VALUE_TOO_BIG,
  CORRUPT_VARINT_TOO_LONG,
  CORRUPT_SHORTER_THAN_HEADER,
  NEED_BODY,
  NEED_HEADER,
  TOO_LONG,
} from '../../assembly/abi.js';
import { engine, type LengthParams, type ScanResult, WINDOW } from '../engine/index.js';
import { hex, toBytes } from './_bytes.js';
import { concat } from './_carry.js';
import { BaseDecoder, PRESIZE_FROM } from './decoder.js';
import { CorruptLengthError, FrameTooLongError, InvalidOptionError, TruncatedFrameError } from './errors.js';
import {
  boolean,
  describe,
  integer,
  limits,
  maxFrameLength,
  objectOption,
  oneOf,
  plural,
  trailing,
  type LimitOptions,
  type Trailing,
} from './options.js';

export type LengthFieldLength = 1 | 2 | 3 | 4 | 8 | 'varint';
export type ByteOrder = 'big' | 'little';

/** Options of {@link LengthFieldDecoder}. */
export interface LengthFieldDecoderOptions extends LimitOptions {
  /** Bytes before the length field. @default 0 */
  lengthFieldOffset?: number;
  /** Width of the field in bytes, or `'varint'` (unsigned LEB128, 1 to 10 bytes). @default 4 */
  lengthFieldLength?: LengthFieldLength;
  /** Byte order of a fixed-width field. @default 'big' */
  byteOrder?: ByteOrder;
  /** Added to the field's value to get the number of bytes after the field. @default 0 */
  lengthAdjustment?: number;
  /** Bytes cut from the start of each frame. @default lengthFieldOffset + field length (the whole header) */
  initialBytesToStrip?: number;
  /** What `end()` does with an incomplete frame. @default 'error' */
  trailing?: Trailing;
}

/** Options of {@link LengthFieldEncoder}: the decoder's, meaning what they mean to it. */
export interface LengthFieldEncoderOptions {
  /**
   * Bytes before the length field (a type byte, a magic number, TLS's type and
   * version). Each frame's are given to `encode(payload, prefix)`, exactly this
   * many. @default 0
   */
  lengthFieldOffset?: number;
  /** @default 4 */
  lengthFieldLength?: LengthFieldLength;
  /** @default 'big' */
  byteOrder?: ByteOrder;
  /** The encoder writes `payload.length - lengthAdjustment`. @default 0 */
  lengthAdjustment?: number;
  /**
   * The field counts its own bytes too (as a decoder with `lengthAdjustment: -fieldBytes`),
   * never the prefix; fixed-width fields only (a varint's width varies). @default false
   */
  lengthIncludesHeader?: boolean;
  /** Longest frame on the wire: prefix, length field and payload. @default 8 * 1024 * 1024 */
  maxFrameLength?: number;
  /**
   * A decoder's option, accepted (and checked as the decoder checks it) so that one
   * options object, a preset for one, serves a decoder and its encoder. It changes
   * nothing the encoder writes: what a receiver strips is its own business.
   * @default lengthFieldOffset + field length
   */
  initialBytesToStrip?: number;
}

/** A payload with the `lengthFieldOffset` bytes written before its length field. */
export interface PrefixedPayload {
  prefix: Uint8Array | ArrayBuffer;
  payload: Uint8Array | ArrayBuffer;
}

const FIELD_LENGTHS: readonly LengthFieldLength[] = [1, 2, 3, 4, 8, 'varint'];

// Decoder states.
const HEADER = 0; // at a frame boundary, or holding the first bytes of a header
const BODY = 1; //   header parsed; holding the frame's bytes until frameLength arrive
const DISCARD = 2; // dropping the rest of a frame longer than maxFrameLength

/**
 * The scanner's parameters, one frozen object per distinct set of options, shared
 * by every decoder with those options (a server's 100,000 decoders share one), so
 * that the engine, which keeps the last ones loaded, seldom reloads them.
 */
const paramSets = new Map<string, LengthParams>();

function lengthParams(p: LengthParams): LengthParams {
  const key = `${p.offset},${p.field},${p.little},${p.strip},${p.adjustment},${p.max}`;
  let shared = paramSets.get(key);
  if (shared === undefined) {
    if (paramSets.size >= 256) paramSets.clear();
    shared = Object.freeze(p);
    paramSets.set(key, shared);
  }
  return shared;
}

/**
 * Frames at least this long are followed by a header-only scan: copying their body
 * into the window would cost more than one scan call per frame.
 */
const PROBE_AFTER = 8192;

/**
 * Once frames average at least this many bytes, their headers are read in place
 * (engine.walkLength) instead of copying the window into linear memory for the
 * wasm scanner: with few headers per byte, the copy is most of the cost. So are
 * the headers of a short chunk (below SMALL_CHUNK): the call into wasm and the
 * staging cost more than the scan saves on a few frames.
 */
const WALK_FROM = 32;
const SMALL_CHUNK = 4096;

/**
 * Splits a stream into frames whose length is carried in a header.
 *
 * @example
 * ```ts
 * import { LengthFieldDecoder } from 'framecodec';
 * const decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
 * const bytes = (frames: Uint8Array[]) => frames.map((f) => Array.from(f));
 * console.log(bytes(decoder.decode(new Uint8Array([0, 2, 104, 105, 0, 1])))); // => [[104,105]]
 * // "hi"; the header 0x00 0x01 waits for its one byte of payload:
 * console.log(bytes(decoder.decode(new Uint8Array([33])))); // => [[33]]
 * ```
 */
export class LengthFieldDecoder extends BaseDecoder {
  /** The options the scanner reads. */
  private readonly params: LengthParams;
  private readonly offset: number;
  private readonly adjustment: number;
  private readonly strip: number; // -1 = the whole header
  private readonly max: number;
  private readonly failFast: boolean;
  private readonly skip: boolean;
  private readonly trailing: Trailing;
  private readonly maxHeader: number;
  private readonly minHeader: number;

  private state = HEADER;
  /** Stream offset of the current frame's first byte. */
  private frameStart = 0;
  /** Bytes received before the current chunk. */
  private total = 0;
  private frameLength = 0;
  private headerLength = 0;
  private fieldValue = 0;
  private discardLeft = 0;
  /** Bytes of the frame being discarded that have arrived (exact, unlike frameLength - discardLeft past 2^53). */
  private discardedSoFar = 0;
  private probe = false;
  /** The frames so far are long: read headers in place (see WALK_FROM). */
  private walk = false;
  /**
   * Bytes of frames completed since the last over-long frame (Infinity before any).
   * A scan stages at most twice this, so the part of a window that an over-long
   * header leaves unscanned is paid for by bytes already decoded: staging stays
   * linear however valid and over-long frames alternate.
   */
  private consumed = Infinity;

  constructor(options?: LengthFieldDecoderOptions) {
    const o = objectOption('options', options);
    const lim = limits(o);
    super(lim.onDiscard);
    const offset = integer('lengthFieldOffset', o.lengthFieldOffset, 0, 0, 1 << 20);
    const len = oneOf('lengthFieldLength', o.lengthFieldLength, 4, FIELD_LENGTHS);
    const field = len === 'varint' ? 0 : len;
    const little = oneOf('byteOrder', o.byteOrder, 'big', ['big', 'little']) === 'little';
    this.offset = offset;
    this.adjustment = integer('lengthAdjustment', o.lengthAdjustment, 0, Number.MIN_SAFE_INTEGER);
    this.strip = integer('initialBytesToStrip', o.initialBytesToStrip, -1, 0);
    this.max = lim.max;
    this.params = lengthParams({
      offset,
      field,
      little,
      strip: this.strip,
      adjustment: this.adjustment,
      max: this.max,
    });
    this.failFast = lim.failFast;
    this.skip = lim.skip;
    this.trailing = trailing(o.trailing, 'error');
    this.maxHeader = offset + (field || 10);
    this.minHeader = offset + (field || 1);
  }

  protected held(): number {
    return this.state === DISCARD ? 0 : this.carry.len;
  }

  protected maxTail(): number {
    return this.maxHeader;
  }

  protected clear(): void {
    this.state = HEADER;
    this.carry.release();
    this.frameStart = 0;
    this.total = 0;
    this.discardLeft = 0;
    this.discardedSoFar = 0;
    this.probe = false;
    this.walk = false;
    this.consumed = Infinity;
  }

  protected push(chunk: Uint8Array, out: Uint8Array[]): number {
    const n = chunk.length;
    let i = 0;
    for (;;) {
      if (this.state === HEADER) {
        if (i >= n || this.budget === 0) break;
        i = this.scan(chunk, i, out);
      } else if (this.state === BODY) {
        const take = Math.min(this.frameLength - this.carry.len, n - i);
        this.carry.append(chunk, i, i + take, this.frameLength, this.frameLength, true);
        i += take;
        if (this.carry.len < this.frameLength) break;
        const skip = this.strip < 0 ? this.headerLength : this.strip;
        const frame = this.carry.take(skip);
        this.putFrame(out, frame);
        this.frameStart += this.frameLength;
        this.tracked(this.frameStart);
        this.state = HEADER;
        this.probe = this.frameLength >= PROBE_AFTER;
        this.walk = this.frameLength >= WALK_FROM;
        this.consumed += this.frameLength;
      } else {
        const take = Math.min(this.discardLeft, n - i);
        this.discardLeft -= take;
        this.discardedSoFar += take;
        i += take;
        if (this.discardLeft > 0) break;
        this.endDiscard(this.discardedSoFar);
      }
    }
    this.total += i;
    return i;
  }

  /**
   * HEADER state: lets the engine walk the frames of the window [carried header
   * bytes][chunk from i], turns the complete ones into views on `chunk`, and
   * handles the frame it stopped at. Returns the chunk index to continue from.
   */
  private scan(chunk: Uint8Array, i: number, out: Uint8Array[]): number {
    const n = chunk.length;
    const carry = this.carry;
    const tail = carry.len;
    const avail = tail + n - i;
    if (tail > 0 && avail < this.minHeader) {
      // Still short of the smallest possible header: no scan can finish it, so
      // keep the bytes without restaging the carried ones (a long
      // lengthFieldOffset fed a byte at a time would otherwise cost quadratic work).
      carry.append(chunk, i, n);
      return n;
    }
    let wlen = avail;
    let r: ScanResult;
    if (tail === 0 && (this.walk || n - i < SMALL_CHUNK || engine.name === 'js')) {
      // Headers read where they lie (the js engine has no faster way).
      r = engine.walkLength(this.params, chunk, i, avail, this.budget);
    } else {
      // A call limited to a few frames (maxFrames) stages little, so that pulling
      // frames one at a time does not copy a whole window per frame.
      const stage = this.probe ? 0 : Math.min(WINDOW, 2 * this.consumed, 8 * this.budget);
      wlen = Math.min(avail, Math.max(stage, tail + this.maxHeader));
      r = engine.scanLength(this.params, carry.buf, tail, chunk, i, wlen - tail);
    }
    const shift = i - tail; // window position + shift = chunk index
    const count = Math.min(r.count, this.budget);
    if (count > 0) this.complete(r, count, chunk, i, shift, out);
    if (this.budget === 0) {
      // maxFrames reached: stop at the end of the last frame taken, before anything
      // after it is looked at (a too-long or corrupt header waits for a later call).
      const end = r.pairs[r.first + 2 * count - 1];
      this.frameStart = this.total + shift + end;
      this.consumed += end;
      return end + shift;
    }
    if (count > 0) this.consumed += r.resume;
    this.frameStart = this.total + shift + r.resume;
    const s = r.resume + shift; // chunk index of the frame the scan stopped at (< i while its start is carried)
    switch (r.status) {
      case NEED_HEADER:
        return this.needHeader(chunk, i, s, wlen < avail);
      case NEED_BODY:
        return this.needBody(r, chunk, i, s, out);
      case TOO_LONG:
        return this.startDiscard(r, i, s, tail);
      case CORRUPT:
        return this.fail(this.corrupt(r));
      default: // OUT_FULL: scan again from the next frame
        return s;
    }
  }

  /** The scan's first `count` frames: views on `chunk`, but the first when its start was carried. */
  private complete(r: ScanResult, count: number, chunk: Uint8Array, i: number, shift: number, out: Uint8Array[]): void {
    const { pairs, first } = r;
    const carry = this.carry;
    let k = 0;
    if (carry.len > 0) {
      // The first frame began in earlier chunks: its header was carried.
      const ps = pairs[first];
      const pe = pairs[first + 1];
      if (ps >= carry.len) this.put(out, chunk, ps + shift, pe + shift);
      else this.putFrame(out, concat(carry.buf!, ps, carry.len, chunk, i, pe + shift));
      carry.clear();
      k = 1;
    }
    const ends = this.ends;
    if (ends !== null) for (let j = 0; j < count; j++) ends.push(this.total + shift + pairs[first + 2 * j + 1]);
    const stats = this.stats;
    stats.frames += count - k;
    this.budget -= count - k;
    const buffer = chunk.buffer;
    const at = chunk.byteOffset + shift; // window position + at = byte offset in buffer
    const ranges = this.ranges;
    let bytes = 0;
    // Many frames: `out` is grown once and filled by index (see PRESIZE_FROM).
    let w = out.length;
    if (ranges === null && count - k >= PRESIZE_FROM) out.length = w + count - k;
    for (let j = first + 2 * k, end = first + 2 * count; j < end; j += 2) {
      const ps = pairs[j];
      const len = pairs[j + 1] - ps;
      if (ranges === null) out[w++] = new Uint8Array(buffer, at + ps, len);
      else ranges.add(chunk, ps + shift, ps + shift + len);
      bytes += len;
    }
    stats.bytes += bytes;
    this.probe = pairs[first + 2 * count - 1] - pairs[first + 2 * count - 2] >= PROBE_AFTER;
    if (count > k) this.walk = bytes >= WALK_FROM * (count - k);
  }

  /** The next header is incomplete: at the window's end (scan on), or the chunk's (keep its bytes). */
  private needHeader(chunk: Uint8Array, i: number, s: number, windowEnded: boolean): number {
    if (windowEnded) return s;
    this.carry.append(chunk, Math.max(s, i), chunk.length);
    return chunk.length;
  }

  /** A header is parsed and its frame ends past the window. */
  private needBody(r: ScanResult, chunk: Uint8Array, i: number, s: number, out: Uint8Array[]): number {
    const frameLength = r.frame;
    if (s >= i && s + frameLength <= chunk.length) {
      // The whole frame is in this chunk, past the window: a view, no copy.
      const skip = this.strip < 0 ? r.header : this.strip;
      this.put(out, chunk, s + skip, s + frameLength);
      this.frameStart += frameLength;
      this.tracked(this.frameStart);
      this.probe = frameLength >= PROBE_AFTER;
      this.walk = frameLength >= WALK_FROM;
      this.consumed += frameLength;
      return s + frameLength;
    }
    this.frameLength = frameLength;
    this.headerLength = r.header;
    this.state = BODY;
    return Math.max(s, i);
  }

  /** The frame is longer than maxFrameLength: fail now (failFast) or drop its bytes as they come. */
  private startDiscard(r: ScanResult, i: number, s: number, tail: number): number {
    this.frameLength = r.frame;
    this.fieldValue = r.value;
    this.headerLength = r.header;
    if (this.failFast && !this.skip) this.fail(this.tooLong());
    this.state = DISCARD;
    this.discardedSoFar = s >= i ? 0 : tail;
    this.discardLeft = this.frameLength - this.discardedSoFar;
    this.carry.clear();
    // The next header is scanned alone, and the window grows back only with the
    // bytes decoded since: restaging a whole window after each dropped frame
    // would copy a run of short over-long frames quadratically.
    this.consumed = 0;
    return Math.max(s, i);
  }

  private endDiscard(dropped: number): void {
    this.state = HEADER;
    if (this.skip) {
      this.discarded(dropped, this.frameStart);
      this.frameStart += this.frameLength;
    } else {
      this.fail(this.tooLong());
    }
  }

  private tooLong(): FrameTooLongError {
    return new FrameTooLongError(
      `frame of ${this.exactFrameLength()} bytes (length field ${this.fieldValue}) exceeds maxFrameLength ${this.max} at offset ${this.frameStart}`,
      this.max,
      { offset: this.frameStart, frameLength: this.frameLength },
    );
  }

  /**
   * The frame length for messages, exact also above 2^53 - 1 (header + field value
   * + adjustment, each exact on its own), where `frameLength` is the nearest double.
   */
  private exactFrameLength(): string {
    if (Number.isSafeInteger(this.frameLength)) return String(this.frameLength);
    return String(BigInt(this.headerLength) + BigInt(this.fieldValue) + BigInt(this.adjustment));
  }

  private corrupt(r: ScanResult): CorruptLengthError {
    const at = `at offset ${this.frameStart}`;
    const { reason, header, frame, value } = r;
    let message: string;
    if (reason === CORRUPT_VARINT_TOO_LONG || reason === CORRUPT_VALUE_TOO_BIG) {
      const field = hex(engine.scanned(r.resume + this.offset, r.resume + header));
      message =
        reason === CORRUPT_VARINT_TOO_LONG
          ? `varint length field ${field} is longer than 10 bytes ${at}`
          : `length field ${field} exceeds 2^53 - 1 ${at}`;
    } else {
      message =
        reason === CORRUPT_SHORTER_THAN_HEADER
          ? `length field ${value} with lengthAdjustment ${this.adjustment} gives a frame of ${frame} bytes, shorter than its ${header}-byte header ${at}`
          : `length field ${value} gives a frame of ${frame} bytes, shorter than initialBytesToStrip ${this.strip} ${at}`;
    }
    return new CorruptLengthError(message, { offset: this.frameStart });
  }

  protected finish(out: Uint8Array[]): void {
    if (this.state === DISCARD) {
      this.endDiscard(this.discardedSoFar);
      return;
    }
    const held = this.carry.len;
    if (held === 0) return;
    const what =
      this.state === BODY
        ? `a frame (${held} of ${plural(this.frameLength, 'byte')} received)`
        : `a frame header (${plural(held, 'byte')} received)`;
    if (this.trailing === 'emit') this.putFrame(out, this.carry.take());
    else if (this.trailing === 'drop') this.dropped(held);
    else
      throw new TruncatedFrameError(`stream ended inside ${what} at offset ${this.frameStart}`, this.carry.copy(), {
        offset: this.frameStart,
      });
  }
}

/**
 * Prefixes each payload with its length, and with the bytes before the length
 * field when `lengthFieldOffset` is set. A {@link LengthFieldDecoder} built from
 * the same options gets every payload back (or, with `initialBytesToStrip: 0`, the
 * whole frame: prefix, field and payload).
 *
 * ```
 * encode(payload)                 lengthFieldLength: 2
 * +-------+----------------+
 * | 00 05 | 68 65 6c 6c 6f |      "hello"
 * +-------+----------------+
 *
 * encode(payload, prefix)         lengthFieldOffset: 1, lengthFieldLength: 4, lengthAdjustment: -4
 * +----+-------------+----------------+
 * | 51 | 00 00 00 09 | 68 65 6c 6c 6f |      PostgreSQL: type 'Q', an int32 that counts itself
 * +----+-------------+----------------+
 * prefix  field = 5 - (-4)  payload
 * ```
 *
 * @example
 * ```ts
 * import { LengthFieldEncoder, LengthFieldDecoder } from 'framecodec';
 * const options = { lengthFieldLength: 2 } as const;
 * const wire = new LengthFieldEncoder(options).encode(new TextEncoder().encode('hi'));
 * console.log(Array.from(wire)); // => [0,2,104,105]
 * console.log(new LengthFieldDecoder(options).decode(wire).map((f) => new TextDecoder().decode(f))); // => ["hi"]
 *
 * const tagged = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1 });
 * console.log(Array.from(tagged.encode(new Uint8Array([104, 105]), new Uint8Array([7])))); // => [7,2,104,105]
 * ```
 */
export class LengthFieldEncoder {
  private readonly offset: number;
  private readonly field: number; // 0 = varint
  private readonly little: boolean;
  private readonly adjustment: number;
  private readonly includesHeader: boolean;
  private readonly max: number;
  private readonly fieldMax: number;

  constructor(options?: LengthFieldEncoderOptions) {
    const o = objectOption('options', options);
    this.offset = integer('lengthFieldOffset', o.lengthFieldOffset, 0, 0, 1 << 20);
    const len = oneOf('lengthFieldLength', o.lengthFieldLength, 4, FIELD_LENGTHS);
    this.field = len === 'varint' ? 0 : len;
    this.little = oneOf('byteOrder', o.byteOrder, 'big', ['big', 'little']) === 'little';
    this.adjustment = integer('lengthAdjustment', o.lengthAdjustment, 0, Number.MIN_SAFE_INTEGER);
    this.includesHeader = boolean('lengthIncludesHeader', o.lengthIncludesHeader, false);
    if (this.includesHeader && this.field === 0) {
      // It stands for a decoder's lengthAdjustment of -fieldBytes, and a varint has no fixed width.
      throw new InvalidOptionError(
        'lengthIncludesHeader',
        "lengthIncludesHeader needs a fixed-width field: a varint's width depends on its value, so no decoder's lengthAdjustment could undo it",
      );
    }
    this.max = maxFrameLength(o.maxFrameLength);
    this.fieldMax = this.field === 0 || this.field === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * this.field) - 1;
    // Checked as a decoder checks it, so that one options object fails alike on both sides.
    integer('initialBytesToStrip', o.initialBytesToStrip, -1, 0);
  }

  /**
   * One frame, in a new buffer: `prefix`, the length field, then `payload`.
   * `prefix` is required, exactly `lengthFieldOffset` bytes, when that option is
   * above 0; with `lengthFieldOffset: 0` it may only be omitted or empty (a
   * receiver with the same options would read any prefix byte as the length field).
   */
  encode(payload: Uint8Array | ArrayBuffer, prefix?: Uint8Array | ArrayBuffer): Uint8Array {
    const bytes = toBytes(payload, 'payload');
    const head = this.prefixOf(prefix, -1);
    const value = this.value(bytes.length);
    const frame = new Uint8Array(this.offset + this.headerLength(value) + bytes.length);
    frame.set(head, 0);
    frame.set(bytes, this.writeField(frame, this.offset, value));
    return frame;
  }

  /**
   * Many frames in one contiguous buffer (one socket write instead of many). Each
   * item is a payload, or `{ prefix, payload }` when `lengthFieldOffset` is above 0.
   * Every item is checked before anything is written.
   */
  encodeAll(items: Iterable<Uint8Array | ArrayBuffer | PrefixedPayload>): Uint8Array {
    if (typeof (items as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
      throw new InvalidOptionError(
        'payloads',
        `payloads must be an iterable of Uint8Array or ArrayBuffer, got ${describe(items)}`,
      );
    }
    const prefixes: Uint8Array[] = [];
    const payloads: Uint8Array[] = [];
    const values: number[] = [];
    let total = 0;
    for (const item of items) {
      const where = payloads.length;
      let prefix: unknown;
      let payload: unknown = item;
      if (isPrefixed(item)) ({ prefix, payload } = item);
      const bytes = toBytes(payload as Uint8Array, 'payload');
      prefixes.push(this.prefixOf(prefix, where));
      payloads.push(bytes);
      const value = this.value(bytes.length);
      values.push(value);
      total += this.offset + this.headerLength(value) + bytes.length;
    }
    const buf = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < payloads.length; k++) {
      buf.set(prefixes[k], at);
      at = this.writeField(buf, at + this.offset, values[k]);
      buf.set(payloads[k], at);
      at += payloads[k].length;
    }
    return buf;
  }

  /** The prefix as bytes, exactly lengthFieldOffset of them; `item` is its index in encodeAll() for messages (-1: encode()). */
  private prefixOf(prefix: unknown, item: number): Uint8Array {
    const n = this.offset;
    if (prefix === undefined && n === 0) return EMPTY;
    const where = item < 0 ? '' : ` (item ${item})`;
    if (prefix === undefined) {
      throw new InvalidOptionError(
        'prefix',
        `prefix is required${where}: lengthFieldOffset is ${n}, so each frame starts with the ${plural(n, 'byte')} written before its length field`,
      );
    }
    if (!isBytes(prefix)) {
      throw new InvalidOptionError('prefix', `prefix must be a Uint8Array or an ArrayBuffer, got ${describe(prefix)}`);
    }
    const bytes = toBytes(prefix);
    if (bytes.length === n) return bytes;
    throw new InvalidOptionError(
      'prefix',
      n === 0
        ? `prefix of ${plural(bytes.length, 'byte')} given${where}, but lengthFieldOffset is 0: a receiver with the same options would read it as the length field (set lengthFieldOffset: ${bytes.length})`
        : `prefix must be exactly lengthFieldOffset (${n}) bytes long, got ${plural(bytes.length, 'byte')}${where}`,
    );
  }

  private headerLength(value: number): number {
    return this.field || varintLength(value);
  }

  /** The field value for a payload; throws when the field or maxFrameLength cannot take it. */
  private value(payloadLength: number): number {
    let value = payloadLength - this.adjustment;
    if (this.includesHeader) value += this.field;
    const fieldMax = this.fieldMax;
    if (value < 0 || value > fieldMax) {
      const width = this.field ? `${this.field}-byte` : 'varint';
      throw new FrameTooLongError(
        `payload of ${payloadLength} bytes needs length field value ${value}, which a ${width} field cannot hold (0 to ${fieldMax})`,
        this.max,
        { frameLength: this.offset + payloadLength + (this.field || 1) },
      );
    }
    const header = this.headerLength(value);
    const wire = this.offset + header + payloadLength;
    if (wire > this.max) {
      const parts =
        this.offset > 0
          ? `prefix ${this.offset} + length field ${header} + payload ${payloadLength}`
          : `payload ${payloadLength} + header ${header}`;
      throw new FrameTooLongError(`frame of ${wire} bytes (${parts}) exceeds maxFrameLength ${this.max}`, this.max, {
        frameLength: wire,
      });
    }
    return value;
  }

  private writeField(buf: Uint8Array, at: number, value: number): number {
    const w = this.field;
    if (w === 0) {
      while (value >= 128) {
        buf[at++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
      buf[at++] = value;
      return at;
    }
    if (w <= 4) {
      // value < 2^32 (checked by value()): shifts are exact.
      for (let k = 0; k < w; k++) buf[this.little ? at + k : at + w - 1 - k] = value >>> (8 * k);
      return at + w;
    }
    for (let k = 0; k < w; k++) {
      const byte = Math.floor(value / 2 ** (8 * k)) % 256;
      buf[this.little ? at + k : at + w - 1 - k] = byte;
    }
    return at + w;
  }
}

const EMPTY = new Uint8Array(0);

/** What toBytes() takes: an ArrayBuffer (shared or not) or a view on one. */
function isBytes(x: unknown): x is Uint8Array | ArrayBuffer {
  return (
    x instanceof ArrayBuffer ||
    ArrayBuffer.isView(x) ||
    (typeof SharedArrayBuffer !== 'undefined' && x instanceof SharedArrayBuffer)
  );
}

/** An encodeAll() item of the `{ prefix, payload }` form (anything else is taken as the payload). */
function isPrefixed(item: unknown): item is PrefixedPayload {
  return typeof item === 'object' && item !== null && !isBytes(item);
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}
