/**
 * WHATWG stream adapters: the same in Node ≥ 20, Deno, browsers and web workers.
 *
 * - {@link DecoderStream}: bytes in, frames out, for `pipeThrough`.
 * - {@link EncoderStream}: payloads in, framed bytes out.
 * - {@link frames}: an async iterable of frames from a `ReadableStream` or any
 *   (async) iterable of chunks, such as a Node socket.
 * - {@link framedStream}: a full-duplex framed connection over a `{ readable,
 *   writable }` pair (a `Deno.Conn`, a WebTransport stream, a WebSocketStream).
 *
 * These are thin adapters: all framing is done by the decoder or encoder they
 * wrap, which they use but do not own (they never `free()` it).
 *
 * Copy semantics: frames are what `decoder.decode()` returns, so they are stable
 * (never views of decoder or WebAssembly memory), but a frame that lies wholly
 * inside one input chunk is a view of that chunk's buffer. Do not overwrite a
 * chunk after writing it to a `DecoderStream`, or copy the frames first.
 *
 * Backpressure: nothing is decoded ahead of the reader. A `DecoderStream` takes
 * the next chunk only when every frame of the previous one has been read and a
 * read is waiting; `frames()` reads the next chunk only when the loop asks for
 * the next frame.
 *
 * @module
 */
export { DecoderStream } from './decoder_stream.js';
export { EncoderStream } from './encoder_stream.js';
export { type ByteSource, frames, type FramesOptions } from './frames.js';
export { FramedStream, framedStream, type FramedStreamOptions, type FramedTransport } from './framed_stream.js';
