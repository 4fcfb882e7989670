// A decoder that changes framing between frames, from inside decode(): the stopgap
// for relays while framed()'s conn.decoder is read-only. It decodes one frame at a
// time ({ maxFrames: 1 }) while `next` is set, asks `next(frame)` for the decoder of
// the bytes after that frame, and hands it what the old one holds (takeBuffered()).
import type { FrameDecoder } from '../../src/index.js';

export type NextDecoder = (frame: Uint8Array) => FrameDecoder | undefined;

export class StagedDecoder implements FrameDecoder {
  #current: FrameDecoder;
  /** Called after each frame while set: the decoder for the bytes after it, or undefined to keep the current one. */
  next: NextDecoder | null;

  constructor(first: FrameDecoder, next: NextDecoder | null) {
    this.#current = first;
    this.next = next;
  }

  get current(): FrameDecoder {
    return this.#current;
  }

  /** Switches at once; only between frames, with nothing held (e.g. before the peer has spoken). */
  use(decoder: FrameDecoder): void {
    if (this.#current.buffered !== 0) {
      throw new Error(`cannot switch framing in the middle of a frame (${this.#current.buffered} bytes held)`);
    }
    this.#current.free();
    this.#current = decoder;
  }

  decode(chunk?: Uint8Array | ArrayBuffer): Uint8Array[] {
    const out: Uint8Array[] = [];
    let input: Uint8Array | ArrayBuffer | undefined = chunk;
    while (this.next !== null) {
      const got = this.#current.decode(input, { maxFrames: 1 });
      input = undefined;
      if (got.length === 0) return out;
      out.push(got[0]);
      const following = this.next(got[0]);
      if (following !== undefined) {
        input = this.#current.takeBuffered();
        this.#current.free();
        this.#current = following;
      }
    }
    for (const frame of this.#current.decode(input)) out.push(frame);
    return out;
  }

  decodeEach(chunk: Uint8Array | ArrayBuffer, onFrame: (frame: Uint8Array) => void): number {
    const frames = this.decode(chunk);
    for (const f of frames) onFrame(f);
    return frames.length;
  }

  end(): Uint8Array[] {
    return this.#current.end();
  }

  takeBuffered(): Uint8Array {
    return this.#current.takeBuffered();
  }

  reset(): void {
    this.#current.reset();
  }

  free(): void {
    this.#current.free();
  }

  [Symbol.dispose](): void {
    this.free();
  }

  get buffered(): number {
    return this.#current.buffered;
  }

  get stats() {
    return this.#current.stats;
  }
}
