// Private: the bytes a decoder holds for an incomplete frame, and the buffers of
// the frames that span chunks.
//
// Two kinds of buffer, because V8 makes typed arrays above 64 bytes expensive
// (each gets an off-heap backing store: ~0.3-1.4 µs to allocate, and GC work),
// and with 1,460-byte reads nearly every chunk ends inside a frame:
//
//   carry.buf   the decoder's own scratch: holds the start of the unfinished
//               frame, is reused from frame to frame, and never handed out while
//               it is reused. Released when a call ends with nothing held, so an
//               idle decoder at a frame boundary owns no buffer.
//   frames      a frame that spans chunks is copied out of the scratch (with the
//               rest of it from the new chunk) into a slab, below: one copy of
//               bytes already in cache instead of one allocation per frame.
//
// A frame larger than SLAB_MAX is not copied: its scratch is handed out whole
// and forgotten (a new one starts), since copying would cost more than the
// allocation it saves. Growth is geometric (linear total copying) but capped by
// `limit`, the most the frame can need. A caller that knows the frame's length
// (a parsed header, a fixed record size) passes it as `hint`: once an eighth of
// the frame has arrived, the frame's own buffer is allocated at exactly that
// length (from the slab when small), the
// bytes go straight into it, and it is handed out as the frame: one copy per
// byte, as a hand-written loop that trusts the header. The eighth keeps an
// untrusted length field from making a decoder allocate more than eight times
// the bytes that actually arrived.

import { part } from './_bytes.js';

/** Frames up to this length are carved from a slab; larger ones get their own buffer. */
export const SLAB_MAX = 2048;
const SLAB = 16 * 1024;

/**
 * The current slab: frames are carved from it front to back and no byte of it is
 * ever written twice, so carved frames stay stable (as Node's Buffer pool).
 *
 *   slab  +---------+---------+-----+-------------------------+
 *         | frame   | frame   | ... | free (slabAt to SLAB)    |
 *         +---------+---------+-----+-------------------------+
 *
 * A carved frame keeps its slab alive while the caller keeps the frame.
 */
let slab = new ArrayBuffer(0);
let slabAt = 0;

/** A new buffer of `n` bytes that nothing else will write: carved from the slab when small. */
export function frameBuffer(n: number): Uint8Array<ArrayBuffer> {
  if (n > SLAB_MAX || n === 0) return new Uint8Array(n);
  // A caller that transferred a frame's buffer (postMessage) detached the slab:
  // its byteLength is then 0, and a new slab starts.
  if (slabAt + n > slab.byteLength) {
    slab = new ArrayBuffer(SLAB);
    slabAt = 0;
  }
  const view = new Uint8Array(slab, slabAt, n);
  slabAt += (n + 7) & ~7;
  return view;
}

export class Carry {
  buf: Uint8Array<ArrayBuffer> | null = null;
  len = 0;
  /** A view of `buf` was handed out: read it, but write only into a new buffer. */
  shared = false;
  /**
   * `buf` is the frame's own buffer, exactly its length (see `hint`): once full it
   * is handed out as the frame, not copied. (A slab piece: what is handed out
   * short of full is a copy, so that a frame never shares a buffer with another.)
   */
  private exact = false;

  /**
   * Appends src[from, to). `limit` caps the capacity grown for this frame; `hint`
   * is a likely final length (the frame's length when known, or the last frame's);
   * with `exact`, `hint` is the frame's length for certain (a parsed header).
   */
  append(src: Uint8Array, from: number, to: number, limit = Infinity, hint = 0, exact = false): void {
    const n = to - from;
    if (n <= 0) return;
    const need = this.len + n;
    let buf = this.buf;
    const sized = need * 8 >= hint && need <= hint;
    if (buf === null || need > buf.length || this.shared || (exact && sized && !this.exact)) {
      let next: Uint8Array<ArrayBuffer>;
      if (exact && sized) {
        next = frameBuffer(hint);
      } else {
        const size = Math.min(Math.max(need, this.len * 2, 64, sized ? hint : 0), Math.max(need, limit));
        // The first bytes of a frame of known length: a small slab piece, not a buffer
        // of its own, since a buffer of the frame's length follows soon.
        next = exact && size <= SLAB_MAX ? frameBuffer(size) : new Uint8Array(size);
      }
      if (buf !== null && this.len > 0) next.set(buf.subarray(0, this.len));
      this.buf = buf = next;
      this.shared = false;
      this.exact = exact && sized;
    }
    if (n < 16) {
      for (let i = 0; i < n; i++) buf[this.len + i] = src[from + i];
    } else {
      buf.set(part(src, from, to), this.len);
    }
    this.len = need;
  }

  /** The held bytes [from, len) as a stable frame; the carry is then empty. */
  take(from = 0): Uint8Array {
    const frame = this.handOut(from, this.len);
    this.clear();
    return frame;
  }

  /**
   * Held bytes [from, to) as a stable frame: a copy when small, else a view of the
   * scratch, which is then never written again. The held bytes stay readable.
   */
  handOut(from: number, to: number): Uint8Array {
    if (this.buf === null) return new Uint8Array(0);
    if (this.exact) {
      if (to === this.buf.length) {
        this.shared = true;
        return from === 0 ? this.buf : part(this.buf, from, to);
      }
      return this.buf.slice(from, to);
    }
    if (to - from <= SLAB_MAX) {
      const frame = frameBuffer(to - from);
      frame.set(this.buf.subarray(from, to));
      return frame;
    }
    this.shared = true;
    return this.buf.subarray(from, to);
  }

  /** A copy of the held bytes. */
  copy(): Uint8Array {
    return this.buf === null ? new Uint8Array(0) : this.buf.slice(0, this.len);
  }

  /** Drops the first `n` held bytes. */
  dropFront(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) {
      this.len = 0;
      return;
    }
    if (this.shared || this.exact) {
      this.buf = this.buf!.slice(n, this.len);
      this.shared = false;
      this.exact = false;
    } else {
      this.buf!.copyWithin(0, n, this.len);
    }
    this.len -= n;
  }

  /** Forgets the held bytes; the scratch is kept for the next frame unless it was handed out. */
  clear(): void {
    if (this.shared || this.exact) this.buf = null;
    this.len = 0;
    this.shared = false;
    this.exact = false;
  }

  /** Forgets the held bytes and the scratch. */
  release(): void {
    this.buf = null;
    this.len = 0;
    this.shared = false;
    this.exact = false;
  }

  /**
   * At the end of a call, an empty carry gives its scratch back, so an idle decoder
   * at a frame boundary owns no buffer. (A scratch kept while bytes are held is at
   * most about twice the frame's need: it is either sized from the frame or grown
   * by doubling, and one over SLAB_MAX is handed out with its frame, not kept.)
   */
  settle(): void {
    if (this.len === 0) this.buf = null;
  }
}

/** A fresh, stable array holding a[aFrom, aTo) followed by b[bFrom, bTo). */
export function concat(
  a: Uint8Array,
  aFrom: number,
  aTo: number,
  b: Uint8Array,
  bFrom: number,
  bTo: number,
): Uint8Array {
  const out = frameBuffer(aTo - aFrom + (bTo - bFrom));
  out.set(part(a, aFrom, aTo), 0);
  out.set(part(b, bFrom, bTo), aTo - aFrom);
  return out;
}
