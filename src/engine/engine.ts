// Private: the engines and the memory they scan.
//
// An engine is a set of stateless hot loops (assembly/*.ts) plus the linear memory
// they read. Decoders keep all their state in TypeScript and, per call, copy the
// bytes to scan into the staging area, call a scanner, and read its results.
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
//   +------------------------------+  out:   OUT_CAP (position, length) i32 pairs,
//   | results                      |         written by a scan, read right after it
//   +------------------------------+  stage: carried tail + a window of the chunk
//   | staging                      |
//   |   reserve (RESERVE bytes)    |  <- a carried tail is written just before...
//   |   receive area (WINDOW)      |  <- ...bytes a socket read put here (zero-copy
//   |   (grows for larger tails)   |     receive), which are then scanned in place
//   +------------------------------+  table: the delimiter table of the decoder
//   | delimiter table              |         that scanned last (cached by identity)
//   +------------------------------+
//
// The results and the staging area start at fixed addresses, so the receive area
// never moves (a socket's onread buffer stays valid); the table comes last and moves
// when the staging area grows, which forgets the loaded table.
//
// Re-entrancy: no user code runs between a scan and the reading of its results
// (decoders defer user callbacks to the end of the call), so one scratch area
// serves every decoder, nested ones included.
import { part } from '../codec/_carry.js';
import { JsMemory, jsScanners } from './js.js';
import { FramingError, InvalidOptionError } from '../codec/errors.js';
import { SCALAR_WASM, SIMD_WASM } from './_wasm.generated.js';

export type Backend = 'wasm-simd' | 'wasm' | 'js';

/** The numeric exports of assembly/index.ts. */
export interface Scanners {
  heapBase(): number;
  simd(): number;
  scanDelimiters(
    table: number,
    data: number,
    from: number,
    len: number,
    final: number,
    out: number,
    cap: number,
  ): number;
  delimiterResumeAt(): number;
  scanLength(
    data: number,
    len: number,
    offset: number,
    field: number,
    little: number,
    adjustment: number,
    strip: number,
    maxFrameLength: number,
    out: number,
    cap: number,
  ): number;
  lengthStatus(): number;
  lengthResumeAt(): number;
  corruptReason(): number;
  fieldValue(): number;
  frameLength(): number;
  headerLength(): number;
}

interface MemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Bytes before the receive area, room for a carried tail. */
export const RESERVE = 4096;
/** Results capacity of one scan (pairs). */
export const OUT_CAP = 8192;
/** Bytes of a chunk scanned per call; larger chunks are scanned in windows of this size. */
export const WINDOW = 64 * 1024;
const TABLE_MIN = 4096;
const PAGE = 65536;

export class Engine {
  u8: Uint8Array<ArrayBuffer>;
  i32: Int32Array<ArrayBuffer>;
  f64: Float64Array<ArrayBuffer>;
  readonly out: number;
  readonly stage: number;
  stageCap = RESERVE + WINDOW;
  table: number;
  tableCap = TABLE_MIN;
  /** The delimiter table now in linear memory (identity of the decoder's copy). */
  loadedTable: Uint8Array | null = null;

  constructor(
    readonly name: Backend,
    readonly x: Scanners,
    private readonly memory: MemoryLike,
  ) {
    const base = (x.heapBase() + 15) & ~15;
    this.out = base;
    this.stage = base + OUT_CAP * 8;
    this.table = this.stage + this.stageCap;
    this.u8 = new Uint8Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.ensureMemory(this.table + this.tableCap);
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
   * Precondition for a chunk in linear memory (BaseDecoder.decode ensures it, or
   * copies the chunk out first): it starts at the receive area and any tail fits
   * the reserve, so nothing here overwrites the chunk or grows memory.
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
    this.views();
    return this.u8.subarray(this.receive, this.receive + WINDOW);
  }

  /** Bytes in linear memory, for measurements. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

// ---------------------------------------------------------------------------
// Selection: the default engine is chosen on first use (the first decoder,
// DelimiterEncoder, zero-copy read or backend() call), so that an init() that
// runs before it decides alone: init({ backend: 'js' }) on a page whose CSP
// forbids WebAssembly then never attempts to compile it. Everything stays
// synchronous, so the package is still ready on import.

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function fromModule(module: WebAssembly.Module): Engine {
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports as unknown as Scanners & { memory: WebAssembly.Memory };
  if (typeof x.scanDelimiters !== 'function' || !(x.memory instanceof WebAssembly.Memory)) {
    throw new InvalidOptionError('wasm', 'wasm is not a framecodec module: its exports lack scanDelimiters or memory');
  }
  return new Engine(x.simd() ? 'wasm-simd' : 'wasm', x, x.memory);
}

function jsEngine(): Engine {
  const memory = new JsMemory(2);
  return new Engine('js', jsScanners(memory), memory);
}

/** Why the last embedded() returned null, when the runtime refused a valid module. */
let refusal: unknown = null;

/** Compiles one of the embedded builds synchronously; null when this runtime cannot or will not. */
function embedded(kind: 'wasm-simd' | 'wasm'): Engine | null {
  refusal = null;
  if (typeof WebAssembly !== 'object') return null;
  const bytes = decodeBase64(kind === 'wasm-simd' ? SIMD_WASM : SCALAR_WASM);
  if (!WebAssembly.validate(bytes)) return null; // e.g. no SIMD in this runtime
  try {
    return fromModule(new WebAssembly.Module(bytes));
  } catch (error) {
    refusal = error; // a CSP without 'wasm-unsafe-eval', or a main-thread size limit
    return null;
  }
}

/** The best embedded build. A refusal of the SIMD build (a CSP) would refuse the scalar one alike: not tried. */
function bestEmbedded(): Engine | null {
  return embedded('wasm-simd') ?? (refusal === null ? embedded('wasm') : null);
}

/**
 * FRAMECODEC_BACKEND, if this runtime lets us read it without asking: under Deno
 * the env permission is queried first, so importing framecodec never prompts.
 */
function envBackend(): string | undefined {
  const name = 'FRAMECODEC_BACKEND';
  try {
    const deno = (globalThis as { Deno?: DenoLike }).Deno;
    if (deno) {
      const granted = deno.permissions?.querySync?.({ name: 'env', variable: name }).state === 'granted';
      return granted ? deno.env.get(name) : undefined;
    }
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    return undefined;
  }
}

interface DenoLike {
  env: { get(name: string): string | undefined };
  permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } };
}

/** The default engine: FRAMECODEC_BACKEND if set, else the fastest this runtime runs. */
function defaultEngine(): Engine {
  const forced = envBackend();
  if (forced === 'js') return jsEngine();
  if (forced === 'wasm') return embedded('wasm') ?? jsEngine();
  return bestEmbedded() ?? jsEngine();
}

/**
 * The engine every decoder uses for its next call. Null until {@link useEngine}
 * or init() first sets it; every path to a scanner passes through a constructor
 * that calls useEngine() first.
 */
export let engine: Engine = null as unknown as Engine;

/** The engine, choosing the default one on first use. */
export function useEngine(): Engine {
  if (engine === null) engine = defaultEngine();
  return engine;
}

/**
 * `WebAssembly.Module` where the consumer's types declare it (the DOM lib, Deno),
 * `never` where they do not (a Node-only project with `lib: ["es2022"]`), so that
 * the package's declarations type-check without the DOM lib.
 */
export type WasmModule = typeof globalThis extends {
  WebAssembly: { Module: abstract new (...args: never[]) => infer M };
}
  ? M
  : never;

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * A framecodec WebAssembly module to use instead of the embedded one: its bytes,
   * a compiled module, a URL to fetch, or a fetch Response.
   */
  wasm?: ArrayBuffer | ArrayBufferView | WasmModule | URL | Response;
  /**
   * `'js'` uses the pure TypeScript engine (e.g. under a CSP without
   * `'wasm-unsafe-eval'`); `'wasm'` the best embedded WebAssembly build.
   * @default 'wasm' when `wasm` is given, else the default choice
   */
  backend?: 'wasm' | 'js';
}

/**
 * Re-initialises framecodec with another module source or engine. Not needed
 * before first use: the package is ready on import. Decoders already built use
 * the new engine from their next call on.
 *
 * @example
 * ```ts
 * import { init, backend } from 'framecodec';
 * await init({ backend: 'js' });
 * backend(); // 'js'
 * ```
 */
export async function init(options: InitOptions = {}): Promise<void> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', 'init options must be an object');
  }
  const { wasm, backend: wanted } = options;
  if (wanted !== undefined && wanted !== 'wasm' && wanted !== 'js') {
    throw new InvalidOptionError('backend', `backend must be "wasm" or "js", got ${JSON.stringify(wanted)}`);
  }
  if (wanted === 'js') {
    engine = jsEngine();
    return;
  }
  if (wasm === undefined) {
    const e = wanted === 'wasm' ? bestEmbedded() : defaultEngine();
    if (!e) {
      if (refusal === null)
        throw new FramingError('ERR_UNSUPPORTED_PLATFORM', 'WebAssembly is not available in this runtime');
      throw new FramingError(
        'ERR_UNSUPPORTED_PLATFORM',
        `this runtime refused to compile WebAssembly (${String(refusal)}); a Content-Security-Policy without 'wasm-unsafe-eval' does this: use init({ backend: 'js' })`,
        { cause: refusal },
      );
    }
    engine = e;
    return;
  }
  if (typeof WebAssembly !== 'object') {
    throw new FramingError(
      'ERR_UNSUPPORTED_PLATFORM',
      "WebAssembly is not available in this runtime; use init({ backend: 'js' })",
    );
  }
  const module = await compile(wasm);
  try {
    engine = fromModule(module);
  } catch (error) {
    if (error instanceof InvalidOptionError) throw error;
    throw new InvalidOptionError('wasm', `the wasm module cannot be instantiated: ${String(error)}`, { cause: error });
  }
}

/** The module behind init({ wasm }); every failure is an InvalidOptionError naming `wasm`, the runtime's error as cause. */
async function compile(
  source: ArrayBuffer | ArrayBufferView | WasmModule | URL | Response,
): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof URL !== 'undefined' && source instanceof URL) {
    const url = source;
    try {
      source = await fetch(url);
    } catch (error) {
      // Node's fetch, for one, does not read file: URLs.
      const hint = url.protocol === 'file:' ? '; pass the bytes instead (e.g. await readFile(url))' : '';
      throw new InvalidOptionError(
        'wasm',
        `fetching the wasm module from ${url.href} failed: ${String(error)}${hint}`,
        {
          cause: error,
        },
      );
    }
  }
  let bytes: BufferSource;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new InvalidOptionError('wasm', `fetching the wasm module failed: HTTP ${source.status}`);
    bytes = await source.arrayBuffer();
  } else if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    bytes = source as BufferSource;
  } else {
    throw new InvalidOptionError('wasm', 'wasm must be a BufferSource, a WebAssembly.Module, a URL or a Response');
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new InvalidOptionError('wasm', `wasm is not a valid WebAssembly module: ${String(error)}`, { cause: error });
  }
}

/**
 * Which engine is active: `'wasm-simd'`, `'wasm'` (no SIMD in this runtime) or
 * `'js'` (no WebAssembly). All three give identical results.
 *
 * @example
 * ```ts
 * import { backend } from 'framecodec';
 * console.log(backend()); // 'wasm-simd' on Node 20, Deno and Chromium
 * ```
 */
export function backend(): Backend {
  return useEngine().name;
}
