// Private: the length scanner of assembly/length_field.ts in TypeScript, reading
// the bytes where they lie. Two users:
//   - the js engine (./js.ts), which runs it over its look-alike linear memory;
//   - every engine's `walkLength()` (./engine.ts): frames of a few hundred bytes
//     or more have few headers per byte, so reading them in place in JavaScript
//     costs less than copying the window into linear memory for the wasm scanner
//     (a `DataView` loop's trick). Keep it in step with assembly/length_field.ts.
import {
  CORRUPT,
  CORRUPT_SHORTER_THAN_HEADER,
  CORRUPT_SHORTER_THAN_STRIP,
  CORRUPT_VALUE_TOO_BIG,
  CORRUPT_VARINT_TOO_LONG,
  NEED_BODY,
  NEED_HEADER,
  OUT_FULL,
  TOO_LONG,
} from '../../assembly/abi.js';
import type { LengthParams, ScanResult } from './engine.js';

/**
 * Records up to `cap` complete frames of the window bytes[data, data + len) as
 * (payload start, frame end) pairs, window positions, in `pairs` from `at`, and
 * sets `r` as the wasm scanner sets its results block: count, why it stopped
 * (status), where (resume), and the header, field value and frame length of the
 * frame it stopped at (reason too when corrupt). `r.pairs`/`r.first` are the
 * caller's business.
 */
export function walkLength(
  params: LengthParams,
  bytes: Uint8Array,
  data: number,
  len: number,
  pairs: Int32Array,
  at: number,
  cap: number,
  r: ScanResult,
): void {
  const { offset, field, little, strip, adjustment, max } = params;
  let count = 0;
  let p = 0;
  let status = OUT_FULL;
  for (;;) {
    if (count >= cap) break;
    const f = data + p + offset;
    let v = 0;
    let header: number;
    if (field === 0) {
      let scale = 1;
      let i = 0;
      let b = 0x80;
      while ((b & 0x80) !== 0) {
        if (p + offset + i >= len) break;
        b = bytes[f + i];
        if (i === 9 && (b & 0x80) !== 0) {
          corrupt(r, CORRUPT_VARINT_TOO_LONG, offset + 10, 0);
          end(r, CORRUPT, p, count);
          return;
        }
        // Sums of powers of two below 2^70 are exact enough: anything that
        // reaches 2^53 is rejected below, and smaller sums are exact.
        v += (b & 0x7f) * scale;
        i++;
        scale *= 128;
      }
      if ((b & 0x80) !== 0) {
        status = NEED_HEADER;
        break;
      }
      header = offset + i;
    } else {
      header = offset + field;
      if (header > len - p) {
        status = NEED_HEADER;
        break;
      }
      if (field === 4) {
        v = little
          ? bytes[f] + bytes[f + 1] * 0x100 + bytes[f + 2] * 0x10000 + bytes[f + 3] * 0x1000000
          : bytes[f] * 0x1000000 + bytes[f + 1] * 0x10000 + bytes[f + 2] * 0x100 + bytes[f + 3];
      } else if (little) {
        for (let i = field - 1; i >= 0; i--) v = v * 256 + bytes[f + i];
      } else {
        for (let i = 0; i < field; i++) v = v * 256 + bytes[f + i];
      }
    }
    if (v > Number.MAX_SAFE_INTEGER) {
      corrupt(r, CORRUPT_VALUE_TOO_BIG, header, v);
      end(r, CORRUPT, p, count);
      return;
    }
    // Exact like the wasm's i64 sum: past 2^53 a double sum could round.
    let frame = v + adjustment + header;
    if (!(Math.abs(frame) <= Number.MAX_SAFE_INTEGER)) frame = Number(BigInt(v) + BigInt(adjustment) + BigInt(header));
    const skip = strip < 0 ? header : strip;
    if (frame < header || frame > max || frame < skip || frame > len - p) {
      // The frame the walk stops at: what the decoder needs to handle it.
      r.header = header;
      r.value = v;
      r.frame = frame;
      if (frame < header) {
        r.reason = CORRUPT_SHORTER_THAN_HEADER;
        status = CORRUPT;
      } else if (frame > max) {
        status = TOO_LONG;
      } else if (frame < skip) {
        r.reason = CORRUPT_SHORTER_THAN_STRIP;
        status = CORRUPT;
      } else {
        status = NEED_BODY;
      }
      break;
    }
    pairs[at + 2 * count] = p + skip;
    pairs[at + 2 * count + 1] = p + frame;
    count++;
    p += frame;
  }
  end(r, status, p, count);
}

function corrupt(r: ScanResult, reason: number, header: number, value: number): void {
  r.reason = reason;
  r.header = header;
  r.value = value;
}

function end(r: ScanResult, status: number, p: number, count: number): void {
  r.status = status;
  r.resume = p;
  r.count = count;
}
