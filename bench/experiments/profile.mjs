// Runs one framecodec scenario in a loop for profiling with --cpu-prof, then
// prints where the time went (self time per function, from the written profile).
//
//   node bench/experiments/profile.mjs lines/64B/64KiB-chunks [seconds=4] [decode|each|ranges]
//   (FRAMECODEC_BACKEND picks the engine, as for any user; FRAMECODEC_DIST=path/to/dist/index.js
//   profiles another build.)
//
// It re-executes itself under `node --cpu-prof --cpu-prof-interval 50`, so the
// profile covers only the timed loop's process.
import { pathToFileURL } from 'node:url';
import { CONTENDERS } from '../lib/contenders.mjs';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { inProfiledChild, profileChild } from './_profile.mjs';

const [id = 'lines/64B/64KiB-chunks', seconds = '4', mode = 'decode'] = process.argv.slice(2);
const dist = process.env.FRAMECODEC_DIST
  ? pathToFileURL(process.env.FRAMECODEC_DIST).href
  : new URL('../../dist/index.js', import.meta.url).href;

if (!inProfiledChild) {
  profileChild(import.meta.url, [id, seconds, mode]);
} else {
  const [scheme, size, chunk] = id.split('/');
  const toBytes = (s) => (s.endsWith('KiB') ? Number(s.slice(0, -3)) * 1024 : Number(s.slice(0, -1)));
  const scn = makeScenario(scheme, toBytes(size), chunk.startsWith('1460') ? 1460 : toBytes(chunk.split('-')[0]));
  const engine = process.env.FRAMECODEC_BACKEND ?? 'wasm-simd';
  const key =
    mode === 'each'
      ? 'framecodec decodeEach (wasm-simd)'
      : mode === 'ranges'
        ? 'framecodec decodeRanges (wasm-simd)'
        : `framecodec (${engine})`;
  const c = CONTENDERS[key];
  const run = (await c.load({ dist }))(scn);
  const input = buildInput(scn);
  let n = 0;
  const sink = () => n++;
  const range = () => n++;
  const end = Date.now() + Number(seconds) * 1000;
  let runs = 0;
  const t0 = process.hrtime.bigint();
  while (Date.now() < end) {
    run(input.chunks, sink, range);
    runs++;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `${scn.id} ${key}: ${runs} runs, ${(((input.wireBytes * runs) / ns) * 1e3).toFixed(0)} MB/s, ${(ns / (input.frames * runs)).toFixed(1)} ns/frame`,
  );
}
