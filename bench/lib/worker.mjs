// One contender per worker thread: its own V8 isolate, so its inline caches and
// JIT state are its own (no contender slows another by making shared code
// polymorphic), and, for framecodec, its own engine chosen at import by
// FRAMECODEC_BACKEND, exactly as a user forces one. The main thread asks for
// one scenario at a time, so workers never run concurrently.
import { parentPort, workerData } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { CONTENDERS } from './contenders.mjs';
import { buildInput, Checksum } from './scenarios.mjs';

const { id, dist } = workerData;
const contender = CONTENDERS[id];
const factory = await contender.load({ dist });

let current = null; // { scn, input, run }

/**
 * CPU time of this process in ms (user + system, all threads: this worker's and
 * V8's GC helpers; the other workers are idle meanwhile). Unlike wall time it
 * does not count the time other processes hold the CPU.
 */
function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function prepare(scn) {
  if (current?.scn.id !== scn.id) {
    current = null; // let the previous input go before building the next
    const input = buildInput(scn);
    current = { scn, input, run: factory(scn) };
  }
  return current;
}

/** Decodes the scenario once and checks frame count and checksum against the reference. */
async function verify(scn) {
  if (factory === null) return { unavailable: true };
  const { input, run } = prepare(scn);
  if (contender.noFrames) {
    const out = await run(input.chunks, () => {});
    const expected = Buffer.concat(input.chunks);
    if (
      out.length !== expected.length ||
      Buffer.compare(Buffer.from(out.buffer, out.byteOffset, out.length), expected) !== 0
    ) {
      throw new Error('copy differs from input');
    }
    return { frames: input.frames, bytes: input.bytes, checksum: input.checksum };
  }
  const ck = new Checksum();
  await run(
    input.chunks,
    (f) => ck.add(f),
    (bytes, start, end) => ck.add(bytes.subarray(start, end)),
  );
  return { frames: ck.frames, bytes: ck.bytes, checksum: ck.value() };
}

async function bench(scn, opts) {
  const { input, run } = prepare(scn);
  const { chunks, frames, bytes } = input;
  let n = 0;
  let b = 0;
  const sink = (f) => {
    n++;
    b += f.length;
  };
  const range = (_bytes, start, end) => {
    n++;
    b += end - start;
  };
  const check = () => {
    // Every timed run must deliver every frame too (cheap: two compares).
    if (!contender.noFrames && (n !== frames || b !== bytes)) {
      throw new Error(`timed run delivered ${n} frames / ${b} bytes, expected ${frames} / ${bytes}`);
    }
    n = 0;
    b = 0;
  };
  const first = run(chunks, sink, range); // also tells a sync run from an async one
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  check();
  // A sample is `reps` runs, enough for about a millisecond: the CPU clock ticks in
  // microseconds, and a fast contender decodes the input in 25-60 µs, which would
  // round its medians to steps of 2-4%. Times are reported per run.
  const t0 = performance.now();
  if (isAsync) await run(chunks, sink, range);
  else run(chunks, sink, range);
  check();
  const reps = Math.min(64, Math.max(1, Math.ceil(1 / Math.max(performance.now() - t0, 1e-3))));
  const fn = isAsync
    ? async () => {
        for (let r = 0; r < reps; r++) {
          await run(chunks, sink, range);
          check();
        }
      }
    : () => {
        for (let r = 0; r < reps; r++) {
          run(chunks, sink, range);
          check();
        }
      };
  const bench = new Bench({
    ...(opts.clock === 'cpu' ? { now: cpuNow } : {}),
    time: opts.time,
    iterations: opts.iterations,
    warmupTime: opts.warmupTime,
    warmupIterations: opts.warmupIterations,
    retainSamples: true,
    throws: true,
  });
  bench.add(id, fn, { async: isAsync });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== undefined && r.state !== 'completed') throw r.error ?? new Error(`task ${r.state}`);
  return { samples: Array.from(r.latency.samples, (t) => t / reps), median: r.latency.p50 / reps, reps };
}

parentPort.on('message', async (msg) => {
  try {
    let result;
    if (msg.cmd === 'verify') result = await verify(msg.scn);
    else if (msg.cmd === 'bench') result = await bench(msg.scn, msg.opts);
    else throw new Error(`unknown command ${msg.cmd}`);
    parentPort.postMessage({ ok: true, result });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
});
parentPort.postMessage({ ready: true });
