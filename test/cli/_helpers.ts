// Helpers for the CLI tests: they run the built program, dist/cli.js, as a
// subprocess, the way a user does.
//
// ensureBuilt() builds dist/ when it is missing or older than the sources. Test
// files run in parallel, so a lock directory makes one of them build while the
// others wait. When the embedded wasm (src/engine/_wasm.generated.ts) is already up to
// date with assembly/, only rollup runs (the second half of `npm run build`),
// so build/*.wasm, which other tests read, is not rewritten under them.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const CLI = join(ROOT, 'dist/cli.js');

function newest(dir: string, keep: (name: string) => boolean): number {
  let t = 0;
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(path, keep));
    else if (keep(entry.name)) t = Math.max(t, statSync(join(ROOT, path)).mtimeMs);
  }
  return t;
}

const isSource = (name: string): boolean => name.endsWith('.ts') && name !== '_wasm.generated.ts';

function wasmStale(): boolean {
  const generated = join(ROOT, 'src/engine/_wasm.generated.ts');
  return !existsSync(generated) || statSync(generated).mtimeMs < newest('assembly', (n) => n.endsWith('.ts'));
}

/** dist/ lacks cli.js, is older than a source, or embeds another wasm than src/engine/_wasm.generated.ts. */
function distStale(): boolean {
  if (!existsSync(CLI)) return true;
  const built = statSync(CLI).mtimeMs;
  if (newest('src', isSource) > built || statSync(join(ROOT, 'rollup.config.mjs')).mtimeMs > built) return true;
  if (wasmStale()) return true;
  const simd =
    /SIMD_WASM = '([^']+)'/.exec(readFileSync(join(ROOT, 'src/engine/_wasm.generated.ts'), 'utf8'))?.[1] ?? '';
  const js = (readdirSync(join(ROOT, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
  return !js.some((f) => readFileSync(join(ROOT, 'dist', f), 'latin1').includes(simd));
}

export async function ensureBuilt(): Promise<void> {
  if (!distStale()) return;
  const lock = join(tmpdir(), `framecodec-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than 5 minutes is left over from a crash.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`waited 5 minutes for ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!distStale()) return;
    const stdio: ['ignore', 'ignore', 'inherit'] = ['ignore', 'ignore', 'inherit'];
    if (wasmStale()) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio });
    else execFileSync(join(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, stdio });
  } finally {
    rmdirSync(lock);
  }
}

export interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  input?: Uint8Array | string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `node dist/cli.js ...args`, feeding `input` on stdin. */
export function cli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], options);
}

/** Runs a shell command line (for real pipes between two CLI processes). */
export function sh(line: string, options: RunOptions = {}): Promise<Run> {
  return run('/bin/sh', ['-c', line], options);
}

function run(file: string, args: readonly string[], options: RunOptions): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} took more than ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      });
    });
    child.stdin.on('error', () => {
      /* the CLI may exit before reading all input */
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `framecodec: <message> (<code>)` and nothing else on stderr. */
export const ONE_LINE_ERROR = /^framecodec: [^\n]+ \((ERR_[A-Z_]+|E[A-Z]+)\)\n$/;

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
