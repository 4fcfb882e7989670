// Private: byte helpers the codec shares: what callers pass, as byte views; views
// and hex for messages.
import { InvalidOptionError } from './errors.js';
import { describe } from './options.js';

/** Turns what the caller passed into a Uint8Array view (no copy). */
export function toBytes(
  chunk: Uint8Array | ArrayBuffer | ArrayBufferView,
  what: 'chunk' | 'payload' = 'chunk',
): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (
    chunk instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && chunk instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(chunk);
  }
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new InvalidOptionError(what, `${what} must be a Uint8Array or an ArrayBuffer, got ${describe(chunk)}`);
}

/** The payloads of an encoder's encodeAll() as byte views (no copy). */
export function payloadList(payloads: Iterable<Uint8Array | ArrayBuffer>): Uint8Array[] {
  if (typeof (payloads as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
    throw new InvalidOptionError(
      'payloads',
      `payloads must be an iterable of Uint8Array or ArrayBuffer, got ${describe(payloads)}`,
    );
  }
  return Array.from(payloads, (p) => toBytes(p, 'payload'));
}

/**
 * A plain Uint8Array view of a[from, to). Unlike `a.subarray()`, it does not run the
 * species constructor of a subclass: on a Node Buffer that costs several times more.
 */
export function part(a: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset + from, to - from);
}

/** Bytes as `0x…` hex, for error messages. */
export function hex(bytes: Uint8Array): string {
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}
