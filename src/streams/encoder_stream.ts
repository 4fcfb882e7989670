// EncoderStream: an encoder as a WHATWG TransformStream (payloads in, framed bytes out).
import type { FrameEncoder } from '../codec/encoder.js';
import { requireEncoder } from '../codec/options.js';

/**
 * A `TransformStream` from payloads to framed bytes: each chunk written becomes
 * one `encoder.encode(chunk)`. An error of the encoder (a payload too long for
 * the frame, a delimiter inside a payload) errors the stream; what was encoded
 * before it has already been read, as the readable side holds nothing (high-water
 * marks: writable 1 chunk, readable 0).
 *
 * @example
 * ```ts
 * import { EncoderStream, LengthFieldEncoder } from 'framecodec';
 * const { readable, writable } = new EncoderStream(new LengthFieldEncoder({ lengthFieldLength: 2 }));
 * const writer = writable.getWriter();
 * void writer.write(new Uint8Array([104, 105])); // "hi"
 * void writer.close();
 * const { value } = await readable.getReader().read();
 * console.log(Array.from(value!)); // => [0,2,104,105]
 * ```
 */
export class EncoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /** @param encoder any framecodec encoder (or other {@link FrameEncoder}). */
  constructor(encoder: FrameEncoder) {
    requireEncoder(encoder);
    super(
      {
        transform(chunk, controller) {
          controller.enqueue(encoder.encode(chunk));
        },
      },
      { highWaterMark: 1 },
      { highWaterMark: 0 },
    );
  }
}
