// Private: the `js` engine, a line-by-line TypeScript port of assembly/*.ts for
// runtimes without WebAssembly (or a CSP that forbids compiling it). It works on
// a plain ArrayBuffer laid out exactly like the wasm engine's linear memory and
// reads and writes the same structures (assembly/abi.ts), so the decoders cannot
// tell the engines apart. Keep its loops in step with assembly/.
import {
  CORRUPT,
  CORRUPT_SHORTER_THAN_HEADER,
  CORRUPT_SHORTER_THAN_STRIP,
  CORRUPT_VALUE_TOO_BIG,
  CORRUPT_VARINT_TOO_LONG,
  NEED_BODY,
  NEED_HEADER,
  OUT_FULL,
  PARAM_ADJUSTMENT,
  PARAM_FIELD,
  PARAM_LITTLE,
  PARAM_MAX,
  PARAM_OFFSET,
  PARAM_STRIP,
  RESULT_COUNT,
  RESULT_FRAME,
  RESULT_HEADER,
  RESULT_PAIRS,
  RESULT_REASON,
  RESULT_RESUME,
  RESULT_STATUS,
  RESULT_VALUE,
  TABLE_COUNT,
  TABLE_ENTRIES,
  TABLE_MEMBER,
  TOO_LONG,
} from '../../assembly/abi.js';
import type { Scanners } from './engine.js';

/** A growable ArrayBuffer that quacks like WebAssembly.Memory. */
export class JsMemory {
  buffer: ArrayBuffer;
  constructor(pages: number) {
    this.buffer = new ArrayBuffer(pages * 65536);
  }
  grow(pages: number): number {
    const old = this.buffer;
    this.buffer = new ArrayBuffer(old.byteLength + pages * 65536);
    new Uint8Array(this.buffer).set(new Uint8Array(old));
    return old.byteLength / 65536;
  }
}

export function jsScanners(memory: JsMemory): Scanners {
  let u8 = new Uint8Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  const views = () => {
    if (u8.buffer !== memory.buffer) {
      u8 = new Uint8Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
    }
  };

  /** Ends a scan: count, and where the next one resumes. */
  const stop = (results: number, resume: number, count: number) => {
    i32[(results + RESULT_RESUME) >> 2] = resume;
    i32[(results + RESULT_COUNT) >> 2] = count;
    return count;
  };
  /** Ends a length scan: its status too. */
  const stopLength = (results: number, status: number, p: number, count: number) => {
    i32[(results + RESULT_STATUS) >> 2] = status;
    return stop(results, p, count);
  };
  /** Ends a length scan at a corrupt header: why, and what was read of it. */
  const corrupt = (results: number, reason: number, header: number, value: number, p: number, count: number) => {
    i32[(results + RESULT_REASON) >> 2] = reason;
    i32[(results + RESULT_HEADER) >> 2] = header;
    f64[(results + RESULT_VALUE) >> 3] = value;
    return stopLength(results, CORRUPT, p, count);
  };

  return {
    heapBase: () => 1024,
    simd: () => 0,

    scanDelimiters(table, data, len, final, results, cap) {
      views();
      const n = i32[(table + TABLE_COUNT) >> 2];
      const member = table + TABLE_MEMBER;
      const entries = (table + TABLE_ENTRIES) >> 2;
      const out = (results + RESULT_PAIRS) >> 2;
      let count = 0;
      let p = 0;
      while (count < cap) {
        while (p < len && u8[member + u8[data + p]] === 0) p++;
        if (p >= len) break;
        let matched = 0;
        let pending = false;
        for (let i = 0; i < n; i++) {
          const d = table + i32[entries + 2 * i];
          const dlen = i32[entries + 2 * i + 1];
          const avail = Math.min(len - p, dlen);
          let j = 0;
          while (j < avail && u8[data + p + j] === u8[d + j]) j++;
          if (j < avail) continue;
          if (avail < dlen) {
            if (final) continue;
            pending = true;
            break;
          }
          matched = dlen;
          break;
        }
        if (pending) return stop(results, p, count);
        if (matched === 0) {
          p++;
          continue;
        }
        i32[out + 2 * count] = p;
        i32[out + 2 * count + 1] = matched;
        count++;
        p += matched;
      }
      return stop(results, Math.min(p, len), count);
    },

    scanLength(params, data, len, results, cap) {
      views();
      const offset = i32[(params + PARAM_OFFSET) >> 2];
      const field = i32[(params + PARAM_FIELD) >> 2];
      const little = i32[(params + PARAM_LITTLE) >> 2];
      const strip = i32[(params + PARAM_STRIP) >> 2];
      const adjustment = f64[(params + PARAM_ADJUSTMENT) >> 3];
      const maxFrameLength = f64[(params + PARAM_MAX) >> 3];
      const out = (results + RESULT_PAIRS) >> 2;
      let count = 0;
      let p = 0;
      for (;;) {
        if (count >= cap) return stopLength(results, OUT_FULL, p, count);
        const at = p + offset;
        let v = 0;
        let header: number;
        if (field === 0) {
          let scale = 1;
          let i = 0;
          for (;;) {
            if (at + i >= len) return stopLength(results, NEED_HEADER, p, count);
            const b = u8[data + at + i];
            if (i === 9 && (b & 0x80) !== 0) return corrupt(results, CORRUPT_VARINT_TOO_LONG, offset + 10, 0, p, count);
            // Sums of powers of two below 2^70 are exact enough: anything that
            // reaches 2^53 is rejected below, and smaller sums are exact.
            v += (b & 0x7f) * scale;
            i++;
            scale *= 128;
            if ((b & 0x80) === 0) break;
          }
          header = offset + i;
        } else {
          header = offset + field;
          if (header > len - p) return stopLength(results, NEED_HEADER, p, count);
          const base = data + at;
          if (little) {
            for (let i = field - 1; i >= 0; i--) v = v * 256 + u8[base + i];
          } else {
            for (let i = 0; i < field; i++) v = v * 256 + u8[base + i];
          }
        }
        if (v > Number.MAX_SAFE_INTEGER) return corrupt(results, CORRUPT_VALUE_TOO_BIG, header, v, p, count);
        // Exact like the wasm's i64 sum: past 2^53 a double sum could round.
        let frame = v + adjustment + header;
        if (!(Math.abs(frame) <= Number.MAX_SAFE_INTEGER))
          frame = Number(BigInt(v) + BigInt(adjustment) + BigInt(header));
        const skip = strip < 0 ? header : strip;
        if (frame < header || frame > maxFrameLength || frame < skip || frame > len - p) {
          // The frame the scan stops at: what the decoder needs to handle it.
          i32[(results + RESULT_HEADER) >> 2] = header;
          f64[(results + RESULT_VALUE) >> 3] = v;
          f64[(results + RESULT_FRAME) >> 3] = frame;
          if (frame < header) return corrupt(results, CORRUPT_SHORTER_THAN_HEADER, header, v, p, count);
          if (frame > maxFrameLength) return stopLength(results, TOO_LONG, p, count);
          if (frame < skip) return corrupt(results, CORRUPT_SHORTER_THAN_STRIP, header, v, p, count);
          return stopLength(results, NEED_BODY, p, count);
        }
        const end = p + frame;
        i32[out + 2 * count] = p + skip;
        i32[out + 2 * count + 1] = end;
        count++;
        p = end;
      }
    },
  };
}
