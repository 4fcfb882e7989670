// Where an echo server's time goes: runs one variant's server (server.mjs) under
// `node --cpu-prof`, drives it with the benchmark's client at one payload size,
// then prints the profile's self time per function and the total time (self +
// callees) of the functions that say what a frame costs.
//
//   node bench/echo/profile.mjs framed 64 [seconds=3]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echoRun } from './client.mjs';
import { plan } from './plan.mjs';

const [variant = 'framed', sizeArg = '64', seconds = '3'] = process.argv.slice(2);
const size = Number(sizeArg);
const dir = mkdtempSync(join(tmpdir(), 'framecodec-echo-prof-'));
const child = fork(fileURLToPath(new URL('server.mjs', import.meta.url)), [variant], {
  execArgv: ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', dir],
});
const [{ port }] = await once(child, 'message');
let frames = 0;
let wallNs = 0;
const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  const reported = once(child, 'message');
  const run = await echoRun({ port, size, durationMs: 500, ...plan(size) });
  await reported;
  frames += run.frames;
  wallNs += run.wallNs;
}
const exited = once(child, 'exit');
child.disconnect();
await exited;
console.log(`${variant}, ${size} B payloads: ${((frames / wallNs) * 1e9).toFixed(0)} frames/s over ${frames} frames`);
const file = join(
  dir,
  readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
);
summarize(JSON.parse(readFileSync(file, 'utf8')), file, frames);

/** Self time per function, and total time of the functions called per frame or per read. */
function summarize(profile, file, frames) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map();
  let total = 0;
  profile.samples.forEach((id, k) => {
    const t = profile.timeDeltas[k] ?? 0;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + t);
    total += t;
  });
  const name = (n) => {
    const f = n.callFrame;
    const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map();
  for (const [id, t] of selfByNode) {
    const key = name(nodes.get(id));
    self.set(key, (self.get(key) ?? 0) + t);
  }
  // Total time: a function's subtree, counted once per sample however deep it recurses.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, t] of selfByNode) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = name(nodes.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const perFrame = (t) => `${((t * 1000) / frames).toFixed(0).padStart(5)} ns/frame`;
  const show = (title, map, count) => {
    console.log(title);
    const top = [...map.entries()]
      .filter(([k]) => !/^\(root\)|^\(program\)$/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count);
    for (const [k, t] of top) console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${perFrame(t)}  ${k}`);
  };
  console.log(`profile ${file} (${(total / 1000).toFixed(0)} ms sampled, idle included)`);
  show('self time, top 22:', self, 22);
  show('total time (self + callees), top 30:', inclusive, 30);
}
