/**
 * Delimiter framing: a boundary marker between frames, as Netty's
 * `DelimiterBasedFrameDecoder` / `LineBasedFrameDecoder` and tokio-util's
 * `AnyDelimiterCodec` / `LinesCodec`.
 *
 * `delimiter: '|'`, `disposition` `'discard'` (default), `'suffix'`, `'prefix'`:
 * ```
 * INPUT  "ab|c||d"       61 62 7c 63 7c 7c 64
 * discard -> "ab"  "c"  ""   then "d" at end()     (trailing: 'emit')
 * suffix  -> "ab|" "c|" "|"  then "d" at end()
 * prefix  -> "ab"  "|c" "|"  then "|d" at end()
 * ```
 * Several delimiters: the match that starts earliest wins, and among those that
 * start at the same byte the longest (`['\n', '\r\n']`: `"a\r\nb"` gives `"a"`).
 *
 * `LineDecoder` splits on `\n` and `\r\n` (and a lone `\r` with `allowCR`):
 * ```
 * INPUT  "one\r\ntwo\nthree"   6f 6e 65 0d 0a 74 77 6f 0a 74 68 72 65 65
 * LineDecoder()                      -> "one" "two" then "three" at end()
 * LineDecoder({ keepLineEnding })    -> "one\r\n" "two\n" then "three" at end()
 * ```
 * @module
 */
import {
  type Backend,
  delimiterTable,
  engine,
  nativeIndexOf,
  OUT_CAP,
  type ScanResult,
  useEngine,
  WINDOW,
} from '../engine/index.js';
import { hex, part, payloadList, toBytes } from './_bytes.js';
import { concat, SLAB_MAX } from './_carry.js';
import { BaseDecoder, PRESIZE_FROM } from './decoder.js';
import { DelimiterInPayloadError, FrameTooLongError, InvalidOptionError, TruncatedFrameError } from './errors.js';
import {
  boolean,
  describe,
  limits,
  maxFrameLength,
  objectOption,
  oneOf,
  plural,
  trailing,
  type LimitOptions,
  type Trailing,
} from './options.js';

/** A delimiter: bytes, or a string taken as UTF-8. */
export type Delimiter = Uint8Array | string;
export type Disposition = 'discard' | 'suffix' | 'prefix';

/** Options of {@link DelimiterDecoder}. */
export interface DelimiterDecoderOptions extends LimitOptions {
  /** The delimiter, or several (any of them ends a frame). Required. */
  delimiter: Delimiter | readonly Delimiter[];
  /**
   * `'discard'` strips the delimiter, `'suffix'` keeps it at the frame's end,
   * `'prefix'` keeps it at the start of the next frame.
   * @default 'discard'
   */
  disposition?: Disposition;
  /** What `end()` does with bytes after the last delimiter. @default 'emit' */
  trailing?: Trailing;
}

/** Options of {@link LineDecoder}. */
export interface LineDecoderOptions extends LimitOptions {
  /** A lone `\r` also ends a line. @default false */
  allowCR?: boolean;
  /** Keep `\n` / `\r\n` at the end of each line. @default false */
  keepLineEnding?: boolean;
  /** What `end()` does with a last line that has no line ending. @default 'emit' */
  trailing?: Trailing;
}

/** Options of {@link DelimiterEncoder}. */
export interface DelimiterEncoderOptions {
  /** The delimiter to append (the first one, if several); all are checked against payloads. Required. */
  delimiter: Delimiter | readonly Delimiter[];
  /**
   * Longest payload, counted without the delimiter as a decoder counts its frames:
   * a decoder with the same `delimiter` and `maxFrameLength` accepts every frame
   * this encoder writes. A payload of exactly this length is accepted.
   * @default 8 * 1024 * 1024
   */
  maxFrameLength?: number;
}

// ---------------------------------------------------------------------------
// Delimiter sets, encoded once as the engine's delimiter table and shared by
// every decoder and encoder with the same delimiters.

interface DelimiterSet {
  /** The engine's table of the set. */
  readonly table: Uint8Array;
  /** The delimiters in the caller's order, deduplicated. */
  readonly list: readonly Uint8Array[];
  readonly maxLength: number;
}

const utf8 = new TextEncoder();
const sets = new Map<string, DelimiterSet>();

function delimiterSet(value: unknown): DelimiterSet {
  const items = Array.isArray(value) ? value : [value];
  if (value === undefined) throw new InvalidOptionError('delimiter', 'delimiter is required');
  if (items.length === 0) throw new InvalidOptionError('delimiter', 'delimiter must not be an empty array');
  const list: Uint8Array[] = [];
  const seen = new Set<string>();
  let key = '';
  for (const item of items) {
    let bytes: Uint8Array;
    if (typeof item === 'string') bytes = utf8.encode(item);
    else if (item instanceof Uint8Array) bytes = item.slice();
    else
      throw new InvalidOptionError(
        'delimiter',
        `delimiter must be a string, a Uint8Array or an array of them, got ${describe(item)}`,
      );
    if (bytes.length === 0) throw new InvalidOptionError('delimiter', 'delimiter must not be empty');
    const k = bytes.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    list.push(bytes);
    key += k + ';';
  }
  let set = sets.get(key);
  if (!set) {
    if (sets.size >= 256) sets.clear();
    set = { table: delimiterTable(list), list, maxLength: Math.max(...list.map((d) => d.length)) };
    sets.set(key, set);
  }
  return set;
}

const DISPOSITIONS: readonly Disposition[] = ['discard', 'suffix', 'prefix'];
const SUFFIX = 1; // indexes into DISPOSITIONS
const PREFIX = 2;

/**
 * Frames of at least this many bytes on average are found in place with the
 * runtime's native search (Node's memchr), where it has one: one native call per
 * frame then costs less than copying the frame into linear memory to scan it. The
 * scalar engines' scanners lose to a native search sooner; the js engine's loses
 * even to a plain `Uint8Array.prototype.indexOf`, so it walks without memchr too.
 */
const WALK_FROM: Record<Backend, number> = { 'wasm-simd': 1024, wasm: 256, js: 64 };
/** The same for one delimiter of two bytes or more, found with Node's native search (Boyer-Moore-Horspool). */
const NEEDLE_WALK_FROM: Record<Backend, number> = { 'wasm-simd': 4096, wasm: 256, js: 32 };
/** Until a frame has shown how long frames are, windows start this small (see push). */
const FIRST_WINDOW = 4096;

/**
 * Splits a stream at delimiters.
 *
 * @example
 * ```ts
 * import { DelimiterDecoder } from 'framecodec';
 * const decoder = new DelimiterDecoder({ delimiter: '\r\n' });
 * const text = (f: Uint8Array) => new TextDecoder().decode(f);
 * console.log(decoder.decode(new TextEncoder().encode('PING\r\nPO')).map(text)); // => ["PING"]
 * console.log(decoder.decode(new TextEncoder().encode('NG\r\n')).map(text)); // => ["PONG"]
 * ```
 */
export class DelimiterDecoder extends BaseDecoder {
  private readonly set: DelimiterSet;
  private readonly disposition: number;
  private readonly max: number;
  private readonly failFast: boolean;
  private readonly skip: boolean;
  private readonly trailing: Trailing;

  // All positions are stream offsets (bytes since the start or the last reset).
  /** Bytes received before the current chunk. */
  private total = 0;
  /** Where the current frame starts (with 'prefix': where the delimiter opening it starts). */
  private frameStart = 0;
  /** Where its content starts: after its opening delimiter with 'prefix', else frameStart. */
  private contentStart = 0;
  /**
   * The resume offset: every byte before it is resolved (delimiter or content).
   * Bytes from here to `total` are the start of a possible delimiter, fewer than
   * the longest one; they are rescanned with the next chunk, nothing else is.
   */
  private pos = 0;
  /** The current frame is longer than maxFrameLength and is being dropped. */
  private discarding = false;
  /** Length of the last frame, to size the carry for the next one that spans chunks. */
  private lastLength = 0;
  /**
   * The byte a search in place finds the delimiters by (see walks()): `\n` for
   * lines (`\n` and `\r\n`), the delimiter of a one-byte set; -1 for other sets.
   */
  private readonly findByte: number;
  private readonly lines: boolean;
  /** The one delimiter of a set of one that is two bytes or more, which Node's native search finds in place; else null. */
  private readonly needle: Uint8Array | null;

  constructor(options: DelimiterDecoderOptions) {
    const o = objectOption('options', options);
    const lim = limits(o);
    super(lim.onDiscard);
    this.set = delimiterSet(o.delimiter);
    this.disposition = DISPOSITIONS.indexOf(oneOf('disposition', o.disposition, 'discard', DISPOSITIONS));
    this.max = lim.max;
    this.failFast = lim.failFast;
    this.skip = lim.skip;
    this.trailing = trailing(o.trailing, 'emit');
    const list = this.set.list.map((d) => d.join(','));
    this.lines = list.length === 2 && list.includes('10') && list.includes('13,10');
    this.findByte = this.lines ? 10 : list.length === 1 && this.set.maxLength === 1 ? this.set.list[0][0] : -1;
    this.needle = list.length === 1 && this.set.maxLength > 1 && nativeIndexOf !== null ? this.set.list[0] : null;
  }

  protected held(): number {
    return this.carry.len;
  }

  /**
   * Whether to find the next delimiters in place (engine.findDelimiters) instead
   * of copying a window into linear memory: for long frames, where a native
   * search per frame costs less than the copy (see WALK_FROM), and on the js
   * engine, whose scanner is slower than the runtime's search.
   */
  private walks(): boolean {
    if (this.needle !== null) return this.lastLength >= NEEDLE_WALK_FROM[engine.name];
    if (this.findByte < 0 || (nativeIndexOf === null && engine.name !== 'js')) return false;
    return this.lastLength >= WALK_FROM[engine.name];
  }

  protected clear(): void {
    this.total = this.frameStart = this.contentStart = this.pos = this.lastLength = 0;
    this.discarding = false;
    this.carry.release();
  }

  protected push(chunk: Uint8Array, out: Uint8Array[]): number {
    const n = chunk.length;
    if (n === 0) return 0;
    const chunkBase = this.total;
    let end = chunkBase + n;
    const largest = Math.max(WINDOW, 2 * this.set.maxLength);
    // A call limited to a few frames (maxFrames) starts with a window sized for
    // them from the last frames' length, and doubles it while they are not found:
    // it scans about the bytes it consumes (the guess overshoots by at most the
    // bytes of the frames it was made from), not a whole window per call.
    // The first window of a stream is small when the delimiters could be found in
    // place: one frame then says whether to (walks()), before a whole window of
    // long frames has gone through a slower scan.
    let window = this.lastLength === 0 && (this.findByte >= 0 || this.needle !== null) ? FIRST_WINDOW : largest;
    if (this.budget < Infinity) {
      const guess = this.budget * (Math.ceil(this.lastLength) + this.set.maxLength);
      window = Math.min(largest, Math.max(2 * this.set.maxLength, 8 * this.budget, guess));
    }
    while (this.pos < end) {
      const from = this.pos;
      let wlen = Math.min(end - from, window);
      let cap = OUT_CAP; // a scan that found fewer matches than this reached the window's end
      let r: ScanResult;
      if (!this.walks()) {
        r = this.scanWindow(from, wlen, chunk, chunkBase, false);
      } else if (from >= chunkBase) {
        // In place, the search stops after the frames the call may still return
        // (pulling frames one at a time stays linear); discarded ones do not count.
        wlen = end - from;
        cap = Math.min(OUT_CAP, this.budget);
        r =
          this.needle !== null
            ? engine.findNeedle(this.needle, chunk, from - chunkBase, wlen, false, cap)
            : engine.findDelimiters(this.findByte, this.lines, chunk, from - chunkBase, wlen, false, cap);
      } else {
        // The start of a delimiter is carried (a \r): resolve it in a small window.
        wlen = Math.min(wlen, chunkBase - from + this.set.maxLength);
        r = this.scanWindow(from, wlen, chunk, chunkBase, false);
      }
      const { count, resume } = r;
      if (this.matches(from, r, chunk, chunkBase, out)) {
        // maxFrames reached: the rest of the chunk waits. (A stop inside the carried
        // bytes, at a delimiter that the previous chunk could not resolve, consumes
        // none of this chunk; the carried bytes after it stay, to be scanned from pos.)
        end = Math.max(this.pos, chunkBase);
        break;
      }
      this.pos = from + resume;
      if (!this.discarding && this.pos - this.contentStart > this.max) this.overLimit();
      if (from + wlen === end && count < cap) break;
      window = Math.min(largest, 2 * window);
    }
    this.keep(chunk, chunkBase, end);
    this.total = end;
    return end - chunkBase;
  }

  /** Scans stream bytes [from, from + wlen): the carried ones from the carry, the rest from `chunk`. */
  private scanWindow(from: number, wlen: number, chunk: Uint8Array, chunkBase: number, final: boolean): ScanResult {
    const table = this.set.table;
    if (from >= chunkBase) return engine.scanDelimiters(table, null, 0, 0, chunk, from - chunkBase, wlen, final);
    const carry = this.carry;
    const k = from - (chunkBase - carry.len);
    const tail = Math.min(carry.len - k, wlen);
    return engine.scanDelimiters(table, carry.buf, k, tail, chunk, 0, wlen - tail, final);
  }

  protected table(): Uint8Array {
    return this.set.table;
  }

  protected maxTail(): number {
    return this.set.maxLength;
  }

  /**
   * Turns the scan's matches (window positions, lengths) into frames. A frame
   * wholly inside the chunk is a view on the chunk's buffer, made with the
   * Uint8Array constructor (a plain view, cheaper than subarray on a Buffer).
   * Returns true when it stopped because `budget` frames came out (maxFrames):
   * `pos` is then right after the last one's delimiter.
   */
  private matches(from: number, r: ScanResult, chunk: Uint8Array, chunkBase: number, out: Uint8Array[]): boolean {
    const { count, pairs, first } = r;
    const prefix = this.disposition === PREFIX;
    const suffix = this.disposition === SUFFIX;
    const max = this.max;
    const buffer = chunk.buffer;
    const base = chunk.byteOffset - chunkBase; // stream offset + base = byte offset in buffer
    const ranges = this.ranges;
    let start = this.frameStart;
    let contentStart = this.contentStart;
    let frames = 0;
    let bytes = 0;
    let budget = this.budget;
    let stopped = false;
    // With many matches, `out` is grown once to take them all and filled by index
    // (see PRESIZE_FROM). `w` is its true length, restored below and before
    // anything can throw.
    let w = out.length;
    const presized = ranges === null && count >= PRESIZE_FROM && count <= this.budget;
    if (presized) out.length = w + count;
    // decodeRanges' common case (frames inside the chunk, 'discard') goes through a
    // loop of its own, which writes offsets straight into the ranges.
    const direct = ranges !== null && budget === Infinity && this.ends === null && !suffix && !prefix;
    for (let k = 0; k < count; k++) {
      if (direct && start >= chunkBase && !this.discarding) {
        const added = ranges.addMatches(
          chunk,
          pairs,
          first + 2 * k,
          count - k,
          from - chunkBase,
          start - chunkBase,
          max,
        );
        k += added;
        frames += added;
        bytes += ranges.bytes;
        start = contentStart = ranges.at + chunkBase;
        if (k === count) break;
      }
      const m = from + pairs[first + 2 * k];
      const dl = pairs[first + 2 * k + 1];
      if (this.discarding || m - contentStart > max) {
        this.discarding = false;
        this.frameStart = prefix ? m : m + dl;
        this.contentStart = m + dl;
        this.stats.frames += frames;
        this.stats.bytes += bytes;
        frames = bytes = 0;
        if (!this.skip) {
          if (presized) out.length = w;
          this.fail(this.tooLong(start));
        }
        this.discarded(this.frameStart - start, start);
        start = this.frameStart;
        contentStart = this.contentStart;
        continue;
      }
      const stop = suffix ? m + dl : m;
      if (ranges === null) {
        out[w++] =
          start >= chunkBase
            ? new Uint8Array(buffer, base + start, stop - start)
            : this.spanning(start, stop, chunk, chunkBase);
      } else if (start >= chunkBase) {
        ranges.add(chunk, start - chunkBase, stop - chunkBase);
      } else {
        const frame = this.spanning(start, stop, chunk, chunkBase);
        ranges.add(frame, 0, frame.length);
      }
      frames++;
      bytes += stop - start;
      start = prefix ? m : m + dl;
      contentStart = m + dl;
      if (this.ends !== null) this.ends.push(start);
      if (--budget === 0) {
        stopped = true;
        this.pos = m + dl;
        break;
      }
    }
    if (presized) out.length = w;
    this.frameStart = start;
    this.contentStart = contentStart;
    this.stats.frames += frames;
    this.stats.bytes += bytes;
    this.budget = budget;
    if (frames > 0) this.lastLength = bytes / frames;
    return stopped;
  }

  /** A frame [start, stop) that begins in the carry. */
  private spanning(start: number, stop: number, chunk: Uint8Array, chunkBase: number): Uint8Array {
    const carry = this.carry;
    const base = chunkBase - carry.len;
    if (stop <= chunkBase) return carry.handOut(start - base, stop - base);
    const buf = carry.buf!;
    const need = stop - start;
    if (need > SLAB_MAX && start === base && !carry.shared && buf.length >= need) {
      // A long frame: finish it in the carry's spare room and hand the buffer out.
      buf.set(part(chunk, 0, stop - chunkBase), carry.len);
      return carry.handOut(0, need);
    }
    return concat(buf, start - base, carry.len, chunk, 0, stop - chunkBase);
  }

  /** More than maxFrameLength bytes of content and no delimiter yet. */
  private overLimit(): void {
    if (this.failFast && !this.skip) this.fail(this.tooLong(this.frameStart));
    this.discarding = true;
  }

  /** After a chunk: keep the bytes of the unfinished frame (or of a possible delimiter). */
  private keep(chunk: Uint8Array, chunkBase: number, end: number): void {
    const carry = this.carry;
    const holdFrom = this.discarding ? this.pos : this.frameStart;
    // Room for a frame like the last one, so that the next chunk can finish it in place.
    const limit = this.max + 2 * this.set.maxLength;
    const hint = this.discarding ? 0 : Math.ceil(this.lastLength) + 2 * this.set.maxLength;
    if (holdFrom >= chunkBase) {
      carry.clear();
      if (holdFrom < end) carry.append(chunk, holdFrom - chunkBase, end - chunkBase, limit, hint);
      return;
    }
    carry.dropFront(holdFrom - (chunkBase - carry.len));
    carry.append(chunk, 0, end - chunkBase, limit, hint);
  }

  private tooLong(start: number): FrameTooLongError {
    return new FrameTooLongError(
      `frame at offset ${start} exceeds maxFrameLength ${this.max} (no delimiter within ${this.max} bytes)`,
      this.max,
      { offset: start },
    );
  }

  protected finish(out: Uint8Array[]): void {
    const total = this.total;
    // A possible delimiter at the very end: resolve it now that no byte follows.
    if (this.pos < total) {
      const from = this.pos;
      const r = this.scanWindow(from, total - from, new Uint8Array(0), total, true);
      this.matches(from, r, new Uint8Array(0), total, out);
      this.pos = total;
    }
    const start = this.frameStart;
    const held = total - start;
    if (this.discarding || total - this.contentStart > this.max) {
      if (!this.skip) throw this.tooLong(start);
      this.discarded(held, start);
      return;
    }
    if (held === 0) return;
    const base = total - this.carry.len;
    if (this.trailing === 'emit') {
      this.putFrame(out, this.carry.handOut(start - base, this.carry.len));
    } else if (this.trailing === 'drop') {
      this.dropped(held);
    } else {
      throw new TruncatedFrameError(
        `stream ended inside a frame: ${plural(held, 'byte')} after offset ${start} and no delimiter`,
        this.carry.buf!.slice(start - base, this.carry.len),
        { offset: start },
      );
    }
  }
}

const LF = utf8.encode('\n');
const CRLF = utf8.encode('\r\n');
const CR = utf8.encode('\r');

/**
 * Splits a stream into lines ending in `\n` or `\r\n` (and a lone `\r` with
 * `allowCR`). A `\r` at the end of a chunk waits for the next byte; a line never
 * counts as too long because of the first bytes of its line ending.
 *
 * @example
 * ```ts
 * import { LineDecoder } from 'framecodec';
 * const lines = new LineDecoder();
 * const text = (f: Uint8Array) => new TextDecoder().decode(f);
 * console.log(lines.decode(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r')).map(text)); // => ["GET / HTTP/1.1"]
 * console.log(lines.decode(new TextEncoder().encode('\n\r\n')).map(text)); // => ["Host: a",""]
 * ```
 */
export class LineDecoder extends DelimiterDecoder {
  constructor(options?: LineDecoderOptions) {
    const o = objectOption('options', options);
    const allowCR = boolean('allowCR', o.allowCR, false);
    const keep = boolean('keepLineEnding', o.keepLineEnding, false);
    super({
      ...o,
      delimiter: allowCR ? [LF, CRLF, CR] : [LF, CRLF],
      disposition: keep ? 'suffix' : 'discard',
      trailing: o.trailing,
    });
  }
}

/**
 * Appends the delimiter to each payload, refusing payloads a receiver with the same
 * delimiters would cut early (`DelimiterInPayloadError`) or refuse as too long
 * (`FrameTooLongError`: longer than `maxFrameLength`, counted without the
 * delimiter, as the decoder counts).
 *
 * Each `encode()` is checked alone. When the first delimiter is the start of a
 * longer one in the set (`['\r', '\r\n']`), a payload that begins with the rest
 * of the longer one (`'\n…'`) would extend the delimiter before it on the wire:
 * `encodeAll()` sees its payloads together and refuses that too; across separate
 * `encode()` calls, choose delimiters so that this cannot happen.
 *
 * @example
 * ```ts
 * import { DelimiterEncoder, DelimiterInPayloadError } from 'framecodec';
 * const encoder = new DelimiterEncoder({ delimiter: '\n' });
 * console.log(new TextDecoder().decode(encoder.encode(new TextEncoder().encode('hello')))); // => "hello\n"
 * try {
 *   encoder.encode(new TextEncoder().encode('a\nb'));
 * } catch (e) {
 *   console.log(e instanceof DelimiterInPayloadError); // => true
 * }
 * ```
 */
export class DelimiterEncoder {
  private readonly set: DelimiterSet;
  private readonly delimiter: Uint8Array;
  private readonly max: number;

  constructor(options: DelimiterEncoderOptions) {
    const o = objectOption('options', options);
    this.set = delimiterSet(o.delimiter);
    this.delimiter = this.set.list[0];
    this.max = maxFrameLength(o.maxFrameLength);
  }

  /** The payload followed by the delimiter, in a new buffer. */
  encode(payload: Uint8Array | ArrayBuffer): Uint8Array {
    const bytes = toBytes(payload, 'payload');
    this.checkLength(bytes, -1);
    const wire = concat(bytes, 0, bytes.length, this.delimiter, 0, this.delimiter.length);
    this.check(wire, [bytes]);
    return wire;
  }

  /** Many frames in one contiguous buffer. */
  encodeAll(payloads: Iterable<Uint8Array | ArrayBuffer>): Uint8Array {
    const list = payloadList(payloads);
    const d = this.delimiter;
    let total = 0;
    for (let k = 0; k < list.length; k++) {
      this.checkLength(list[k], k);
      total += list[k].length + d.length;
    }
    const wire = new Uint8Array(total);
    let at = 0;
    for (const p of list) {
      wire.set(p, at);
      wire.set(d, at + p.length);
      at += p.length + d.length;
    }
    this.check(wire, list);
    return wire;
  }

  /** A payload longer than maxFrameLength (`k`: its index in encodeAll, -1 for encode) throws. */
  private checkLength(payload: Uint8Array, k: number): void {
    const n = payload.length;
    if (n <= this.max) return;
    const what = k < 0 ? `payload of ${n} bytes` : `payload ${k} (of ${n} bytes)`;
    throw new FrameTooLongError(
      `${what} exceeds maxFrameLength ${this.max} (counted without the delimiter, as a receiver counts)`,
      this.max,
      { frameLength: n },
    );
  }

  /**
   * Runs the receiver's scanner over the whole output (the stream ending after it):
   * the k-th delimiter it finds must be ours, right after payload k.
   */
  private check(wire: Uint8Array, payloads: Uint8Array[]): void {
    const dl = this.delimiter.length;
    let k = 0;
    let start = 0; // where payload k starts in wire
    scanAll(this.set, wire, (at, length) => {
      const p = payloads[k];
      if (at === start + p.length && length === dl) {
        start = at + dl;
        k++;
        return true;
      }
      if (at < start + p.length) {
        const where = payloads.length > 1 ? `payload ${k} (of ${p.length} bytes)` : `payload of ${p.length} bytes`;
        throw new DelimiterInPayloadError(
          `${where} would be cut at byte ${at - start}: a receiver finds a delimiter there before the appended one`,
          at - start,
        );
      }
      // Our delimiter, continued by the bytes after it into a longer one.
      const next = payloads[k + 1];
      throw new DelimiterInPayloadError(
        `the delimiter after payload ${k} and the bytes that follow it (${hex(part(wire, at + dl, at + length))}) form the longer delimiter ${hex(part(wire, at, at + length))}: a receiver would merge payload ${k + 1} (of ${next.length} bytes) into it`,
        0,
      );
    });
  }
}

/**
 * Calls `visit(position, length)` for each delimiter that a receiver with `set`
 * finds in `bytes`, the stream ending after them, in order (leftmost-longest).
 */
function scanAll(set: DelimiterSet, bytes: Uint8Array, visit: (at: number, length: number) => void): void {
  const e = useEngine();
  const total = bytes.length;
  const window = Math.max(WINDOW, 2 * set.maxLength);
  let pos = 0;
  while (pos < total) {
    const wlen = Math.min(total - pos, window);
    const last = pos + wlen === total;
    const r = e.scanDelimiters(set.table, null, 0, 0, bytes, pos, wlen, last);
    const { count, resume } = r;
    // Read every result before calling out: visit() may throw, and nothing else may scan meanwhile.
    const found = r.pairs.slice(r.first, r.first + 2 * count);
    for (let j = 0; j < count; j++) visit(pos + found[2 * j], found[2 * j + 1]);
    if (last && count < OUT_CAP) return;
    pos += resume;
  }
}
