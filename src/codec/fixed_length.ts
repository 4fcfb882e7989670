/**
 * Fixed-length framing: every frame is `frameLength` bytes, as Netty's
 * `FixedLengthFrameDecoder`. The encoder pads shorter payloads.
 *
 * `frameLength: 4`:
 * ```
 * INPUT (10 bytes)                         DECODED
 * +-------------+-------------+-------+    +-------------+ +-------------+
 * | 41 42 43 44 | 45 46 47 48 | 49 4a | -> | 41 42 43 44 | | 45 46 47 48 |
 * +-------------+-------------+-------+    +-------------+ +-------------+
 *                                          49 4a: held; end() applies `trailing`
 * FixedLengthEncoder({ frameLength: 4, padding: 0x20 }).encode("hi")  -> 68 69 20 20
 * ```
 * There is nothing to scan here, so no engine is involved: the decoder is a
 * counter over the chunk.
 * @module
 */
import { payloadList, toBytes } from './_bytes.js';
import { BaseDecoder, PRESIZE_FROM } from './decoder.js';
import { FrameTooLongError, InvalidOptionError, TruncatedFrameError } from './errors.js';
import { integer, objectOption, plural, trailing, type Trailing } from './options.js';

/** Options of {@link FixedLengthDecoder}. */
export interface FixedLengthDecoderOptions {
  /** Length of every frame, in bytes (at least 1). Required. */
  frameLength: number;
  /** What `end()` does with an incomplete last record. @default 'error' */
  trailing?: Trailing;
}

/** Options of {@link FixedLengthEncoder}. */
export interface FixedLengthEncoderOptions {
  /** Length of every frame, in bytes (at least 1). Required. */
  frameLength: number;
  /** Byte that fills a shorter payload up to `frameLength`. @default 0 */
  padding?: number;
}

function frameLengthOption(value: unknown): number {
  if (value === undefined) throw new InvalidOptionError('frameLength', 'frameLength is required');
  return integer('frameLength', value, 0, 1);
}

/**
 * Emits every `frameLength` bytes as a frame.
 *
 * @example
 * ```ts
 * import { FixedLengthDecoder } from 'framecodec';
 * const decoder = new FixedLengthDecoder({ frameLength: 2 });
 * const bytes = (frames: Uint8Array[]) => frames.map((f) => Array.from(f));
 * console.log(bytes(decoder.decode(new Uint8Array([1, 2, 3])))); // => [[1,2]]
 * console.log(bytes(decoder.decode(new Uint8Array([4])))); // => [[3,4]]
 * ```
 */
export class FixedLengthDecoder extends BaseDecoder {
  private readonly frameLength: number;
  private readonly trailing: Trailing;
  /** Stream offset of the held record. */
  private frameStart = 0;

  constructor(options: FixedLengthDecoderOptions) {
    const o = objectOption('options', options);
    super(undefined);
    this.frameLength = frameLengthOption(o.frameLength);
    this.trailing = trailing(o.trailing, 'error');
  }

  protected held(): number {
    return this.carry.len;
  }

  protected clear(): void {
    this.carry.release();
    this.frameStart = 0;
  }

  protected push(chunk: Uint8Array, out: Uint8Array[]): number {
    const size = this.frameLength;
    const n = chunk.length;
    const carry = this.carry;
    let i = 0;
    if (carry.len > 0) {
      const need = size - carry.len;
      carry.append(chunk, 0, Math.min(n, need), size, size, true);
      if (n < need) return n;
      this.putFrame(out, carry.take());
      this.frameStart += size;
      this.tracked(this.frameStart);
      i = need;
    }
    const count = Math.min(Math.floor((n - i) / size), this.budget);
    const buffer = chunk.buffer;
    const ranges = this.ranges;
    if (ranges === null) {
      let w = out.length;
      if (count >= PRESIZE_FROM) out.length = w + count; // filled by index (see PRESIZE_FROM)
      for (let k = 0, at = chunk.byteOffset + i; k < count; k++, at += size)
        out[w++] = new Uint8Array(buffer, at, size);
    } else {
      for (let k = 0, at = i; k < count; k++, at += size) ranges.add(chunk, at, at + size);
    }
    if (this.ends !== null) for (let k = 1; k <= count; k++) this.ends.push(this.frameStart + k * size);
    i += count * size;
    this.budget -= count;
    this.stats.frames += count;
    this.stats.bytes += count * size;
    this.frameStart += count * size;
    if (this.budget === 0) return i; // stopped at a record boundary: the rest waits
    if (i < n) carry.append(chunk, i, n, size, size, true);
    return n;
  }

  protected finish(out: Uint8Array[]): void {
    const held = this.carry.len;
    if (held === 0) return;
    if (this.trailing === 'emit') this.putFrame(out, this.carry.take());
    else if (this.trailing === 'drop') this.dropped(held);
    else {
      throw new TruncatedFrameError(
        `stream ended inside a ${this.frameLength}-byte record: ${plural(held, 'byte')} received at offset ${this.frameStart}`,
        this.carry.copy(),
        { offset: this.frameStart },
      );
    }
  }
}

/**
 * Pads each payload to `frameLength` bytes.
 *
 * @example
 * ```ts
 * import { FixedLengthEncoder } from 'framecodec';
 * const frame = new FixedLengthEncoder({ frameLength: 4, padding: 0x20 }).encode(new Uint8Array([0x68, 0x69]));
 * console.log(new TextDecoder().decode(frame)); // => "hi  "
 * ```
 */
export class FixedLengthEncoder {
  private readonly frameLength: number;
  private readonly padding: number;

  constructor(options: FixedLengthEncoderOptions) {
    const o = objectOption('options', options);
    this.frameLength = frameLengthOption(o.frameLength);
    this.padding = integer('padding', o.padding, 0, 0, 255);
  }

  /** One padded frame, in a new buffer. */
  encode(payload: Uint8Array | ArrayBuffer): Uint8Array {
    const bytes = toBytes(payload, 'payload');
    this.check(bytes);
    const frame = new Uint8Array(this.frameLength);
    frame.set(bytes);
    if (this.padding !== 0) frame.fill(this.padding, bytes.length);
    return frame;
  }

  /** Many padded frames in one contiguous buffer. */
  encodeAll(payloads: Iterable<Uint8Array | ArrayBuffer>): Uint8Array {
    const list = payloadList(payloads);
    for (const p of list) this.check(p);
    const buf = new Uint8Array(list.length * this.frameLength);
    if (this.padding !== 0) buf.fill(this.padding);
    for (let k = 0; k < list.length; k++) buf.set(list[k], k * this.frameLength);
    return buf;
  }

  private check(payload: Uint8Array): void {
    if (payload.length > this.frameLength) {
      throw new FrameTooLongError(
        `payload of ${payload.length} bytes exceeds frameLength ${this.frameLength}`,
        this.frameLength,
        { frameLength: payload.length },
      );
    }
  }
}
