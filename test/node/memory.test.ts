// Memory under attack (SPEC.md section 2, "Bounded memory" and "Forgotten decoders
// must not leak"). Run once.
//
// The garbage-collection figures come from a child process,
// `node --expose-gc test/node/memory_child.mjs`, importing the built package
// (dist/index.js, built first when stale), so that it can force collections and
// see the process as a user would. The linear-memory and frame-stability checks
// run here, against src/, on all three engines.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  FixedLengthDecoder,
  init,
  LengthFieldDecoder,
  LineDecoder,
  type FrameDecoder,
} from '../../src/index.js';
import { engine } from '../../src/engine/index.js';
import { hex } from '../_harness.js';
import { useEngine, type EngineName } from '../fuzz/fuzz.js';
import { ensureBuilt, ROOT } from '../cli/_helpers.js';

const MiB = 2 ** 20;
const MAX = 64 * 1024;

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function child(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', join(ROOT, 'test/node/memory_child.mjs'), join(ROOT, 'dist/index.js'), ...args],
      { timeout: 120_000, maxBuffer: 16 * MiB },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`memory_child ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      },
    );
  });
}

beforeAll(() => ensureBuilt(), 300_000);

describe('10,000 decoders each holding a maximal partial frame (maxFrameLength 64 KiB)', () => {
  // What each holds at most (see bounds() in test/fuzz/fuzz.ts): a length-field frame
  // of MAX − 1 bytes; MAX content bytes plus the '\r' of a possible '\r\n', and the
  // '\r\n' that opened it with 'prefix'; a fixed-length record of MAX − 1 bytes.
  const maximal: Record<string, number> = {
    length: MAX - 1,
    'delimiter-prefix': MAX + 3,
    line: MAX + 1,
    fixed: MAX - 1,
  };

  test.each(Object.keys(maximal))(
    '%s: holds no more than the frame plus ~0.5 KiB each, and all of it comes back, freed or forgotten',
    async (scheme) => {
      const report = (await child(['hold', scheme])) as {
        count: number;
        rounds: { release: string; frames: number; held: number; before: Usage; holding: Usage; after: Usage }[];
      };
      const { count, rounds } = report;
      for (const r of rounds) {
        expect(r.frames).toBe(0);
        expect(r.held).toBe(count * maximal[scheme]); // buffered: each decoder holds its maximal partial frame
        // Bytes allocated for the partial frames: what they hold, not what a header claims.
        const buffers = r.holding.arrayBuffers - r.before.arrayBuffers;
        expect(buffers).toBeGreaterThanOrEqual(r.held);
        expect(buffers / count).toBeLessThanOrEqual(maximal[scheme] + 64);
        // Besides the bytes it holds, a decoder costs under 2 KiB (SPEC: JS objects and wasm memory together).
        const overhead = (r.holding.heapUsed - r.before.heapUsed + buffers - r.held) / count;
        expect(overhead).toBeLessThan(2048);
        // Released (free() then dropped, or only dropped): the buffers and the heap come back.
        expect(r.after.arrayBuffers - r.before.arrayBuffers).toBeLessThan(MiB);
        expect(r.after.heapUsed - r.before.heapUsed).toBeLessThan(4 * MiB);
      }
      // The process's resident memory: glibc keeps freed blocks for reuse rather than
      // returning them to the kernel, so RSS stays near its peak after the first round;
      // the second round reuses that memory instead of growing it by another 640 MiB.
      const [first, second] = rounds;
      expect(second.holding.rss).toBeLessThan(first.holding.rss + 0.15 * count * maximal[scheme]);
      console.log(
        `${scheme}: ${count} decoders held ${(first.held / MiB).toFixed(0)} MiB in ${((first.holding.arrayBuffers - first.before.arrayBuffers) / MiB).toFixed(0)} MiB of buffers ` +
          `+ ${((first.holding.heapUsed - first.before.heapUsed) / count).toFixed(0)} B of heap each; after release: buffers +${((second.after.arrayBuffers - first.before.arrayBuffers) / 1024).toFixed(0)} KiB, ` +
          `heap +${((second.after.heapUsed - first.before.heapUsed) / 1024).toFixed(0)} KiB; RSS peak ${(first.holding.rss / MiB).toFixed(0)} then ${(second.holding.rss / MiB).toFixed(0)} MiB`,
      );
    },
    120_000,
  );
});

test.each(['length', 'delimiter-prefix', 'line', 'fixed'])(
  '100,000 idle %s decoders cost under 2 KiB each',
  async (scheme) => {
    const r = (await child(['idle', scheme, '100000'])) as {
      count: number;
      alive: number;
      before: Usage;
      holding: Usage;
    };
    expect(r.alive).toBe(r.count);
    const each = (r.holding.heapUsed - r.before.heapUsed + r.holding.arrayBuffers - r.before.arrayBuffers) / r.count;
    expect(each).toBeLessThan(2048);
    expect(each).toBeGreaterThan(0); // the measurement sees them
    console.log(`idle ${scheme}: ${each.toFixed(0)} B each`);
  },
  60_000,
);

test('one million create/decode/free cycles: the JS heap and buffers do not creep', async () => {
  const r = (await child(['cycles', '1000000'])) as {
    count: number;
    frames: number;
    checkpoints: (Usage & { cycles: number })[];
  };
  expect(r.frames).toBe(r.count); // one complete frame per cycle
  const [first, ...rest] = r.checkpoints.slice(1); // after the first quarter: warmed up
  for (const c of rest) {
    expect(c.heapUsed - first.heapUsed).toBeLessThan(MiB);
    expect(c.arrayBuffers - first.arrayBuffers).toBeLessThan(64 * 1024);
  }
  const last = r.checkpoints[r.checkpoints.length - 1];
  console.log(
    `1M cycles: heap ${(r.checkpoints[0].heapUsed / MiB).toFixed(1)} -> ${(last.heapUsed / MiB).toFixed(1)} MiB, RSS ${(r.checkpoints[0].rss / MiB).toFixed(0)} -> ${(last.rss / MiB).toFixed(0)} MiB`,
  );
}, 120_000);

describe('linear memory and the zero-copy receive area', () => {
  afterAll(() => init());

  // Per cycle k, a chunk written into the receive area with one complete frame and
  // the start of a second, then a plain chunk that completes it. The bytes encode k,
  // so a frame overwritten by a later cycle's bytes would show.
  const kinds: {
    make: () => FrameDecoder;
    chunks: (k: number) => [Uint8Array, Uint8Array];
    frames: (k: number) => string[];
  }[] = [
    {
      make: () => new LengthFieldDecoder({ lengthFieldLength: 2 }),
      chunks: (k) => {
        const b = be(k);
        return [Uint8Array.of(0, 4, ...b, 0, 2, b[3]), Uint8Array.of(b[2])];
      },
      frames: (k) => [hex(be(k)), hex(Uint8Array.of(be(k)[3], be(k)[2]))],
    },
    {
      make: () => new DelimiterDecoder({ delimiter: '\r\n', disposition: 'prefix' }),
      chunks: (k) => [utf8(`x${h8(k)}\r\n${h8(k).slice(0, 4)}`), utf8(`${h8(k).slice(4)}\r\n`)],
      frames: (k) => [hex(utf8(`x${h8(k)}`)), hex(utf8(`\r\n${h8(k)}`))],
    },
    {
      make: () => new LineDecoder(),
      chunks: (k) => [utf8(`${h8(k)}\n${h8(k).slice(0, 4)}`), utf8(`${h8(k).slice(4)}\n`)],
      frames: (k) => [hex(utf8(h8(k))), hex(utf8(h8(k)))],
    },
    {
      make: () => new FixedLengthDecoder({ frameLength: 4 }),
      chunks: (k) => {
        const b = be(k);
        return [Uint8Array.of(...b, b[3]), Uint8Array.of(b[2], b[1], b[0])];
      },
      frames: (k) => [hex(be(k)), hex(be(k).reverse())],
    },
  ];

  const runs: [EngineName, number][] = [
    ['wasm-simd', 1_000_000],
    ['wasm', 200_000],
    ['js', 200_000],
  ];
  test.each(runs)(
    '%s: %i create/decode/free cycles through the receive area leave linear memory as it was and frames unchanged',
    async (name, cycles) => {
      await useEngine(name);
      const start = engine.memoryBytes;
      const kept: { frames: Uint8Array[]; want: string[] }[] = [];
      let frames = 0;
      for (let k = 0; k < cycles; k++) {
        const kind = kinds[k & 3];
        const d = kind.make();
        const [first, second] = kind.chunks(k);
        const area = engine.receiveArea();
        area.set(first);
        const got = d.decode(area.subarray(0, first.length));
        got.push(...d.decode(second));
        frames += got.length;
        if (k % 997 === 0) kept.push({ frames: got, want: kind.frames(k) });
        d.free();
        if ((k & 0xffff) === 0) expect(engine.memoryBytes).toBe(start);
      }
      engine.receiveArea().fill(0xee); // whatever still pointed into it would change now
      expect(frames).toBe(2 * cycles);
      for (const { frames: f, want } of kept) expect(f.map(hex)).toEqual(want);
      expect(engine.memoryBytes).toBe(start);
      expect(start).toBeLessThanOrEqual(4 * 65536);
    },
    120_000,
  );
});

const utf8 = (s: string) => new TextEncoder().encode(s);
const h8 = (k: number) => k.toString(16).padStart(8, '0');
const be = (k: number) => Uint8Array.of(k >>> 24, (k >>> 16) & 0xff, (k >>> 8) & 0xff, k & 0xff);
