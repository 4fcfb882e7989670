// framecodec's WebAssembly core: numeric exports over linear memory that the
// TypeScript side lays out (src/engine/engine.ts draws the layout; assembly/abi.ts
// the structures the scanners share with it). No allocator, no managed objects.
export { scanDelimiters } from "./delimiter";
export { scanLength } from "./length_field";
/** First byte past the module's static data; the TypeScript side lays out memory from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 in the SIMD build, 0 in the scalar one. */
export function simd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
