// Delimiter scanner: finds leftmost-longest delimiter matches in a window of bytes.
//
// The decoder (src/delimiter.ts) copies a delimiter table once and then, per
// window, calls `scanDelimiters`. The scanner is stateless: everything it needs to
// resume is the position it returns through `resumeAt()`.
//
// Delimiter table, written by src/delimiter.ts (`encodeTable`), 16-byte aligned:
//
//   table + 0    u32  n           number of delimiters, sorted longest first
//   table + 4    u32  k           number of distinct first bytes
//   table + 8    u8[4]            the first bytes when k <= 4 (unused slots repeat [0])
//   table + 12   u32  (reserved)
//   table + 16   u8[256]          member[b] = 1 when b starts some delimiter
//   table + 272  u32[2 * n]       (offset from table, length) of each delimiter
//   ...          u8[]             the delimiter bytes
//
// Results: `out` receives one (position, length) pair of i32 per match, in stream
// order; positions are relative to `data`.

export const TABLE_MEMBER: i32 = 16;
export const TABLE_ENTRIES: i32 = 272;

let resume: i32 = 0;

/** Where the last scan stopped: the first byte not yet resolved. */
export function resumeAt(): i32 {
  return resume;
}

// Next position >= p whose byte can start a delimiter, or len when none.
//
// Plain version:
//   while (p < len && !member[data[p]]) p++
//
// With SIMD and at most four distinct first bytes, sixteen bytes are tested at
// once: each first byte is splatted into a vector, compared lane-wise with
// `i8x16.eq`, the comparisons are OR-ed, and `i8x16.bitmask` packs the lanes
// into an int whose lowest set bit (`ctz`) is the first candidate. Loads are
// unaligned (`v128.load` allows it). The last len % 16 bytes go through the
// plain loop, so no load reads past `data + len`.
// With more than four first bytes, or without SIMD, the 256-entry table is used.
@inline
function nextCandidate(table: usize, data: usize, p: i32, len: i32): i32 {
  const k = load<u32>(table, 4);
  if (ASC_FEATURE_SIMD) {
    if (k <= 4) {
      const b0 = i8x16.splat(load<i8>(table, 8));
      const b1 = i8x16.splat(load<i8>(table, 9));
      const b2 = i8x16.splat(load<i8>(table, 10));
      const b3 = i8x16.splat(load<i8>(table, 11));
      if (k == 1) {
        while (p + 16 <= len) {
          const mask = i8x16.bitmask(i8x16.eq(v128.load(data + <usize>p), b0));
          if (mask != 0) return p + ctz<i32>(mask);
          p += 16;
        }
      } else if (k == 2) {
        while (p + 16 <= len) {
          const v = v128.load(data + <usize>p);
          const mask = i8x16.bitmask(v128.or(i8x16.eq(v, b0), i8x16.eq(v, b1)));
          if (mask != 0) return p + ctz<i32>(mask);
          p += 16;
        }
      } else {
        while (p + 16 <= len) {
          const v = v128.load(data + <usize>p);
          const m = v128.or(
            v128.or(i8x16.eq(v, b0), i8x16.eq(v, b1)),
            v128.or(i8x16.eq(v, b2), i8x16.eq(v, b3)),
          );
          const mask = i8x16.bitmask(m);
          if (mask != 0) return p + ctz<i32>(mask);
          p += 16;
        }
      }
    }
  }
  const member = table + TABLE_MEMBER;
  while (p < len && load<u8>(member + <usize>load<u8>(data + <usize>p)) == 0) p++;
  return p;
}

/**
 * Scans data[from, len) for delimiters and writes up to `cap` matches to `out`.
 * Returns the number of matches; `resumeAt()` then gives where the next scan starts.
 *
 *   p = from
 *   while p < len:
 *     p = next byte that starts some delimiter
 *     for each delimiter, longest first:
 *       compare it with data[p, ...)
 *       mismatch inside the data  -> try the next delimiter
 *       data ends while matching  -> pending: unless `final`, stop with resume = p
 *                                    (a longer match may still complete)
 *       full match                -> record (p, length); p += length; next p
 *     no delimiter at p           -> p += 1
 *
 * Leftmost-longest falls out of the order: positions ascend, and at a position the
 * first full match is the longest one, since any longer delimiter was tried first
 * and had mismatched (had it run out of data, the scan would have stopped).
 *
 * Each byte is compared at most (longest delimiter length) times. The resume
 * position is the start of a pending match at most, which is less than one
 * delimiter before len, so a caller that restarts there rescans fewer than
 * `maxLen` bytes.
 *
 * Preconditions: 0 <= from <= len; out has room for 2 * cap i32.
 */
export function scanDelimiters(table: usize, data: usize, from: i32, len: i32, final: i32, out: usize, cap: i32): i32 {
  const n = load<u32>(table);
  const entries = table + TABLE_ENTRIES;
  let count = 0;
  let p = from;
  while (count < cap) {
    p = nextCandidate(table, data, p, len);
    if (p >= len) break;
    let matched: i32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const d = table + <usize>load<u32>(entries + (<usize>i << 3));
      const dlen = load<i32>(entries + (<usize>i << 3), 4);
      const avail = len - p < dlen ? len - p : dlen;
      let j = 0;
      while (j < avail && load<u8>(data + <usize>(p + j)) == load<u8>(d + <usize>j)) j++;
      if (j < avail) continue;
      if (avail < dlen) {
        if (final) continue;
        resume = p;
        return count;
      }
      matched = dlen;
      break;
    }
    if (matched == 0) {
      p++;
      continue;
    }
    store<i32>(out + (<usize>count << 3), p);
    store<i32>(out + (<usize>count << 3), matched, 4);
    count++;
    p += matched;
  }
  resume = p < len ? p : len;
  return count;
}
