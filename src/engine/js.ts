// Private: the `js` engine, a line-by-line TypeScript port of assembly/*.ts for
// runtimes without WebAssembly (or a CSP that forbids compiling it). It works on
// a plain ArrayBuffer laid out exactly like the wasm engine's linear memory, so the
// decoders cannot tell the engines apart. Keep it in step with assembly/.
import type { Scanners } from './engine.js';

const TABLE_MEMBER = 16;
const TABLE_ENTRIES = 272;

const NEED_HEADER = 0;
const NEED_BODY = 1;
const CORRUPT = 2;
const TOO_LONG = 3;
const OUT_FULL = 4;
const CORRUPT_VARINT_TOO_LONG = 1;
const CORRUPT_VALUE_TOO_BIG = 2;
const CORRUPT_SHORTER_THAN_HEADER = 3;
const CORRUPT_SHORTER_THAN_STRIP = 4;

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
  const views = () => {
    if (u8.buffer !== memory.buffer) {
      u8 = new Uint8Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
    }
  };
  let delimiterResume = 0;
  let status = 0;
  let resume = 0;
  let reason = 0;
  let value = 0;
  let frameLength = 0;
  let headerLength = 0;

  const stop = (code: number, p: number, count: number) => {
    status = code;
    resume = p;
    return count;
  };

  return {
    heapBase: () => 1024,
    simd: () => 0,

    scanDelimiters(table, data, from, len, final, out, cap) {
      views();
      const n = i32[table >> 2];
      const member = table + TABLE_MEMBER;
      const entries = (table + TABLE_ENTRIES) >> 2;
      let count = 0;
      let p = from;
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
        if (pending) {
          delimiterResume = p;
          return count;
        }
        if (matched === 0) {
          p++;
          continue;
        }
        i32[(out >> 2) + 2 * count] = p;
        i32[(out >> 2) + 2 * count + 1] = matched;
        count++;
        p += matched;
      }
      delimiterResume = Math.min(p, len);
      return count;
    },
    delimiterResumeAt: () => delimiterResume,

    scanLength(data, len, offset, field, little, adjustment, strip, maxFrameLength, out, cap) {
      views();
      let count = 0;
      let p = 0;
      for (;;) {
        if (count >= cap) return stop(OUT_FULL, p, count);
        const at = p + offset;
        let v = 0;
        let header: number;
        if (field === 0) {
          let scale = 1;
          let i = 0;
          for (;;) {
            if (at + i >= len) return stop(NEED_HEADER, p, count);
            const b = u8[data + at + i];
            if (i === 9 && (b & 0x80) !== 0) {
              reason = CORRUPT_VARINT_TOO_LONG;
              value = 0;
              headerLength = offset + 10;
              return stop(CORRUPT, p, count);
            }
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
          if (header > len - p) return stop(NEED_HEADER, p, count);
          const base = data + at;
          if (little) {
            for (let i = field - 1; i >= 0; i--) v = v * 256 + u8[base + i];
          } else {
            for (let i = 0; i < field; i++) v = v * 256 + u8[base + i];
          }
        }
        headerLength = header;
        if (v > Number.MAX_SAFE_INTEGER) {
          reason = CORRUPT_VALUE_TOO_BIG;
          value = v;
          return stop(CORRUPT, p, count);
        }
        // Exact like the wasm's i64 sum: past 2^53 a double sum could round.
        let frame = v + adjustment + header;
        if (!(Math.abs(frame) <= Number.MAX_SAFE_INTEGER))
          frame = Number(BigInt(v) + BigInt(adjustment) + BigInt(header));
        value = v;
        frameLength = frame;
        if (frame < header) {
          reason = CORRUPT_SHORTER_THAN_HEADER;
          return stop(CORRUPT, p, count);
        }
        if (frame > maxFrameLength) return stop(TOO_LONG, p, count);
        const skip = strip < 0 ? header : strip;
        if (frame < skip) {
          reason = CORRUPT_SHORTER_THAN_STRIP;
          return stop(CORRUPT, p, count);
        }
        if (frame > len - p) return stop(NEED_BODY, p, count);
        const end = p + frame;
        i32[(out >> 2) + 2 * count] = p + skip;
        i32[(out >> 2) + 2 * count + 1] = end;
        count++;
        p = end;
      }
    },
    lengthStatus: () => status,
    lengthResumeAt: () => resume,
    corruptReason: () => reason,
    fieldValue: () => value,
    frameLength: () => frameLength,
    headerLength: () => headerLength,
  };
}
