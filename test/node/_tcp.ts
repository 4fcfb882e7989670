// Loopback TCP helpers for the framecodec/node tests. Everything binds 127.0.0.1,
// every wait is bounded, and every socket and server is closed by dispose().
import net from 'node:net';
import { once } from 'node:events';
import { afterEach } from 'vitest';

export const HOST = '127.0.0.1';

/** A connected pair on loopback: `client` (net.connect) and `accepted` (the server's side). */
export interface Pair {
  port: number;
  server: net.Server;
  client: net.Socket;
  accepted: net.Socket;
  /** Destroys both sockets and closes the server. */
  dispose(): Promise<void>;
}

export interface PairOptions {
  /** Options for net.connect (e.g. `onread`). */
  connect?: Omit<net.TcpNetConnectOpts, 'port' | 'host'>;
  /** Options for net.createServer. */
  server?: net.ServerOpts;
}

/** A server on an ephemeral port with one accepted connection. */
export async function pair(options: PairOptions = {}): Promise<Pair> {
  const server = net.createServer(options.server ?? {});
  server.listen(0, HOST);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ ...options.connect, port, host: HOST });
  await within(once(client, 'connect'), 5000, 'connect');
  const [accepted] = await within(acceptedP, 5000, 'accept');
  return {
    port,
    server,
    client,
    accepted,
    async dispose() {
      client.destroy();
      accepted.destroy();
      server.close();
      await within(once(server, 'close'), 5000, 'server close').catch(() => undefined);
    },
  };
}

/**
 * For a test file: a function that opens a connected pair (as pair()), every one of
 * them disposed after each test.
 */
export function pairsClosedAfterEach(): (options?: PairOptions) => Promise<Pair> {
  const opened: Pair[] = [];
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.dispose();
  });
  return async (options) => {
    const p = await pair(options);
    opened.push(p);
    return p;
  };
}

/** Rejects when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function pollUntil<T>(check: () => T, timeoutMs: number, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = check();
  while (!value && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = check();
  }
  return value;
}

/** mulberry32: a small seeded PRNG, so that failures can be replayed. */
export function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
  };
}

/** `length` random bytes. */
export function randomBytes(rand: (n: number) => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rand(256);
  return out;
}

/** `length` random lowercase letters (no delimiter or line ending can occur). */
export function randomLetters(rand: (n: number) => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = 97 + rand(26);
  return out;
}

/** Records the size of every read on a socket (an extra 'data' listener changes nothing). */
export function recordReads(socket: net.Socket): number[] {
  const sizes: number[] = [];
  socket.on('data', (chunk: Buffer) => sizes.push(chunk.length));
  return sizes;
}

/**
 * How the reads cut the frames: `sticky` reads held the ends of two or more
 * frames; `split` frames spanned two or more reads.
 */
export function packetEffects(frameLengths: number[], readSizes: number[]): { sticky: number; split: number } {
  const boundaries: number[] = [];
  let at = 0;
  for (const n of readSizes) {
    at += n;
    boundaries.push(at);
  }
  let sticky = 0;
  let split = 0;
  let start = 0;
  let r = 0;
  let endsInRead = 0;
  for (const len of frameLengths) {
    const end = start + len;
    if (boundaries.some((b) => b > start && b < end)) split++;
    while (r < boundaries.length && boundaries[r] < end) {
      r++;
      endsInRead = 0;
    }
    if (++endsInRead === 2) sticky++;
    start = end;
  }
  return { sticky, split };
}

/** Byte-wise equality with a readable failure message. */
export function sameFrames(actual: Uint8Array[], expected: Uint8Array[]): string | null {
  if (actual.length !== expected.length) return `got ${actual.length} frames, expected ${expected.length}`;
  for (let k = 0; k < expected.length; k++) {
    if (
      Buffer.compare(
        Buffer.from(actual[k].buffer, actual[k].byteOffset, actual[k].length),
        Buffer.from(expected[k]),
      ) !== 0
    ) {
      return `frame ${k} differs (${actual[k].length} bytes, expected ${expected[k].length})`;
    }
  }
  return null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
