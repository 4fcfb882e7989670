// Length-field scanner: walks consecutive length-prefixed frames in a window.
//
// Wire layout of one frame (Netty's LengthFieldBasedFrameDecoder):
//
//   |<- offset ->|<- field ->|<------ value + adjustment ------>|
//   +------------+-----------+----------------------------------+
//   |  anything  |  length   |  the rest of the frame            |
//   +------------+-----------+----------------------------------+
//   |<------------------- frame length ------------------------->|
//   frame length = offset + fieldBytes + value + adjustment
//
// `field` is 1, 2, 3, 4 or 8 bytes (either byte order), or 0 for an unsigned LEB128
// varint of 1 to 10 bytes. The scanner starts at a frame boundary (data + 0) and
// records every complete frame as (payloadStart, frameEnd) relative to data, where
// payloadStart = frame start + strip (strip < 0 means "the whole header").
// It stops at the first frame it cannot complete and says why in the results
// block (assembly/abi.ts draws it): status, the frame's start (resume), and the
// header, field value and frame length of the frame it stopped at.

import {
  RESULT_COUNT, RESULT_STATUS, RESULT_RESUME, RESULT_REASON, RESULT_HEADER, RESULT_VALUE, RESULT_FRAME,
  RESULT_PAIRS, PARAM_OFFSET, PARAM_FIELD, PARAM_LITTLE, PARAM_STRIP, PARAM_ADJUSTMENT, PARAM_MAX,
  NEED_HEADER, NEED_BODY, CORRUPT, TOO_LONG, OUT_FULL,
  CORRUPT_VARINT_TOO_LONG, CORRUPT_VALUE_TOO_BIG, CORRUPT_SHORTER_THAN_HEADER, CORRUPT_SHORTER_THAN_STRIP,
} from "./abi";

const MAX_SAFE: u64 = 9007199254740991; // 2^53 - 1

// Ends a scan: the stop's status and resume position, and the count.
@inline
function stop(results: usize, code: i32, p: i32, count: i32): i32 {
  store<i32>(results + RESULT_STATUS, code);
  store<i32>(results + RESULT_RESUME, p);
  store<i32>(results + RESULT_COUNT, count);
  return count;
}

// A corrupt header: why, and what was read of it.
@inline
function corrupt(results: usize, reason: i32, header: i32, value: f64, p: i32, count: i32): i32 {
  store<i32>(results + RESULT_REASON, reason);
  store<i32>(results + RESULT_HEADER, header);
  store<f64>(results + RESULT_VALUE, value);
  return stop(results, CORRUPT, p, count);
}

// Reads an unsigned big- or little-endian integer of `width` bytes at `at`.
@inline
function readFixed(at: usize, width: i32, little: i32): u64 {
  let v: u64 = 0;
  if (little) {
    for (let i = width - 1; i >= 0; i--) v = (v << 8) | <u64>load<u8>(at + <usize>i);
  } else {
    for (let i = 0; i < width; i++) v = (v << 8) | <u64>load<u8>(at + <usize>i);
  }
  return v;
}

/**
 * Records up to `cap` complete frames of data[0, len) as i32 pairs in the results
 * block, for the decoder whose options are at `params`.
 *
 *   p = 0
 *   loop:
 *     header incomplete in [p, len)             -> NEED_HEADER
 *     read the field (fixed width, or varint: 7 bits a byte, low group first,
 *       high bit set = another byte follows)    -> CORRUPT if > 10 bytes or > 2^53 - 1
 *     frame = offset + fieldBytes + value + adjustment
 *     frame < header                            -> CORRUPT
 *     frame > maxFrameLength                    -> TOO_LONG
 *     frame < strip                             -> CORRUPT
 *     p + frame > len                           -> NEED_BODY
 *     record (p + strip, p + frame); p += frame
 *
 * The checks run in Netty's order. The frame length is summed exactly in i64 and
 * reported as f64 (exact up to 2^53; above, it is too long anyway).
 */
export function scanLength(params: usize, data: usize, len: i32, results: usize, cap: i32): i32 {
  const offset = load<i32>(params + PARAM_OFFSET);
  const field = load<i32>(params + PARAM_FIELD);
  const little = load<i32>(params + PARAM_LITTLE);
  const strip = load<i32>(params + PARAM_STRIP);
  const adjustment = load<f64>(params + PARAM_ADJUSTMENT);
  const maxFrameLength = load<f64>(params + PARAM_MAX);
  const out = results + RESULT_PAIRS;
  let count = 0;
  let p = 0;
  while (true) {
    if (count >= cap) return stop(results, OUT_FULL, p, count);
    const at = p + offset;
    let value: u64 = 0;
    let header: i32;
    if (field == 0) {
      let shift: u64 = 0;
      let i = 0;
      while (true) {
        if (at + i >= len) return stop(results, NEED_HEADER, p, count);
        const b = <u64>load<u8>(data + <usize>(at + i));
        if (i == 9 && (b & 0x80) != 0) return corrupt(results, CORRUPT_VARINT_TOO_LONG, offset + 10, 0, p, count);
        // Bits beyond 64 (10th byte above 1) make the value too big anyway.
        if (i == 9 && b > 1) value = 0xffffffffffffffff;
        else value |= (b & 0x7f) << shift;
        i++;
        shift += 7;
        if ((b & 0x80) == 0) break;
      }
      header = offset + i;
    } else {
      header = offset + field;
      if (header > len - p) return stop(results, NEED_HEADER, p, count);
      value = readFixed(data + <usize>at, field, little);
    }
    if (value > MAX_SAFE) return corrupt(results, CORRUPT_VALUE_TOO_BIG, header, <f64>value, p, count);
    // Exact in i64: |value + adjustment + header| < 2^55. (Summed in f64 it would
    // round near 2^53: 2^53 - 1 + 8 - (2^53 - 1) must be 8, not 9.)
    const frame: i64 = <i64>value + <i64>adjustment + <i64>header;
    const skip = strip < 0 ? header : strip;
    if (frame < <i64>header || frame > <i64>maxFrameLength || frame < <i64>skip || frame > <i64>(len - p)) {
      // The frame the scan stops at: what the decoder needs to handle it.
      store<i32>(results + RESULT_HEADER, header);
      store<f64>(results + RESULT_VALUE, <f64>value);
      store<f64>(results + RESULT_FRAME, <f64>frame);
      if (frame < <i64>header) return corrupt(results, CORRUPT_SHORTER_THAN_HEADER, header, <f64>value, p, count);
      if (frame > <i64>maxFrameLength) return stop(results, TOO_LONG, p, count);
      if (frame < <i64>skip) return corrupt(results, CORRUPT_SHORTER_THAN_STRIP, header, <f64>value, p, count);
      return stop(results, NEED_BODY, p, count);
    }
    const end = p + <i32>frame;
    store<i32>(out + (<usize>count << 3), p + skip);
    store<i32>(out + (<usize>count << 3), end, 4);
    count++;
    p = end;
  }
}
