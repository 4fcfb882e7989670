// docs/migration.md, checked: every line of its table decodes the same bytes both
// ways. The npm libraries (it-length-prefixed, length-prefixed-stream, split2) run
// for real. Netty, tokio-util and Go cannot run here, so each has a small
// reference below, ported line by line from its source (cited above each one);
// the references are checked against the examples those projects document.
// Runs once per engine.
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import fc from 'fast-check';
import { decode as lpDecode, encode as lpEncode } from 'it-length-prefixed';
import { describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  type FrameDecoder,
  FrameTooLongError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
} from '../../src/index.js';
import { apply, bytes, bytewise, chunking, cut, hex, run } from '../_harness.js';

const require = createRequire(import.meta.url);
const lps = require('length-prefixed-stream') as {
  decode(options?: { limit?: number; allowEmpty?: boolean }): Transform;
};
const split2 = require('split2') as (options?: { maxLength?: number; skipOverflow?: boolean }) => Transform;

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const varintLength = (n: number): number => (n < 128 ? 1 : 1 + varintLength(Math.floor(n / 128)));

/** framecodec's outcome in the references' terms: frames (hex) and the error code, if any. */
function framecodec(decoder: FrameDecoder, chunks: Uint8Array[]): { frames: string[]; error?: string } {
  const got = run(decoder, chunks);
  return got.error ? { frames: got.frames, error: got.error.code } : { frames: got.frames };
}

// ===========================================================================
// Netty 4.1, io.netty.handler.codec. Ported from codec/src/main/java/io/netty/
// handler/codec/{LengthFieldBasedFrameDecoder, LengthFieldPrepender,
// LineBasedFrameDecoder, DelimiterBasedFrameDecoder}.java; ByteToMessageDecoder
// drives decode() while it consumes bytes or returns frames, keeps the unread
// bytes for the next read, and gives an exception to the pipeline (recorded here;
// decoding goes on with the bytes still buffered, as it does when the handler
// does not close the channel). At channel close, bytes of an incomplete frame are
// released silently.

/** Netty's cumulation buffer: bytes and a reader index. */
class ByteBuf {
  bytes: Uint8Array = new Uint8Array(0);
  reader = 0;
  get readable(): number {
    return this.bytes.length - this.reader;
  }
  append(chunk: Uint8Array): void {
    this.bytes = cat(this.bytes.subarray(this.reader), chunk);
    this.reader = 0;
  }
  skip(n: number): void {
    this.reader += n;
  }
  readSlice(n: number): Uint8Array {
    const s = this.bytes.slice(this.reader, this.reader + n);
    this.reader += n;
    return s;
  }
}

class TooLongFrameException extends Error {}
class CorruptedFrameException extends Error {}

interface NettyDecoder {
  decode(b: ByteBuf): Uint8Array | null;
  /** Exceptions fired to the pipeline without throwing (LineBasedFrameDecoder's fail()). */
  fired?: Error[];
}

/** ByteToMessageDecoder.callDecode over each read, then channelInputClosed: frames and exceptions, in order. */
function nettyRun(decoder: NettyDecoder, reads: Uint8Array[]): { events: string[] } {
  const cumulation = new ByteBuf();
  const events: string[] = [];
  const note = (e: unknown) => {
    if (e instanceof TooLongFrameException) events.push('too-long');
    else if (e instanceof CorruptedFrameException) events.push('corrupt');
    else throw e;
  };
  const callDecode = () => {
    while (cumulation.readable > 0) {
      const before = cumulation.readable;
      let frame: Uint8Array | null = null;
      try {
        frame = decoder.decode(cumulation);
      } catch (e) {
        note(e);
      }
      for (const e of decoder.fired?.splice(0) ?? []) note(e);
      if (frame) events.push(hex(frame));
      else if (cumulation.readable === before) break;
    }
  };
  for (const read of reads) {
    cumulation.append(read);
    callDecode();
  }
  callDecode(); // channelInputClosed: decodeLast() calls decode() once more; what remains is released
  return { events };
}

interface NettyLengthOptions {
  maxFrameLength: number;
  lengthFieldOffset: number;
  lengthFieldLength: 1 | 2 | 3 | 4 | 8;
  lengthAdjustment: number;
  initialBytesToStrip: number;
  failFast: boolean;
  byteOrder: 'big' | 'little';
}

/** LengthFieldBasedFrameDecoder.decode(ctx, in). */
class NettyLengthFieldBasedFrameDecoder implements NettyDecoder {
  private discardingTooLongFrame = false;
  private tooLongFrameLength = 0;
  private bytesToDiscard = 0;
  private readonly lengthFieldEndOffset: number;
  constructor(private readonly o: NettyLengthOptions) {
    this.lengthFieldEndOffset = o.lengthFieldOffset + o.lengthFieldLength;
  }

  decode(b: ByteBuf): Uint8Array | null {
    const o = this.o;
    if (this.discardingTooLongFrame) {
      const local = Math.min(this.bytesToDiscard, b.readable);
      b.skip(local);
      this.bytesToDiscard -= local;
      this.failIfNecessary(false);
    }
    if (b.readable < this.lengthFieldEndOffset) return null;
    let frameLength = this.unadjusted(b, b.reader + o.lengthFieldOffset);
    if (frameLength < 0) {
      b.skip(this.lengthFieldEndOffset);
      throw new CorruptedFrameException(`negative pre-adjustment length field: ${frameLength}`);
    }
    frameLength += o.lengthAdjustment + this.lengthFieldEndOffset;
    if (frameLength < this.lengthFieldEndOffset) {
      b.skip(this.lengthFieldEndOffset);
      throw new CorruptedFrameException('Adjusted frame length is less than lengthFieldEndOffset');
    }
    if (frameLength > o.maxFrameLength) {
      const discard = frameLength - b.readable;
      this.tooLongFrameLength = frameLength;
      if (discard < 0) {
        b.skip(frameLength);
      } else {
        this.discardingTooLongFrame = true;
        this.bytesToDiscard = discard;
        b.skip(b.readable);
      }
      this.failIfNecessary(true);
      return null;
    }
    if (b.readable < frameLength) return null;
    if (o.initialBytesToStrip > frameLength) {
      b.skip(frameLength);
      throw new CorruptedFrameException('Adjusted frame length is less than initialBytesToStrip');
    }
    b.skip(o.initialBytesToStrip);
    return b.readSlice(frameLength - o.initialBytesToStrip);
  }

  /** getUnadjustedFrameLength: unsigned 1 to 4 bytes, a signed long for 8. */
  private unadjusted(b: ByteBuf, at: number): number {
    const n = this.o.lengthFieldLength;
    const field = b.bytes.subarray(at, at + n);
    const ordered = this.o.byteOrder === 'big' ? [...field] : [...field].reverse();
    let v = 0n;
    for (const byte of ordered) v = (v << 8n) | BigInt(byte);
    if (n === 8) v = BigInt.asIntN(64, v);
    return Number(v);
  }

  private failIfNecessary(firstDetectionOfTooLongFrame: boolean): void {
    if (this.bytesToDiscard === 0) {
      const tooLong = this.tooLongFrameLength;
      this.tooLongFrameLength = 0;
      this.discardingTooLongFrame = false;
      if (!this.o.failFast || firstDetectionOfTooLongFrame) throw new TooLongFrameException(`${tooLong}`);
    } else if (this.o.failFast && firstDetectionOfTooLongFrame) {
      throw new TooLongFrameException(`${this.tooLongFrameLength}`);
    }
  }
}

/** LengthFieldPrepender.encode(ctx, msg, out): the header, or the IllegalArgumentException it throws. */
function nettyPrepend(
  o: {
    byteOrder: 'big' | 'little';
    lengthFieldLength: 1 | 2 | 3 | 4 | 8;
    lengthAdjustment: number;
    lengthIncludesLengthFieldLength: boolean;
  },
  msg: Uint8Array,
): Uint8Array | 'IllegalArgumentException' {
  let length = msg.length + o.lengthAdjustment;
  if (o.lengthIncludesLengthFieldLength) length += o.lengthFieldLength;
  if (length < 0) return 'IllegalArgumentException';
  const n = o.lengthFieldLength;
  if ((n === 1 && length >= 256) || (n === 2 && length >= 65536) || (n === 3 && length >= 16777216))
    return 'IllegalArgumentException';
  const field = new Uint8Array(n);
  for (let k = 0; k < n; k++) field[o.byteOrder === 'big' ? n - 1 - k : k] = Math.floor(length / 2 ** (8 * k)) % 256;
  return cat(field, msg);
}

/** LineBasedFrameDecoder.decode(ctx, buffer); fail() fires the exception instead of throwing. */
class NettyLineBasedFrameDecoder implements NettyDecoder {
  fired: Error[] = [];
  private discarding = false;
  private discardedBytes = 0;
  private offset = 0;
  constructor(
    private readonly maxLength: number,
    private readonly stripDelimiter = true,
    private readonly failFast = false,
  ) {}

  decode(buffer: ByteBuf): Uint8Array | null {
    const eol = this.findEndOfLine(buffer);
    if (!this.discarding) {
      if (eol >= 0) {
        const length = eol - buffer.reader;
        const delimLength = buffer.bytes[eol] === 0x0d ? 2 : 1;
        if (length > this.maxLength) {
          buffer.reader = eol + delimLength;
          this.fired.push(new TooLongFrameException(`${length}`));
          return null;
        }
        if (this.stripDelimiter) {
          const frame = buffer.readSlice(length);
          buffer.skip(delimLength);
          return frame;
        }
        return buffer.readSlice(length + delimLength);
      }
      const length = buffer.readable;
      if (length > this.maxLength) {
        this.discardedBytes = length;
        buffer.reader = buffer.bytes.length;
        this.discarding = true;
        this.offset = 0;
        if (this.failFast) this.fired.push(new TooLongFrameException(`over ${length}`));
      }
      return null;
    }
    if (eol >= 0) {
      const length = this.discardedBytes + eol - buffer.reader;
      const delimLength = buffer.bytes[eol] === 0x0d ? 2 : 1;
      buffer.reader = eol + delimLength;
      this.discardedBytes = 0;
      this.discarding = false;
      if (!this.failFast) this.fired.push(new TooLongFrameException(`${length}`));
    } else {
      this.discardedBytes += buffer.readable;
      buffer.reader = buffer.bytes.length;
      this.offset = 0;
    }
    return null;
  }

  /** The index of the line's end: its \n, or the \r before it. */
  private findEndOfLine(buffer: ByteBuf): number {
    const total = buffer.readable;
    let i = buffer.bytes.indexOf(0x0a, buffer.reader + this.offset);
    if (i >= 0) {
      this.offset = 0;
      if (i > 0 && buffer.bytes[i - 1] === 0x0d) i--;
    } else {
      this.offset = total;
    }
    return i;
  }
}

/** DelimiterBasedFrameDecoder.decode(ctx, buffer): the delimiter that gives the shortest frame, the first listed on a tie. */
class NettyDelimiterBasedFrameDecoder implements NettyDecoder {
  fired: Error[] = [];
  private discardingTooLongFrame = false;
  private tooLongFrameLength = 0;
  private readonly lineBased: NettyLineBasedFrameDecoder | null;
  constructor(
    private readonly maxFrameLength: number,
    private readonly stripDelimiter: boolean,
    private readonly failFast: boolean,
    private readonly delimiters: Uint8Array[],
  ) {
    // isLineBased(): exactly "\n" and "\r\n", in either order.
    const [a, b] = delimiters.length === 2 ? [...delimiters].sort((x, y) => y.length - x.length) : [];
    const isLineBased = a !== undefined && hex(a) === '0d0a' && hex(b) === '0a';
    this.lineBased = isLineBased ? new NettyLineBasedFrameDecoder(maxFrameLength, stripDelimiter, failFast) : null;
    if (this.lineBased) this.fired = this.lineBased.fired;
  }

  decode(buffer: ByteBuf): Uint8Array | null {
    if (this.lineBased) return this.lineBased.decode(buffer);
    let minFrameLength = Number.MAX_SAFE_INTEGER;
    let minDelim: Uint8Array | null = null;
    for (const delim of this.delimiters) {
      const frameLength = indexOf(buffer, delim);
      if (frameLength >= 0 && frameLength < minFrameLength) {
        minFrameLength = frameLength;
        minDelim = delim;
      }
    }
    if (minDelim) {
      const minDelimLength = minDelim.length;
      if (this.discardingTooLongFrame) {
        this.discardingTooLongFrame = false;
        buffer.skip(minFrameLength + minDelimLength);
        const tooLong = this.tooLongFrameLength;
        this.tooLongFrameLength = 0;
        if (!this.failFast) throw new TooLongFrameException(`${tooLong}`);
        return null;
      }
      if (minFrameLength > this.maxFrameLength) {
        buffer.skip(minFrameLength + minDelimLength);
        throw new TooLongFrameException(`${minFrameLength}`);
      }
      if (this.stripDelimiter) {
        const frame = buffer.readSlice(minFrameLength);
        buffer.skip(minDelimLength);
        return frame;
      }
      return buffer.readSlice(minFrameLength + minDelimLength);
    }
    if (!this.discardingTooLongFrame) {
      if (buffer.readable > this.maxFrameLength) {
        this.tooLongFrameLength = buffer.readable;
        buffer.skip(buffer.readable);
        this.discardingTooLongFrame = true;
        if (this.failFast) throw new TooLongFrameException(`${this.tooLongFrameLength}`);
      }
    } else {
      this.tooLongFrameLength += buffer.readable;
      buffer.skip(buffer.readable);
    }
    return null;
  }
}

/** ByteBufUtil.indexOf(needle, haystack) - haystack.readerIndex(). */
function indexOf(haystack: ByteBuf, needle: Uint8Array): number {
  const hay = haystack.bytes;
  outer: for (let i = haystack.reader; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i - haystack.reader;
  }
  return -1;
}

// ===========================================================================
// tokio-util 0.7.19, tokio_util::codec. Ported from tokio-util/src/codec/
// length_delimited.rs (Builder, decode_head, decode_data, Encoder) and
// lines_codec.rs, and Decoder::decode_eof's default (decoder.rs). FramedRead calls
// decode() while it returns frames, decode_eof() at the end, and ends the stream
// after the first error.

interface TokioLengthOptions {
  length_field_offset: number;
  length_field_len: 1 | 2 | 3 | 4 | 8;
  length_adjustment: number;
  num_skip?: number;
  max_frame_length: number;
  big_endian: boolean;
}

/** Builder::new_codec() clamps max_frame_len to what the field can hold, plus the adjustment. */
function tokioMaxFrameLen(o: TokioLengthOptions): number {
  const maxFieldValue = 2 ** (8 * o.length_field_len) - 1;
  return Math.min(o.max_frame_length, Math.max(0, maxFieldValue + o.length_adjustment));
}

class TokioLengthDelimitedCodec {
  private state: number | null = null; // DecodeState::Head, or Data(n)
  private readonly max: number;
  constructor(private readonly o: TokioLengthOptions) {
    this.max = tokioMaxFrameLen(o);
  }
  private numSkip(): number {
    return this.o.num_skip ?? this.o.length_field_offset + this.o.length_field_len;
  }

  decode(src: ByteBuf): Uint8Array | null {
    if (this.state === null) {
      const o = this.o;
      const headLen = Math.max(o.length_field_offset + o.length_field_len, o.num_skip ?? 0);
      if (src.readable < headLen) return null;
      const at = src.reader + o.length_field_offset;
      const field = [...src.bytes.subarray(at, at + o.length_field_len)];
      let n = 0;
      for (const byte of o.big_endian ? field : field.reverse()) n = n * 256 + byte;
      if (n > this.max) throw new Error('LengthDelimitedCodecError: frame size too big');
      n += o.length_adjustment;
      if (n < 0) throw new Error('provided length would overflow after adjustment');
      src.skip(this.numSkip());
      this.state = n;
    }
    if (src.readable < this.state) return null;
    const data = src.readSlice(this.state);
    this.state = null;
    return data;
  }

  /** Encoder<Bytes>::encode. */
  encode(data: Uint8Array): Uint8Array | 'error' {
    const o = this.o;
    if (data.length > this.max) return 'error';
    const n = data.length - o.length_adjustment;
    if (n < 0) return 'error';
    const field = new Uint8Array(o.length_field_len);
    for (let k = 0; k < o.length_field_len; k++)
      field[o.big_endian ? o.length_field_len - 1 - k : k] = Math.floor(n / 2 ** (8 * k)) % 256;
    return cat(field, data);
  }
}

/** LinesCodec::new_with_max_length(max_length). Lines are bytes here (tokio makes Strings of them). */
class TokioLinesCodec {
  private nextIndex = 0;
  private isDiscarding = false;
  constructor(private readonly maxLength = Number.MAX_SAFE_INTEGER) {}

  decode(buf: ByteBuf): Uint8Array | null {
    for (;;) {
      const readTo = Math.min(this.maxLength + 1, buf.readable);
      const window = buf.bytes.subarray(buf.reader + this.nextIndex, buf.reader + readTo);
      const found = window.indexOf(0x0a);
      const newlineOffset = found < 0 ? null : found;
      if (this.isDiscarding && newlineOffset !== null) {
        buf.skip(newlineOffset + this.nextIndex + 1);
        this.isDiscarding = false;
        this.nextIndex = 0;
      } else if (this.isDiscarding) {
        buf.skip(readTo);
        this.nextIndex = 0;
        if (buf.readable === 0) return null;
      } else if (newlineOffset !== null) {
        const newlineIndex = newlineOffset + this.nextIndex;
        this.nextIndex = 0;
        const line = buf.readSlice(newlineIndex + 1).subarray(0, newlineIndex);
        return utf8(withoutCarriageReturn(line));
      } else if (buf.readable > this.maxLength) {
        this.isDiscarding = true;
        throw new Error('MaxLineLengthExceeded');
      } else {
        this.nextIndex = readTo;
        return null;
      }
    }
  }

  decodeEof(buf: ByteBuf): Uint8Array | null {
    const frame = this.decode(buf);
    if (frame) return frame;
    this.nextIndex = 0;
    if (buf.readable === 0 || (buf.readable === 1 && buf.bytes[buf.reader] === 0x0d)) return null;
    return utf8(withoutCarriageReturn(buf.readSlice(buf.readable)));
  }
}

/** lines_codec.rs utf8(): a line that is not UTF-8 is an error (InvalidData). */
function utf8(line: Uint8Array): Uint8Array {
  new TextDecoder('utf-8', { fatal: true }).decode(line);
  return line;
}

const withoutCarriageReturn = (s: Uint8Array) => (s[s.length - 1] === 0x0d ? s.subarray(0, s.length - 1) : s);

/** FramedRead: frames until the first error, which ends the stream; decode_eof at the end. */
function tokioRun(
  codec: { decode(b: ByteBuf): Uint8Array | null; decodeEof?(b: ByteBuf): Uint8Array | null },
  reads: Uint8Array[],
): { frames: string[]; error?: true } {
  const buf = new ByteBuf();
  const frames: string[] = [];
  // Decoder::decode_eof's default: a frame, or an error if bytes remain.
  const decodeEof =
    codec.decodeEof?.bind(codec) ??
    ((b: ByteBuf) => {
      const f = codec.decode(b);
      if (f || b.readable === 0) return f;
      throw new Error('bytes remaining on stream');
    });
  try {
    for (const read of reads) {
      buf.append(read);
      for (let f = codec.decode(buf); f; f = codec.decode(buf)) frames.push(hex(f));
    }
    for (let f = decodeEof(buf); f; f = decodeEof(buf)) frames.push(hex(f));
  } catch {
    return { frames, error: true };
  }
  return { frames };
}

// ===========================================================================
// Go, bufio.Scanner with ScanLines and Buffer(buf, max). Ported from
// src/bufio/scan.go (Scan, ScanLines, dropCR); the reader returns the input in the
// given reads, then io.EOF. Scanning stops at the first error (ErrTooLong).

function goScanLines(reads: Uint8Array[], maxTokenSize: number): { frames: string[]; error?: 'ErrTooLong' } {
  const startBufSize = 4096;
  const pending = reads.map((r) => r.slice());
  let buf = new Uint8Array(0);
  let start = 0;
  let end = 0;
  let err: 'EOF' | 'ErrTooLong' | null = null;
  const frames: string[] = [];
  const read = (p: Uint8Array): [number, 'EOF' | null] => {
    while (pending.length && pending[0].length === 0) pending.shift();
    if (!pending.length) return [0, 'EOF'];
    const n = Math.min(p.length, pending[0].length);
    p.set(pending[0].subarray(0, n));
    pending[0] = pending[0].subarray(n);
    return [n, null];
  };
  const dropCR = (d: Uint8Array) => (d.length > 0 && d[d.length - 1] === 0x0d ? d.subarray(0, d.length - 1) : d);
  const scanLines = (data: Uint8Array, atEOF: boolean): [number, Uint8Array | null] => {
    if (atEOF && data.length === 0) return [0, null];
    const i = data.indexOf(0x0a);
    if (i >= 0) return [i + 1, dropCR(data.subarray(0, i))];
    if (atEOF) return [data.length, dropCR(data)];
    return [0, null];
  };
  const scan = (): boolean => {
    for (;;) {
      if (end > start || err !== null) {
        const [advance, token] = scanLines(buf.subarray(start, end), err !== null);
        start += advance;
        if (token !== null) {
          frames.push(hex(token));
          return true;
        }
      }
      if (err !== null) return false;
      if (start > 0 && (end === buf.length || start > buf.length / 2)) {
        buf.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      if (end === buf.length) {
        if (buf.length >= maxTokenSize) {
          err = 'ErrTooLong';
          return false;
        }
        const newSize = Math.min(buf.length * 2 || startBufSize, maxTokenSize);
        const grown = new Uint8Array(newSize);
        grown.set(buf.subarray(start, end));
        buf = grown;
        end -= start;
        start = 0;
      }
      const [n, e] = read(buf.subarray(end));
      end += n;
      if (e) err = e;
    }
  };
  while (scan());
  return err === 'ErrTooLong' ? { frames, error: 'ErrTooLong' } : { frames };
}

// ===========================================================================
// The references against what their projects document.

describe('the references do what their projects document', () => {
  const HELLO = hex(bytes('HELLO, WORLD'));
  test.each([
    // LengthFieldBasedFrameDecoder's javadoc: [offset, length, adjustment, strip, BEFORE, AFTER].
    [0, 2, 0, 0, `000C${HELLO}`, `000C${HELLO}`],
    [0, 2, 0, 2, `000C${HELLO}`, HELLO],
    [0, 2, -2, 0, `000E${HELLO}`, `000E${HELLO}`],
    [2, 3, 0, 0, `CAFE00000C${HELLO}`, `CAFE00000C${HELLO}`],
    [0, 3, 2, 0, `00000CCAFE${HELLO}`, `00000CCAFE${HELLO}`],
    [1, 2, 1, 3, `CA000CFE${HELLO}`, `FE${HELLO}`],
    [1, 2, -3, 3, `CA0010FE${HELLO}`, `FE${HELLO}`],
  ] as const)('Netty LengthFieldBasedFrameDecoder(offset %i, length %i, adjustment %i, strip %i)', (...row) => {
    const [offset, length, adjustment, strip, before, after] = row;
    const netty = new NettyLengthFieldBasedFrameDecoder({
      maxFrameLength: 1024,
      lengthFieldOffset: offset,
      lengthFieldLength: length,
      lengthAdjustment: adjustment,
      initialBytesToStrip: strip,
      failFast: true,
      byteOrder: 'big',
    });
    expect(nettyRun(netty, [h(before)]).events).toEqual([after.toLowerCase()]);
  });

  test("Netty LengthFieldPrepender's javadoc: 0x000C, or 0x000E with lengthIncludesLengthFieldLength", () => {
    const o = {
      byteOrder: 'big',
      lengthFieldLength: 2,
      lengthAdjustment: 0,
      lengthIncludesLengthFieldLength: false,
    } as const;
    expect(hex(nettyPrepend(o, bytes('HELLO, WORLD')) as Uint8Array)).toBe(`000c${HELLO}`);
    expect(
      hex(nettyPrepend({ ...o, lengthIncludesLengthFieldLength: true }, bytes('HELLO, WORLD')) as Uint8Array),
    ).toBe(`000e${HELLO}`);
  });

  test("Netty DelimiterBasedFrameDecoder's javadoc: ABC\\nDEF\\r\\n with lineDelimiter() gives ABC, DEF", () => {
    const lineDelimiter = [bytes('\r\n'), bytes('\n')];
    const netty = new NettyDelimiterBasedFrameDecoder(100, true, true, lineDelimiter);
    expect(nettyRun(netty, [bytes('ABC\nDEF\r\n')]).events).toEqual([hex(bytes('ABC')), hex(bytes('DEF'))]);
  });

  test("tokio LengthDelimitedCodec's doc examples 2, 5, 6 and 7", () => {
    const hw = hex(bytes('Hello world'));
    const ex = (o: Partial<TokioLengthOptions>, input: string) =>
      tokioRun(
        new TokioLengthDelimitedCodec({
          length_field_offset: 0,
          length_field_len: 4,
          length_adjustment: 0,
          max_frame_length: 8 * 1024 * 1024,
          big_endian: true,
          ...o,
        }),
        [h(input)],
      ).frames;
    expect(ex({ length_field_len: 2 }, `000B${hw}`)).toEqual([hw]);
    expect(
      ex({ length_field_offset: 1, length_field_len: 2, length_adjustment: 1, num_skip: 3 }, `CA000BFE${hw}`),
    ).toEqual([`fe${hw}`]);
    expect(
      ex({ length_field_offset: 1, length_field_len: 2, length_adjustment: -3, num_skip: 3 }, `CA000FFE${hw}`),
    ).toEqual([`fe${hw}`]);
    expect(ex({ length_field_len: 3, num_skip: 4 }, `00000BFF${hw}`)).toEqual([hw]);
    // Example 1 as documented (num_skip(0), adjustment 0) is what tokio issue #6604 reports:
    // the code counts the adjustment from num_skip, so the frame loses its last 2 bytes.
    expect(ex({ length_field_len: 2, num_skip: 0 }, `000B${hw}`)).toEqual([`000b${hw.slice(0, -4)}`]);
  });

  test("tokio LinesCodec's doc behaviour: \\r\\n and \\n end lines, a last line without one is returned at EOF", () => {
    expect(tokioRun(new TokioLinesCodec(), [bytes('a\r\nb\nc')]).frames).toEqual(['61', '62', '63']);
  });

  test('Go ScanLines: `\\r?\\n` ends a line, the last non-empty line is returned without one', () => {
    expect(goScanLines([bytes('a\r\nb\n\nc')], 64 * 1024).frames).toEqual(['61', '62', '', '63']);
    expect(goScanLines([bytes('abc\n')], 3)).toEqual({ frames: [], error: 'ErrTooLong' });
  });
});

// ===========================================================================
// Netty.

const nettyLengthOptions = fc.record({
  maxFrameLength: fc.integer({ min: 8, max: 40 }),
  lengthFieldOffset: fc.integer({ min: 0, max: 3 }),
  lengthFieldLength: fc.constantFrom<1 | 2 | 3 | 4 | 8>(1, 2, 3, 4, 8),
  lengthAdjustment: fc.integer({ min: -4, max: 4 }),
  strip: fc.nat(8), // initialBytesToStrip, kept within the header below
  failFast: fc.boolean(),
  byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
});

/** A stream of frames valid for these options, some longer than maxFrameLength, maybe cut short. */
function lengthFieldStream(
  o: {
    lengthFieldOffset: number;
    lengthFieldLength: number;
    lengthAdjustment: number;
    byteOrder: 'big' | 'little';
    initialBytesToStrip: number;
  },
  wires: number[],
  fill: number,
  cutAt: number,
): Uint8Array {
  const header = o.lengthFieldOffset + o.lengthFieldLength;
  const out: number[] = [];
  for (const w of wires) {
    const wire = Math.max(w, header, o.initialBytesToStrip);
    const value = wire - header - o.lengthAdjustment;
    if (value < 0) continue;
    const field = Array.from({ length: o.lengthFieldLength }, (_, k) => Math.floor(value / 2 ** (8 * k)) % 256);
    if (o.byteOrder === 'big') field.reverse();
    out.push(...new Array(o.lengthFieldOffset).fill(0xca), ...field);
    for (let i = header; i < wire; i++) out.push((fill + i) & 0xff);
  }
  return Uint8Array.from(out.slice(0, out.length - cutAt));
}

describe('Netty LengthFieldBasedFrameDecoder → LengthFieldDecoder', () => {
  test('the same options (initialBytesToStrip given; Netty has no default strip): the same frames; Netty skips an over-long frame as onTooLong "skip" does, and drops an incomplete last frame as trailing "drop" does', () => {
    fc.assert(
      fc.property(
        nettyLengthOptions,
        fc.array(fc.nat(60), { maxLength: 8 }),
        fc.nat(255),
        fc.nat(6),
        chunking(500),
        (n, wires, fill, cutAt, how) => {
          const o = { ...n, initialBytesToStrip: Math.min(n.strip, n.lengthFieldOffset + n.lengthFieldLength) };
          if (o.lengthFieldOffset > o.maxFrameLength - o.lengthFieldLength) return; // Netty's constructor refuses it
          const input = lengthFieldStream(o, wires, fill, cutAt);
          const netty = nettyRun(new NettyLengthFieldBasedFrameDecoder(o), [input]).events;
          let tooLong = 0;
          const ours = run(
            new LengthFieldDecoder({ ...o, onTooLong: 'skip', trailing: 'drop', onDiscard: () => tooLong++ }),
            apply(input, how),
          );
          expect(ours.error).toBeUndefined();
          expect(ours.frames).toEqual(netty.filter((e) => e !== 'too-long'));
          // failFast: Netty raises as the header arrives, so a frame cut off by the end counts too;
          // without it, only frames discarded to their end raise.
          if (o.failFast) expect(tooLong).toBe(netty.filter((e) => e === 'too-long').length);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("frame length formula and maxFrameLength are Netty's: the whole frame, header included", () => {
    const o = {
      maxFrameLength: 9,
      lengthFieldOffset: 1,
      lengthFieldLength: 2,
      lengthAdjustment: 1,
      initialBytesToStrip: 0,
    } as const;
    // 1 + 2 + 5 + 1 = 9 bytes: accepted by both; one more payload byte: refused by both.
    const ok = h('ca 0005 fe 6869216161');
    const tooLong = h('ca 0006 fe 686921616161');
    const netty = (input: Uint8Array) =>
      nettyRun(new NettyLengthFieldBasedFrameDecoder({ ...o, failFast: true, byteOrder: 'big' }), [input]).events;
    expect(netty(ok)).toEqual([hex(ok)]);
    expect(framecodec(new LengthFieldDecoder(o), [ok])).toEqual({ frames: [hex(ok)] });
    expect(netty(tooLong)).toEqual(['too-long']);
    expect(framecodec(new LengthFieldDecoder(o), [tooLong])).toEqual({ frames: [], error: 'ERR_FRAME_TOO_LONG' });
  });

  test('initialBytesToStrip: Netty keeps the header unless told (0), framecodec strips it unless told', () => {
    const input = h('0002 6869');
    const netty = new NettyLengthFieldBasedFrameDecoder({
      maxFrameLength: 64,
      lengthFieldOffset: 0,
      lengthFieldLength: 2,
      lengthAdjustment: 0,
      initialBytesToStrip: 0, // LengthFieldBasedFrameDecoder(64, 0, 2)
      failFast: true,
      byteOrder: 'big',
    });
    expect(nettyRun(netty, [input]).events).toEqual(['00026869']);
    expect(framecodec(new LengthFieldDecoder({ lengthFieldLength: 2 }), [input]).frames).toEqual(['6869']);
    expect(
      framecodec(new LengthFieldDecoder({ lengthFieldLength: 2, initialBytesToStrip: 0 }), [input]).frames,
    ).toEqual(['00026869']);
  });

  test.each([
    ['a length shorter than the header', { lengthFieldLength: 2, lengthAdjustment: -4 }, '0001 ff'],
    ['a frame shorter than initialBytesToStrip', { lengthFieldLength: 1, initialBytesToStrip: 3 }, '01 ff'],
    ['a negative 8-byte field', { lengthFieldLength: 8 }, 'ffffffffffffffff'],
  ] as const)('%s: Netty CorruptedFrameException, framecodec CorruptLengthError', (_name, options, input) => {
    const o = { maxFrameLength: 64, lengthFieldOffset: 0, lengthAdjustment: 0, initialBytesToStrip: 0, ...options };
    const netty = nettyRun(new NettyLengthFieldBasedFrameDecoder({ ...o, failFast: true, byteOrder: 'big' }), [
      cat(h('00'.repeat(o.lengthFieldLength)), h(input)),
    ]).events;
    // A zero-length frame first (where the options allow one), then the corrupt header.
    const ours = framecodec(new LengthFieldDecoder(o), [cat(h('00'.repeat(o.lengthFieldLength)), h(input))]);
    expect(netty.indexOf('corrupt')).toBeGreaterThanOrEqual(0);
    expect(ours.error).toBe('ERR_CORRUPT_LENGTH');
    expect(ours.frames).toEqual(netty.slice(0, netty.indexOf('corrupt')));
  });

  test('an 8-byte value between 2^53 and 2^63: Netty TooLongFrameException, framecodec CorruptLengthError', () => {
    const input = h('0020000000000000'); // 2^53
    const netty = nettyRun(
      new NettyLengthFieldBasedFrameDecoder({
        maxFrameLength: 64,
        lengthFieldOffset: 0,
        lengthFieldLength: 8,
        lengthAdjustment: 0,
        initialBytesToStrip: 0,
        failFast: true,
        byteOrder: 'big',
      }),
      [input],
    ).events;
    expect(netty).toEqual(['too-long']);
    expect(framecodec(new LengthFieldDecoder({ lengthFieldLength: 8, maxFrameLength: 64 }), [input]).error).toBe(
      'ERR_CORRUPT_LENGTH',
    );
  });
});

describe('Netty LengthFieldPrepender → LengthFieldEncoder', () => {
  test('lengthAdjustment: Netty adds it, framecodec subtracts it (framecodec lengthAdjustment = -Netty lengthAdjustment); the same bytes, the same refusals', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<1 | 2 | 3 | 4 | 8>(1, 2, 3, 4, 8),
        fc.constantFrom<'big' | 'little'>('big', 'little'),
        fc.integer({ min: -6, max: 6 }),
        fc.boolean(),
        fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 250, maxLength: 260 })),
        (lengthFieldLength, byteOrder, nettyAdjustment, includes, payload) => {
          const netty = nettyPrepend(
            {
              byteOrder,
              lengthFieldLength,
              lengthAdjustment: nettyAdjustment,
              lengthIncludesLengthFieldLength: includes,
            },
            payload,
          );
          let ours: Uint8Array | 'refused';
          try {
            ours = new LengthFieldEncoder({
              lengthFieldLength,
              byteOrder,
              lengthAdjustment: -nettyAdjustment,
              lengthIncludesHeader: includes,
            }).encode(payload);
          } catch {
            ours = 'refused';
          }
          expect(ours === 'refused' ? ours : hex(ours)).toBe(
            netty === 'IllegalArgumentException' ? 'refused' : hex(netty),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  test("Netty's prepender has no limit; framecodec's encoder has maxFrameLength (default 8 MiB, header included)", () => {
    const payload = new Uint8Array(8 * 1024 * 1024 - 3);
    const o = {
      byteOrder: 'big',
      lengthFieldLength: 4,
      lengthAdjustment: 0,
      lengthIncludesLengthFieldLength: false,
    } as const;
    expect(nettyPrepend(o, payload)).toBeInstanceOf(Uint8Array);
    expect(() => new LengthFieldEncoder().encode(payload)).toThrow(/exceeds maxFrameLength 8388608/);
    expect(new LengthFieldEncoder({ maxFrameLength: 2 ** 31 }).encode(payload).length).toBe(8 * 1024 * 1024 + 1);
  });
});

const lineInput = (alphabet: number[], max: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => Uint8Array.from(a));

describe('Netty LineBasedFrameDecoder → LineDecoder', () => {
  test('maxLength → maxFrameLength (both count the line without \\r\\n or \\n), stripDelimiter → keepLineEnding: !stripDelimiter; Netty skips an over-long line (onTooLong "skip") and drops an unterminated last line (trailing "drop")', () => {
    fc.assert(
      fc.property(
        lineInput([0x61, 0x62, 0x0a, 0x0d], 40),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        chunking(40),
        (input, maxLength, stripDelimiter, how) => {
          const netty = nettyRun(new NettyLineBasedFrameDecoder(maxLength, stripDelimiter, false), [input]).events;
          let tooLong = 0;
          const ours = run(
            new LineDecoder({
              maxFrameLength: maxLength,
              keepLineEnding: !stripDelimiter,
              onTooLong: 'skip',
              trailing: 'drop',
              onDiscard: () => tooLong++,
            }),
            apply(input, how),
          );
          expect(ours.frames).toEqual(netty.filter((e) => e !== 'too-long'));
          // Netty reports an unterminated over-long last line only when its line ending arrives (never).
          expect(tooLong).toBeGreaterThanOrEqual(netty.filter((e) => e === 'too-long').length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Netty DelimiterBasedFrameDecoder → DelimiterDecoder', () => {
  const delimiterSets = fc.array(
    fc.array(fc.constantFrom(0x61, 0x7c, 0x0d, 0x0a), { minLength: 1, maxLength: 3 }).map((a) => Uint8Array.from(a)),
    { minLength: 1, maxLength: 3 },
  );

  test('with the longer delimiters listed first (Netty takes the shortest frame, then the first listed; framecodec the earliest match, then the longest), the same frames; stripDelimiter → disposition "discard" or "suffix"', () => {
    fc.assert(
      fc.property(
        delimiterSets,
        lineInput([0x61, 0x62, 0x7c, 0x0d, 0x0a], 40),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        chunking(40),
        (set, input, maxFrameLength, stripDelimiter, how) => {
          const delimiters = [...new Map(set.map((d) => [hex(d), d])).values()].sort((a, b) => b.length - a.length);
          const netty = nettyRun(
            new NettyDelimiterBasedFrameDecoder(maxFrameLength, stripDelimiter, true, delimiters),
            [input],
          ).events;
          const ours = run(
            new DelimiterDecoder({
              delimiter: delimiters,
              maxFrameLength,
              disposition: stripDelimiter ? 'discard' : 'suffix',
              onTooLong: 'skip',
              trailing: 'drop',
            }),
            apply(input, how),
          );
          expect(ours.frames).toEqual(netty.filter((e) => e !== 'too-long'));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('Netty decides on the bytes it has: ["\\r\\n", "\\r"] over reads "a\\r" then "\\nb|": Netty ends "a" at the \\r; framecodec waits and finds \\r\\n', () => {
    const delimiters = [bytes('\r\n'), bytes('\r')];
    const reads = [bytes('a\r'), bytes('\nb\r')];
    const netty = nettyRun(new NettyDelimiterBasedFrameDecoder(64, true, true, delimiters), reads).events;
    expect(netty).toEqual(['61', '0a62']);
    expect(framecodec(new DelimiterDecoder({ delimiter: delimiters }), reads).frames).toEqual(['61', '62']);
    // In one read, Netty agrees.
    expect(nettyRun(new NettyDelimiterBasedFrameDecoder(64, true, true, delimiters), [cat(...reads)]).events).toEqual([
      '61',
      '62',
    ]);
  });
});

// ===========================================================================
// tokio-util.

describe('tokio-util LengthDelimitedCodec → LengthFieldDecoder / LengthFieldEncoder', () => {
  const tokioOptions = fc.record({
    length_field_offset: fc.integer({ min: 0, max: 3 }),
    length_field_len: fc.constantFrom<1 | 2 | 3 | 4 | 8>(1, 2, 3, 4, 8),
    length_adjustment: fc.integer({ min: -3, max: 3 }),
    num_skip: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    max_frame_length: fc.integer({ min: 0, max: 40 }),
    big_endian: fc.boolean(),
  });

  /**
   * The mapping of docs/migration.md: tokio counts length_adjustment from num_skip
   * and bounds the raw field value (clamped to the field) before adjusting.
   */
  const mapped = (t: TokioLengthOptions) => {
    const header = t.length_field_offset + t.length_field_len;
    const skip = t.num_skip ?? header;
    return {
      lengthFieldOffset: t.length_field_offset,
      lengthFieldLength: t.length_field_len,
      byteOrder: t.big_endian ? ('big' as const) : ('little' as const),
      lengthAdjustment: t.length_adjustment + skip - header,
      initialBytesToStrip: skip,
      maxFrameLength: tokioMaxFrameLen(t) + skip + t.length_adjustment,
    };
  };

  test('decoding: lengthAdjustment = length_adjustment + num_skip - (offset + length), initialBytesToStrip = num_skip, maxFrameLength = num_skip + max_frame_length + length_adjustment', () => {
    fc.assert(
      fc.property(
        tokioOptions,
        fc.array(fc.record({ value: fc.nat(48), fill: fc.nat(255) }), { maxLength: 6 }),
        fc.nat(4),
        chunking(400),
        (t, frames, cutAt, how) => {
          const header = t.length_field_offset + t.length_field_len;
          const skip = t.num_skip ?? header;
          const o = mapped(t);
          if (o.maxFrameLength < 0) return;
          // Frames as tokio reads them: the header, then num_skip + value + adjustment bytes in all.
          const parts: Uint8Array[] = [];
          for (const { value, fill } of frames) {
            const total = skip + value + t.length_adjustment;
            // Where a frame would end inside its own header, tokio reads on from inside it (no error) and
            // framecodec reports a corrupt length: the table does not cover such streams.
            if (total < Math.max(header, skip) || value + t.length_adjustment < 0) continue;
            const field = Array.from({ length: t.length_field_len }, (_, k) => Math.floor(value / 2 ** (8 * k)) % 256);
            if (t.big_endian) field.reverse();
            const frame = new Uint8Array(total).fill(fill);
            frame.set(field, t.length_field_offset);
            parts.push(frame);
          }
          const input = cat(...parts);
          const wire = input.subarray(0, Math.max(0, input.length - cutAt));
          const tokio = tokioRun(new TokioLengthDelimitedCodec(t), [wire]);
          const ours = framecodec(new LengthFieldDecoder(o), apply(wire, how));
          expect(ours.frames).toEqual(tokio.frames);
          if (tokio.error || !ours.error) {
            expect(ours.error !== undefined).toBe(tokio.error === true);
          } else {
            // The one difference: a stream that stops right after a complete header, before any byte
            // of the frame. decode_head has consumed the header, so decode_eof finds its buffer empty
            // and ends quietly; framecodec reports the truncated frame.
            expect(ours.error).toBe('ERR_TRUNCATED_FRAME');
            const emitted = run(new LengthFieldDecoder({ ...o, trailing: 'emit' }), [wire]).frames;
            expect(emitted[emitted.length - 1].length / 2).toBe(skip);
            expect(skip).toBeGreaterThanOrEqual(header);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('encoding: tokio bounds the payload by max_frame_length, framecodec the frame: maxFrameLength = max_frame_length + field length', () => {
    fc.assert(
      fc.property(
        tokioOptions,
        fc.oneof(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ minLength: 250, maxLength: 260 })),
        (t, payload) => {
          const tokio = new TokioLengthDelimitedCodec(t).encode(payload);
          let ours: Uint8Array | 'error';
          try {
            ours = new LengthFieldEncoder({
              lengthFieldLength: t.length_field_len,
              byteOrder: t.big_endian ? 'big' : 'little',
              lengthAdjustment: t.length_adjustment,
              maxFrameLength: tokioMaxFrameLen(t) + t.length_field_len,
            }).encode(payload);
          } catch {
            ours = 'error';
          }
          expect(ours === 'error' ? ours : hex(ours)).toBe(tokio === 'error' ? 'error' : hex(tokio));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a stream that stops right after a complete header: tokio ends quietly, framecodec throws TruncatedFrameError', () => {
    const t = {
      length_field_offset: 0,
      length_field_len: 2,
      length_adjustment: 0,
      max_frame_length: 64,
      big_endian: true,
    } as const;
    expect(tokioRun(new TokioLengthDelimitedCodec(t), [h('0001 61 0002')])).toEqual({ frames: ['61'] });
    expect(tokioRun(new TokioLengthDelimitedCodec(t), [h('0001 61 0002 62')])).toEqual({ frames: ['61'], error: true });
    expect(framecodec(new LengthFieldDecoder(mapped(t)), [h('0001 61 0002')])).toEqual({
      frames: ['61'],
      error: 'ERR_TRUNCATED_FRAME',
    });
  });

  test('a length that the adjustment makes negative: tokio "provided length would overflow", framecodec CorruptLengthError', () => {
    const t = {
      length_field_offset: 0,
      length_field_len: 2,
      length_adjustment: -4,
      max_frame_length: 64,
      big_endian: true,
    } as const;
    const input = h('0002 6869');
    expect(tokioRun(new TokioLengthDelimitedCodec(t), [input])).toEqual({ frames: [], error: true });
    expect(framecodec(new LengthFieldDecoder(mapped(t)), [input]).error).toBe('ERR_CORRUPT_LENGTH');
  });

  test("tokio's defaults (4-byte big-endian length, stripped, 8 MiB) are framecodec's, but for the limit: 8 MiB of payload there, of frame here", () => {
    const t = {
      length_field_offset: 0,
      length_field_len: 4,
      length_adjustment: 0,
      max_frame_length: 8 * 1024 * 1024,
      big_endian: true,
    } as const;
    expect(mapped(t)).toEqual({
      lengthFieldOffset: 0,
      lengthFieldLength: 4,
      byteOrder: 'big',
      lengthAdjustment: 0,
      initialBytesToStrip: 4,
      maxFrameLength: 8 * 1024 * 1024 + 4,
    });
  });
});

describe('tokio-util LinesCodec → LineDecoder', () => {
  const text = (alphabet: number[]) => lineInput(alphabet, 40);

  test('\\n lines: max_length → maxFrameLength; LinesCodec errors once and FramedRead ends, as onTooLong "error"', () => {
    fc.assert(
      fc.property(text([0x61, 0x62, 0x0a]), fc.integer({ min: 0, max: 6 }), chunking(40), (input, max, how) => {
        const tokio = tokioRun(new TokioLinesCodec(max), [input]);
        const ours = framecodec(new LineDecoder({ maxFrameLength: max }), apply(input, how));
        expect(ours.frames).toEqual(tokio.frames);
        expect(ours.error !== undefined).toBe(tokio.error === true);
      }),
      { numRuns: 500 },
    );
  });

  test('\\r\\n lines: tokio counts the \\r against max_length, so maxFrameLength = max_length - 1', () => {
    const crlfLines = fc
      .tuple(
        fc.array(fc.array(fc.constantFrom(0x61, 0x62), { maxLength: 8 }), { maxLength: 5 }),
        fc.array(fc.constantFrom(0x61, 0x62), { maxLength: 8 }),
      )
      .map(([lines, tail]) => Uint8Array.from([...lines.flatMap((l) => [...l, 0x0d, 0x0a]), ...tail]));
    fc.assert(
      fc.property(crlfLines, fc.integer({ min: 1, max: 8 }), chunking(60), (input, max, how) => {
        const tokio = tokioRun(new TokioLinesCodec(max), [input]);
        const ours = framecodec(new LineDecoder({ maxFrameLength: max - 1 }), apply(input, how));
        // tokio checks its last, unterminated line against max_length too: the same rule, without a \r.
        const tail = input.length - (input.lastIndexOf(0x0a) + 1);
        if (tail === max) return; // the one place the two rules differ: a last line of exactly max_length
        expect(ours.frames).toEqual(tokio.frames);
        expect(ours.error !== undefined).toBe(tokio.error === true);
      }),
      { numRuns: 500 },
    );
    expect(tokioRun(new TokioLinesCodec(3), [bytes('abc\r\n')]).error).toBe(true);
    expect(framecodec(new LineDecoder({ maxFrameLength: 3 }), [bytes('abc\r\n')]).frames).toEqual(['616263']);
  });

  test('LinesCodec::new() has no limit; LineDecoder() has maxFrameLength 8 MiB', () => {
    const line = new Uint8Array(8 * 1024 * 1024 + 2).fill(0x61);
    line[line.length - 1] = 0x0a; // 8 MiB + 1 bytes, then \n
    const buf = new ByteBuf();
    buf.append(line);
    expect(new TokioLinesCodec().decode(buf)?.length).toBe(8 * 1024 * 1024 + 1);
    expect(() => new LineDecoder().decode(line)).toThrow(FrameTooLongError);
  });

  test('tokio makes Strings and refuses a line that is not UTF-8; framecodec returns bytes, for TextDecoder({ fatal: true }) to refuse', () => {
    const input = h('61 0a ff 0a');
    expect(tokioRun(new TokioLinesCodec(), [input])).toEqual({ frames: ['61'], error: true });
    const [a, bad] = new LineDecoder().decode(input);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(a)).toBe('a');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bad)).toThrow(TypeError);
  });

  test('a last line ending in \\r: tokio drops the \\r at EOF, framecodec keeps it (it is no line ending)', () => {
    expect(tokioRun(new TokioLinesCodec(), [bytes('a\nb\r')]).frames).toEqual(['61', '62']);
    expect(framecodec(new LineDecoder(), [bytes('a\nb\r')]).frames).toEqual(['61', '620d']);
  });
});

// ===========================================================================
// it-length-prefixed (the real library).

/** it-length-prefixed's decode() over chunks: frames until it throws. */
function itlp(chunks: Uint8Array[], maxDataLength: number): { frames: string[]; error?: string } {
  const frames: string[] = [];
  try {
    for (const f of lpDecode(chunks, { maxDataLength })) frames.push(hex(f.subarray()));
  } catch (e) {
    return { frames, error: (e as Error).name };
  }
  return { frames };
}

describe('it-length-prefixed → LengthFieldDecoder / LengthFieldEncoder with lengthFieldLength "varint"', () => {
  test('maxDataLength bounds the payload, maxFrameLength the frame: maxFrameLength = maxDataLength + varint length of maxDataLength', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ minLength: 120, maxLength: 140 })), {
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: 140 }),
        fc.nat(3),
        chunking(800),
        chunking(800),
        (payloads, maxDataLength, cutAt, how, how2) => {
          const whole = new LengthFieldEncoder({ lengthFieldLength: 'varint' }).encodeAll(payloads);
          const wire = whole.subarray(0, Math.max(0, whole.length - cutAt));
          const maxFrameLength = maxDataLength + varintLength(maxDataLength);
          const theirs = itlp(apply(wire, how2), maxDataLength);
          const ours = framecodec(
            new LengthFieldDecoder({ lengthFieldLength: 'varint', maxFrameLength }),
            apply(wire, how),
          );
          expect(ours.frames).toEqual(theirs.frames);
          const code = {
            InvalidDataLengthError: 'ERR_FRAME_TOO_LONG',
            UnexpectedEOFError: 'ERR_TRUNCATED_FRAME',
          } as const;
          if (theirs.error) expect(ours.error).toBe(code[theirs.error as keyof typeof code]);
          else if (ours.error) {
            // The one difference: a stream that ends right after a complete length prefix, before any
            // payload byte. it-length-prefixed ends quietly (its buffer is empty); framecodec reports it.
            expect(ours.error).toBe('ERR_TRUNCATED_FRAME');
            const emitted = run(
              new LengthFieldDecoder({ lengthFieldLength: 'varint', maxFrameLength, trailing: 'emit' }),
              [wire],
            ).frames;
            const partial = Buffer.from(emitted[emitted.length - 1], 'hex');
            expect(partial.length).toBeGreaterThan(0);
            expect(partial[partial.length - 1] & 0x80).toBe(0); // it ends with a varint's last byte
            expect([...partial.subarray(0, -1)].every((b) => b & 0x80)).toBe(true); // and is that varint alone
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  test('a stream that ends right after a length prefix: it-length-prefixed is silent, framecodec throws TruncatedFrameError', () => {
    expect(itlp([h('0161 05')], 100)).toEqual({ frames: ['61'] });
    expect(itlp([h('0161 05 00')], 100)).toEqual({ frames: ['61'], error: 'UnexpectedEOFError' });
    expect(framecodec(new LengthFieldDecoder({ lengthFieldLength: 'varint' }), [h('0161 05')])).toEqual({
      frames: ['61'],
      error: 'ERR_TRUNCATED_FRAME',
    });
  });

  test('encoding: the same bytes, the same refusals', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 300 }), (payload, maxDataLength) => {
        let theirs: string;
        try {
          theirs = hex(lpEncode.single(payload, { maxDataLength }).subarray());
        } catch {
          theirs = 'refused';
        }
        let ours: string;
        try {
          ours = hex(
            new LengthFieldEncoder({
              lengthFieldLength: 'varint',
              maxFrameLength: maxDataLength + varintLength(maxDataLength),
            }).encode(payload),
          );
        } catch {
          ours = 'refused';
        }
        expect(ours).toBe(theirs);
      }),
      { numRuns: 300 },
    );
  });
});

// ===========================================================================
// length-prefixed-stream (the real library).

/** length-prefixed-stream's decode stream over chunks: frames until it errors. */
async function lpstream(
  chunks: Uint8Array[],
  options: { limit?: number; allowEmpty?: boolean },
): Promise<{ frames: string[]; error?: true }> {
  const stream = lps.decode(options);
  const frames: string[] = [];
  let error = false;
  await new Promise<void>((resolve) => {
    stream.on('data', (f: Uint8Array) => frames.push(hex(f)));
    stream.on('error', () => {
      error = true;
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    for (const c of chunks) stream.write(Buffer.from(c));
    stream.end();
  });
  return error ? { frames, error } : { frames };
}

describe('length-prefixed-stream → LengthFieldDecoder with lengthFieldLength "varint"', () => {
  test('limit → maxFrameLength = limit + varint length of limit; an incomplete last frame is dropped (trailing "drop"); empty messages are dropped unless allowEmpty', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ minLength: 126, maxLength: 132 })), {
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 132 }),
        fc.boolean(),
        fc.nat(3),
        chunking(800),
        async (payloads, limit, allowEmpty, cutAt, how) => {
          const whole = new LengthFieldEncoder({ lengthFieldLength: 'varint' }).encodeAll(payloads);
          const wire = whole.subarray(0, Math.max(0, whole.length - cutAt));
          const theirs = await lpstream(apply(wire, how), { limit, allowEmpty });
          const ours = framecodec(
            new LengthFieldDecoder({
              lengthFieldLength: 'varint',
              maxFrameLength: limit + varintLength(limit),
              trailing: 'drop',
            }),
            apply(wire, how),
          );
          expect(ours.frames.filter((f) => allowEmpty || f !== '')).toEqual(theirs.frames);
          expect(ours.error === 'ERR_FRAME_TOO_LONG').toBe(theirs.error === true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ===========================================================================
// split2 (the real library).

/** split2's lines over chunks: strings until it errors. */
async function split2Lines(
  chunks: Uint8Array[],
  options?: { maxLength?: number },
): Promise<{ lines: string[]; error?: true }> {
  const stream = split2(options);
  const lines: string[] = [];
  let error = false;
  await new Promise<void>((resolve) => {
    stream.on('data', (line: string) => lines.push(line));
    stream.on('error', () => {
      error = true;
      resolve();
    });
    stream.on('end', resolve);
    for (const c of chunks) stream.write(Buffer.from(c));
    stream.end();
  });
  return error ? { lines, error } : { lines };
}

const textDecoder = new TextDecoder();
/** LineDecoder's lines as strings, and its error code. */
function lineStrings(decoder: FrameDecoder, chunks: Uint8Array[]): { lines: string[]; error?: string } {
  const got = run(decoder, chunks);
  const lines = got.frames.map((f) => textDecoder.decode(Buffer.from(f, 'hex')));
  return got.error ? { lines, error: got.error.code } : { lines };
}

describe('split2 → LineDecoder (and TextDecoder)', () => {
  const e9 = [0xc3, 0xa9]; // é in UTF-8, two bytes that a chunk may split
  const textInput = fc
    .array(fc.constantFrom([0x61], [0x0a], [0x0d], [0x0d, 0x0a], e9), { maxLength: 30 })
    .map((parts) => Uint8Array.from(parts.flat()));

  test('/\\r?\\n/ is LineDecoder: the same lines, empty ones and an unterminated last one included, under any chunking of either', async () => {
    await fc.assert(
      fc.asyncProperty(textInput, chunking(60), chunking(60), async (input, how, how2) => {
        const theirs = await split2Lines(apply(input, how2));
        expect(lineStrings(new LineDecoder(), apply(input, how))).toEqual(theirs);
      }),
      { numRuns: 200 },
    );
  });

  test('maxLength bounds only the incomplete line held between chunks, in UTF-16 units, \\r included; maxFrameLength bounds every line, in bytes', async () => {
    // A long line inside one chunk: split2 never holds it.
    expect(await split2Lines([bytes('abcdef\nok\n')], { maxLength: 3 })).toEqual({ lines: ['abcdef', 'ok'] });
    expect(lineStrings(new LineDecoder({ maxFrameLength: 3 }), [bytes('abcdef\nok\n')])).toEqual({
      lines: [],
      error: 'ERR_FRAME_TOO_LONG',
    });
    // One byte a chunk, \n lines: the same rule.
    expect(await split2Lines(bytewise(bytes('abc\nabcd\n')), { maxLength: 3 })).toEqual({
      lines: ['abc'],
      error: true,
    });
    expect(lineStrings(new LineDecoder({ maxFrameLength: 3 }), bytewise(bytes('abc\nabcd\n')))).toEqual({
      lines: ['abc'],
      error: 'ERR_FRAME_TOO_LONG',
    });
    // The \r of \r\n is held, and counted.
    expect(await split2Lines(bytewise(bytes('abc\r\n')), { maxLength: 3 })).toEqual({ lines: [], error: true });
    expect(lineStrings(new LineDecoder({ maxFrameLength: 3 }), bytewise(bytes('abc\r\n')))).toEqual({ lines: ['abc'] });
    // Characters, not bytes: "ééé" is 3 UTF-16 units and 6 bytes.
    expect(await split2Lines(bytewise(bytes('ééé\n')), { maxLength: 3 })).toEqual({ lines: ['ééé'] });
    expect(lineStrings(new LineDecoder({ maxFrameLength: 3 }), bytewise(bytes('ééé\n'))).error).toBe(
      'ERR_FRAME_TOO_LONG',
    );
  });
});

// ===========================================================================
// Go bufio.Scanner.

describe('Go bufio.Scanner (ScanLines) → LineDecoder', () => {
  test('\\n lines: the limit includes the terminator, so maxFrameLength = max - 1; ErrTooLong stops the scan, as onTooLong "error"', () => {
    fc.assert(
      fc.property(
        lineInput([0x61, 0x62, 0x0a], 60),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(64 * 1024)),
        chunking(60),
        chunking(60),
        (input, max, how, how2) => {
          const go = goScanLines(apply(input, how2), max);
          const ours = framecodec(new LineDecoder({ maxFrameLength: max - 1 }), apply(input, how));
          expect(ours.frames).toEqual(go.frames);
          expect(ours.error !== undefined).toBe(go.error !== undefined);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('\\r\\n lines: maxFrameLength = max - 2', () => {
    const crlfLines = fc
      .tuple(
        fc.array(fc.array(fc.constantFrom(0x61, 0x62), { maxLength: 8 }), { maxLength: 5 }),
        fc.array(fc.constantFrom(0x61, 0x62), { maxLength: 8 }),
      )
      .map(([lines, tail]) => Uint8Array.from([...lines.flatMap((l) => [...l, 0x0d, 0x0a]), ...tail]));
    fc.assert(
      fc.property(crlfLines, fc.integer({ min: 2, max: 12 }), chunking(60), (input, max, how) => {
        const go = goScanLines([input], max);
        // An unterminated last line has no \r\n to count: it may be one byte longer there.
        const tail = input.length - (input.lastIndexOf(0x0a) + 1);
        if (tail === max - 1) return;
        const ours = framecodec(new LineDecoder({ maxFrameLength: max - 2 }), apply(input, how));
        expect(ours.frames).toEqual(go.frames);
        expect(ours.error !== undefined).toBe(go.error !== undefined);
      }),
      { numRuns: 500 },
    );
  });

  test('buffers larger than the first 4096 bytes grow to the limit: a 5000-byte line passes a 5001 limit, not 5000', () => {
    const line = cat(new Uint8Array(5000).fill(0x61), bytes('\n'));
    expect(goScanLines(cut(line, [1000, 4100]), 5001).frames).toHaveLength(1);
    expect(goScanLines(cut(line, [1000, 4100]), 5000).error).toBe('ErrTooLong');
    expect(framecodec(new LineDecoder({ maxFrameLength: 5000 }), [line]).frames).toHaveLength(1);
    expect(framecodec(new LineDecoder({ maxFrameLength: 4999 }), [line]).error).toBe('ERR_FRAME_TOO_LONG');
  });

  test('a last line ending in \\r: Go drops the \\r (dropCR), framecodec keeps it', () => {
    expect(goScanLines([bytes('a\nb\r')], 100).frames).toEqual(['61', '62']);
    expect(framecodec(new LineDecoder(), [bytes('a\nb\r')]).frames).toEqual(['61', '620d']);
  });
});
