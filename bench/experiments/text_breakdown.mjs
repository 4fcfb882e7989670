// Where the time of `for await (const line of frames(Readable.from(chunks), new
// TextLineDecoder()))` goes, next to readline: the same input (the benchmark's
// text scenario) through the decoder alone, the source alone, frames() over an
// array (no stream) and over Readable.from().
//
//   node bench/experiments/text_breakdown.mjs path/to/dist/index.js [--size 64] [--rounds 15]
//
// Build dist/ apart from the working tree (see ab.mjs) or use bench/run.mjs's.
// Each round runs every contender for >= 25 ms of CPU time, in an order that
// rotates; the figure is the median over the rounds of the CPU time per run of
// 1 MiB (µs), and that time spread over the chunks (ns per chunk).
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { interleaved, median } from './_clock.mjs';
import { takeOption } from './_args.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => takeOption(args, name, fallback);
const fc = await import(pathToFileURL(args[0]).href);
const size = Number(option('--size', '64'));
const rounds = Number(option('--rounds', '15'));

let n = 0;
const contenders = {
  'Readable.from, for await (source)': async (chunks) => {
    for await (const _ of Readable.from(chunks)) n++;
  },
  'TextLineDecoder.decode()': (chunks) => {
    const d = new fc.TextLineDecoder();
    for (let i = 0; i < chunks.length; i++) n += d.decode(chunks[i]).length;
    n += d.end().length;
  },
  'frames(array)': async (chunks) => {
    for await (const _ of fc.frames(chunks, new fc.TextLineDecoder())) n++;
  },
  'frames(Readable.from)': async (chunks) => {
    for await (const _ of fc.frames(Readable.from(chunks), new fc.TextLineDecoder())) n++;
  },
  'readline, for await': async (chunks) => {
    for await (const _ of readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) n++;
  },
};

console.log(`engine ${fc.backend()}, node ${process.version}, ${size} B lines, ${rounds} rounds, median CPU time`);
for (const chunkSize of [65536, 1460]) {
  const { chunks, frames } = buildInput(makeScenario('text', size, chunkSize));
  const names = Object.keys(contenders);
  // Rounds -2 and -1 warm up and are not counted (see interleaved()).
  const samples = await interleaved(names, rounds, async (name) => {
    n = 0;
    await contenders[name](chunks);
    if (n !== frames && n !== chunks.length) throw new Error(`${name}: ${n} items`);
  });
  console.log(`\n${chunks.length} chunks of ${chunkSize} B, ${frames} lines`);
  for (const name of names) {
    const ns = median(samples[name]);
    console.log(
      `  ${name.padEnd(34)} ${(ns / 1e3).toFixed(0).padStart(6)} µs ${(ns / chunks.length).toFixed(0).padStart(7)} ns/chunk`,
    );
  }
}
