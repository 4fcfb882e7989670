// Profiles text lines through one path, then prints where the time went (self
// time per function):
//
//   node bench/experiments/text_profile.mjs path/to/dist/index.js [decode|frames|array] [--chunk 1460] [--size 64] [--seconds 4]
//
// decode: TextLineDecoder.decode() chunk by chunk; frames: for await over
// frames(Readable.from(chunks), new TextLineDecoder()); array: the same over the
// array of chunks (no stream). It re-executes itself under `node --cpu-prof`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { inProfiledChild, profileChild } from './_profile.mjs';
import { textRuns } from './_text_runs.mjs';
import { takeOption } from './_args.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => takeOption(args, name, fallback);
const chunkSize = Number(option('--chunk', '1460'));
const size = Number(option('--size', '64'));
const seconds = Number(option('--seconds', '4'));
const [dist, mode = 'frames'] = args;

if (!inProfiledChild) {
  profileChild(
    import.meta.url,
    [resolve(dist), mode, '--chunk', String(chunkSize), '--size', String(size), '--seconds', String(seconds)],
    25,
  );
} else {
  const fc = await import(pathToFileURL(dist).href);
  const { chunks, frames } = buildInput(makeScenario('text', size, chunkSize));
  const runs = textRuns(fc, chunks);
  const run = runs[mode];
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const t0 = process.hrtime.bigint();
  while (Date.now() < end) {
    await run();
    if (runs.count() !== frames) throw new Error(`${runs.count()} lines, expected ${frames}`);
    count++;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`text/${size}B/${chunkSize}B ${mode}: ${count} runs, ${(ns / count / 1e3).toFixed(0)} µs per run`);
}
