/**
 * Text lines: the lines of a {@link LineDecoder}, decoded from UTF-8 to strings,
 * as Node's `readline`, Deno's `TextLineStream` and split2 give them.
 *
 * ```
 * INPUT  EF BB BF 68 69 0D 0A 0A C3 A9 FF 0A 6F 6B      BOM "hi" \r\n \n "é" FF \n "ok"
 * TextLineDecoder()                -> "hi"  ""  "é\uFFFD"  then "ok" at end()
 * TextLineDecoder({ fatal: true }) -> "hi"  ""  then InvalidDataError, offset 8
 *                                     (the line "é" FF starts at stream offset 8)
 * ```
 *
 * How a call works: the inner LineDecoder splits (nothing here looks for line
 * endings) and hands over its lines as byte ranges; each run of lines that lie in
 * one buffer is decoded with one `TextDecoder.decode` call over the whole run,
 * and when the text is exactly as long as the bytes (every byte gave one UTF-16
 * unit: pure ASCII, or lone invalid bytes each replaced by one U+FFFD) the lines
 * are sliced out of it by their byte offsets; otherwise it is cut where the line
 * endings' `\n` (or lone `\r`) are; failing both (invalid UTF-8 with `fatal`), each
 * line is decoded alone. On Node 20 a `TextDecoder.decode` call costs 100-200 ns
 * before its first byte, a slice a few tens (bench/experiments/text_lines.bench.ts).
 *
 * Why slicing gives what decoding each line alone gives: a UTF-8 decoder reads
 * the bytes as a sequence of pieces (an ASCII byte, a character of 2 to 4 bytes,
 * or an invalid sequence of 1 to 3 bytes, replaced by one U+FFFD); a character of
 * 2 or 3 bytes gives one unit, of 4 bytes two, an invalid sequence one. So text
 * as long as its bytes means every piece was one byte that gave one unit, and
 * one-byte pieces do not depend on the bytes around them: the run splits into its
 * lines at any byte, with the same text. Why cutting at line endings does: line
 * endings are ASCII, and an ASCII byte ends an unfinished character just as the
 * end of the input does (with one U+FFFD), so the run's text is its lines' and
 * line endings' texts in order; and no line holds a `\n` (nor, with `allowCR`, a
 * `\r`) but as its own line ending.
 * @module
 */
import { part } from './_bytes.js';
import { type DecodeOptions, disposeSymbol, eachFrame, type FrameDecoder, type FrameStats } from './decoder.js';
import { LineDecoder, type LineDecoderOptions } from './delimiter.js';
import { FramingError, InvalidDataError, takeFrames } from './errors.js';
import { boolean, callback, type DiscardInfo, objectOption, plural } from './options.js';

/** Options of {@link TextLineDecoder}: those of {@link LineDecoder}, and `fatal`. */
export interface TextLineDecoderOptions extends LineDecoderOptions {
  /**
   * Throw `InvalidDataError` for a line that is not valid UTF-8, instead of
   * replacing each invalid sequence with U+FFFD (as `TextDecoder` does). The error
   * is fatal: the decoder fails until `reset()`.
   * @default false
   */
  fatal?: boolean;
}

/** The LineDecoder inside a TextLineDecoder, opened up for it. @internal */
class Lines extends LineDecoder {
  /** While set, the stream offset after each line found is appended to it (not after a line `end()` emits as trailing). */
  track(ends: number[] | null): void {
    this.ends = ends;
  }

  /** Fails the decoder with `error` (later calls throw a copy of it), without throwing. */
  failWith(error: FramingError<unknown>): void {
    try {
      this.fail(error as FramingError);
    } catch {
      // fail() throws the error it records; here it is thrown by the caller.
    }
  }
}

// TextDecoder without { stream: true } keeps no state between calls: one of each
// serves every decoder. ignoreBOM: a BOM is dropped by hand, at the start of the
// stream only, not at the start of every decode() call.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

/** Between calls (never written: a call starts with a fresh array, and a discard makes one). */
const NO_LINES: string[] = [];
const NONE: DiscardInfo[] = [];

/** Offsets of the lines decode()/end() returned, reused from call to call. */
let scratch = new Int32Array(64);

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a stream into lines as {@link LineDecoder} does (on `\n` and `\r\n`, and a
 * lone `\r` with `allowCR`; empty lines kept) and decodes each from UTF-8: a
 * `FrameDecoder<string>`.
 *
 * - A byte-order mark (EF BB BF) at the start of the stream is dropped, wherever
 *   the chunks split it. `end()`, `reset()` and `takeBuffered()` start a new
 *   stream, whose BOM is dropped again. A BOM elsewhere is kept (U+FEFF).
 * - Invalid UTF-8 becomes U+FFFD exactly as `TextDecoder` replaces it; with
 *   `fatal: true` it throws `InvalidDataError` whose `offset` is the stream offset
 *   of the line's first byte, and whose `frames` are the lines before it. Every
 *   line returned is checked, a `trailing: 'emit'` line included; a line dropped
 *   (`trailing: 'drop'`, `onTooLong: 'skip'`) is not decoded.
 * - Lengths are in bytes, as `LineDecoder` counts them: `maxFrameLength` bounds a
 *   line's bytes (a BOM at the start of the first line included), and `stats.bytes`
 *   adds up the bytes of the lines returned (`stats.frames` counts them).
 * - Strings are stable. A line may share the memory of a longer string decoded
 *   from the same chunk (JavaScript engines slice strings that way, as `readline`'s
 *   lines do): a program that keeps a few short lines of many chunks for a long
 *   time can copy them (`structuredClone(line)`) to let the rest go.
 * - `decodeEach(chunk, onLine)` passes the same strings to a callback.
 *
 * @example
 * ```ts
 * import { TextLineDecoder } from 'framecodec';
 * const lines = new TextLineDecoder();
 * // A BOM, then "héllo\r\n" cut inside the é (C3 A9), then an empty line.
 * console.log(lines.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3]))); // => []
 * console.log(lines.decode(new Uint8Array([0xa9, 0x6c, 0x6c, 0x6f, 0x0d, 0x0a, 0x0a]))); // => ["héllo",""]
 * // Invalid UTF-8 (FF), and a last line without line ending, which end() returns.
 * console.log(lines.decode(new Uint8Array([0x61, 0xff]))); // => []
 * console.log(lines.end()); // => ["a\ufffd"]
 * ```
 */
export class TextLineDecoder implements FrameDecoder<string> {
  /** `frames`: lines returned; `bytes`: their length in bytes, as `LineDecoder` counts (see the class). */
  readonly stats: FrameStats = { frames: 0, bytes: 0, discardedFrames: 0, discardedBytes: 0 };

  private readonly lines: Lines;
  private readonly fatal: boolean;
  private readonly allowCR: boolean;
  private readonly keepLineEnding: boolean;
  private readonly onDiscard: ((info: DiscardInfo) => void) | undefined;
  /** No line has come out of (or been dropped from) this stream yet: a BOM would be at its start. */
  private atStart = true;
  /**
   * With tracking on (`fatal`, decodeTracked): the stream offset where the next
   * line starts, after the lines and dropped frames of the calls before.
   */
  private boundary = 0;

  // The state of one call.
  /** Lines decoded by this call. */
  private out: string[] = NO_LINES;
  /** Their bytes. */
  private outBytes = 0;
  /** The first line of this call that is not valid UTF-8 (fatal), as an index into `out`; -1 when none. */
  private bad = -1;
  /** Its bytes, for the message. */
  private badLine: Uint8Array | null = null;
  /** Frames `onTooLong: 'skip'` dropped during this call (LineDecoder reports them at its end). */
  private discards: DiscardInfo[] = NONE;
  /** Stream offsets after each line the LineDecoder found during this call, when tracking. */
  private ends: number[] | null = null;

  constructor(options?: TextLineDecoderOptions) {
    const o = objectOption('options', options);
    this.onDiscard = callback('onDiscard', o.onDiscard);
    this.lines = new Lines({
      ...o,
      onDiscard: (info) => {
        if (this.discards === NONE) this.discards = [];
        this.discards.push(info);
      },
    });
    this.fatal = boolean('fatal', o.fatal, false);
    this.allowCR = o.allowCR === true;
    this.keepLineEnding = o.keepLineEnding === true;
  }

  /**
   * Feeds bytes (none: continue from bytes held after a `maxFrames` stop); returns,
   * in order, the lines they complete, as strings.
   */
  decode(chunk?: Uint8Array | ArrayBuffer, options?: DecodeOptions): string[] {
    return this.call(chunk, options, false);
  }

  /** `decode()` that also appends the stream offset after each line returned to `ends` (see BaseDecoder). @internal */
  decodeTracked(chunk: Uint8Array | undefined, ends: number[], options?: DecodeOptions): string[] {
    const before = ends.length;
    const track: number[] = [];
    const record = (n: number) => {
      for (let k = 0; k < n; k++) ends.push(track[k]);
    };
    try {
      const out = this.call(chunk, options, false, track);
      record(out.length);
      return out;
    } catch (e) {
      if (ends.length === before) record(e instanceof FramingError ? e.frames.length : 0);
      throw e;
    }
  }

  /** Feeds bytes; passes each completed line to `onFrame`; returns their number. */
  decodeEach(chunk: Uint8Array | ArrayBuffer, onFrame: (line: string) => void, options?: DecodeOptions): number {
    return eachFrame(() => this.decode(chunk, options), onFrame);
  }

  /** Signals the end of the stream: applies `trailing` to a last line without line ending; resets. */
  end(): string[] {
    return this.call(undefined, undefined, true);
  }

  /** Every byte received and not yet returned in a line or dropped, as a fresh buffer; then resets (stats kept). */
  takeBuffered(): Uint8Array {
    const rest = this.lines.takeBuffered();
    this.restart();
    return rest;
  }

  /** Drops buffered bytes and a failed state (stats are kept); the next byte starts a new stream. */
  reset(): void {
    this.lines.reset();
    this.restart();
  }

  /** Releases the decoder; any later call throws `ERR_DECODER_FREED`. */
  free(): void {
    this.lines.free();
  }

  [disposeSymbol](): void {
    this.free();
  }

  /** Bytes held: the start of an incomplete line, and those after a `maxFrames` stop. */
  get buffered(): number {
    return this.lines.buffered;
  }

  private restart(): void {
    this.atStart = true;
    this.boundary = 0;
  }

  /**
   * One call: lets the LineDecoder split, decodes what it returns, then settles
   * the BOM, a `fatal` fault, stats and `onDiscard` calls.
   */
  private call(
    chunk: Uint8Array | ArrayBuffer | undefined,
    options: DecodeOptions | undefined,
    ending: boolean,
    track: number[] | null = null,
  ): string[] {
    const lines = this.lines;
    this.out = [];
    this.outBytes = 0;
    this.bad = -1;
    this.badLine = null;
    this.discards = NONE;
    this.ends = track ?? (this.fatal ? [] : null);
    const droppedFrames = lines.stats.discardedFrames;
    const droppedBytes = lines.stats.discardedBytes;
    let error: unknown = null;
    lines.track(this.ends);
    try {
      if (ending) this.addFrames(lines.end());
      else if (chunk !== undefined && options === undefined) lines.decodeRanges(chunk, this.addRanges);
      else this.addFrames(lines.decode(chunk, options));
    } catch (e) {
      error = e;
      // decode()/end() carry the lines before the fault (decodeRanges delivered them).
      this.addFrames(takeFrames(e));
    } finally {
      lines.track(null);
    }
    const out = this.out;
    const discards = this.discards;
    this.out = NO_LINES;
    this.discards = NONE;

    // Dropped frames: those onDiscard reported, and a trailing line `trailing: 'drop'` dropped.
    let frames = lines.stats.discardedFrames - droppedFrames;
    let bytes = lines.stats.discardedBytes - droppedBytes;
    let reported = discards.length;
    if (this.bad >= 0) {
      // Invalid UTF-8: the lines after it, and what was dropped after it, never happened.
      const at = this.startOf(this.bad, discards);
      reported = 0;
      frames = bytes = 0;
      while (reported < discards.length && discards[reported].offset < at) {
        frames++;
        bytes += discards[reported++].bytes;
      }
      out.length = this.bad;
      error = this.invalid(at);
      if (!ending) lines.failWith(error as InvalidDataError);
    } else if (this.ends !== null) {
      this.boundary = this.startOf(this.ends.length, discards);
    }

    // The BOM, if this call returns the stream's first line.
    if (this.atStart) {
      if (out.length > 0 && (discards.length === 0 || discards[0].offset > 0) && out[0].charCodeAt(0) === 0xfeff) {
        out[0] = out[0].slice(1);
      }
      if (out.length > 0 || reported > 0) this.atStart = false;
    }
    if (ending) this.restart();

    const stats = this.stats;
    stats.frames += out.length;
    stats.bytes += this.outBytes; // the lines in `out`: decoding stops at an invalid one
    stats.discardedFrames += frames;
    stats.discardedBytes += bytes;
    this.ends = null;
    this.badLine = null;
    if (this.onDiscard !== undefined) for (let k = 0; k < reported; k++) this.onDiscard(discards[k]);
    if (error !== null) {
      if (error instanceof FramingError) (error as FramingError<string>).frames = out;
      throw error;
    }
    return out;
  }

  /**
   * The stream offset where line `index` of this call starts (with tracking on):
   * after the line before it, or after a frame dropped between them, whichever is
   * later. `ends` has the end of every line found but a trailing one.
   */
  private startOf(index: number, discards: DiscardInfo[]): number {
    const ends = this.ends!;
    let at = this.boundary;
    let j = 0;
    for (let k = 0; k <= index; k++) {
      const end = k < ends.length ? ends[k] : Infinity;
      // Dropped frames before this line (frames do not overlap: one after it starts at or after its end).
      while (j < discards.length && discards[j].offset < end) {
        at = discards[j].offset + discards[j].bytes;
        j++;
      }
      if (k === index) return at;
      at = end;
    }
    return at;
  }

  private invalid(offset: number): InvalidDataError {
    const line = this.badLine!;
    const at = firstInvalid(line);
    const seq = Array.from(line.subarray(at, Math.min(at + 4, line.length)), (b) => b.toString(16).padStart(2, '0'));
    return new InvalidDataError(
      `invalid UTF-8 in the line at offset ${offset} (${plural(line.length, 'byte')}): ` +
        `byte ${at} of the line starts an invalid sequence (${seq.join(' ')}${at + 4 < line.length ? ' …' : ''})`,
      { offset },
    );
  }

  /**
   * Decodes the lines (views) decode()/end() returned: each run of them in one
   * buffer as one batch. (A view's `buffer` and `byteOffset` cost 15-20 ns each
   * to read: each is read once per line.)
   */
  private addFrames(frames: Uint8Array[]): void {
    const n = frames.length;
    if (n === 1) this.addLine(frames[0]);
    if (n <= 1) return;
    if (scratch.length < 2 * n) scratch = new Int32Array(2 * n);
    const offsets = scratch;
    let first = frames[0];
    let buffer = first.buffer;
    let base = first.byteOffset;
    let k = 0;
    while (k < n && this.bad < 0) {
      // The run frames[k, j) lies in one buffer, in order, from `base` on.
      const runBuffer = buffer;
      const runBase = base;
      let end = first.length;
      offsets[0] = 0;
      offsets[1] = end;
      let j = k + 1;
      for (; j < n; j++) {
        const f = frames[j];
        const b = f.buffer;
        const at = f.byteOffset;
        if (b !== runBuffer || at - runBase < end) {
          first = f;
          buffer = b;
          base = at;
          break;
        }
        offsets[2 * (j - k)] = at - runBase;
        end = at - runBase + f.length;
        offsets[2 * (j - k) + 1] = end;
      }
      if (j - k === 1) this.addLine(frames[k]);
      else this.addRanges(new Uint8Array(runBuffer, runBase, end), offsets, j - k);
      k = j;
    }
  }

  /**
   * Decodes lines `bytes[offsets[2i], offsets[2i + 1])`, i < count, in order, into
   * `out` (the LineDecoder's decodeRanges() callback). A run of lines is decoded in
   * one call, from the first line's start to the last one's end, then cut:
   *
   *   bytes  [ line 0 ][\r\n][ line 1 ][\n][ line 2 ]     offsets: 0 4 6 9 10 13
   *   text   [ line 0 ][\r\n][ line 1 ][\n][ line 2 ]     one decode() of bytes[0, 13)
   *
   * - text as long as the bytes: every byte gave one unit, so the byte offsets
   *   are text offsets (see the module comment): slice there;
   * - else, when every gap between two lines is exactly a line ending, each line's
   *   text ends where its line ending's text begins: a `\n` (or a lone `\r`)
   *   that no line holds but at its end (`cut`);
   * - else (invalid UTF-8 in fatal mode, or lines around a dropped one), line by
   *   line.
   */
  private readonly addRanges = (bytes: Uint8Array, offsets: Int32Array, count: number): void => {
    if (this.bad >= 0) return;
    let done = 0;
    if (count > 1) {
      const lo = offsets[0];
      const hi = offsets[2 * count - 1];
      let text: string | null = null;
      if (!this.fatal) text = lenient.decode(part(bytes, lo, hi));
      else {
        try {
          text = strict.decode(part(bytes, lo, hi));
        } catch {
          // Somewhere invalid: line by line below finds the line.
        }
      }
      if (text !== null) {
        const out = this.out;
        const w = out.length;
        if (text.length === hi - lo) {
          out.length = w + count; // filled by index: cheaper than a push per line
          for (let i = 0; i < count; i++) out[w + i] = text.slice(offsets[2 * i] - lo, offsets[2 * i + 1] - lo);
          done = count;
        } else {
          done = this.cut(bytes, offsets, count, text);
        }
        // The run's bytes less the gaps (line endings) between its lines.
        let bytesOut = offsets[2 * done - 1] - lo;
        for (let i = 1; i < done; i++) bytesOut -= offsets[2 * i] - offsets[2 * i - 1];
        if (done > 0) this.outBytes += bytesOut;
      }
    }
    for (let i = done; i < count && this.bad < 0; i++) this.addLine(part(bytes, offsets[2 * i], offsets[2 * i + 1]));
  };

  /**
   * Cuts `text`, the decoded run, into its lines at their line endings; returns how
   * many lines it cut (all, or those before the first gap that is not exactly a
   * line ending, which the caller decodes one by one). A line holds no `\n` (with
   * `keepLineEnding`, none before its last byte), and with `allowCR` no `\r` either,
   * so the first one after the line's start is its ending's. Line endings are
   * ASCII: one unit per byte.
   */
  private cut(bytes: Uint8Array, offsets: Int32Array, count: number, text: string): number {
    const out = this.out;
    const keep = this.keepLineEnding;
    const allowCR = this.allowCR;
    let at = 0; // text offset of line i
    for (let i = 0; i < count; i++) {
      const end = offsets[2 * i + 1];
      let stop: number; // text offset of its end
      let gap = 0;
      if (i === count - 1) stop = text.length;
      else {
        gap = offsets[2 * i + 2] - end;
        const last = bytes[end - 1];
        const next = bytes[end];
        if (keep && gap === 0 && (last === LF || (last === CR && allowCR))) {
          stop = text.indexOf(last === LF ? '\n' : '\r', at) + 1;
        } else if (!keep && gap === 1 && (next === LF || (next === CR && allowCR))) {
          stop = text.indexOf(next === LF ? '\n' : '\r', at);
        } else if (!keep && gap === 2 && next === CR && bytes[end + 1] === LF) {
          stop = text.indexOf('\n', at) - 1;
        } else {
          return i;
        }
      }
      out.push(text.slice(at, stop));
      at = stop + gap;
    }
    return count;
  }

  /** Decodes one line into `out`; in fatal mode an invalid one stops the call's decoding (`bad`). */
  private addLine(line: Uint8Array): void {
    if (!this.fatal) this.out.push(lenient.decode(line));
    else {
      try {
        this.out.push(strict.decode(line));
      } catch {
        this.bad = this.out.length;
        this.badLine = line.slice();
        return;
      }
    }
    this.outBytes += line.length;
  }
}

/**
 * Where the first invalid sequence of `line` starts (it has one). The shortest
 * prefix that a streaming decoder refuses ends at the byte that proved the
 * sequence invalid; the sequence starts at that byte, or at the unfinished
 * character before it.
 */
function firstInvalid(line: Uint8Array): number {
  const fails = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(line.subarray(0, n), {
        stream: n < line.length,
      });
      return false;
    } catch {
      return true;
    }
  };
  let lo = 1;
  let hi = line.length; // fails(hi) holds
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  // Byte hi - 1 proved it. An unfinished character before it (a lead byte and
  // fewer continuation bytes than it needs) is where the invalid sequence starts.
  const last = hi - 1;
  for (let k = 1; k <= 3 && last - k >= 0; k++) {
    const b = line[last - k];
    if (b < 0x80) break;
    if (b >= 0xc0) return k < (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) ? last - k : last;
  }
  return last;
}
