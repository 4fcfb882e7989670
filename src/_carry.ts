// Private: the bytes a decoder holds for an incomplete frame.
//
// Frames handed to callers must never change, so a buffer whose bytes were handed
// out (`take`) is never written again: the carry forgets it and starts a new one.
// Growth is geometric (linear total copying) but capped by `limit`, the most the
// frame can need. A caller that knows the frame's length (a parsed header) passes
// it as `exact`: once an eighth of the frame has arrived the buffer is allocated at
// that length, once, so an untrusted length field never makes it allocate more than
// eight times the bytes that actually arrived.

export class Carry {
  buf: Uint8Array<ArrayBuffer> | null = null;
  len = 0;
  /** A view of `buf` was handed out: read it, but write only into a new buffer. */
  shared = false;

  /**
   * Appends src[from, to). `limit` caps the capacity grown for this frame; `hint`
   * is a likely final length (the frame's length when known, or the last frame's).
   */
  append(src: Uint8Array, from: number, to: number, limit = Infinity, hint = 0): void {
    const n = to - from;
    if (n <= 0) return;
    const need = this.len + n;
    let buf = this.buf;
    if (buf === null || need > buf.length || this.shared) {
      const grown = Math.max(need, this.len * 2, 64, need * 8 >= hint ? hint : 0);
      const next = new Uint8Array(Math.min(grown, Math.max(need, limit)));
      if (buf !== null && this.len > 0) next.set(buf.subarray(0, this.len));
      this.buf = buf = next;
      this.shared = false;
    }
    if (n < 16) {
      for (let i = 0; i < n; i++) buf[this.len + i] = src[from + i];
    } else {
      buf.set(src.subarray(from, to), this.len);
    }
    this.len = need;
  }

  /** Hands out the held bytes [from, len) as a view and forgets the buffer. */
  take(from = 0): Uint8Array {
    const frame = this.buf === null ? new Uint8Array(0) : this.buf.subarray(from, this.len);
    this.clear();
    return frame;
  }

  /** Hands out held bytes [from, to) as a view; the buffer stays readable but is not written again. */
  handOut(from: number, to: number): Uint8Array {
    if (this.buf === null) return new Uint8Array(0);
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
    if (this.shared) {
      this.buf = this.buf!.slice(n, this.len);
      this.shared = false;
    } else {
      this.buf!.copyWithin(0, n, this.len);
    }
    this.len -= n;
  }

  clear(): void {
    this.buf = null;
    this.len = 0;
    this.shared = false;
  }
}

/** A fresh array holding a[aFrom, aTo) followed by b[bFrom, bTo). */
export function concat(
  a: Uint8Array,
  aFrom: number,
  aTo: number,
  b: Uint8Array,
  bFrom: number,
  bTo: number,
): Uint8Array {
  const out = new Uint8Array(aTo - aFrom + (bTo - bFrom));
  out.set(a.subarray(aFrom, aTo), 0);
  out.set(b.subarray(bFrom, bTo), aTo - aFrom);
  return out;
}

/** Bytes as `0x…` hex, for error messages. */
export function hex(bytes: Uint8Array): string {
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}
