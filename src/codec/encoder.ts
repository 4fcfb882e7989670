/**
 * What the adapters need of an encoder, and how they frame one payload or many.
 * @module
 */
import { toBytes } from './_bytes.js';
import { InvalidOptionError } from './errors.js';

/**
 * What the stream adapters (`EncoderStream`, `encoderTransform`, `framed`) need of an encoder: every framecodec encoder has it.
 *
 * @example
 * ```ts
 * import { EncoderStream, type FrameEncoder } from 'framecodec';
 * // A hand-written encoder: a 1-byte tag before each payload.
 * const tagged: FrameEncoder = { encode: (payload) => new Uint8Array([0x01, ...payload]) };
 * const { readable, writable } = new EncoderStream(tagged);
 * void writable.getWriter().write(new Uint8Array([104, 105]));
 * const { value } = await readable.getReader().read();
 * console.log(Array.from(value!)); // => [1,104,105]
 * ```
 */
export interface FrameEncoder {
  /** Returns the framed bytes of one payload. */
  encode(payload: Uint8Array): Uint8Array;
}

/** An encoder that may also frame many payloads into one buffer (every framecodec encoder can). */
type BatchEncoder = FrameEncoder & { encodeAll?(payloads: Iterable<Uint8Array | ArrayBuffer>): Uint8Array };

/** One frame of `payload` (a Uint8Array or an ArrayBuffer). */
export function encodeOne(encoder: FrameEncoder, payload: Uint8Array | ArrayBuffer): Uint8Array {
  return encoder.encode(toBytes(payload));
}

/**
 * Every payload framed into one buffer: the encoder's `encodeAll` (all payloads are
 * checked before anything is written), or its frames concatenated.
 */
export function encodeMany(encoder: FrameEncoder, payloads: Iterable<Uint8Array | ArrayBuffer>): Uint8Array {
  const batch = encoder as BatchEncoder;
  if (typeof batch.encodeAll === 'function') return batch.encodeAll(payloads);
  const frames = Array.from(payloads, (p) => encoder.encode(toBytes(p)));
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/**
 * The encoder a framed connection writes with, or an InvalidOptionError naming
 * `encoder` when it was given none: `${method}() needs an encoder: pass one to ${where}`. @internal
 */
export function encoderFor(encoder: FrameEncoder | undefined, method: string, where: string): FrameEncoder {
  if (encoder === undefined) {
    throw new InvalidOptionError('encoder', `${method}() needs an encoder: pass one to ${where}`);
  }
  return encoder;
}
