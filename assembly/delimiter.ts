// Delimiter scanner: finds leftmost-longest delimiter matches in a window of bytes.
//
// The engine (src/engine/engine.ts) copies a delimiter table once and then, per
// window, calls `scanDelimiters`. The scanner is stateless: everything a caller
// needs to resume is the position it reports.
//
// The delimiter table (its layout is drawn in assembly/abi.ts) is built once per
// delimiter set by src/engine/delimiter_table.ts and copied into linear memory.
// Results: one (position, length) pair of i32 per match, in stream order, in the
// results block; positions are relative to `data`. The block's `resume` is the
// first byte not yet resolved: where the next scan starts.

import {
  RESULT_COUNT, RESULT_RESUME, RESULT_PAIRS, TABLE_COUNT, TABLE_FIRSTS_COUNT, TABLE_FIRSTS, TABLE_MODE,
  TABLE_MEMBER, TABLE_ENTRIES, SINGLE, LINES, LINES_CR,
} from "./abi";

const CR: u8 = 13;
const LF: u8 = 10;

// Ends a scan: where the next one resumes, and the count.
@inline
function stop(results: usize, resume: i32, count: i32): i32 {
  store<i32>(results + RESULT_RESUME, resume);
  store<i32>(results + RESULT_COUNT, count);
  return count;
}
// Length of the delimiter at data[q], 0 when none starts there, -1 when one may
// start there but the data ends first (pending). Delimiters are tried longest
// first, so the first full match is the longest.
@inline
function matchAt(table: usize, data: usize, q: i32, len: i32, final: i32): i32 {
  const n = load<u32>(table + TABLE_COUNT);
  const entries = table + TABLE_ENTRIES;
  for (let i: u32 = 0; i < n; i++) {
    const d = table + <usize>load<u32>(entries + (<usize>i << 3));
    const dlen = load<i32>(entries + (<usize>i << 3), 4);
    const avail = len - q < dlen ? len - q : dlen;
    let j = 0;
    while (j < avail && load<u8>(data + <usize>(q + j)) == load<u8>(d + <usize>j)) j++;
    if (j < avail) continue;
    if (avail < dlen) {
      if (final) continue;
      return -1;
    }
    return dlen;
  }
  return 0;
}

// LINES_CR: the line ending at data[q] (a \r or a \n), or -1 for a \r that ends the data.
@inline
function lineEnding(data: usize, q: i32, len: i32, final: i32): i32 {
  if (load<u8>(data + <usize>q) == LF) return 1;
  if (q + 1 < len) return load<u8>(data + <usize>(q + 1)) == LF ? 2 : 1;
  return final ? 1 : -1;
}

// Lanes equal to one of the k first bytes (k <= 4; unused splats repeat b0).
@inline
function candidates(v: v128, k: u32, b0: v128, b1: v128, b2: v128, b3: v128): v128 {
  if (k == 1) return i8x16.eq(v, b0);
  if (k == 2) return v128.or(i8x16.eq(v, b0), i8x16.eq(v, b1));
  return v128.or(v128.or(i8x16.eq(v, b0), i8x16.eq(v, b1)), v128.or(i8x16.eq(v, b2), i8x16.eq(v, b3)));
}

// A 128-byte stretch with no lane equal to one of the k first bytes? k is a
// literal at every call site, so each inlined copy keeps only its own compares.
@inline
function clear128(at: usize, k: u32, b0: v128, b1: v128, b2: v128, b3: v128): bool {
  const lo = v128.or(
    v128.or(candidates(v128.load(at), k, b0, b1, b2, b3), candidates(v128.load(at, 16), k, b0, b1, b2, b3)),
    v128.or(candidates(v128.load(at, 32), k, b0, b1, b2, b3), candidates(v128.load(at, 48), k, b0, b1, b2, b3)),
  );
  const hi = v128.or(
    v128.or(candidates(v128.load(at, 64), k, b0, b1, b2, b3), candidates(v128.load(at, 80), k, b0, b1, b2, b3)),
    v128.or(candidates(v128.load(at, 96), k, b0, b1, b2, b3), candidates(v128.load(at, 112), k, b0, b1, b2, b3)),
  );
  return !v128.any_true(v128.or(lo, hi));
}

// Skips 128-byte stretches that hold no candidate; returns the first block that may.
@inline
function skipClear(data: usize, block: i32, len: i32, k: u32, b0: v128, b1: v128, b2: v128, b3: v128): i32 {
  if (k == 1) {
    while (block + 128 <= len && clear128(data + <usize>block, 1, b0, b1, b2, b3)) block += 128;
  } else if (k == 2) {
    while (block + 128 <= len && clear128(data + <usize>block, 2, b0, b1, b2, b3)) block += 128;
  } else {
    while (block + 128 <= len && clear128(data + <usize>block, 4, b0, b1, b2, b3)) block += 128;
  }
  return block;
}

/**
 * Scans data[0, len) for delimiters and records up to `cap` matches in the results
 * block. Returns the number of matches; the block's `resume` says where the next
 * scan starts.
 *
 * Plain version (what the scalar build runs):
 *
 *   p = 0
 *   while p < len:
 *     if no delimiter starts with data[p]: p += 1; continue     (256-entry table)
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
 * SIMD version, when the delimiters have at most four distinct first bytes:
 * 1. Skip: 64 bytes a step, four unaligned `v128.load`s, each compared lane-wise
 *    (`i8x16.eq`) with the first bytes splatted into vectors; `v128.any_true` of
 *    their OR says whether any of the 64 bytes can start a delimiter. Long frames
 *    pass here at memory speed.
 * 2. Walk: otherwise `i8x16.bitmask` packs the four compares into one 64-bit
 *    mask; each set bit (lowest first: `ctz`, then `mask &= mask - 1`) is a
 *    candidate, verified as above (or taken as is when every delimiter is one
 *    byte). Bits inside a match just recorded are skipped. Dense matches (short
 *    frames) cost a few instructions each, with no reload.
 *    After a block without candidates the scan is likely inside a long frame,
 *    so it switches to a loop of 128-byte steps with the compares for this k
 *    only (`k` is otherwise tested per vector); it returns to 64-byte blocks at
 *    the first stretch that may hold a candidate, which dense input (short
 *    frames) never leaves.
 * 3. Tail: the last len % 64 bytes go through the plain loop, so no load reads
 *    past data + len.
 *
 * Each byte is compared at most (longest delimiter length) times. The resume
 * position is the start of a pending match at most, which is less than one
 * delimiter before len, so a caller that restarts there rescans fewer than the
 * longest delimiter's length.
 *
 * Preconditions: 0 <= len; the results block has room for 2 * cap i32 pairs.
 */
export function scanDelimiters(table: usize, data: usize, len: i32, final: i32, results: usize, cap: i32): i32 {
  const k = load<u32>(table + TABLE_FIRSTS_COUNT);
  const mode = load<u32>(table + TABLE_MODE);
  const out = results + RESULT_PAIRS;
  let count = 0;
  let p = 0; // candidates before p lie inside a recorded match
  if (ASC_FEATURE_SIMD) {
    if (k <= 4 && cap > 0) {
      const b0 = i8x16.splat(load<i8>(table + TABLE_FIRSTS));
      const b1 = i8x16.splat(load<i8>(table + TABLE_FIRSTS, 1));
      const b2 = i8x16.splat(load<i8>(table + TABLE_FIRSTS, 2));
      const b3 = i8x16.splat(load<i8>(table + TABLE_FIRSTS, 3));
      let block = 0;
      while (block + 64 <= len) {
        const at = data + <usize>block;
        const c0 = candidates(v128.load(at), k, b0, b1, b2, b3);
        const c1 = candidates(v128.load(at, 16), k, b0, b1, b2, b3);
        const c2 = candidates(v128.load(at, 32), k, b0, b1, b2, b3);
        const c3 = candidates(v128.load(at, 48), k, b0, b1, b2, b3);
        // 1. skip: nothing in these 64 bytes can start a delimiter
        if (!v128.any_true(v128.or(v128.or(c0, c1), v128.or(c2, c3)))) {
          block = skipClear(data, block + 64, len, k, b0, b1, b2, b3);
          continue;
        }
        // 2. walk: one bit per candidate, lowest first
        let mask: u64 = <u64>(<u32>i8x16.bitmask(c0)) | (<u64>(<u32>i8x16.bitmask(c1)) << 16)
          | (<u64>(<u32>i8x16.bitmask(c2)) << 32) | (<u64>(<u32>i8x16.bitmask(c3)) << 48);
        while (mask != 0) {
          const q = block + <i32>ctz<u64>(mask);
          mask &= mask - 1;
          if (q < p) continue;
          let start = q;
          let m: i32;
          if (mode == SINGLE) {
            m = 1;
          } else if (mode == LINES) {
            // a \n; a \r just before it (and after the last match) makes it \r\n
            if (q > p && load<u8>(data + <usize>(q - 1)) == CR) start = q - 1;
            m = q + 1 - start;
          } else if (mode == LINES_CR) {
            m = lineEnding(data, q, len, final);
          } else {
            m = matchAt(table, data, q, len, final);
          }
          if (m < 0) return stop(results, q, count);
          if (m == 0) continue;
          store<i32>(out + (<usize>count << 3), start);
          store<i32>(out + (<usize>count << 3), m, 4);
          p = start + m;
          if (++count == cap) return stop(results, p, count);
        }
        block += 64;
        if (p > block) block = p; // past a delimiter longer than the rest of the block
      }
      if (p < block) {
        // LINES skipped every \r: one just before the plain loop may start a \r\n.
        p = block > p && mode == LINES && load<u8>(data + <usize>(block - 1)) == CR ? block - 1 : block;
      }
    }
  }
  // 3. the plain loop: the tail, the scalar build, and more than four first bytes
  const member = table + TABLE_MEMBER;
  while (p < len && count < cap) {
    if (load<u8>(member + <usize>load<u8>(data + <usize>p)) == 0) {
      p++;
      continue;
    }
    const m = matchAt(table, data, p, len, final);
    if (m < 0) return stop(results, p, count);
    if (m == 0) {
      p++;
      continue;
    }
    store<i32>(out + (<usize>count << 3), p);
    store<i32>(out + (<usize>count << 3), m, 4);
    p += m;
    count++;
  }
  return stop(results, p < len ? p : len, count);
}
