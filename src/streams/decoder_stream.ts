// DecoderStream: a decoder as a WHATWG TransformStream (bytes in, frames out).
import type { FrameDecoder } from '../codec/decoder.js';
import { takeFrames } from '../codec/errors.js';
import { requireDecoder } from '../codec/options.js';

/**
 * A `TransformStream` from bytes to frames, wrapping any framecodec decoder.
 *
 * - Chunks may be `Uint8Array`s or `ArrayBuffer`s (a WebSocket's `binaryType =
 *   'arraybuffer'` messages); frames may span chunks or share one.
 * - At the end of the input it calls `decoder.end()`, so the decoder's `trailing`
 *   option applies: an incomplete last frame is emitted, dropped, or errors the
 *   stream with a `TruncatedFrameError`.
 * - A `FramingError` (too long, corrupt length, truncated) errors the stream, but
 *   only after every frame completed before the fault has been read. Those frames
 *   are not repeated in the error: its `frames` is empty.
 * - Backpressure: the writable side holds one chunk (high-water mark 1) and the
 *   readable side none (high-water mark 0): a chunk is decoded only when every
 *   frame of the one before has been read and a read is waiting.
 * - The decoder is used, not owned: the stream never frees it. After the stream
 *   closes it is reset by `end()`; after an error it is failed until `reset()`;
 *   after a cancel or abort it keeps what it holds until `reset()`.
 *
 * @example
 * ```ts
 * import { DecoderStream, LineDecoder } from 'framecodec';
 * const lines = new Response('one\ntwo\r\nthree').body!
 *   .pipeThrough(new DecoderStream(new LineDecoder()));
 * const reader = lines.getReader();
 * const text: string[] = [];
 * for (let r = await reader.read(); !r.done; r = await reader.read()) text.push(new TextDecoder().decode(r.value));
 * console.log(text); // => ["one","two","three"]
 * // "three" is the trailing frame, emitted at the end of the input.
 * ```
 */
export class DecoderStream<T = Uint8Array> extends TransformStream<Uint8Array | ArrayBuffer, T> {
  /**
   * @param decoder any framecodec decoder (or other {@link FrameDecoder}); the
   * stream's frames are its frames (strings for a `TextLineDecoder`).
   */
  constructor(decoder: FrameDecoder<T>) {
    requireDecoder(decoder);
    super(
      {
        transform(chunk, controller) {
          let out: T[];
          try {
            out = decoder.decode(chunk);
          } catch (e) {
            return fail(controller, e);
          }
          for (let i = 0; i < out.length; i++) controller.enqueue(out[i]);
        },
        flush(controller) {
          let out: T[];
          try {
            out = decoder.end();
          } catch (e) {
            return fail(controller, e);
          }
          for (let i = 0; i < out.length; i++) controller.enqueue(out[i]);
          // Frames still queued are delivered before the readable side closes.
        },
      },
      { highWaterMark: 1 },
      { highWaterMark: 0 },
    );
  }
}

// ---------------------------------------------------------------------------
// Private helpers.

/**
 * Enqueues the frames completed before the fault, waits until they have all been
 * read, then errors the stream (by rejecting). Erroring at once would discard
 * them: an errored readable drops its queue.
 */
async function fail<T>(controller: TransformStreamDefaultController<T>, e: unknown): Promise<never> {
  const done = takeFrames<T>(e);
  for (let i = 0; i < done.length; i++) controller.enqueue(done[i]);
  await drained(controller);
  throw e;
}

/**
 * Resolves when the readable side's queue is empty (every enqueued frame has been
 * handed to a read), or the readable side was cancelled or errored.
 *
 * A transformer is not told when its frames are read, so this polls
 * `desiredSize` (0 minus the queue's length, at high-water mark 0; 0 once
 * closed, null once errored), backing off from 1 ms to 50 ms. It runs only on
 * the error path, at most once per stream.
 */
async function drained(controller: TransformStreamDefaultController<unknown>): Promise<void> {
  let wait = 1;
  while ((controller.desiredSize ?? 0) < 0) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 50);
  }
}
