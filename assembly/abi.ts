// The ABI between the scanners (assembly/, and their port src/engine/js.ts) and
// the engine that calls them (src/engine/engine.ts): every constant both sides
// read is written here, once. This file is both AssemblyScript and TypeScript
// (an integer `const` without a type is an i32 to asc and a number to tsc), so
// both compilers import it as it is.
//
// The exports are numeric: a scanner takes addresses and lengths in linear memory
// that the engine lays out, and reports through the results block below. No
// managed object crosses the boundary.
//
//   scanLength(params, data, len, results, cap): count
//   scanDelimiters(table, data, len, final, results, cap): count

// ---------------------------------------------------------------------------
// Results block: written by every scan, read by the engine right after it.
//
//   results
//   +0   +------------------+
//        | count     i32    |  frames (length scan) or matches (delimiter scan) recorded
//   +4   +------------------+
//        | status    i32    |  length scan: why it stopped (NEED_HEADER ... OUT_FULL)
//   +8   +------------------+
//        | resume    i32    |  first byte not resolved, relative to data
//   +12  +------------------+
//        | reason    i32    |  CORRUPT_* when status is CORRUPT
//   +16  +------------------+
//        | header    i32    |  header length of the frame the length scan stopped at
//   +20  +------------------+
//        | (unused)         |
//   +24  +------------------+
//        | value     f64    |  that frame's length field value
//   +32  +------------------+
//        | frame     f64    |  that frame's length on the wire
//   +40  +------------------+
//        | (unused)         |
//   +64  +------------------+
//        | pairs  i32[2cap] |  length scan: (payloadStart, frameEnd) per frame;
//        |                  |  delimiter scan: (position, length) per match;
//        |                  |  both relative to data, in stream order
//        +------------------+

export const RESULT_COUNT = 0;
export const RESULT_STATUS = 4;
export const RESULT_RESUME = 8;
export const RESULT_REASON = 12;
export const RESULT_HEADER = 16;
export const RESULT_VALUE = 24;
export const RESULT_FRAME = 32;
export const RESULT_PAIRS = 64;

// ---------------------------------------------------------------------------
// Length parameters: one decoder's options, written by the engine before a
// length scan (and kept while the same decoder scans again).
//
//   params
//   +0   | offset      i32 |  bytes before the length field
//   +4   | field       i32 |  1, 2, 3, 4, 8, or 0 for an unsigned LEB128 varint
//   +8   | little      i32 |  1 for little-endian
//   +12  | strip       i32 |  bytes cut from each frame's start; -1 = the whole header
//   +16  | adjustment  f64 |  added to the field's value (a safe integer)
//   +24  | max         f64 |  maxFrameLength
//   +32

export const PARAM_OFFSET = 0;
export const PARAM_FIELD = 4;
export const PARAM_LITTLE = 8;
export const PARAM_STRIP = 12;
export const PARAM_ADJUSTMENT = 16;
export const PARAM_MAX = 24;
export const PARAMS_SIZE = 32;

// Why a length scan stopped (results.status).
export const NEED_HEADER = 0; // the next header is not complete in the window
export const NEED_BODY = 1; //   header parsed, the frame ends past the window
export const CORRUPT = 2; //     see results.reason
export const TOO_LONG = 3; //    frame length > maxFrameLength
export const OUT_FULL = 4; //    `cap` frames recorded

// What is corrupt (results.reason).
export const CORRUPT_VARINT_TOO_LONG = 1; //     continuation bit on the 10th byte
export const CORRUPT_VALUE_TOO_BIG = 2; //       field value above 2^53 - 1
export const CORRUPT_SHORTER_THAN_HEADER = 3; // frame shorter than its own header
export const CORRUPT_SHORTER_THAN_STRIP = 4; //  frame shorter than initialBytesToStrip

// ---------------------------------------------------------------------------
// Delimiter table: a delimiter set as the delimiter scanner reads it, built by
// src/engine/delimiter_table.ts, 16-byte aligned.
//
//   table
//   +0    | n      u32      |  number of delimiters, sorted longest first
//   +4    | k      u32      |  number of distinct first bytes the SIMD walk looks for
//   +8    | firsts u8[4]    |  those bytes when k <= 4 (unused slots repeat the first)
//   +12   | mode   u32      |  how a candidate is verified (below)
//   +16   | member u8[256]  |  member[b] = 1 when b starts some delimiter
//   +272  | entries u32[2n] |  (offset from table, length) of each delimiter
//   ...   | bytes           |  the delimiters' bytes

export const TABLE_COUNT = 0;
export const TABLE_FIRSTS_COUNT = 4;
export const TABLE_FIRSTS = 8;
export const TABLE_MODE = 12;
export const TABLE_MEMBER = 16;
export const TABLE_ENTRIES = 272;

// Verification modes (table.mode).
export const GENERIC = 0; //  compare each delimiter, longest first
export const SINGLE = 1; //   every delimiter is one byte: a candidate is a match
export const LINES = 2; //    exactly \n and \r\n: the SIMD walk looks for \n and looks one byte back for \r
export const LINES_CR = 3; // \n, \r\n and \r: resolved inline
