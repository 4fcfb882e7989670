// Child process of test/node/memory.test.ts, run as
//   node --expose-gc test/node/memory_child.mjs <path of dist/index.js> <scenario> [args...]
// so that it can force garbage collections and read the process's memory. It
// prints one JSON object per line; the test asserts on them.
//
// Scenarios:
//   hold <scheme> [count]               `count` (10,000) decoders each holding a maximal
//                                       partial frame (maxFrameLength 64 KiB), then freed
//                                       and dropped; again, then only dropped (forgotten)
//   idle <scheme> [count]               `count` (100,000) idle decoders
//   cycles [count]                      `count` (1,000,000) create/decode/free cycles
import { pathToFileURL } from 'node:url';

const [distIndex, scenario, ...args] = process.argv.slice(2);
const fc = await import(pathToFileURL(distIndex).href);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

const MAX = 64 * 1024;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function settle() {
  for (let i = 0; i < 6; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * Each scheme: a decoder factory and the bytes that leave it holding the most it
 * may hold (bounds derived in test/fuzz/fuzz.ts), fed in 4 KiB chunks as from a socket.
 */
function scheme(name) {
  const fill = (n, b = 0x61) => new Uint8Array(n).fill(b);
  const cat = (...parts) => {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  };
  switch (name) {
    case 'length': // header claims a frame of exactly MAX bytes; all but its last byte arrive
      return {
        make: () => new fc.LengthFieldDecoder({ lengthFieldLength: 4, maxFrameLength: MAX }),
        input: cat(Uint8Array.of(0, 0, (MAX - 4) >> 8, (MAX - 4) & 0xff), fill(MAX - 5)),
      };
    case 'delimiter-prefix': // '\r\n' opening the frame, MAX content bytes, then a '\r' that may start the next '\r\n'
      return {
        make: () => new fc.DelimiterDecoder({ delimiter: '\r\n', disposition: 'prefix', maxFrameLength: MAX }),
        input: cat(fill(1), Uint8Array.of(13, 10), fill(MAX), Uint8Array.of(13)),
        skipFirst: true,
      };
    case 'line':
      return { make: () => new fc.LineDecoder({ maxFrameLength: MAX }), input: cat(fill(MAX), Uint8Array.of(13)) };
    case 'fixed':
      return { make: () => new fc.FixedLengthDecoder({ frameLength: MAX }), input: fill(MAX - 1) };
    default:
      throw new Error(`unknown scheme ${name}`);
  }
}

function freeAll(decoders) {
  for (const d of decoders) d.free();
}

function feed(d, input) {
  let frames = 0;
  for (let at = 0; at < input.length; at += 4096) frames += d.decode(input.subarray(at, at + 4096)).length;
  return frames;
}

if (scenario === 'hold') {
  // Two rounds: the first releases its decoders with free(), the second only drops
  // them. The second round's peak shows whether the first round's memory came back.
  const [name, countText] = args;
  const count = Number(countText ?? 10_000);
  const { make, input, skipFirst } = scheme(name);
  const rounds = [];
  for (const release of ['free', 'drop']) {
    const before = settle();
    let decoders = [];
    let held = 0;
    let frames = 0;
    for (let k = 0; k < count; k++) {
      const d = make();
      frames += feed(d, input);
      held += d.buffered;
      decoders.push(d);
    }
    const holding = settle();
    // free() in a function of its own: a loop here would leave the array in a stack
    // slot of this frame, alive until the frame ends, and 'after' would count it.
    if (release === 'free') freeAll(decoders);
    decoders = null; // dropped: only the garbage collector can reclaim them now
    const after = settle();
    rounds.push({ release, frames: skipFirst ? frames - count : frames, held, before, holding, after });
  }
  out({ scenario, scheme: name, count, rounds });
} else if (scenario === 'idle') {
  const [name, countText] = args;
  const count = Number(countText ?? 100_000);
  const { make } = scheme(name);
  const before = settle();
  const decoders = [];
  for (let k = 0; k < count; k++) decoders.push(make());
  const holding = settle();
  out({ scenario, scheme: name, count, before, holding, alive: decoders.length });
} else if (scenario === 'cycles') {
  const count = Number(args[0] ?? 1_000_000);
  const names = ['length', 'delimiter-prefix', 'line', 'fixed'];
  const small = {
    length: () => new fc.LengthFieldDecoder({ lengthFieldLength: 2 }),
    'delimiter-prefix': () => new fc.DelimiterDecoder({ delimiter: '\r\n', disposition: 'prefix' }),
    line: () => new fc.LineDecoder(),
    fixed: () => new fc.FixedLengthDecoder({ frameLength: 3 }),
  };
  // One complete frame and the start of another, for every scheme.
  const chunk = {
    length: Uint8Array.of(0, 3, 1, 2, 3, 0, 9, 1),
    'delimiter-prefix': new TextEncoder().encode('abc\r\ndef'),
    line: new TextEncoder().encode('abc\ndef'),
    fixed: Uint8Array.of(1, 2, 3, 4),
  };
  const checkpoints = [];
  const started = Date.now();
  let frames = 0;
  for (let k = 0; k <= count; k++) {
    if (k % (count / 4) === 0) checkpoints.push({ cycles: k, ...settle() });
    if (k === count) break;
    const name = names[k & 3];
    const d = small[name]();
    frames += d.decode(chunk[name]).length;
    d.free();
  }
  out({ scenario, count, frames, ms: Date.now() - started, checkpoints });
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
