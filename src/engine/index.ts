/**
 * The engine: the only code that touches linear memory. Decoders ask it to scan
 * a window and read the outcome ({@link Engine.scanLength},
 * {@link Engine.scanDelimiters}); `init()` and `backend()` are public.
 *
 * - engine.ts: the memory layout and the scanning interface;
 * - select.ts: which engine is in use (wasm-simd, wasm or js), `init`, `backend`;
 * - js.ts: the pure TypeScript scanners, for runtimes without WebAssembly;
 * - delimiter_table.ts: a delimiter set as the delimiter scanner reads it;
 * - assembly/abi.ts (beside the AssemblyScript sources): the structures and
 *   constants the scanners and the engine share.
 * @module
 */
export { type Backend, Engine, type LengthParams, OUT_CAP, RESERVE, ScanResult, WINDOW } from './engine.js';
export { backend, engine, init, type InitOptions, useEngine, type WasmModule } from './select.js';
export { delimiterTable } from './delimiter_table.js';
export { nativeIndexOf } from './find_byte.js';
