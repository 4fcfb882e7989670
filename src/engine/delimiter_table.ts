// Private: a delimiter set encoded as the table the delimiter scanner reads
// (its layout is drawn in assembly/abi.ts). Built once per set; the engine copies
// it into linear memory when a decoder with another set scans.
import {
  GENERIC,
  LINES,
  LINES_CR,
  SINGLE,
  TABLE_COUNT,
  TABLE_ENTRIES,
  TABLE_FIRSTS,
  TABLE_FIRSTS_COUNT,
  TABLE_MEMBER,
  TABLE_MODE,
} from '../../assembly/abi.js';

/** How the scanner verifies a candidate: the fast modes for lines and single bytes. */
function tableMode(list: readonly Uint8Array[]): number {
  const keys = new Set(list.map((d) => d.join(',')));
  if (keys.size === 2 && keys.has('10') && keys.has('13,10')) return LINES;
  if (keys.size === 3 && keys.has('10') && keys.has('13,10') && keys.has('13')) return LINES_CR;
  return list.every((d) => d.length === 1) ? SINGLE : GENERIC;
}

/** The table of a set of distinct, non-empty delimiters. */
export function delimiterTable(list: readonly Uint8Array[]): Uint8Array {
  const sorted = [...list].sort((a, b) => b.length - a.length); // longest first
  const firsts = [...new Set(sorted.map((d) => d[0]))];
  const bytesAt = TABLE_ENTRIES + 8 * sorted.length;
  const size = bytesAt + sorted.reduce((n, d) => n + d.length, 0);
  const table = new Uint8Array(Math.ceil(size / 16) * 16);
  const view = new DataView(table.buffer);
  view.setUint32(TABLE_COUNT, sorted.length, true);
  const mode = tableMode(list);
  // LINES finds \r\n by its \n: the SIMD walk looks for \n alone.
  const simdFirsts = mode === LINES ? [0x0a] : firsts;
  view.setUint32(TABLE_FIRSTS_COUNT, simdFirsts.length, true);
  for (let k = 0; k < 4; k++) table[TABLE_FIRSTS + k] = simdFirsts[Math.min(k, simdFirsts.length - 1)];
  view.setUint32(TABLE_MODE, mode, true);
  for (const b of firsts) table[TABLE_MEMBER + b] = 1;
  let at = bytesAt;
  sorted.forEach((d, k) => {
    view.setUint32(TABLE_ENTRIES + 8 * k, at, true);
    view.setUint32(TABLE_ENTRIES + 8 * k + 4, d.length, true);
    table.set(d, at);
    at += d.length;
  });
  return table;
}
