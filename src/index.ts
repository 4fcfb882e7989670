/**
 * framecodec: restore message boundaries in byte streams. Length-field,
 * fixed-length and delimiter framing with a WebAssembly (SIMD) core; the same API
 * in Node, Deno, browsers and web workers. Ready on import.
 *
 * @example
 * ```ts
 * import { LineDecoder } from 'framecodec';
 * const lines = new LineDecoder();
 * const text = (frames: Uint8Array[]) => frames.map((f) => new TextDecoder().decode(f));
 * console.log(text(lines.decode(new TextEncoder().encode('a\nb')))); // => ["a"]
 * // "b" waits for its "\n", or for the end of the input:
 * console.log(text(lines.end())); // => ["b"]
 * ```
 * @module
 */
export { init, backend, type Backend, type InitOptions } from './engine/index.js';
export * from './codec/index.js';
export {
  DecoderStream,
  EncoderStream,
  frames,
  type ByteSource,
  type FramesOptions,
  FramedStream,
  framedStream,
  type FramedStreamOptions,
  type FramedTransport,
} from './streams/index.js';
