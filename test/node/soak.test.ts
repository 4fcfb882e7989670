// The short soak that CI runs: test/soak/soak.mjs (the long one is `npm run soak`)
// with a hundred connections and tens of thousands of frames over every scheme,
// each frame checksummed and echoed. It runs on the built package (dist/, built
// first when stale). Bounded by the child's own --seconds and a kill timeout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/_helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

test('120 loopback connections, 80,000 frames of random sizes each way over 8 schemes: every frame checked, none lost, nothing left half-closed', async () => {
  const args = [
    '--connections',
    '120',
    '--frames',
    '80000',
    '--seconds',
    '25',
    '--seed',
    '20251125',
    '--max-frame',
    String(256 * 1024),
    '--json',
  ];
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'test/soak/soak.mjs'), ...args],
      { timeout: 60_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        // Exit status 1 means the soak found a problem: its summary says which.
        if (error && !stdout) reject(new Error(`soak failed to run: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
  const summary = JSON.parse(out.trim().split('\n').pop()!);
  expect(summary.errors).toEqual([]);
  expect(summary.framesSent).toBeGreaterThan(0);
  expect(summary.framesEchoed).toBe(summary.framesSent);
  expect(summary.framesDecoded).toBe(2 * summary.framesSent);
  expect(summary.zeroCopyConnections).toBe(40);
  expect(summary.lingering).toEqual({ FIN_WAIT1: 0, CLOSE_WAIT: 0, LAST_ACK: 0, CLOSING: 0, ESTABLISHED: 0 });
  console.log(
    `soak: ${summary.connections} connections, ${summary.framesSent} frames each way, ${(summary.bytes / 2 ** 20).toFixed(0)} MiB in ${summary.seconds} s, peak RSS ${summary.peakRssMiB} MiB`,
  );
}, 90_000);
