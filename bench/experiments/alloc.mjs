// What it costs to allocate the buffer that holds a frame split over two chunks
// (the carry), by size and by allocator. V8 keeps typed arrays of at most 64
// bytes inside the JS heap; larger ones get an off-heap ArrayBuffer backing store
// (malloc + registration for GC sweeping), which costs far more, also in GC time.
// Node's Buffer.allocUnsafe carves small buffers (< 4 KiB) out of an 8 KiB pool.
//
//   node bench/experiments/alloc.mjs
//
// Each variant allocates one buffer of n bytes and copies n bytes into it (as a
// carry does), 200,000 times; ns per allocation, median of 7 rounds, CPU time, GC included.
import { cpuNs } from './_clock.mjs';
const SIZES = [32, 64, 68, 200, 1024, 4096, 16384];
const src = new Uint8Array(16384).fill(7);
let keep = null;
let sink = 0;

// A slab allocator like Node's pool, in plain Uint8Array terms: views carved out
// of a shared ArrayBuffer, a new slab when the current one is used up. Nothing
// is ever written twice, so handed-out views stay stable.
const SLAB = 64 * 1024;
let slab = new ArrayBuffer(SLAB);
let slabAt = 0;
function slabAlloc(n) {
  if (n > SLAB / 8) return new Uint8Array(n);
  if (slabAt + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabAt = 0;
  }
  const v = new Uint8Array(slab, slabAt, n);
  slabAt = (slabAt + n + 7) & ~7;
  return v;
}

const variants = {
  'new Uint8Array(n)': (n) => new Uint8Array(n),
  'Buffer.allocUnsafe(n)': (n) => Buffer.allocUnsafe(n),
  'slab view (64 KiB slabs)': (n) => slabAlloc(n),
};

const N = 200_000;
const rows = [];
for (const n of SIZES) {
  const row = { bytes: n };
  const part = src.subarray(0, n);
  for (const [name, alloc] of Object.entries(variants)) {
    const xs = [];
    for (let round = 0; round < 7; round++) {
      const reps = n > 4096 ? N / 10 : N;
      const t0 = cpuNs();
      for (let i = 0; i < reps; i++) {
        const b = alloc(n);
        b.set(part);
        keep = b;
        sink += b.length;
      }
      xs.push((cpuNs() - t0) / reps);
    }
    row[name] = +xs.sort((a, b) => a - b)[3].toFixed(1);
  }
  rows.push(row);
}
console.log('ns per allocation + copy of n bytes (median of 7 rounds, CPU time, GC included)');
console.table(rows);
if (sink < 0 || keep === 1) console.log(sink);
