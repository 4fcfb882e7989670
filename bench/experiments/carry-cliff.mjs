// The 64-byte cliff of the carry: with 1,460-byte chunks almost every chunk ends
// inside a frame, and the decoder copies that frame's start into a new buffer.
// V8 keeps typed arrays of <= 64 bytes in the JS heap and gives larger ones an
// off-heap backing store, which costs several times more to allocate and free.
// A 60-byte payload with a 4-byte header (64 B on the wire) stays under the
// cliff; a 64-byte payload (68 B) does not. ns per frame, CPU time, median of 9.
//
//   node bench/experiments/carry-cliff.mjs [path/to/dist/index.js]
import { pathToFileURL } from 'node:url';
import { CONTENDERS } from '../lib/contenders.mjs';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { cpuNs, median } from './_clock.mjs';

const distPath = process.argv[2] ?? new URL('../../dist/index.js', import.meta.url).pathname;
const dist = pathToFileURL(distPath).href;
const ids = ['framecodec (wasm-simd)', 'DataView loop'];
const loaded = {};
for (const id of ids) loaded[id] = await CONTENDERS[id].load({ dist });
let sink = 0;
const take = (f) => {
  sink += f.length;
};
console.log('len4, 1,460 B chunks: ns per frame (CPU time, median of 9 rounds)');
for (const payload of [56, 60, 61, 64, 68]) {
  const scn = makeScenario('len4', payload, 1460);
  const input = buildInput(scn);
  const row = [];
  for (const id of ids) {
    const run = loaded[id](scn);
    for (let w = 0; w < 20; w++) run(input.chunks, take);
    const xs = [];
    for (let r = 0; r < 9; r++) {
      const t0 = cpuNs();
      for (let k = 0; k < 10; k++) run(input.chunks, take);
      xs.push((cpuNs() - t0) / 10 / input.frames);
    }
    row.push(`${id} ${median(xs).toFixed(1).padStart(6)} ns`);
  }
  console.log(`  payload ${String(payload).padStart(2)} B (wire ${payload + 4} B): ${row.join('   ')}`);
}
if (sink < 0) console.log(sink);
