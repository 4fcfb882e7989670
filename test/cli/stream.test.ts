// The CLI streams: memory does not grow with the input, a slow reader stalls it
// instead of filling memory, and the progress line appears only on a terminal.
import { beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ensureBuilt, ROOT } from './_helpers.js';

beforeAll(ensureBuilt, 300_000);

/** VmHWM (peak RSS) and VmRSS of a live process, in bytes; undefined once it is gone. */
function memory(pid: number): { peak: number; now: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
    return { peak: kb('VmHWM'), now: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

/** 1 MiB of lines of 16 to 200 bytes (fixed seed), and how many lines it holds. */
function lineBlock(): { block: Buffer; lines: number; lengths: number[] } {
  const parts: string[] = [];
  let size = 0;
  let seed = 1;
  while (size < 1 << 20) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const len = 16 + ((seed >>> 8) % 185);
    parts.push('y'.repeat(len));
    size += len + 1;
  }
  return { block: Buffer.from(`${parts.join('\n')}\n`), lines: parts.length, lengths: parts.map((p) => p.length) };
}

interface StreamRun {
  peak: number;
  stderr: string;
  status: number | null;
  outBytes: number;
}

/**
 * V8 grows its young generation (up to 3 x 16 MiB) while a program allocates
 * quickly, whatever it keeps alive; pinning it at 2 MiB semi-spaces leaves the
 * memory the program actually holds.
 */
const PINNED = ['--max-semi-space-size=2'];

/** Pipes `blocks` copies of `block` through the CLI, drains its stdout, and samples its peak RSS. */
async function pump(args: string[], block: Buffer, blocks: number, nodeFlags: string[] = PINNED): Promise<StreamRun> {
  const child = spawn(process.execPath, [...nodeFlags, CLI, ...args], { cwd: ROOT });
  let peak = 0;
  const sampler = setInterval(() => {
    const m = memory(child.pid!);
    if (m) peak = Math.max(peak, m.peak);
  }, 20);
  let outBytes = 0;
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (outBytes += b.length));
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const closed = once(child, 'close');
  for (let k = 0; k < blocks; k++) if (!child.stdin.write(block)) await once(child.stdin, 'drain');
  // The last sample before the input ends is taken by the interval; one more now.
  const m = memory(child.pid!);
  if (m) peak = Math.max(peak, m.peak);
  child.stdin.end();
  const [status] = await closed;
  clearInterval(sampler);
  return { peak, stderr, status: status as number | null, outBytes };
}

const MiB = 1024 * 1024;

describe('constant memory', () => {
  const { block, lines, lengths } = lineBlock();

  test('decode: 16 MiB and 320 MiB of lines peak at the same RSS', async () => {
    const small = await pump(['decode', '--lines', '--format', 'hex', '--stats'], block, 16);
    const large = await pump(['decode', '--lines', '--format', 'hex', '--stats'], block, 320);
    expect(small.status).toBe(0);
    expect(large.status).toBe(0);
    expect(large.stderr).toMatch(new RegExp(`^frames ${320 * lines} `));
    expect(large.outBytes).toBe(320 * (2 * block.length - lines));
    console.log(
      `decode --lines --format hex: peak RSS ${(small.peak / MiB).toFixed(1)} MiB for 16 MiB in, ${(large.peak / MiB).toFixed(1)} MiB for 320 MiB in`,
    );
    expect(large.peak - small.peak).toBeLessThan(12 * MiB);
  }, 180_000);

  test("decode with Node's default flags: 320 MiB in, peak RSS well under the input", async () => {
    const run = await pump(['decode', '--lines', '--format', 'raw'], block, 320, []);
    expect(run.status).toBe(0);
    expect(run.outBytes).toBe(320 * (block.length - lines));
    console.log(
      `decode --lines --format raw, default flags: peak RSS ${(run.peak / MiB).toFixed(1)} MiB for 320 MiB in`,
    );
    expect(run.peak).toBeLessThan(150 * MiB);
  }, 180_000);

  test('encode: 16 MiB and 256 MiB of lines peak at the same RSS', async () => {
    const small = await pump(['encode', '--varint', '--stats'], block, 16);
    const large = await pump(['encode', '--varint', '--stats'], block, 256);
    expect(large.status).toBe(0);
    expect(large.stderr).toMatch(new RegExp(`^frames ${256 * lines} `));
    // Each \n gives way to a varint: 1 byte below 128, 2 bytes up to 200.
    expect(large.outBytes).toBe(256 * lengths.reduce((sum, len) => sum + len + (len < 128 ? 1 : 2), 0));
    console.log(
      `encode --varint: peak RSS ${(small.peak / MiB).toFixed(1)} MiB for 16 MiB in, ${(large.peak / MiB).toFixed(1)} MiB for 256 MiB in`,
    );
    expect(large.peak - small.peak).toBeLessThan(12 * MiB);
  }, 180_000);
});

describe('backpressure', () => {
  test('a reader that stops reading stalls decode; nothing piles up in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'framecodec-cli-'));
    const { block, lines } = lineBlock();
    const file = join(dir, 'in.txt');
    writeFileSync(file, Buffer.concat(Array.from({ length: 96 }, () => block)));
    try {
      const child = spawn(process.execPath, [CLI, 'decode', '--lines', '--format', 'hex', file], { cwd: ROOT });
      child.stdout.pause();
      let exited = false;
      child.on('exit', () => (exited = true));
      let peak = 0;
      for (const end = Date.now() + 1500; Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 50));
        const m = memory(child.pid!);
        if (m) peak = Math.max(peak, m.now);
      }
      // 96 MiB in makes 192 MiB of hex out: without backpressure it would sit in memory.
      expect(exited).toBe(false);
      expect(peak).toBeLessThan(120 * MiB);
      let outBytes = 0;
      child.stdout.on('data', (b: Buffer) => (outBytes += b.length));
      child.stdout.resume();
      const [status] = await once(child, 'close');
      expect(status).toBe(0);
      expect(outBytes).toBe(96 * (2 * block.length - lines));
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 120_000);

  test('a reader that goes away (| head) ends decode quietly', async () => {
    const { block } = lineBlock();
    // pipefail: the pipeline's status is the CLI's unless head fails.
    const child = spawn(
      'bash',
      ['-c', `set -o pipefail; node ${CLI} decode --lines --format hex | head -c 10 > /dev/null`],
      { cwd: ROOT },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.stdin.on('error', () => {}); // EPIPE once the CLI is gone
    try {
      for (let k = 0; k < 64 && child.stdin.writable; k++) {
        if (!child.stdin.write(block)) await Promise.race([once(child.stdin, 'drain'), once(child, 'close')]);
      }
      child.stdin.end();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    }
    const [status] = await once(child, 'close');
    expect(status).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);
});

describe('progress line', () => {
  test('not drawn when stderr is not a terminal, however long the run', async () => {
    const child = spawn(process.execPath, [CLI, 'decode', '--lines'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.stdout.resume();
    child.stdin.write('a\n');
    await new Promise((r) => setTimeout(r, 1600));
    child.stdin.end('b\n');
    const [status] = await once(child, 'close');
    expect(status).toBe(0);
    expect(stderr).toBe('');
  }, 30_000);

  const hasScript = spawnSync('script', ['--version']).status === 0;
  test.skipIf(!hasScript)(
    'drawn on a terminal (script(1) gives stderr a pty) after a second, then erased',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'framecodec-cli-'));
      const out = join(dir, 'out.txt');
      try {
        const inner = `(printf 'a\\nb\\n'; sleep 1.8; printf 'c\\n') | node ${CLI} decode --lines > ${out}`;
        const r = spawnSync('script', ['-qec', inner, '/dev/null'], { cwd: ROOT, encoding: 'latin1', timeout: 30_000 });
        expect(r.status).toBe(0);
        // What the terminal got: the line, redrawn in place (\r, erase), then erased.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line escape is what is asserted
        expect(r.stdout).toMatch(/\r\x1b\[K[\d.]+ MB {2}2 frames {2}[\d.]+ MB\/s/);
        expect(r.stdout.endsWith('\r\x1b[K')).toBe(true);
        expect(readFileSync(out, 'utf8')).toBe('a\nb\nc\n');
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
    30_000,
  );

  test.skipIf(!hasScript)(
    'on a 50-column terminal it stays within 49 columns, follows a resize to 30, and is erased at the end',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'framecodec-cli-'));
      const input = join(dir, 'in.txt');
      const out = join(dir, 'out.txt');
      try {
        // A file, so the line has a total (its widest form); a reader that waits
        // 3.5 s stalls decode meanwhile, and the window shrinks 2.5 s in.
        writeFileSync(input, `${'x'.repeat(63)}\n`.repeat(100_000));
        const reader = `(sleep 2.5; stty cols 30 rows 20 < /dev/tty; sleep 1; cat > ${out})`;
        const inner = `stty cols 50 rows 20; node ${CLI} decode --lines ${input} | ${reader}`;
        const r = spawnSync('script', ['-qec', inner, '/dev/null'], { cwd: ROOT, encoding: 'latin1', timeout: 30_000 });
        expect(r.status).toBe(0);
        expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
        // What the terminal got: draws, each after \r ESC[K, and nothing else.
        expect(r.stdout).not.toMatch(/\n/);
        const draws = r.stdout.split('\r\x1b[K');
        expect(draws[0]).toBe('');
        expect(draws[draws.length - 1]).toBe(''); // erased at the end
        const lines = draws.slice(1, -1);
        expect(lines.length).toBeGreaterThanOrEqual(2);
        for (const line of lines) {
          expect(line).toMatch(/^ *\d+% {2}[\d.]+ MB {2}\d+ frames/);
          expect(line.length).toBeLessThanOrEqual(49);
        }
        // Before the resize some lines were wider than 30 columns; the last is not.
        expect(lines.some((l) => l.length > 29)).toBe(true);
        expect(lines[lines.length - 1].length).toBeLessThanOrEqual(29);
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
    30_000,
  );
});
