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
// It stops at the first frame it cannot complete and says why through `status()`:

export const NEED_HEADER: i32 = 0; // the header is not complete in the window
export const NEED_BODY: i32 = 1; //   header parsed, the frame ends past the window
export const CORRUPT: i32 = 2; //     see `corruptReason()`
export const TOO_LONG: i32 = 3; //    frame length > maxFrameLength
export const OUT_FULL: i32 = 4; //    `cap` frames recorded

export const CORRUPT_VARINT_TOO_LONG: i32 = 1; // continuation bit on the 10th byte
export const CORRUPT_VALUE_TOO_BIG: i32 = 2; //   field value above 2^53 - 1
export const CORRUPT_SHORTER_THAN_HEADER: i32 = 3;
export const CORRUPT_SHORTER_THAN_STRIP: i32 = 4;

const MAX_SAFE: u64 = 9007199254740991; // 2^53 - 1

let lastStatus: i32 = 0;
let lastResume: i32 = 0;
let lastReason: i32 = 0;
let lastValue: f64 = 0;
let lastFrameLength: f64 = 0;
let lastHeaderLength: i32 = 0;

export function status(): i32 { return lastStatus; }
/** Start of the frame the scan stopped at (relative to data). */
export function resumeAt(): i32 { return lastResume; }
export function corruptReason(): i32 { return lastReason; }
/** The length field's value of the frame the scan stopped at. */
export function fieldValue(): f64 { return lastValue; }
export function frameLength(): f64 { return lastFrameLength; }
export function headerLength(): i32 { return lastHeaderLength; }

@inline
function stop(code: i32, p: i32, count: i32): i32 {
  lastStatus = code;
  lastResume = p;
  return count;
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
 * Records up to `cap` complete frames of data[0, len) into `out` as i32 pairs.
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
export function scanLength(
  data: usize, len: i32, offset: i32, field: i32, little: i32,
  adjustment: f64, strip: i32, maxFrameLength: f64, out: usize, cap: i32,
): i32 {
  let count = 0;
  let p = 0;
  while (true) {
    if (count >= cap) return stop(OUT_FULL, p, count);
    const at = p + offset;
    let value: u64 = 0;
    let header: i32;
    if (field == 0) {
      let shift: u64 = 0;
      let i = 0;
      while (true) {
        if (at + i >= len) return stop(NEED_HEADER, p, count);
        const b = <u64>load<u8>(data + <usize>(at + i));
        if (i == 9 && (b & 0x80) != 0) {
          lastReason = CORRUPT_VARINT_TOO_LONG;
          lastValue = 0;
          lastHeaderLength = offset + 10;
          return stop(CORRUPT, p, count);
        }
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
      if (header > len - p) return stop(NEED_HEADER, p, count);
      value = readFixed(data + <usize>at, field, little);
    }
    lastHeaderLength = header;
    if (value > MAX_SAFE) {
      lastReason = CORRUPT_VALUE_TOO_BIG;
      lastValue = <f64>value;
      return stop(CORRUPT, p, count);
    }
    // Exact in i64: |value + adjustment + header| < 2^55. (Summed in f64 it would
    // round near 2^53: 2^53 - 1 + 8 - (2^53 - 1) must be 8, not 9.)
    const frame: i64 = <i64>value + <i64>adjustment + <i64>header;
    lastValue = <f64>value;
    lastFrameLength = <f64>frame;
    if (frame < <i64>header) {
      lastReason = CORRUPT_SHORTER_THAN_HEADER;
      return stop(CORRUPT, p, count);
    }
    if (frame > <i64>maxFrameLength) return stop(TOO_LONG, p, count);
    const skip = strip < 0 ? header : strip;
    if (frame < <i64>skip) {
      lastReason = CORRUPT_SHORTER_THAN_STRIP;
      return stop(CORRUPT, p, count);
    }
    if (frame > <i64>(len - p)) return stop(NEED_BODY, p, count);
    const end = p + <i32>frame;
    store<i32>(out + (<usize>count << 3), p + skip);
    store<i32>(out + (<usize>count << 3), end, 4);
    count++;
    p = end;
  }
}
