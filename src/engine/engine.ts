// Private: an engine, the only code that touches linear memory.
//
// An engine is a set of stateless hot loops (assembly/*.ts, or their port in
// ./js.ts) plus the linear memory they read. Decoders keep all their state in
// TypeScript and ask the engine one thing per call: "scan this window (the bytes
// I carried, then this part of the chunk) and tell me what you found". The engine
// copies the window into its staging area, runs the scanner, and hands back the
// outcome as a {@link ScanResult}. For long frames a decoder asks instead for a
// scan in place (walkLength, findDelimiters, findNeedle): the same ScanResult,
// found in the chunk where it lies, in JavaScript or with the runtime's native
// byte search, since copying the window in would cost more than the scan saves.
// Nothing stays in linear memory between calls, so:
//   - an idle decoder owns no WebAssembly memory (its partial frame lives in an
//     ordinary JS buffer that the garbage collector reclaims), and nothing leaks
//     when a decoder is forgotten;
//   - linear memory stays small and fixed (it grows only for a delimiter table or
//     a header larger than the defaults), however many decoders exist;
//   - the engine can be replaced by `init()` between any two calls.
//
// Linear memory, laid out from the module's heap base:
//
//   base
//   +------------------------------+  results: the results block of assembly/abi.ts
//   | results                      |           (count, status, resume, ... then
//   |                              |           OUT_CAP i32 pairs), written by a scan
//   +------------------------------+  params:  the length parameters of the decoder
//   | length parameters            |           that scanned last (cached by identity)
//   +------------------------------+  stage:   carried tail + a window of the chunk
//   | staging                      |
//   |   reserve (RESERVE bytes)    |  <- a carried tail is written just before...
//   |   receive area (WINDOW)      |  <- ...bytes a socket read put here (zero-copy
//   |   (grows for larger tails)   |     receive), which are then scanned in place
//   +------------------------------+  table:   the delimiter table of the decoder
//   | delimiter table              |           that scanned last (cached by identity)
//   +------------------------------+
//
// The results, parameters and staging area start at fixed addresses, so the
// receive area never moves (a socket's onread buffer stays valid); the table comes
// last and moves when the staging area grows, which forgets the loaded table.
//
// Re-entrancy: no user code runs between a scan and the reading of its results
// (decoders defer user callbacks to the end of the call), so one scratch area
// serves every decoder, nested ones included.
import {
  PARAM_ADJUSTMENT,
  PARAM_FIELD,
  PARAM_LITTLE,
  PARAM_MAX,
  PARAM_OFFSET,
  PARAM_STRIP,
  PARAMS_SIZE,
  RESULT_COUNT,
  RESULT_FRAME,
  RESULT_HEADER,
  RESULT_PAIRS,
  RESULT_REASON,
  RESULT_RESUME,
  RESULT_STATUS,
  RESULT_VALUE,
} from '../../assembly/abi.js';
import { part } from '../codec/_bytes.js';
import { indexOfByte, nativeIndexOf } from './find_byte.js';
import { walkLength } from './walk_length.js';

export type Backend = 'wasm-simd' | 'wasm' | 'js';

/** The numeric exports of assembly/index.ts (./js.ts implements the same). */
export interface Scanners {
  heapBase(): number;
  simd(): number;
  scanLength(params: number, data: number, len: number, results: number, cap: number): number;
  scanDelimiters(table: number, data: number, len: number, final: number, results: number, cap: number): number;
}

/** What a WebAssembly.Memory offers that the engine uses (./js.ts has a look-alike). */
export interface MemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A length-field decoder's options, as the length scanner reads them (assembly/abi.ts). */
export interface LengthParams {
  readonly offset: number;
  /** 1, 2, 3, 4, 8, or 0 for a varint. */
  readonly field: number;
  readonly little: boolean;
  /** Bytes cut from each frame's start; -1 for the whole header. */
  readonly strip: number;
  readonly adjustment: number;
  readonly max: number;
}

/**
 * What the last scan found: the results block, read out of linear memory. One
 * object per engine, overwritten by the next scan.
 */
export class ScanResult {
  /** Frames (length scan) or matches (delimiter scan) recorded. */
  count = 0;
  /** Length scan: why it stopped (NEED_HEADER, NEED_BODY, CORRUPT, TOO_LONG, OUT_FULL). */
  status = 0;
  /** The first window byte not resolved: where the next scan starts. */
  resume = 0;
  /** Length scan, CORRUPT: what is corrupt (CORRUPT_*). */
  reason = 0;
  /** Length scan: the header length, field value and frame length of the frame it stopped at. */
  header = 0;
  value = 0;
  frame = 0;
  /**
   * The recorded pairs: pair k is `(pairs[first + 2k], pairs[first + 2k + 1])`,
   * window positions; (payload start, frame end) for a length scan, (position,
   * length) of a match for a delimiter scan. Valid until the next call into the engine.
   */
  pairs: Int32Array = new Int32Array(0);
  first = 0;
}

/** Bytes before the receive area, room for a carried tail. */
export const RESERVE = 4096;
/** Results capacity of one scan (pairs). */
export const OUT_CAP = 8192;
/** Bytes of a chunk scanned per call; larger chunks are scanned in windows of this size. */
export const WINDOW = 64 * 1024;
const TABLE_MIN = 4096;
const CR = 13;
const PAGE = 65536;

export class Engine {
  u8: Uint8Array<ArrayBuffer>;
  i32: Int32Array<ArrayBuffer>;
  f64: Float64Array<ArrayBuffer>;
  readonly results: number;
  readonly params: number;
  readonly stage: number;
  stageCap = RESERVE + WINDOW;
  table: number;
  tableCap = TABLE_MIN;
  /** The delimiter table now in linear memory (identity of the decoder's copy). */
  loadedTable: Uint8Array | null = null;
  /** The length parameters now in linear memory. */
  private loadedParams: LengthParams | null = null;
  /** Address of the window the last scan read (its index in `walkedBytes` after a walk). */
  private window = 0;
  /** The chunk the last scan walked in place, or null when it read linear memory. */
  private walkedBytes: Uint8Array | null = null;
  /** The pairs of a walk in place. */
  private readonly walked = new Int32Array(2 * OUT_CAP);
  private readonly result = new ScanResult();

  constructor(
    readonly name: Backend,
    readonly x: Scanners,
    private readonly memory: MemoryLike,
  ) {
    const base = (x.heapBase() + 15) & ~15;
    this.results = base;
    this.params = base + RESULT_PAIRS + OUT_CAP * 8;
    this.stage = this.params + PARAMS_SIZE;
    this.table = this.stage + this.stageCap;
    this.u8 = new Uint8Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.ensureMemory(this.table + this.tableCap);
  }

  /**
   * Scans the window [tail[0, tailLen)][chunk[from, from + take)] for
   * length-prefixed frames, the first starting at the window's first byte.
   */
  scanLength(
    params: LengthParams,
    tail: Uint8Array | null,
    tailLen: number,
    chunk: Uint8Array,
    from: number,
    take: number,
  ): ScanResult {
    if (params !== this.loadedParams) this.loadParams(params);
    const data = this.place(tail, 0, tailLen, chunk, from, take);
    this.x.scanLength(this.params, data, tailLen + take, this.results, OUT_CAP);
    return this.read(data, true);
  }

  /**
   * Scans chunk[from, from + take) for length-prefixed frames like
   * {@link scanLength}, but in place, in JavaScript (./walk_length.ts): no copy
   * into linear memory, which costs more than it saves when frames are long.
   * Records at most `cap` frames. The pairs are window positions (chunk index - from).
   */
  walkLength(params: LengthParams, chunk: Uint8Array, from: number, take: number, cap: number): ScanResult {
    const r = this.result;
    walkLength(params, chunk, from, take, this.walked, 0, Math.min(cap, OUT_CAP), r);
    return this.inPlaceResult(chunk, from, r.count, r.resume);
  }

  /** The result of a scan in place of chunk[from, …): `count` pairs in `walked`, resuming at window position `resume`. */
  private inPlaceResult(chunk: Uint8Array, from: number, count: number, resume: number): ScanResult {
    const r = this.result;
    r.count = count;
    r.resume = resume;
    r.pairs = this.walked;
    r.first = 0;
    this.walkedBytes = chunk;
    this.window = from;
    return r;
  }

  /**
   * Finds the delimiters of a one-byte set (`byte`), or of `\n` and `\r\n`
   * (`lines`, byte 10), in chunk[from, from + take), in place: with the runtime's
   * own byte search (./find_byte.ts), no copy into linear memory. The same
   * results as {@link scanDelimiters} over that window (a `\r` that ends a window
   * which is not `final` is pending), at most `cap` matches.
   */
  findDelimiters(
    byte: number,
    lines: boolean,
    chunk: Uint8Array,
    from: number,
    take: number,
    final: boolean,
    cap: number,
  ): ScanResult {
    const pairs = this.walked;
    const end = from + take;
    const limit = Math.min(cap, OUT_CAP);
    let count = 0;
    let p = from; // chunk index: bytes before it are resolved
    while (count < limit) {
      const q = indexOfByte.call(chunk, byte, p);
      if (q < 0 || q >= end) break;
      const start = lines && q > p && chunk[q - 1] === CR ? q - 1 : q;
      pairs[2 * count] = start - from;
      pairs[2 * count + 1] = q + 1 - start;
      count++;
      p = q + 1;
    }
    // A \r at the window's end may start a \r\n: it waits for the next byte.
    const resume = count < limit ? (lines && !final && end > p && chunk[end - 1] === CR ? end - 1 : end) : p;
    return this.inPlaceResult(chunk, from, count, resume - from);
  }

  /**
   * Finds the one delimiter `needle` (two bytes or more) in chunk[from, from + take),
   * in place, with Node's native search: the same results as
   * {@link scanDelimiters} over that window (leftmost matches; the window's last
   * bytes, when they begin the delimiter and the window is not `final`, are
   * pending), at most `cap` matches. Only where `nativeIndexOf` exists.
   */
  findNeedle(
    needle: Uint8Array,
    chunk: Uint8Array,
    from: number,
    take: number,
    final: boolean,
    cap: number,
  ): ScanResult {
    const search = nativeIndexOf as unknown as (this: Uint8Array, needle: Uint8Array, from: number) => number;
    const pairs = this.walked;
    const n = needle.length;
    const end = from + take;
    const limit = Math.min(cap, OUT_CAP);
    let count = 0;
    let p = from;
    while (count < limit) {
      const q = search.call(chunk, needle, p);
      if (q < 0 || q + n > end) break;
      pairs[2 * count] = q - from;
      pairs[2 * count + 1] = n;
      count++;
      p = q + n;
    }
    let resume = p;
    if (count < limit) {
      resume = end;
      // The window may end inside a delimiter: its first bytes wait for the next ones.
      for (let q = Math.max(p, end - n + 1); !final && q < end; q++) {
        let j = 0;
        while (q + j < end && chunk[q + j] === needle[j]) j++;
        if (q + j === end) {
          resume = q;
          break;
        }
      }
    }
    return this.inPlaceResult(chunk, from, count, resume - from);
  }

  /**
   * Scans the window [tail[tailFrom, tailFrom + tailLen)][chunk[from, from + take)]
   * for the delimiters of `table` (./delimiter_table.ts). `final`: no byte follows
   * the window, so a delimiter that may continue past it is resolved now.
   */
  scanDelimiters(
    table: Uint8Array,
    tail: Uint8Array | null,
    tailFrom: number,
    tailLen: number,
    chunk: Uint8Array,
    from: number,
    take: number,
    final: boolean,
  ): ScanResult {
    this.loadTable(table);
    const data = this.place(tail, tailFrom, tailLen, chunk, from, take);
    this.x.scanDelimiters(this.table, data, tailLen + take, final ? 1 : 0, this.results, OUT_CAP);
    return this.read(data, false);
  }

  /** A copy of window bytes [from, to) of the last scan (for error messages). */
  scanned(from: number, to: number): Uint8Array {
    const bytes = this.walkedBytes ?? this.u8;
    return bytes.slice(this.window + from, this.window + to);
  }

  /** The results block into the result object. */
  private read(data: number, length: boolean): ScanResult {
    const r = this.result;
    const i32 = this.i32;
    const at = this.results >> 2;
    r.count = i32[at + (RESULT_COUNT >> 2)];
    r.resume = i32[at + (RESULT_RESUME >> 2)];
    if (length) {
      r.status = i32[at + (RESULT_STATUS >> 2)];
      r.reason = i32[at + (RESULT_REASON >> 2)];
      r.header = i32[at + (RESULT_HEADER >> 2)];
      r.value = this.f64[(this.results + RESULT_VALUE) >> 3];
      r.frame = this.f64[(this.results + RESULT_FRAME) >> 3];
    }
    r.pairs = i32;
    r.first = at + (RESULT_PAIRS >> 2);
    this.window = data;
    this.walkedBytes = null;
    return r;
  }

  private loadParams(p: LengthParams): void {
    const i32 = this.i32;
    const at = this.params;
    i32[(at + PARAM_OFFSET) >> 2] = p.offset;
    i32[(at + PARAM_FIELD) >> 2] = p.field;
    i32[(at + PARAM_LITTLE) >> 2] = p.little ? 1 : 0;
    i32[(at + PARAM_STRIP) >> 2] = p.strip;
    this.f64[(at + PARAM_ADJUSTMENT) >> 3] = p.adjustment;
    this.f64[(at + PARAM_MAX) >> 3] = p.max;
    this.loadedParams = p;
  }

  /** Re-creates the views if the memory grew (growing detaches the old buffer). */
  views(): void {
    if (this.u8.buffer !== this.memory.buffer) {
      this.u8 = new Uint8Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
      this.f64 = new Float64Array(this.memory.buffer);
    }
  }

  private ensureMemory(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.views();
  }

  /** Makes the staging area at least `n` bytes long. */
  reserveStage(n: number): void {
    if (n <= this.stageCap) return;
    this.stageCap = Math.max(n, this.stageCap * 2);
    this.table = this.stage + this.stageCap;
    this.loadedTable = null;
    this.ensureMemory(this.table + this.tableCap);
  }

  /** Copies a delimiter table in, unless it is the one already loaded. */
  loadTable(table: Uint8Array): void {
    if (this.loadedTable === table) return;
    if (table.length > this.tableCap) {
      this.tableCap = Math.ceil(table.length / 16) * 16;
      this.ensureMemory(this.table + this.tableCap);
    }
    this.u8.set(table, this.table);
    this.loadedTable = table;
  }

  /**
   * Makes [tail[tailFrom, tailFrom + tailLen)][chunk[c, c + take)] contiguous in
   * linear memory and returns its address. Copies into the staging area, except
   * when the chunk already lies in linear memory (zero-copy receive): then only
   * the tail is written, into the reserve just before the receive area.
   *
   * Precondition for a chunk in linear memory ({@link inPlace} ensures it, or the
   * decoder copies the chunk out first): it starts at the receive area and any
   * tail fits the reserve, so nothing here overwrites the chunk or grows memory.
   */
  place(
    tail: Uint8Array | null,
    tailFrom: number,
    tailLen: number,
    chunk: Uint8Array,
    c: number,
    take: number,
  ): number {
    const u8 = this.u8;
    if (chunk.buffer === u8.buffer) {
      const at = chunk.byteOffset + c;
      if (tailLen === 0) return at;
      u8.set(part(tail!, tailFrom, tailFrom + tailLen), at - tailLen);
      return at - tailLen;
    }
    this.reserveStage(tailLen + take);
    const dst = this.u8;
    const stage = this.stage;
    for (let j = 0; j < tailLen; j++) dst[stage + j] = tail![tailFrom + j];
    if (take < 16) {
      for (let j = 0; j < take; j++) dst[stage + tailLen + j] = chunk[c + j];
    } else {
      dst.set(part(chunk, c, c + take), stage + tailLen);
    }
    return stage;
  }

  // ---------------------------------------------------------------------------
  // Zero-copy receive: a socket reads into the receive area, and the decoder
  // scans the bytes where they landed.

  /**
   * A view of linear memory was handed out (receiveArea()): only then can a chunk
   * lie in it. Until then holds() needs no look at `.buffer`, which is not free
   * (~15-30 ns per access here, on every decode() call).
   */
  private lent = false;

  /** The bytes lie in this engine's linear memory. */
  holds(bytes: Uint8Array): boolean {
    return this.lent && bytes.buffer === this.u8.buffer;
  }

  /**
   * A chunk in linear memory, made ready to be scanned where it lies: it must
   * start at the receive area and any carried tail (at most `maxTail` bytes) must
   * fit the reserve before it, or staging could overwrite it (null: copy it out
   * first). Whatever may grow the memory (loading `table`) is done before the
   * scan; growing detaches views, so the chunk is viewed anew.
   */
  inPlace(bytes: Uint8Array, maxTail: number, table: Uint8Array | null): Uint8Array | null {
    const { byteOffset, length } = bytes;
    if (byteOffset !== this.receive || length > WINDOW || maxTail > RESERVE) return null;
    if (table !== null) this.loadTable(table);
    this.views();
    return new Uint8Array(this.u8.buffer, byteOffset, length);
  }

  /** Address of the receive area (see the layout above). */
  get receive(): number {
    return this.stage + RESERVE;
  }

  /**
   * A view of the receive area: bytes written there and passed to a decoder's
   * `decode()` are scanned where they lie, with no copy into linear memory. The
   * view is valid until the next call into framecodec.
   */
  receiveArea(): Uint8Array<ArrayBuffer> {
    this.lent = true;
    this.views();
    return this.u8.subarray(this.receive, this.receive + WINDOW);
  }

  /**
   * The `nread` bytes a socket read into the receive area handed out at address
   * `at` (`buf` is that area's view, detached if memory grew since). When the
   * area has moved since, or `current` is false (init() replaced this engine), the
   * bytes are copied out, since this memory may now hold something else there,
   * and the delimiter table is reloaded on next use (the read may have overwritten it).
   */
  landed(at: number, nread: number, buf: Uint8Array, current: boolean): Uint8Array {
    let bytes: Uint8Array;
    if (buf.byteLength >= nread) {
      bytes = buf.subarray(0, nread);
    } else {
      // V8 grows WebAssembly memory in place: the bytes are at the same offset.
      this.views();
      bytes = this.u8.subarray(at, at + nread);
    }
    if (!current || at !== this.receive) {
      bytes = bytes.slice();
      this.loadedTable = null;
    }
    return bytes;
  }

  /** Bytes in linear memory, for measurements. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}
