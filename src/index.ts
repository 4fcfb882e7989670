/**
 * framecodec: restore message boundaries in byte streams. Length-field,
 * fixed-length and delimiter framing with a WebAssembly (SIMD) core; the same API
 * in Node, Deno, browsers and web workers. Ready on import.
 *
 * @example
 * ```ts
 * import { LineDecoder } from 'framecodec';
 * const lines = new LineDecoder();
 * lines.decode(new TextEncoder().encode('a\nb')); // [Uint8Array "a"]; "b" waits
 * lines.end();                                     // [Uint8Array "b"]
 * ```
 * @module
 */
export { init, backend, type Backend, type InitOptions } from './engine/index.js';
// FrameDecoder is the decoders' public type; their base class (BaseDecoder) is
// not exported, neither as a value nor as a type.
export type { FrameDecoder, FrameStats, OnRanges, RangeDecoder } from './codec/decoder.js';
export type { FrameEncoder } from './codec/encoder.js';
export type { DiscardInfo, LimitOptions, OnTooLong, Trailing } from './codec/options.js';
export {
  LengthFieldDecoder,
  LengthFieldEncoder,
  type LengthFieldDecoderOptions,
  type LengthFieldEncoderOptions,
  type LengthFieldLength,
  type ByteOrder,
} from './codec/length_field.js';
export {
  FixedLengthDecoder,
  FixedLengthEncoder,
  type FixedLengthDecoderOptions,
  type FixedLengthEncoderOptions,
} from './codec/fixed_length.js';
export {
  DelimiterDecoder,
  LineDecoder,
  DelimiterEncoder,
  type Delimiter,
  type Disposition,
  type DelimiterDecoderOptions,
  type LineDecoderOptions,
  type DelimiterEncoderOptions,
} from './codec/delimiter.js';
export {
  FramingError,
  FrameTooLongError,
  CorruptLengthError,
  TruncatedFrameError,
  DelimiterInPayloadError,
  InvalidOptionError,
  type FramingErrorCode,
} from './codec/errors.js';
export {
  DecoderStream,
  EncoderStream,
  frames,
  type ByteSource,
  type FramesOptions,
} from './streams/index.js';
