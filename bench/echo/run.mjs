// Loopback echo benchmark: framed() against a hand-written 'data' + DataView server.
//
//   npm run bench:echo [-- --rounds 13 --ms 300 --variants hand,framed --sizes 64,1024 --no-save]
//   FRAMECODEC_DIST=/path/to/other/dist npm run bench:echo   (another build; default: ./dist, built if missing)
//
// Each variant's server runs in its own child process (server.mjs), forked once and
// kept for the whole run (its JIT warms once); this process is the client
// (client.mjs), the same for every variant. A run sends 4-byte-length frames over
// 127.0.0.1 for `--ms` milliseconds with a window of frames in flight, and counts
// the frames that come back byte-exact. Rounds interleave the variants (the order
// rotates each round) on this 2-core, shared machine; the table gives medians.
//
// Per run: frames/s over wall time (the headline), and CPU ns per frame of the
// server process and of the client. Results go to bench/results/echo.json.
// Where a server's time goes: bench/echo/profile.mjs.
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from '../experiments/_clock.mjs';
import { echoRun } from './client.mjs';
import { plan } from './plan.mjs';

const ROOT = new URL('../../', import.meta.url);
const DIST = process.env.FRAMECODEC_DIST ?? fileURLToPath(new URL('dist/', ROOT));
if (process.env.FRAMECODEC_DIST === undefined && !existsSync(new URL('dist/node.js', ROOT))) {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: fileURLToPath(ROOT), stdio: 'inherit' });
}
const { available } = await import('./server.mjs');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const k = args.indexOf(name);
  return k < 0 ? fallback : args[k + 1];
};
const ROUNDS = Number(option('--rounds', '13'));
const RUN_MS = Number(option('--ms', '300'));
const WARMUP_MS = Number(option('--warmup-ms', '600'));
const SIZES = option('--sizes', '64,1024,16384').split(',').map(Number);
const VARIANTS = option('--variants', available().join(',')).split(',');
/** The variant the others are compared with. */
const BASELINE = 'hand';

const RESULTS = fileURLToPath(new URL('bench/results/', ROOT));

/** A variant's server process: its port, and the report it sends after each connection. */
async function startServer(name) {
  const child = fork(fileURLToPath(new URL('server.mjs', import.meta.url)), [name]);
  const [first] = await once(child, 'message');
  if (first.error) throw new Error(`${name} server: ${first.error}`);
  return {
    name,
    port: first.port,
    child,
    /** The server's report of the connection that closes next. */
    report: () =>
      once(child, 'message').then(([m]) => {
        if (m.error) throw new Error(`${name} server: ${m.error}`);
        return m;
      }),
  };
}

/** One run of `server` at `size`: frames/s, and CPU ns per frame on each side. */
async function measure(server, size, ms) {
  const reported = server.report();
  const run = await echoRun({ port: server.port, size, durationMs: ms, ...plan(size) });
  const { frames, cpuUs } = await reported;
  if (frames !== run.frames) {
    throw new Error(`${server.name}: the server echoed ${frames} frames, the client counted ${run.frames}`);
  }
  return {
    framesPerSec: run.frames / (run.wallNs / 1e9),
    serverCpuNsPerFrame: (cpuUs * 1000) / run.frames,
    clientCpuNsPerFrame: run.clientCpuNs / run.frames,
    frames: run.frames,
  };
}

const sizeName = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

function git(...a) {
  return gitIn(fileURLToPath(ROOT), ...a);
}

function gitIn(dir, ...a) {
  try {
    return execFileSync('git', a, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const started = Date.now();
const servers = [];
for (const name of VARIANTS) servers.push(await startServer(name));

// Warm-up: every variant at every size, not recorded.
for (const size of SIZES) for (const server of servers) await measure(server, size, WARMUP_MS / SIZES.length);

const samples = {}; // samples[size][variant] = [run...]
for (const size of SIZES) samples[size] = Object.fromEntries(VARIANTS.map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const size of SIZES) {
    const order = servers.map((_, k) => servers[(k + r) % servers.length]);
    for (const server of order) samples[size][server.name].push(await measure(server, size, RUN_MS));
  }
  process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
}
for (const server of servers) {
  const exited = once(server.child, 'exit');
  server.child.disconnect();
  await exited;
}

// Medians and the table.
const results = SIZES.map((size) => {
  const variants = {};
  for (const name of VARIANTS) {
    const runs = samples[size][name];
    variants[name] = {
      framesPerSec: median(runs.map((x) => x.framesPerSec)),
      serverCpuNsPerFrame: median(runs.map((x) => x.serverCpuNsPerFrame)),
      clientCpuNsPerFrame: median(runs.map((x) => x.clientCpuNsPerFrame)),
      framesPerSecRuns: runs.map((x) => Math.round(x.framesPerSec)),
    };
  }
  const base = variants[BASELINE];
  if (base !== undefined) {
    const baseRuns = samples[size][BASELINE];
    for (const name of VARIANTS) {
      const v = variants[name];
      v.vsHand = v.framesPerSec / base.framesPerSec;
      // The same ratio taken within each round (runs close in time share the machine's load), then the median.
      v.vsHandPaired = median(samples[size][name].map((x, r) => x.framesPerSec / baseRuns[r].framesPerSec));
      v.serverCpuVsHand = base.serverCpuNsPerFrame / v.serverCpuNsPerFrame;
    }
  }
  return { size, ...plan(size), variants };
});

const header = [
  'payload',
  'variant',
  'frames/s',
  'x hand',
  'x hand, per round',
  'server CPU ns/frame',
  'x hand (CPU)',
  'client CPU ns/frame',
];
const rows = results.flatMap(({ size, variants }) =>
  VARIANTS.map((name) => {
    const v = variants[name];
    return [
      sizeName(size),
      name,
      Math.round(v.framesPerSec).toLocaleString('en-US'),
      v.vsHand === undefined ? '' : `${v.vsHand.toFixed(2)}x`,
      v.vsHandPaired === undefined ? '' : `${v.vsHandPaired.toFixed(2)}x`,
      v.serverCpuNsPerFrame.toFixed(0),
      v.serverCpuVsHand === undefined ? '' : `${v.serverCpuVsHand.toFixed(2)}x`,
      v.clientCpuNsPerFrame.toFixed(0),
    ];
  }),
);
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
const line = (cells) => `| ${cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, c) => (c < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));

const meta = {
  date: new Date().toISOString(),
  command: `node bench/echo/run.mjs ${args.join(' ')}`.trim(),
  commit: git('rev-parse', '--short', 'HEAD'),
  dist: DIST,
  // The checkout the measured dist was built from (another worktree with FRAMECODEC_DIST), and its changed files.
  distCommit: gitIn(
    fileURLToPath(new URL('..', pathToFileURL(DIST.replace(/\/?$/, '/')))),
    'rev-parse',
    '--short',
    'HEAD',
  ),
  distChanges: gitIn(
    fileURLToPath(new URL('..', pathToFileURL(DIST.replace(/\/?$/, '/')))),
    'status',
    '--porcelain',
    '--',
    'src',
  ),
  dirty: git('status', '--porcelain', '--', 'src', 'bench/echo') !== '',
  node: process.version,
  cpu: os.cpus()[0]?.model,
  nproc: os.cpus().length,
  loadavg: os.loadavg(),
  rounds: ROUNDS,
  runMs: RUN_MS,
  baseline: BASELINE,
  seconds: Math.round((Date.now() - started) / 1000),
  note:
    'frames/s: frames echoed byte-exact per second of wall time, client and server on one 2-core host; ' +
    "x hand: ratio of the median frames/s to the hand variant's; x hand, per round: median over the rounds of " +
    'the ratio within each round; server CPU ns/frame: CPU time of ' +
    'the server process over the connection divided by the frames; x hand (CPU): hand ns / variant ns.',
};
mkdirSync(RESULTS, { recursive: true });
if (args.includes('--no-save')) {
  console.log(`${meta.seconds} s`);
} else {
  writeFileSync(`${RESULTS}echo.json`, `${JSON.stringify({ meta, results }, null, 1)}\n`);
  console.log(`${meta.seconds} s; written to bench/results/echo.json`);
}
