// Real servers and clients for the interop tests: find a program, start a server in
// its own process group on 127.0.0.1 and stop it by that PID, run a client with a
// deadline. Every wait is bounded; nothing is killed by name.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chownSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const HOST = '127.0.0.1';

/** Where Debian puts programs that a non-login root shell may not have on PATH. */
const EXTRA_PATH = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

/** The absolute path of an executable program, or null. */
export function which(program: string): string | null {
  if (program.includes('/')) return isExecutable(program) ? program : null;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_PATH];
  for (const dir of dirs) {
    const candidate = path.join(dir, program);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a test cannot run here: the programs that are missing, or null when all are
 * present. In CI (CI=true) the tests run anyway and fail, since .ci/run installs them.
 */
export function missing(programs: string[], packages: string): string | null {
  const absent = programs.filter((p) => which(p) === null);
  if (absent.length === 0) return null;
  return `not installed: ${absent.join(', ')} (Debian: apt-get install ${packages})`;
}

/** Skip (outside CI) when `reason` is set; in CI, run and fail instead. */
export function skipUnless(reason: string | null): boolean {
  if (reason === null) return false;
  if (process.env.CI) return false;
  console.warn(`interop: skipped, ${reason}`);
  return true;
}

/** A port that was free a moment ago (bound to 0, then closed). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/** `n` different ports that were free a moment ago (all bound at once, then closed). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer().listen(0, HOST));
  await Promise.all(servers.map((s) => once(s, 'listening')));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  for (const s of servers) s.close();
  await Promise.all(servers.map((s) => once(s, 'close')));
  return ports;
}

/** A fresh temporary folder, owned by `owner` when given (a server that refuses root). */
export function tempDir(prefix: string, owner?: Account): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `framecodec-interop-${prefix}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A local account to run a server as. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The account to run a server that refuses root as: undefined when we are not
 * root (run as ourselves), else the first of `names` in /etc/passwd.
 */
export function unprivileged(names: string[]): Account | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of names) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    if (line) {
      const [, , uid, gid] = line.split(':');
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error(`running as root and none of these accounts exists: ${names.join(', ')}`);
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  as?: Account;
  /** Written to standard input, which is then closed. */
  input?: string | Uint8Array;
  timeoutMs: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** Runs a program to completion; past `timeoutMs` its process group is killed and this rejects. */
export async function run(program: string, args: string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.as?.uid,
    gid: options.as?.gid,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    killGroup(child, 'SIGKILL');
    await Promise.race([exited, sleep(2000)]);
    throw new Error(
      `${path.basename(program)} ${args.join(' ')}: no exit within ${options.timeoutMs} ms; stderr: ${Buffer.concat(err).toString().slice(-2000)}`,
    );
  }
  const [code, signal] = first;
  return {
    code,
    signal,
    stdout: Buffer.concat(out),
    stderr: Buffer.concat(err).toString(),
    ms: performance.now() - started,
  };
}

/** A server process started by {@link startServer}. */
export interface Server {
  readonly pid: number;
  /** What it printed so far (stdout and stderr; the last `keepOutput` bytes or more). */
  output(): string;
  /** Resolves when it printed `pattern`; rejects if it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves when `port` on 127.0.0.1 accepts a connection; rejects if it exits first or after `timeoutMs`. */
  waitForPort(port: number, timeoutMs: number): Promise<void>;
  /** Resolves with its exit status; rejects if it is still running after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: string | null }>;
  /**
   * Sends `signal` to its process group, then SIGKILL if it has not exited within
   * `graceMs`. Resolves once it has exited (or 2 s after SIGKILL).
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  as?: Account;
  /** Output kept: at least the last this many characters. @default 65536 */
  keepOutput?: number;
}

/** Starts `program` in a new process group (its PID is the group's id), output collected. */
export function startServer(program: string, args: string[], options: ServerOptions = {}): Server {
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.as?.uid,
    gid: options.as?.gid,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = options.keepOutput ?? 64 * 1024;
  let text = '';
  let exited: { code: number | null; signal: string | null } | null = null;
  let error: Error | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  const collect = (b: Buffer) => {
    text += b.toString();
    if (text.length > 2 * keep) text = text.slice(-keep);
    changed();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (e) => {
    error = e;
    changed();
  });
  const closed = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      changed();
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${program}`);
  const pid = child.pid;
  const name = path.basename(program);

  const deadFor = (what: string): Error | null => {
    if (error) return new Error(`${name} failed to start (${error.message}) while waiting for ${what}`);
    if (exited) {
      return new Error(
        `${name} exited (code ${exited.code}, signal ${exited.signal}) while waiting for ${what}; output:\n${text.slice(-4000)}`,
      );
    }
    return null;
  };

  return {
    pid,
    output: () => text,
    waitForOutput(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) return finish();
          const dead = deadFor(String(pattern));
          if (dead) return finish(dead);
        };
        const timer = setTimeout(
          () => finish(new Error(`${name}: no ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-4000)}`)),
          timeoutMs,
        );
        const finish = (e?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (e) reject(e);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async waitForPort(port, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const dead = deadFor(`port ${port}`);
        if (dead) throw dead;
        if (await canConnect(port)) return;
        if (Date.now() > deadline) {
          throw new Error(`${name}: port ${port} not open within ${timeoutMs} ms; output:\n${text.slice(-4000)}`);
        }
        await sleep(50);
      }
    },
    async waitForExit(timeoutMs) {
      await Promise.race([closed, sleep(timeoutMs)]);
      if (!exited) throw new Error(`${name} still running after ${timeoutMs} ms; output:\n${text.slice(-4000)}`);
      return exited;
    },
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (exited) return;
      killGroup(child, signal);
      await Promise.race([closed, sleep(graceMs)]);
      if (exited) return;
      killGroup(child, 'SIGKILL');
      await Promise.race([closed, sleep(2000)]);
    },
  };
}

/** Signals the process group led by `child` (started with detached: true); ignores a group already gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already exited.
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: HOST });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
