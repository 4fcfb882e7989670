/**
 * The errors framecodec throws. Every error about input or options is a
 * {@link FramingError} with a stable `code`; messages name the numbers involved.
 *
 * | class                     | code                       |
 * | ------------------------- | -------------------------- |
 * | `FrameTooLongError`       | `ERR_FRAME_TOO_LONG`       |
 * | `CorruptLengthError`      | `ERR_CORRUPT_LENGTH`       |
 * | `TruncatedFrameError`     | `ERR_TRUNCATED_FRAME`      |
 * | `DelimiterInPayloadError` | `ERR_DELIMITER_IN_PAYLOAD` |
 * | `InvalidDataError`        | `ERR_INVALID_DATA`         |
 * | `InvalidOptionError`      | `ERR_INVALID_OPTION`       |
 * | `FramingError`            | `ERR_DECODER_FREED`, `ERR_UNSUPPORTED_PLATFORM` |
 *
 * Errors a decoder throws carry the frames completed before the fault
 * (`error.frames`): byte frames (`Uint8Array`), or strings for a `TextLineDecoder`.
 * The classes take that frame type as a parameter, `Uint8Array` by default
 * (`instanceof` narrows to `any` frames).
 *
 * @module
 */

export type FramingErrorCode =
  | 'ERR_FRAME_TOO_LONG'
  | 'ERR_CORRUPT_LENGTH'
  | 'ERR_TRUNCATED_FRAME'
  | 'ERR_DELIMITER_IN_PAYLOAD'
  | 'ERR_INVALID_DATA'
  | 'ERR_INVALID_OPTION'
  | 'ERR_DECODER_FREED'
  | 'ERR_UNSUPPORTED_PLATFORM';

export interface FramingErrorOptions {
  /** Stream offset (bytes since the decoder began or was last reset) of the frame at fault. */
  offset?: number;
  cause?: unknown;
}

/**
 * Base class of every framecodec error.
 *
 * @example
 * ```ts
 * import { LengthFieldDecoder, FramingError } from 'framecodec';
 * const decoder = new LengthFieldDecoder({ maxFrameLength: 8 });
 * try {
 *   decoder.decode(new Uint8Array([0, 0, 0, 200]));
 * } catch (e) {
 *   if (!(e instanceof FramingError)) throw e;
 *   console.log(e.code); // => "ERR_FRAME_TOO_LONG"
 * }
 * ```
 */
export class FramingError<T = Uint8Array> extends Error {
  readonly code: FramingErrorCode;
  /** Stream offset of the frame at fault, where one applies. */
  offset?: number;
  /**
   * Frames that the failing `decode()` call completed before the fault, in order.
   * Empty for errors not thrown by `decode()`.
   */
  frames: T[] = [];

  constructor(code: FramingErrorCode, message: string, options: FramingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.offset !== undefined) this.offset = options.offset;
  }

  /** @internal A fresh error of the same class, code, message and offset (for a failed decoder). */
  again(): FramingError<T> {
    const copy = Object.create(Object.getPrototypeOf(this)) as FramingError<T>;
    Object.assign(copy, this, { frames: [] });
    Object.defineProperty(copy, 'message', { value: this.message, writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', { value: new Error(this.message).stack, writable: true, configurable: true });
    return copy;
  }
}

/**
 * A frame is longer than `maxFrameLength`, or a payload is too long for its encoder.
 *
 * @example
 * ```ts
 * import { FrameTooLongError, LineDecoder } from 'framecodec';
 * try {
 *   new LineDecoder({ maxFrameLength: 4 }).decode(new TextEncoder().encode('ok\ntoo long'));
 * } catch (e) {
 *   if (!(e instanceof FrameTooLongError)) throw e;
 *   console.log([e.code, e.offset, e.maxFrameLength, e.frames.length]); // => ["ERR_FRAME_TOO_LONG",3,4,1]
 * }
 * ```
 */
export class FrameTooLongError<T = Uint8Array> extends FramingError<T> {
  /** The frame's length when known (length-field framing), else undefined. */
  frameLength?: number;
  readonly maxFrameLength: number;
  constructor(message: string, maxFrameLength: number, options: FramingErrorOptions & { frameLength?: number } = {}) {
    super('ERR_FRAME_TOO_LONG', message, options);
    this.maxFrameLength = maxFrameLength;
    if (options.frameLength !== undefined) this.frameLength = options.frameLength;
  }
}

/**
 * A length field gives an impossible frame length.
 *
 * @example
 * ```ts
 * import { CorruptLengthError, LengthFieldDecoder } from 'framecodec';
 * // The field counts the whole frame (adjustment -2), and says 1: shorter than its own 2-byte header.
 * const decoder = new LengthFieldDecoder({ lengthFieldLength: 2, lengthAdjustment: -2 });
 * try {
 *   decoder.decode(new Uint8Array([0, 1]));
 * } catch (e) {
 *   if (!(e instanceof CorruptLengthError)) throw e;
 *   console.log([e.code, e.offset]); // => ["ERR_CORRUPT_LENGTH",0]
 * }
 * ```
 */
export class CorruptLengthError<T = Uint8Array> extends FramingError<T> {
  constructor(message: string, options: FramingErrorOptions = {}) {
    super('ERR_CORRUPT_LENGTH', message, options);
  }
}

/**
 * The stream ended inside a frame (`trailing: 'error'`). `partial` holds its bytes (a copy).
 *
 * @example
 * ```ts
 * import { LengthFieldDecoder, TruncatedFrameError } from 'framecodec';
 * const decoder = new LengthFieldDecoder({ lengthFieldLength: 1 });
 * decoder.decode(new Uint8Array([3, 97])); // a 3-byte frame, 1 byte of it received
 * try {
 *   decoder.end();
 * } catch (e) {
 *   if (!(e instanceof TruncatedFrameError)) throw e;
 *   console.log([e.code, e.offset, Array.from(e.partial)]); // => ["ERR_TRUNCATED_FRAME",0,[3,97]]
 * }
 * ```
 */
export class TruncatedFrameError<T = Uint8Array> extends FramingError<T> {
  readonly partial: Uint8Array;
  constructor(message: string, partial: Uint8Array, options: FramingErrorOptions = {}) {
    super('ERR_TRUNCATED_FRAME', message, options);
    this.partial = partial;
  }
}

/**
 * A payload given to a `DelimiterEncoder` would be cut early by a receiver.
 *
 * @example
 * ```ts
 * import { DelimiterEncoder, DelimiterInPayloadError } from 'framecodec';
 * try {
 *   new DelimiterEncoder({ delimiter: '\n' }).encode(new TextEncoder().encode('a\nb'));
 * } catch (e) {
 *   if (!(e instanceof DelimiterInPayloadError)) throw e;
 *   console.log([e.code, e.position]); // => ["ERR_DELIMITER_IN_PAYLOAD",1]
 * }
 * ```
 */
export class DelimiterInPayloadError extends FramingError {
  /** Where in the payload the receiver would find a delimiter. */
  readonly position: number;
  constructor(message: string, position: number) {
    super('ERR_DELIMITER_IN_PAYLOAD', message);
    this.position = position;
  }
}

/**
 * Bytes that are not valid UTF-8, from a `TextLineDecoder` with `fatal: true`.
 * `offset` is the stream offset of the line's first byte (where a reader
 * resynchronises: the next line starts after its line ending); the message also
 * names the byte within the line where the invalid sequence starts. `frames` holds
 * the lines before it, as strings.
 *
 * @example
 * ```ts
 * import { InvalidDataError, TextLineDecoder } from 'framecodec';
 * try {
 *   new TextLineDecoder({ fatal: true }).decode(new Uint8Array([0x6f, 0x6b, 0x0a, 0xff, 0x0a]));
 * } catch (e) {
 *   if (!(e instanceof InvalidDataError)) throw e;
 *   console.log([e.code, e.offset, e.frames]); // => ["ERR_INVALID_DATA",3,["ok"]]
 * }
 * ```
 */
export class InvalidDataError extends FramingError<string> {
  constructor(message: string, options: FramingErrorOptions = {}) {
    super('ERR_INVALID_DATA', message, options);
  }
}

/**
 * A constructor or function option is missing, of the wrong type or out of range.
 *
 * @example
 * ```ts
 * import { InvalidOptionError, LengthFieldDecoder } from 'framecodec';
 * try {
 *   new LengthFieldDecoder({ lengthFieldLength: 5 as never });
 * } catch (e) {
 *   if (!(e instanceof InvalidOptionError)) throw e;
 *   console.log([e.code, e.option]); // => ["ERR_INVALID_OPTION","lengthFieldLength"]
 * }
 * ```
 */
export class InvalidOptionError extends FramingError {
  /** The option's name. */
  readonly option: string;
  constructor(option: string, message: string, options: { cause?: unknown } = {}) {
    super('ERR_INVALID_OPTION', message, options);
    this.option = option;
  }
}

/**
 * The frames a failed decode()/end() completed before the fault, removed from the
 * error: an adapter delivers them itself, as decodeEach() does. @internal
 */
export function takeFrames<T = Uint8Array>(error: unknown): T[] {
  if (!(error instanceof FramingError)) return [];
  const frames = error.frames as T[];
  error.frames = [];
  return frames;
}
