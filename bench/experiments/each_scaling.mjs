// decodeEach on one chunk of tiny frames: does the time grow with the input, or
// faster (garbage that outlives the young generation)? Issue 13 asks 8x the input
// to cost < 10x the time, without forced GC.
//
//   node bench/experiments/each_scaling.mjs [path/to/dist/index.js]
//
// One-byte frames ('a\n' lines, fixed 1-byte records, 1-byte length fields), one
// chunk of 160 KB and one of 1.28 MB (8x), decodeEach with a sink that keeps
// nothing; the median CPU time of many calls, each on a fresh decoder.
import { pathToFileURL } from 'node:url';
import { cpuNs, median } from './_clock.mjs';

const dist = process.argv[2]
  ? pathToFileURL(process.argv[2]).href
  : new URL('../../dist/index.js', import.meta.url).href;
const fc = await import(dist);

const SMALL = 160 * 1000;
const kinds = {
  lines: [() => new fc.LineDecoder(), (n) => new TextEncoder().encode('a\n'.repeat(n / 2))],
  fixed: [() => new fc.FixedLengthDecoder({ frameLength: 1 }), (n) => new Uint8Array(n)],
  len1: [
    () => new fc.LengthFieldDecoder({ lengthFieldLength: 1 }),
    (n) => Uint8Array.from({ length: n }, (_, k) => (k % 2 === 0 ? 1 : 97)),
  ],
};

let sink = 0;
const onFrame = (f) => {
  sink += f.length;
};
function time(make, chunk, runs) {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const d = make();
    const t = cpuNs();
    d.decodeEach(chunk, onFrame);
    samples.push(cpuNs() - t);
  }
  return median(samples);
}

for (const [name, [make, input]] of Object.entries(kinds)) {
  const small = input(SMALL);
  const large = input(8 * SMALL);
  time(make, small, 20); // warm-up
  time(make, large, 5);
  const a = time(make, small, 40);
  const b = time(make, large, 15);
  console.log(
    `${name.padEnd(6)} 160 KB ${(a / 1e6).toFixed(2)} ms   1.28 MB ${(b / 1e6).toFixed(2)} ms   8x the input: ${(b / a).toFixed(1)}x the time`,
  );
}
if (sink < 0) console.log(sink);
