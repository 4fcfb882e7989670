// The engine in use: chosen on first use, replaced by init(); backend() names it.
//
// The default engine is chosen on first use (the first decoder, DelimiterEncoder,
// zero-copy read or backend() call), so that an init() that runs before it decides
// alone: init({ backend: 'js' }) on a page whose CSP forbids WebAssembly then never
// attempts to compile it. Everything stays synchronous, so the package is still
// ready on import.
import { FramingError, InvalidOptionError } from '../codec/errors.js';
import { type Backend, Engine, type Scanners } from './engine.js';
import { JsMemory, jsScanners } from './js.js';
import { SCALAR_WASM, SIMD_WASM } from './_wasm.generated.js';

export type { Backend };

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
 * console.log(backend()); // => "js"
 * await init(); // the default engine again
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
 * // 'wasm-simd' on Node 20+, Deno and Chromium; FRAMECODEC_BACKEND=js|wasm forces another
 * console.log(['wasm-simd', 'wasm', 'js'].includes(backend())); // => true
 * ```
 */
export function backend(): Backend {
  return useEngine().name;
}
