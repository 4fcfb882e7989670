// Profiles text lines through one path, then prints where the time went (self
// time per function):
//
//   node bench/experiments/text_profile.mjs path/to/dist/index.js [decode|frames|array] [--chunk 1460] [--size 64] [--seconds 4]
//
// decode: TextLineDecoder.decode() chunk by chunk; frames: for await over
// frames(Readable.from(chunks), new TextLineDecoder()); array: the same over the
// array of chunks (no stream). It re-executes itself under `node --cpu-prof`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const k = args.indexOf(name);
  if (k < 0) return fallback;
  const [, value] = args.splice(k, 2);
  return value;
};
const chunkSize = Number(option('--chunk', '1460'));
const size = Number(option('--size', '64'));
const seconds = Number(option('--seconds', '4'));
const [dist, mode = 'frames'] = args;

if (!process.env.PROFILE_CHILD) {
  const dir = mkdtempSync(join(tmpdir(), 'framecodec-prof-'));
  execFileSync(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-interval',
      '50',
      '--cpu-prof-dir',
      dir,
      fileURLToPath(import.meta.url),
      resolve(dist),
      mode,
      '--chunk',
      String(chunkSize),
      '--size',
      String(size),
      '--seconds',
      String(seconds),
    ],
    { stdio: 'inherit', env: { ...process.env, PROFILE_CHILD: '1' } },
  );
  const file = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
  );
  summarize(JSON.parse(readFileSync(file, 'utf8')), file);
} else {
  const fc = await import(pathToFileURL(dist).href);
  const { chunks, frames } = buildInput(makeScenario('text', size, chunkSize));
  let n = 0;
  const runs = {
    decode: async () => {
      const d = new fc.TextLineDecoder();
      for (let i = 0; i < chunks.length; i++) n += d.decode(chunks[i]).length;
      n += d.end().length;
    },
    frames: async () => {
      for await (const _ of fc.frames(Readable.from(chunks), new fc.TextLineDecoder())) n++;
    },
    array: async () => {
      for await (const _ of fc.frames(chunks, new fc.TextLineDecoder())) n++;
    },
  };
  const run = runs[mode];
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const t0 = process.hrtime.bigint();
  while (Date.now() < end) {
    n = 0;
    await run();
    if (n !== frames) throw new Error(`${n} lines, expected ${frames}`);
    count++;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`text/${size}B/${chunkSize}B ${mode}: ${count} runs, ${(ns / count / 1e3).toFixed(0)} µs per run`);
}

function summarize(profile, file) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, k) => {
    const f = nodes.get(id).callFrame;
    const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    const t = dt[k] ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  });
  console.log(`profile ${file}\nself time by function (top 25 of ${(total / 1000).toFixed(0)} ms):`);
  [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .forEach(([k, t]) => {
      console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
    });
}
