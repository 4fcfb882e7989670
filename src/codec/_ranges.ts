// Private: the frames of one decodeRanges() call, collected while the decoder
// scans and passed to the caller's callback after it.
import type { OnRanges } from './decoder.js';

/**
 * Frames collected by decodeRanges(): (start, end) pairs, grouped in segments that
 * share a source buffer. Delivered after the scan, so no user code runs while a
 * decoder reads the engine's results. Pooled per nesting depth (an `onFrames` may
 * itself call decodeRanges on another decoder), so the offsets array is reused.
 * @internal
 */
export class Ranges {
  private static readonly pool: Ranges[] = [];
  private static depth = 0;

  offsets: Int32Array = new Int32Array(16384);
  n = 0;
  private current: Uint8Array | null = null;
  private readonly sources: Uint8Array[] = [];
  private readonly ends: number[] = [];

  static acquire(): Ranges {
    Ranges.pool[Ranges.depth] ??= new Ranges();
    const r = Ranges.pool[Ranges.depth];
    Ranges.depth++;
    return r;
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    if (bytes !== this.current) this.open(bytes);
    const n = this.n;
    if (n + 2 > this.offsets.length) this.grow();
    this.offsets[n] = start;
    this.offsets[n + 1] = end;
    this.n = n + 2;
  }

  /** After addMatches(): where the next frame starts (chunk index), and the bytes of the frames added. */
  at = 0;
  bytes = 0;

  /**
   * A delimiter scan's matches as frames of `chunk` (disposition 'discard'): match
   * k is at chunk index pairs[first + 2k] + shift and pairs[first + 2k + 1] bytes
   * long; the first frame starts at `at`. Stops before a frame longer than `max`.
   * Returns the number of frames added; `at` and `bytes` say where it stopped.
   */
  addMatches(
    chunk: Uint8Array,
    pairs: Int32Array,
    first: number,
    count: number,
    shift: number,
    at: number,
    max: number,
  ): number {
    if (chunk !== this.current) this.open(chunk);
    while (this.n + 2 * count > this.offsets.length) this.grow();
    const off = this.offsets;
    let n = this.n;
    let bytes = 0;
    let k = 0;
    for (; k < count; k++) {
      const j = first + 2 * k;
      const m = pairs[j] + shift;
      if (m - at > max) break;
      off[n] = at;
      off[n + 1] = m;
      n += 2;
      bytes += m - at;
      at = m + pairs[j + 1];
    }
    this.n = n;
    this.at = at;
    this.bytes = bytes;
    return k;
  }

  private open(bytes: Uint8Array): void {
    if (this.current !== null) this.ends.push(this.n);
    this.sources.push(bytes);
    this.current = bytes;
  }

  private grow(): void {
    const grown = new Int32Array(this.offsets.length * 2);
    grown.set(this.offsets);
    this.offsets = grown;
  }

  /** Passes the segments to `onFrames`, then returns this object to the pool. */
  deliver(onFrames: OnRanges): void {
    if (this.current !== null) this.ends.push(this.n);
    const sources = this.sources.splice(0);
    const ends = this.ends.splice(0);
    const offsets = this.offsets;
    this.current = null;
    this.n = 0;
    Ranges.depth--;
    let from = 0;
    for (let k = 0; k < sources.length; k++) {
      onFrames(sources[k], from === 0 ? offsets : offsets.subarray(from), (ends[k] - from) >> 1);
      from = ends[k];
    }
  }
}
