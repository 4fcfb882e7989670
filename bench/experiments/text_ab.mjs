// A/B of two builds on text lines, in one process, for a loaded machine: the two
// builds' runs alternate in short batches (A B B A ...), and each adjacent pair
// gives a ratio, so that load that comes and goes weighs on both alike. Reports
// the median ns per line of each build and the median (with quartiles) of the
// paired ratios A/B (> 1: B is faster).
//
//   node bench/experiments/text_ab.mjs A/dist/index.js B/dist/index.js [--mode decode|frames|array]
//        [--pairs 60] [--batch-ms 30] text/64B/1460B text/64B/64KiB ...
//
// decode: TextLineDecoder.decode() chunk by chunk, then end(); frames: for await
// over frames(Readable.from(chunks), new TextLineDecoder()); array: frames() over
// the array of chunks. CPU time of this process (see _clock.mjs).
import { pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { cpuNs, median } from './_clock.mjs';
import { textRuns } from './_text_runs.mjs';
import { takeOption } from './_args.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => takeOption(args, name, fallback);
const mode = option('--mode', 'frames');
const pairs = Number(option('--pairs', '60'));
const batchNs = Number(option('--batch-ms', '30')) * 1e6;
const [a, b, ...ids] = args;
const builds = [await import(pathToFileURL(a).href), await import(pathToFileURL(b).href)];

const bytes = (s) => (s.endsWith('KiB') ? Number(s.slice(0, -3)) * 1024 : Number(s.slice(0, -1)));
const runner = (fc, chunks) => {
  const runs = textRuns(fc, chunks);
  const run = runs[mode];
  return async () => {
    await run();
    return runs.count();
  };
};

console.log(`A = ${a}\nB = ${b}\nmode ${mode}, ${pairs} pairs of ${batchNs / 1e6} ms batches; ns per line (CPU time)`);
for (const id of ids) {
  const [, size, chunk] = id.split('/');
  const { chunks, frames } = buildInput(makeScenario('text', bytes(size), bytes(chunk)));
  const runs = builds.map((fc) => runner(fc, chunks));
  const batch = async (k) => {
    const t0 = cpuNs();
    let count = 0;
    do {
      const n = await runs[k]();
      if (n !== frames) throw new Error(`${id} ${'AB'[k]}: ${n} lines, expected ${frames}`);
      count++;
    } while (cpuNs() - t0 < batchNs);
    return (cpuNs() - t0) / (count * frames);
  };
  for (let w = 0; w < 4; w++) await batch(w % 2); // warm up
  const t = [[], []];
  const ratios = [];
  for (let p = 0; p < pairs; p++) {
    const first = p % 2;
    const x = await batch(first);
    const y = await batch(1 - first);
    t[first].push(x);
    t[1 - first].push(y);
    ratios.push(first === 0 ? x / y : y / x);
  }
  const s = [...ratios].sort((u, v) => u - v);
  const q = (f) => s[Math.floor(f * (s.length - 1))];
  console.log(
    `${id.padEnd(18)} A ${median(t[0]).toFixed(1).padStart(7)}  B ${median(t[1]).toFixed(1).padStart(7)}  A/B ${q(0.5).toFixed(3)} (quartiles ${q(0.25).toFixed(3)} ${q(0.75).toFixed(3)})`,
  );
}
