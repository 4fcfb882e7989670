// Private: the `js` engine, a line-by-line TypeScript port of assembly/*.ts for
// runtimes without WebAssembly (or a CSP that forbids compiling it; the length
// scanner's port is ./walk_length.ts, which all engines use too). It works on
// a plain ArrayBuffer laid out exactly like the wasm engine's linear memory and
// reads and writes the same structures (assembly/abi.ts), so the decoders cannot
// tell the engines apart. Keep its loops in step with assembly/.
import {
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
} from '../../assembly/abi.js';
import { type LengthParams, type Scanners, ScanResult } from './engine.js';
import { walkLength } from './walk_length.js';

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
  /** The length walker's outcome, written into the results block after it. */
  const r = new ScanResult();

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
      const p: LengthParams = {
        offset: i32[(params + PARAM_OFFSET) >> 2],
        field: i32[(params + PARAM_FIELD) >> 2],
        little: i32[(params + PARAM_LITTLE) >> 2] !== 0,
        strip: i32[(params + PARAM_STRIP) >> 2],
        adjustment: f64[(params + PARAM_ADJUSTMENT) >> 3],
        max: f64[(params + PARAM_MAX) >> 3],
      };
      walkLength(p, u8, data, len, i32, (results + RESULT_PAIRS) >> 2, cap, r);
      i32[(results + RESULT_STATUS) >> 2] = r.status;
      i32[(results + RESULT_REASON) >> 2] = r.reason;
      i32[(results + RESULT_HEADER) >> 2] = r.header;
      f64[(results + RESULT_VALUE) >> 3] = r.value;
      f64[(results + RESULT_FRAME) >> 3] = r.frame;
      return stop(results, r.resume, r.count);
    },
  };
}
