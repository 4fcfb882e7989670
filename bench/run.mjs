// framecodec benchmarks: every scheme, frame size and chunk size, racing the peers.
//
//   npm run bench          full run (10-20 min): every scenario, 4 rounds; writes
//                          bench/results/latest.json, the charts and docs/performance.md
//   npm run bench:quick    < 1 min: the scenarios the targets need, 2 rounds;
//                          writes bench/results/quick.json (not committed)
//   node bench/run.mjs --filter '^text/'
//                          the scenarios whose id matches, e.g. text/64B/1460B-chunks
//                          (scheme/frame size/chunk size); writes
//                          bench/results/filtered.json (not committed): a partial
//                          run replaces neither latest.json nor (without --report)
//                          docs/performance.md; nothing merges partial runs
//
//   node bench/run.mjs --charts-only bench/results/latest.json [--charts-dir DIR]
//                          no run: redraws the charts of a results file (into
//                          bench/results/, or DIR) and, with --report, rewrites
//                          docs/performance.md from it
//
//   node bench/run.mjs [--quick] [--filter REGEX] [--rounds N] [--time MS]
//                      [--out FILE] [--no-memory] [--no-build] [--report]
//                      [--ref GIT-REF | --dist DIR] [--clock cpu|wall]
//
// Method (see docs/performance.md): each contender runs in its own worker thread
// (one per contender and scheme), one at a time, timed in CPU time of the process
// (--clock wall for wall time; see lib/worker.mjs). Per scenario, every contender
// first decodes the input once and must produce the reference frames (count, bytes, checksum); any mismatch aborts
// the run with exit status 1. Then the contenders are timed with tinybench in
// interleaved rounds (the order rotates each round), so that a burst of load from
// elsewhere on the machine hits all of them alike; a contender's result is the
// median of all its samples over all rounds. Targets are reported, not enforced:
// a missed target does not change the exit status.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CONTENDERS, contendersFor } from './lib/contenders.mjs';
import { allScenarios, buildInput, makeScenario, PAYLOAD_BYTES } from './lib/scenarios.mjs';
import { versionOf } from './lib/drivers.mjs';
import { describe, evaluate, FC, familyOf } from './lib/targets.mjs';
import { writeCharts } from './lib/chart.mjs';
import { writeReadmeTable, writeReport } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

const chartsOnly = option('--charts-only', null);
if (chartsOnly) {
  const data = JSON.parse(readFileSync(chartsOnly, 'utf8'));
  for (const f of await writeCharts(data, option('--charts-dir', join(root, 'bench/results'))))
    console.log(`chart: ${f}`);
  if (flag('--report')) {
    console.log(`report: ${writeReport(data, join(root, 'docs/performance.md'))}`);
    console.log(`README table: ${writeReadmeTable(data, join(root, 'README.md'))}`);
  }
  process.exit(0);
}

const quick = flag('--quick');
const settings = quick
  ? { rounds: 2, time: 50, iterations: 3, warmupTime: 60, warmupIterations: 2 }
  : { rounds: 4, time: 120, iterations: 6, warmupTime: 250, warmupIterations: 3 };
// Warm-up matters beyond the JIT: in a fresh worker, off-heap ArrayBuffer
// allocation runs ~15x slower for the first ~100-150 ms of CPU time
// (bench/experiments/alloc-phases.mjs). The full run warms each contender up for
// 250 ms (before its first round) to measure the steady state of a long-lived server.
settings.clock = option('--clock', 'cpu');
settings.rounds = Number(option('--rounds', settings.rounds));
settings.time = Number(option('--time', settings.time));
const filter = option('--filter', null);
const out = option(
  '--out',
  join(root, 'bench/results', quick ? 'quick.json' : filter ? 'filtered.json' : 'latest.json'),
);
const report = flag('--report') || (!quick && !filter);

// Scenarios the targets need; the quick run measures only these.
const QUICK = [
  ['lines', 16, 65536],
  ['lines', 64, 65536],
  ['lines', 16384, 65536],
  ['text', 64, 65536],
  ['text', 64, 1460],
  ['crlf', 16, 65536],
  ['crlf', 64, 65536],
  ['len4', 64, 65536],
  ['len4', 64, 1460],
  ['len4', 16384, 65536],
  ['varint', 64, 65536],
  ['grpc', 64, 65536],
  ['mongo', 64, 65536],
];

let scenarios = quick ? QUICK.map(([s, f, c]) => makeScenario(s, f, c)) : allScenarios();
if (filter) scenarios = scenarios.filter((s) => new RegExp(filter).test(s.id));
if (scenarios.length === 0) {
  console.error(`no scenario matches ${filter}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The code under test. Default: this working tree's dist/, rebuilt when older than
// its sources. With --ref REF: that commit, exported with `git archive` into a
// temporary directory and built there, so that uncommitted work in a shared
// checkout is not what gets measured. Either way dist/ is copied first, so that a
// rebuild by someone else during the run cannot change it under us.

function newest(dir) {
  let t = 0;
  for (const f of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(root, dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(join(dir, f.name)) : statSync(p).mtimeMs);
  }
  return t;
}

const ref = option('--ref', null);
const snapshot = mkdtempSync(join(tmpdir(), 'framecodec-bench-'));
process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
let distDir = join(root, 'dist');
const distOption = option('--dist', null);
if (distOption) {
  distDir = distOption; // a prebuilt dist/ directory, used as is
} else if (ref) {
  const tree = join(snapshot, 'tree');
  mkdirSync(tree);
  console.error(`building ${ref} in ${tree}`);
  execFileSync('sh', ['-c', `git archive --format=tar "$1" | tar -x -C "$2"`, 'sh', ref, tree], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  distDir = join(tree, 'dist');
} else {
  const distFile = join(root, 'dist/index.js');
  const stale = !existsSync(distFile) || statSync(distFile).mtimeMs < Math.max(newest('src'), newest('assembly'));
  if (!flag('--no-build') && (!quick || stale)) {
    console.error(stale ? 'dist/ is older than src/: building' : 'building dist/');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!existsSync(distFile)) {
    console.error('dist/index.js is missing: run npm run build (or drop --no-build)');
    process.exit(2);
  }
}
const under = join(snapshot, 'dist');
cpSync(distDir, under, { recursive: true, filter: (p) => !p.endsWith('.ts') && !p.endsWith('.cts') });
writeFileSync(join(under, 'package.json'), '{"type":"module"}');
const dist = pathToFileURL(join(under, 'index.js')).href;

function git(...a) {
  try {
    return execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const cpuModel = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model;
  } catch {
    return cpus()[0]?.model;
  }
})();

const meta = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : filter ? `filter ${filter}` : 'full',
  command: `node bench/run.mjs ${args.join(' ')}`.trim(),
  commit: git('rev-parse', '--short', ref ?? 'HEAD'),
  dirty: ref ? false : git('status', '--porcelain', '--', 'src', 'assembly') !== '',
  node: process.version,
  v8: process.versions.v8,
  cpu: cpuModel,
  nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
  payloadBytes: PAYLOAD_BYTES,
  // The installed version of every package raced (npm name -> version).
  packages: Object.fromEntries(
    [...new Set(Object.values(CONTENDERS).flatMap((c) => (c.package ? [c.package] : [])))]
      .sort()
      .map((name) => [name, versionOf(name)]),
  ),
  ...settings,
};

// ---------------------------------------------------------------------------
// Workers: one per contender and framing scheme, created on first use and ended
// when the run moves on to the next scheme. A worker thus sees one kind of
// decoder, as an application speaking one protocol does: code shared between
// decoders (the base class, the carry) is not made polymorphic by the others.

const workers = new Map();
let workerScheme = null;

async function endWorkers() {
  for (const w of workers.values()) await w.terminate();
  workers.clear();
}

function workerFor(id) {
  let w = workers.get(id);
  if (w) return w;
  const c = CONTENDERS[id];
  const env = { ...process.env };
  if (c.engine) env.FRAMECODEC_BACKEND = c.engine;
  const worker = new Worker(new URL('./lib/worker.mjs', import.meta.url), { workerData: { id, dist }, env });
  let pending = null;
  const ready = new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => (m.ready ? resolve() : reject(new Error('worker did not start'))));
  });
  worker.on('error', (e) => pending?.reject(e));
  worker.on('message', (m) => {
    if (m.ready || !pending) return;
    const p = pending;
    pending = null;
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${id}: ${m.error}`));
  });
  w = {
    async call(msg) {
      await ready;
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(msg);
      });
    },
    terminate: () => worker.terminate(),
  };
  workers.set(id, w);
  return w;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------------------

const started = Date.now();
console.log(
  `framecodec bench (${meta.mode}): ${meta.cpu}, ${meta.nproc} cores, Node ${meta.node}, load ${meta.loadavg.join(' ')}`,
);
console.log(
  `${scenarios.length} scenarios, ${settings.rounds} rounds of ${settings.time} ms per contender, ${PAYLOAD_BYTES / 1048576} MiB per run\n`,
);

const results = [];
let failed = false;
for (const scn of scenarios) {
  if (scn.scheme !== workerScheme) {
    await endWorkers();
    workerScheme = scn.scheme;
  }
  let ids = contendersFor(scn.scheme).filter((id) => !(quick && CONTENDERS[id].extra));
  const ref = buildInput(scn);
  // 1. Same frames from everyone, before anything is timed.
  const unavailable = new Set();
  for (const id of ids) {
    const got = await workerFor(id).call({ cmd: 'verify', scn });
    if (got.unavailable) {
      unavailable.add(id);
      continue;
    }
    if (got.frames !== ref.frames || got.bytes !== ref.bytes || got.checksum !== ref.checksum) {
      console.error(
        `MISMATCH in ${scn.id}: ${id} gave ${got.frames} frames / ${got.bytes} B / checksum ${got.checksum}, ` +
          `expected ${ref.frames} / ${ref.bytes} / ${ref.checksum}`,
      );
      failed = true;
    }
  }
  if (failed) break;
  ids = ids.filter((id) => !unavailable.has(id));
  // 2. Interleaved rounds.
  const samples = Object.fromEntries(ids.map((id) => [id, []]));
  const roundMedians = Object.fromEntries(ids.map((id) => [id, []]));
  for (let r = 0; r < settings.rounds; r++) {
    const order = ids.map((_, k) => ids[(k + r) % ids.length]);
    for (const id of order) {
      // Full warm-up before the first round only; later rounds just re-enter.
      const opts = r === 0 ? settings : { ...settings, warmupTime: Math.min(settings.warmupTime, 20) };
      const res = await workerFor(id).call({ cmd: 'bench', scn, opts });
      samples[id].push(...res.samples);
      roundMedians[id].push(res.median);
    }
  }
  const entry = { ...scn, wireBytes: ref.wireBytes, frames: ref.frames, results: {} };
  for (const id of ids) {
    const med = median(samples[id]);
    entry.results[id] = {
      median: med,
      mbps: ref.wireBytes / med / 1e3,
      framesPerSec: (ref.frames / med) * 1e3,
      samples: samples[id].length,
      roundMedians: roundMedians[id],
    };
  }
  results.push(entry);
  printScenario(entry);
}
await endWorkers();

function printScenario(e) {
  const fc = e.results[FC];
  const rows = Object.entries(e.results)
    .sort((a, b) => a[1].median - b[1].median)
    .map(([id, r]) => {
      const spread =
        r.roundMedians.length > 1
          ? `±${fmt(((Math.max(...r.roundMedians) - Math.min(...r.roundMedians)) / 2 / r.median) * 100)}%`
          : '';
      const ratio = fc && id !== FC ? `${fmt(r.median / fc.median, 2)}×` : '';
      return `  ${id.padEnd(36)} ${fmt(r.mbps).padStart(7)} MB/s ${fmt(r.framesPerSec / 1e6, 2).padStart(7)} Mframes/s ${spread.padStart(5)}  ${ratio}`;
    });
  console.log(
    `${e.id}  (${fmt(e.frames)} frames, ${fmt(e.wireBytes)} B; last column: framecodec wasm-simd is N× faster)`,
  );
  console.log(rows.join('\n') + '\n');
}

if (failed) {
  console.error('frames differ between contenders: fix the contender or the decoder before timing');
  process.exit(1);
}

// ---------------------------------------------------------------------------
// Memory per live decoder, in a fresh process (needs --expose-gc).

let memory = null;
if (!flag('--no-memory')) {
  const text = execFileSync(
    process.execPath,
    ['--expose-gc', join(root, 'bench/memory.mjs'), join(under, 'index.js'), '--json'],
    {
      encoding: 'utf8',
    },
  );
  memory = JSON.parse(text);
  console.log(`memory, ${memory.n} live decoders (engine ${memory.backend}):`);
  for (const r of memory.rows) {
    console.log(
      `  ${(r.decoder + (r.note ? ` (${r.note})` : '')).padEnd(48)} holding ${String(r.partial).padStart(3)} B: ${fmt(r.perDecoder).padStart(5)} B per decoder (heap ${r.heapPerDecoder}, external ${r.externalPerDecoder})`,
    );
  }
  console.log();
}

const byId = Object.fromEntries(results.map((e) => [e.id, e]));
const targets = evaluate(
  byId,
  memory?.rows.filter((r) => r.partial > 0),
);
console.log('targets (median ratios of this run; reported, not enforced):');
const targetLine = (t) => {
  const { measured, goal } = describe(t);
  return `  ${t.pass ? 'PASS' : 'MISS'}  ${t.label.padEnd(80)} ${measured.padStart(9)}  (target ${goal})`;
};
if (targets.length <= 60) {
  for (const t of targets) console.log(targetLine(t));
} else {
  // A long run: how many each family met, then every miss.
  const families = new Map();
  for (const t of targets) families.set(familyOf(t), [...(families.get(familyOf(t)) ?? []), t]);
  for (const [family, rows] of families) {
    console.log(`  ${family.padEnd(48)} ${rows.filter((t) => t.pass).length} of ${rows.length} met`);
  }
  for (const t of targets.filter((t) => !t.pass)) console.log(targetLine(t));
}
const missed = targets.filter((t) => !t.pass).length;
console.log(`\n${targets.length - missed} of ${targets.length} targets met. ${fmt((Date.now() - started) / 1000)} s.`);

meta.loadavgAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
meta.seconds = Math.round((Date.now() - started) / 1000);
mkdirSync(join(root, 'bench/results'), { recursive: true });
const data = { meta, scenarios: results, memory, targets };
writeFileSync(out, JSON.stringify(data, null, 1) + '\n');
console.log(`results: ${out}`);
if (report) {
  for (const f of await writeCharts(data, join(root, 'bench/results'))) console.log(`chart: ${f}`);
  console.log(`report: ${writeReport(data, join(root, 'docs/performance.md'))}`);
  console.log(`README table: ${writeReadmeTable(data, join(root, 'README.md'))}`);
}
