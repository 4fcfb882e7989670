// Private: finding one byte where it lies, with the runtime's own search.
//
// Node's `Buffer.prototype.indexOf` runs memchr in C++: about 12 ps per byte here,
// against ~60-75 for copying a window into linear memory and scanning it with
// SIMD. It costs a native call (some 40-60 ns) per match, so it pays for long
// frames only. `Uint8Array.prototype.indexOf` (everywhere else) is a plain loop
// (~300 ps per byte): slower than the wasm scanners, faster than the js engine's.
// Deno's Buffer is a JavaScript port, so Deno gets the plain one.

type IndexOf = (this: Uint8Array, byte: number, from: number) => number;

const nodeBuffer = (globalThis as { Buffer?: { prototype?: { indexOf?: unknown } } }).Buffer;
const isDeno = 'Deno' in globalThis;

/** memchr in place, where the runtime has it (Node, Bun); null elsewhere. */
export const nativeIndexOf: IndexOf | null =
  !isDeno && typeof nodeBuffer?.prototype?.indexOf === 'function' ? (nodeBuffer.prototype.indexOf as IndexOf) : null;

/** The fastest search for one byte this runtime has. */
export const indexOfByte: IndexOf = nativeIndexOf ?? (Uint8Array.prototype.indexOf as IndexOf);
