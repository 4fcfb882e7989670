/**
 * The codec: decoders that cut bytes into frames and encoders that frame payloads,
 * one file per scheme (length_field.ts, fixed_length.ts, delimiter.ts), their
 * options and errors. It knows nothing of I/O (the adapters in ../streams and
 * ../node do that) nor of linear memory (it asks ../engine to scan).
 * @module
 */
// FrameDecoder is the decoders' public type; their base class (BaseDecoder) is
// not exported, neither as a value nor as a type.
export type { FrameDecoder, FrameStats, OnRanges, RangeDecoder } from './decoder.js';
export type { FrameEncoder } from './encoder.js';
export type { DiscardInfo, LimitOptions, OnTooLong, Trailing } from './options.js';
export {
  LengthFieldDecoder,
  LengthFieldEncoder,
  type LengthFieldDecoderOptions,
  type LengthFieldEncoderOptions,
  type LengthFieldLength,
  type PrefixedPayload,
  type ByteOrder,
} from './length_field.js';
export {
  FixedLengthDecoder,
  FixedLengthEncoder,
  type FixedLengthDecoderOptions,
  type FixedLengthEncoderOptions,
} from './fixed_length.js';
export {
  DelimiterDecoder,
  LineDecoder,
  DelimiterEncoder,
  type Delimiter,
  type Disposition,
  type DelimiterDecoderOptions,
  type LineDecoderOptions,
  type DelimiterEncoderOptions,
} from './delimiter.js';
export { TextLineDecoder, type TextLineDecoderOptions } from './text_line.js';
export { presets, type LengthFieldPreset, type PresetName } from './presets.js';
export {
  FramingError,
  FrameTooLongError,
  CorruptLengthError,
  TruncatedFrameError,
  DelimiterInPayloadError,
  InvalidDataError,
  InvalidOptionError,
  type FramingErrorCode,
} from './errors.js';
