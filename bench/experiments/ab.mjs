// A/B of two builds on a few scenarios, for deciding a change on a loaded machine:
// each round runs every (build, scenario) pair in a fresh child process for a
// fixed number of runs, in alternating order, and times it in CPU time of that
// process (so other load on the machine counts little); the report gives the
// median ns per frame of each pair over the rounds, and B's speed-up over A.
//
//   node bench/experiments/ab.mjs path/to/A/dist/index.js path/to/B/dist/index.js \
//        [--rounds 7] [--mode decode|each|ranges|frames|js|wasm] len4/256B/1460B-chunks lines/16B/64KiB-chunks ...
//
// --mode js / wasm: decode() on that engine (FRAMECODEC_BACKEND is set for the children).
//
// --mode frames times `for await` over frames(Readable.from(chunks), new TextLineDecoder())
// (the contender 'framecodec frames() (wasm-simd)'): give it text/... scenarios.
//
// Build A apart from the working tree with `git worktree add /tmp/a <commit>`,
// `ln -s $PWD/node_modules /tmp/a/`, `(cd /tmp/a && npm run build)`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENDERS } from '../lib/contenders.mjs';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { cpuNs, median } from './_clock.mjs';
import { takeOption } from './_args.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => takeOption(args, name, fallback);

if (process.env.AB_CHILD) {
  const [dist, id, mode] = args;
  const [scheme, size, chunk] = id.split('/');
  const bytes = (s) => (s.endsWith('KiB') ? Number(s.slice(0, -3)) * 1024 : Number(s.slice(0, -1)));
  const scn = makeScenario(scheme, bytes(size), chunk.startsWith('1460') ? 1460 : bytes(chunk.split('-')[0]));
  const key = {
    decode: 'framecodec (wasm-simd)',
    each: 'framecodec decodeEach (wasm-simd)',
    ranges: 'framecodec decodeRanges (wasm-simd)',
    frames: 'framecodec frames() (wasm-simd)',
    js: 'framecodec (js)',
    wasm: 'framecodec (wasm)',
  }[mode];
  const run = (await CONTENDERS[key].load({ dist: pathToFileURL(dist).href }))(scn);
  const input = buildInput(scn);
  let n = 0;
  const sink = () => n++;
  const range = () => n++;
  // frames() runs return a promise: awaited (the other modes stay free of awaits).
  const first = run(input.chunks, sink, range);
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  // Warm up (JIT, and the first off-heap allocations of a fresh process), then time batches.
  const warmEnd = Date.now() + 300;
  while (Date.now() < warmEnd) {
    if (isAsync) await run(input.chunks, sink, range);
    else run(input.chunks, sink, range);
  }
  const samples = [];
  for (let b = 0; b < 15; b++) {
    const t0 = cpuNs();
    let runs = 0;
    do {
      if (isAsync) await run(input.chunks, sink, range);
      else run(input.chunks, sink, range);
      runs++;
    } while (cpuNs() - t0 < 20e6);
    samples.push((cpuNs() - t0) / (runs * input.frames));
  }
  process.stdout.write(String(median(samples)));
} else {
  const rounds = Number(option('--rounds', '7'));
  const mode = option('--mode', 'decode');
  const [a, b, ...ids] = args;
  const builds = { A: a, B: b };
  const results = Object.fromEntries(ids.map((id) => [id, { A: [], B: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const id of ids) {
      const order = r % 2 ? ['B', 'A'] : ['A', 'B'];
      for (const which of order) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), builds[which], id, mode], {
          env: {
            ...process.env,
            AB_CHILD: '1',
            ...(mode === 'js' || mode === 'wasm' ? { FRAMECODEC_BACKEND: mode } : {}),
          },
        });
        results[id][which].push(Number(out));
      }
    }
  }
  console.log(`A = ${a}\nB = ${b}\nmode ${mode}, ${rounds} rounds; median ns per frame (CPU time)`);
  for (const id of ids) {
    const ma = median(results[id].A);
    const mb = median(results[id].B);
    console.log(
      `${id.padEnd(28)} A ${ma.toFixed(1).padStart(8)}  B ${mb.toFixed(1).padStart(8)}  B is ${(ma / mb).toFixed(2)}x`,
    );
  }
}
