// The carry pattern of a frame that spans two 64 KiB chunks, without framecodec:
// allocate the tail (1 to 16 KiB, varying), then a 16 KiB frame, copy both, and
// drop them a little later. Printed: µs per such straddle for each 20 ms batch of
// CPU time, from process start. On these machines the first ~100-150 ms run at
// ~100 µs per straddle before settling near ~6 µs (the allocator and V8's
// external-memory bookkeeping warming up), and bursts recur: off-heap ArrayBuffer
// churn is both slow and erratic. Typed arrays of at most 64 bytes live in the
// V8 heap and are not affected.
//
//   node bench/experiments/alloc-phases.mjs [u8|buffer] [worker]
import { isMainThread, Worker } from 'node:worker_threads';
import { cpuNs } from './_clock.mjs';

const [mode = 'u8', where = 'main'] = process.argv.slice(2);
if (where === 'worker' && isMainThread) {
  new Worker(new URL(import.meta.url), { argv: [mode, 'worker'] });
} else {
  const src = Buffer.alloc(65536, 7);
  const alloc = mode === 'u8' ? (n) => new Uint8Array(n) : (n) => Buffer.allocUnsafe(n);
  const keep = [];
  let x = 12345;
  const out = [];
  for (let batch = 0; batch < 25; batch++) {
    const c = cpuNs();
    let k = 0;
    while (cpuNs() - c < 2e7) {
      x = (x * 1103515245 + 12345) >>> 0;
      const tail = 64 + (x % 16000);
      const a = alloc(tail);
      a.set(src.subarray(0, tail));
      const f = alloc(16388);
      f.set(a.subarray(0, tail));
      f.set(src.subarray(0, 16388 - tail), tail);
      keep.push(f);
      if (keep.length > 4) keep.shift();
      k++;
    }
    out.push(((cpuNs() - c) / k / 1000).toFixed(1));
  }
  console.log(`${mode} in ${where} thread: µs per straddle, 20 ms CPU batches:\n${out.join(' ')}`);
}
