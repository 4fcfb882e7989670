// Hand-written decoders: what a competent developer writes instead of a library.
// Each one keeps correct state between chunks (a frame, header or delimiter split
// over reads), copies the bytes it holds across chunks (so, like framecodec, it
// stays correct when the caller reuses its chunk buffers), and hands out frames
// that lie inside one chunk as views on it (`subarray`, no copy), as framecodec does.

const MAX_FRAME = 8 * 1024 * 1024;

/** Copy of chunk[from, to) that owns its bytes. */
function copyOf(chunk, from, to) {
  const c = Buffer.allocUnsafe(to - from);
  chunk.copy(c, 0, from, to);
  return c;
}

/**
 * Splits at a delimiter with `Buffer.prototype.indexOf`. With `lines`, a `\r`
 * before the `\n` is dropped too (LineDecoder's `\n` / `\r\n`).
 */
export class IndexOfSplitter {
  constructor(delimiter, lines = false) {
    this.needle = Buffer.from(delimiter);
    this.single = this.needle.length === 1 ? this.needle[0] : -1;
    this.lines = lines;
    this.parts = []; // held bytes of the unfinished frame (copies)
    this.held = 0;
  }

  push(chunk, sink) {
    const needle = this.needle;
    const L = needle.length;
    let start = 0;
    if (this.held > 0) {
      // The frame began in earlier chunks. Its delimiter may straddle the
      // boundary: look for it in the last L-1 held bytes + the first L-1 new ones.
      let end = 0; // where the delimiter starts, relative to this chunk (< 0: in held bytes)
      let found = false;
      if (L > 1) {
        const t = Math.min(L - 1, this.held);
        const edge = Buffer.concat([this.lastHeld(t), chunk.subarray(0, L - 1)]);
        const j = edge.indexOf(needle);
        if (j >= 0 && j < t) {
          end = j - t;
          found = true;
        }
      }
      if (!found) {
        end = this.single >= 0 ? chunk.indexOf(this.single) : chunk.indexOf(needle);
        if (end < 0) {
          this.hold(chunk, 0);
          return;
        }
      }
      let frame = this.joined(chunk, end);
      if (this.lines && frame.length > 0 && frame[frame.length - 1] === 13) frame = frame.subarray(0, frame.length - 1);
      sink(frame);
      start = end + L;
    }
    if (this.single >= 0) {
      const b = this.single;
      for (let i = chunk.indexOf(b, start); i !== -1; i = chunk.indexOf(b, start)) {
        sink(chunk.subarray(start, this.lines && i > start && chunk[i - 1] === 13 ? i - 1 : i));
        start = i + 1;
      }
    } else {
      for (let i = chunk.indexOf(needle, start); i !== -1; i = chunk.indexOf(needle, start)) {
        sink(chunk.subarray(start, i));
        start = i + L;
      }
    }
    if (start < chunk.length) {
      if (chunk.length - start > MAX_FRAME) throw new Error('frame too long');
      this.hold(chunk, start);
    }
  }

  end(sink) {
    if (this.held > 0) sink(this.joined(null, 0));
  }

  hold(chunk, from) {
    this.parts.push(copyOf(chunk, from, chunk.length));
    this.held += chunk.length - from;
    if (this.held > MAX_FRAME) throw new Error('frame too long');
  }

  lastHeld(t) {
    const out = Buffer.allocUnsafe(t);
    let k = t;
    for (let p = this.parts.length - 1; p >= 0 && k > 0; p--) {
      const part = this.parts[p];
      const n = Math.min(k, part.length);
      part.copy(out, k - n, part.length - n);
      k -= n;
    }
    return out;
  }

  /** held[0, held + end) followed by chunk[0, end) when end > 0; resets the held bytes. */
  joined(chunk, end) {
    const total = this.held + end;
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const part of this.parts) {
      const n = Math.min(part.length, total - at);
      part.copy(out, at, 0, n);
      at += n;
      if (at === total) break;
    }
    if (end > 0) chunk.copy(out, at, 0, end);
    this.parts = [];
    this.held = 0;
    return out;
  }
}

/**
 * A 4-byte length field read with one `DataView` per chunk. By default (`len4`) a
 * big-endian length, then that many bytes, and frames are what follows the header:
 *
 *   |len u32|payload|         len = payload bytes, frame = payload
 *
 * The options describe the other layouts as framecodec's LengthFieldDecoder does:
 * `offset` bytes before the field, `littleEndian`, `adjust` added to the field to get
 * the bytes after it, and `strip` bytes dropped from the start of each frame:
 *
 *   gRPC    { offset: 1, strip: 0 }                         |flag|len u32 BE|payload|
 *   MongoDB { littleEndian: true, adjust: -4, strip: 0 }    |len u32 LE (counts itself)|payload|
 */
export class DataViewLoop {
  constructor({ offset = 0, littleEndian = false, adjust = 0, strip = offset + 4 } = {}) {
    this.offset = offset;
    this.headSize = offset + 4;
    this.littleEndian = littleEndian;
    this.adjust = adjust;
    this.keep = this.headSize - strip; // header bytes handed out with the frame
    this.head = Buffer.alloc(this.headSize); // a header split over chunks
    this.headLen = 0;
    this.body = null; // frame being assembled across chunks
    this.bodyLen = 0;
  }

  push(chunk, sink) {
    const n = chunk.length;
    const H = this.headSize;
    let i = 0;
    if (this.headLen > 0) {
      while (this.headLen < H && i < n) this.head[this.headLen++] = chunk[i++];
      if (this.headLen < H) return;
      this.headLen = 0;
      const head = this.head;
      i = this.begin(this.after(new DataView(head.buffer, head.byteOffset, H), 0), chunk, i, sink, true);
    }
    if (this.body !== null) {
      const body = this.body;
      const take = Math.min(body.length - this.bodyLen, n - i);
      chunk.copy(body, this.bodyLen, i, i + take);
      this.bodyLen += take;
      i += take;
      if (this.bodyLen < body.length) return;
      this.body = null;
      sink(body);
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, n);
    const keep = this.keep;
    while (i + H <= n) {
      const after = this.after(dv, i);
      const start = i + H;
      if (start + after > n) {
        this.begin(after, chunk, start, sink, false);
        return;
      }
      sink(chunk.subarray(start - keep, start + after));
      i = start + after;
    }
    if (i < n) {
      chunk.copy(this.head, 0, i, n);
      this.headLen = n - i;
    }
  }

  /** Bytes after the length field of the header at dv[i]. */
  after(dv, i) {
    const after = dv.getUint32(i + this.offset, this.littleEndian) + this.adjust;
    if (after < 0 || after > MAX_FRAME) throw new Error('bad frame length');
    return after;
  }

  /**
   * Header parsed (in this.head when `held`, else in chunk just before i), the
   * `after` bytes start at chunk[i]: a view if the frame is all in chunk, else
   * start a copy. Returns the index after what was used.
   */
  begin(after, chunk, i, sink, held) {
    const n = chunk.length;
    const keep = this.keep;
    if (i + after <= n && (keep === 0 || !held)) {
      sink(chunk.subarray(i - keep, i + after));
      return i + after;
    }
    const body = Buffer.allocUnsafe(keep + after);
    if (held) this.head.copy(body, 0, this.headSize - keep, this.headSize);
    else chunk.copy(body, 0, i - keep, i);
    const take = Math.min(after, n - i);
    chunk.copy(body, keep, i, i + take);
    if (take === after) {
      sink(body);
      return i + after;
    }
    this.body = body;
    this.bodyLen = keep + take;
    return n;
  }

  end() {
    if (this.headLen > 0 || this.body !== null) throw new Error('truncated frame');
  }
}

/** An unsigned LEB128 length, then that many bytes. */
export class VarintLoop {
  head = Buffer.alloc(10);
  headLen = 0;
  body = null;
  bodyLen = 0;

  push(chunk, sink) {
    const n = chunk.length;
    let i = 0;
    if (this.headLen > 0) {
      // Finish a varint split across chunks.
      let b = 0x80;
      while (i < n && (b & 0x80) !== 0) {
        if (this.headLen === 10) throw new Error('varint too long');
        b = this.head[this.headLen++] = chunk[i++];
      }
      if ((b & 0x80) !== 0) return;
      let v = 0;
      for (let k = this.headLen - 1; k >= 0; k--) v = v * 128 + (this.head[k] & 0x7f);
      this.headLen = 0;
      i = this.begin(v, chunk, i);
      if (i < 0) return;
      sink(chunk.subarray(i - v, i));
    }
    if (this.body !== null) {
      const body = this.body;
      const take = Math.min(body.length - this.bodyLen, n - i);
      chunk.copy(body, this.bodyLen, i, i + take);
      this.bodyLen += take;
      i += take;
      if (this.bodyLen < body.length) return;
      this.body = null;
      sink(body);
    }
    while (i < n) {
      let b = chunk[i];
      let v;
      let p = i + 1;
      if (b < 0x80) {
        v = b;
      } else {
        v = b & 0x7f;
        let mul = 128;
        for (;;) {
          if (p >= n) {
            chunk.copy(this.head, 0, i, n);
            this.headLen = n - i;
            return;
          }
          if (p - i === 10) throw new Error('varint too long');
          b = chunk[p++];
          v += (b & 0x7f) * mul;
          if (b < 0x80) break;
          mul *= 128;
        }
      }
      if (v > MAX_FRAME) throw new Error('frame too long');
      if (p + v > n) {
        this.begin(v, chunk, p);
        return;
      }
      sink(chunk.subarray(p, p + v));
      i = p + v;
    }
  }

  /** Returns the index after the frame when it is all in chunk, else starts a copy and returns -1. */
  begin(len, chunk, i) {
    if (len > MAX_FRAME) throw new Error('frame too long');
    if (i + len <= chunk.length) return i + len;
    this.body = Buffer.allocUnsafe(len);
    chunk.copy(this.body, 0, i, chunk.length);
    this.bodyLen = chunk.length - i;
    return -1;
  }

  end() {
    if (this.headLen > 0 || this.body !== null) throw new Error('truncated frame');
  }
}

/** Fixed-length records with `subarray`. */
export class SubarrayLoop {
  constructor(size) {
    this.size = size;
    this.part = null;
    this.partLen = 0;
  }

  push(chunk, sink) {
    const size = this.size;
    const n = chunk.length;
    let i = 0;
    if (this.part !== null) {
      const take = Math.min(size - this.partLen, n);
      chunk.copy(this.part, this.partLen, 0, take);
      this.partLen += take;
      i = take;
      if (this.partLen < size) return;
      sink(this.part);
      this.part = null;
    }
    for (; i + size <= n; i += size) sink(chunk.subarray(i, i + size));
    if (i < n) {
      this.part = Buffer.allocUnsafe(size);
      chunk.copy(this.part, 0, i, n);
      this.partLen = n - i;
    }
  }

  end() {
    if (this.part !== null) throw new Error('truncated record');
  }
}
