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
