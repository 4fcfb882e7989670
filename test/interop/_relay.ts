// A checking relay between a real client and a real server, built from framed():
//
//   real client ──TCP──► relay (framed, client side)      relay (framed, server side) ──TCP──► real server
//                          │ every frame checked by the protocol's parser            ▲
//                          └── glued with the frames queued behind it, cut at random ┘
//
// Each direction reads frames with the protocol's framing, hands each frame to the
// protocol's check (which throws on a frame that does not parse as the protocol says,
// names it for the counts, and may switch a side's framing with `conn.decoder = ...`),
// then forwards the frames as raw bytes (`conn.writeRaw()`): the frames
// already queued behind one are glued to it (up to a random number), and the glued
// bytes are cut at random points into separate socket writes, so the real peer sees
// other packet boundaries than the real sender made. A peer's FIN is passed on after
// its last frame. At the end, every byte must be accounted for in each direction:
// bytes read = bytes in frames = bytes written.
import net from 'node:net';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FrameDecoder } from '../../src/index.js';
import { type Framed, framed, zeroCopyOnread } from '../../src/node/index.js';
import { HOST } from './_procs.js';

export type Side = 'client' | 'server';

/** One relayed connection, as a protocol's check sees it. */
export interface RelayConn<S> {
  readonly id: number;
  /** The relay's side towards the real client (frames the client sent). */
  readonly client: Framed;
  /** The relay's side towards the real server (frames the server sent). */
  readonly server: Framed;
  /** The protocol's state for this connection. */
  readonly state: S;
}

/** How a protocol is framed and checked. */
export interface Protocol<S> {
  readonly name: string;
  /** Fresh per-connection state. */
  state(): S;
  /** The decoder for the bytes the client sends. */
  clientDecoder(state: S): FrameDecoder;
  /** The decoder for the bytes the server sends. */
  serverDecoder(state: S): FrameDecoder;
  /**
   * Checks one frame that `from` sent: throws if it does not parse as the protocol
   * says; returns its name (message type) for the counts. Runs before the frame is
   * forwarded, so it may switch a side's framing before the peer can answer.
   */
  check(frame: Uint8Array, from: Side, conn: RelayConn<S>): string;
  /**
   * Whether a reset (ECONNRESET) from `from` now is how that peer closes, not a
   * fault: e.g. RabbitMQ closes with SO_LINGER 0 after connection.close-ok. The
   * relay then forwards what it read and ends the other side with a FIN.
   * @default never
   */
  resetEnds?(from: Side, conn: RelayConn<S>): boolean;
}

/** What crossed the relay in one direction. */
export interface DirectionStats {
  /** Bytes read from the sender's socket. */
  bytesIn: number;
  frames: number;
  /** Total length of the frames (nothing is stripped: equals bytesIn when all is well). */
  frameBytes: number;
  /** Bytes handed to the receiver's socket. */
  bytesOut: number;
  /** Socket writes (the pieces the frames were cut into). */
  writes: number;
  /** Writes holding bytes of two frames or more. */
  gluedWrites: number;
  /** Frames cut across two writes or more. */
  splitFrames: number;
  /** Frames per name given by the protocol's check. */
  types: Record<string, number>;
  /** The sender closed with a reset that the protocol allows at that point. */
  resetByPeer: boolean;
}

function emptyStats(): DirectionStats {
  return {
    bytesIn: 0,
    frames: 0,
    frameBytes: 0,
    bytesOut: 0,
    writes: 0,
    gluedWrites: 0,
    splitFrames: 0,
    types: {},
    resetByPeer: false,
  };
}

export interface Session {
  id: number;
  /** The relay reads the server's side with zero-copy receive (net.connect's onread), every other connection. */
  zeroCopy: boolean;
  /** client → server */
  up: DirectionStats;
  /** server → client */
  down: DirectionStats;
  /** The first error on this connection (a frame that failed its check, a framing or socket error). */
  error: unknown;
  done: Promise<void>;
}

export interface Relay {
  readonly port: number;
  readonly sessions: Session[];
  readonly seed: number;
  /**
   * Waits (at most `timeoutMs`) for every connection to finish, then stops listening
   * and resets what is left. Returns the sessions.
   */
  close(timeoutMs?: number): Promise<Session[]>;
}

/** mulberry32: a small seeded generator, so that a failing cut can be replayed (FRAMECODEC_INTEROP_SEED). */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
  };
}

export function seedFromEnv(): number {
  const fromEnv = process.env.FRAMECODEC_INTEROP_SEED;
  return fromEnv ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** Starts a relay on 127.0.0.1 (a free port) towards `upstreamPort`. */
export async function startRelay<S>(
  protocol: Protocol<S>,
  upstreamPort: number,
  seed: number = seedFromEnv(),
): Promise<Relay> {
  const rand = rng(seed);
  const sessions: Session[] = [];
  /** One per connection: aborting it resets both sides (framed()'s `signal`). */
  const aborts = new Set<AbortController>();
  let nextId = 1;

  const server = net.createServer((clientSocket) => {
    // Every other connection reads the server's bytes straight into decoder memory.
    const zeroCopy = nextId % 2 === 1;
    const onread = zeroCopy ? zeroCopyOnread() : undefined;
    const serverSocket = net.connect({ port: upstreamPort, host: HOST, onread });
    clientSocket.setNoDelay(true); // each cut goes out as its own segment
    serverSocket.setNoDelay(true);
    const abort = new AbortController();
    aborts.add(abort);
    const state = protocol.state();
    const { signal } = abort;
    const conn: RelayConn<S> = {
      id: nextId++,
      client: framed(clientSocket, { decoder: protocol.clientDecoder(state), signal }),
      server: framed(serverSocket, { decoder: protocol.serverDecoder(state), signal, onread }),
      state,
    };
    const session: Session = {
      id: conn.id,
      zeroCopy,
      up: emptyStats(),
      down: emptyStats(),
      error: undefined,
      done: undefined!,
    };
    const fail = (error: unknown) => {
      session.error ??= error;
      abort.abort(error);
    };
    const pump = (from: Side) => {
      const [src, dest, stats] =
        from === 'client' ? [conn.client, conn.server, session.up] : [conn.server, conn.client, session.down];
      const check = (frame: Uint8Array) => protocol.check(frame, from, conn);
      const resetEnds = () => protocol.resetEnds?.(from, conn) === true;
      return forward(src, dest, stats, check, resetEnds, rand).catch((error: unknown) => {
        // Say which way it broke, after how much.
        const where = `${from} -> ${from === 'client' ? 'server' : 'client'} after ${stats.frames} frames (${Object.keys(stats.types).at(-1) ?? 'none'} last)`;
        fail(new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      });
    };
    session.done = Promise.all([pump('client'), pump('server')]).then(async () => {
      await Promise.all([conn.client.close({ timeoutMs: 1000 }), conn.server.close({ timeoutMs: 1000 })]);
      aborts.delete(abort);
      session.up.bytesIn = clientSocket.bytesRead;
      session.down.bytesIn = serverSocket.bytesRead;
      // What the sockets took: must equal what we wrote.
      if (serverSocket.bytesWritten !== session.up.bytesOut || clientSocket.bytesWritten !== session.down.bytesOut) {
        session.error ??= new Error(
          `socket byte counts differ from the relay's: to server ${serverSocket.bytesWritten} vs ${session.up.bytesOut}, to client ${clientSocket.bytesWritten} vs ${session.down.bytesOut}`,
        );
      }
    });
    sessions.push(session);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<Session[]> | undefined;

  return {
    port,
    sessions,
    seed,
    close(timeoutMs = 5000) {
      closing ??= finish(timeoutMs);
      return closing;
    },
  };

  async function finish(timeoutMs: number): Promise<Session[]> {
    server.close();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([Promise.all(sessions.map((s) => s.done)), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      for (const s of sessions)
        s.error ??= new Error(`connection ${s.id} still open ${timeoutMs} ms after the client finished`);
    }
    for (const a of aborts) a.abort(new Error('relay closed'));
    return sessions;
  }
}

/**
 * Reads frames from `src`, checks each, and writes them to `dest`: glued to the
 * frames queued behind them (up to a random count), cut at random points. After
 * `src`'s last frame (its peer sent FIN), half-closes `dest`.
 */
async function forward(
  src: Framed,
  dest: Framed,
  stats: DirectionStats,
  check: (frame: Uint8Array) => string,
  resetEnds: () => boolean,
  rand: (n: number) => number,
): Promise<void> {
  let batch: Uint8Array[] = [];
  let glue = 1 + rand(6);
  try {
    for await (const frame of src) {
      const name = check(frame);
      stats.frames++;
      stats.frameBytes += frame.length;
      stats.types[name] = (stats.types[name] ?? 0) + 1;
      batch.push(frame);
      // More frames already queued: glue them on (up to `glue` frames in one batch).
      if (src.readableLength > 0 && batch.length < glue) continue;
      await send(batch, dest, stats, rand);
      batch = [];
      glue = 1 + rand(6);
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'ECONNRESET' || !resetEnds()) throw error;
    stats.resetByPeer = true;
  }
  if (batch.length > 0) await send(batch, dest, stats, rand);
  if (dest.state === 'open' || dest.state === 'half-closed-remote') await dest.end();
}

/** Glues `frames` and writes them in pieces cut at random, one event-loop turn apart. */
async function send(frames: Uint8Array[], dest: Framed, stats: DirectionStats, rand: (n: number) => number) {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const bytes = new Uint8Array(total);
  const ends: number[] = [];
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
    ends.push(at);
  }
  // Cut points: none to three at random, and often one right after the first byte
  // (a header split from its length field).
  const cuts = new Set<number>();
  if (total > 1) {
    if (rand(3) === 0) cuts.add(1);
    for (let k = rand(4); k > 0; k--) cuts.add(1 + rand(total - 1));
  }
  const points = [...cuts].sort((a, b) => a - b);
  // Frames with a cut strictly inside them.
  let start = 0;
  for (const end of ends) {
    if (points.some((p) => p > start && p < end)) stats.splitFrames++;
    start = end;
  }
  let from = 0;
  for (const to of [...points, total]) {
    const piece = bytes.subarray(from, to);
    // Frames this piece holds bytes of: glued when two or more.
    const first = ends.findIndex((e) => e > from);
    const last = ends.findIndex((e) => e >= to);
    if (last > first) stats.gluedWrites++;
    if (dest.socket.destroyed) throw new Error('the receiving side closed before all was forwarded');
    stats.writes++;
    stats.bytesOut += piece.length;
    if (!dest.writeRaw(piece)) await drained(dest);
    from = to;
    await nextTurn();
  }
}

function drained(conn: Framed): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    conn.on('drain', done);
    conn.on('close', done);
  });
}

/** Throws unless every byte is accounted for in both directions and no connection failed. */
export function assertAccounted(sessions: Session[], protocolName: string, seed: number): void {
  if (sessions.length === 0) throw new Error(`${protocolName}: no connection went through the relay`);
  for (const s of sessions) {
    if (s.error !== undefined) {
      const e = s.error as Error;
      throw new Error(`${protocolName} connection ${s.id} (seed ${seed}): ${e?.stack ?? String(e)}`);
    }
    for (const [dir, d] of [
      ['client->server', s.up],
      ['server->client', s.down],
    ] as const) {
      if (d.bytesIn !== d.frameBytes || d.frameBytes !== d.bytesOut) {
        throw new Error(
          `${protocolName} connection ${s.id} ${dir} (seed ${seed}): ${d.bytesIn} bytes read, ${d.frameBytes} in ${d.frames} frames, ${d.bytesOut} written`,
        );
      }
    }
  }
}

/** Totals over all connections, per direction. */
export function totals(sessions: Session[]): { up: DirectionStats; down: DirectionStats } {
  const sum = (pick: (s: Session) => DirectionStats) => {
    const t = emptyStats();
    for (const s of sessions) {
      const d = pick(s);
      t.bytesIn += d.bytesIn;
      t.frames += d.frames;
      t.frameBytes += d.frameBytes;
      t.bytesOut += d.bytesOut;
      t.writes += d.writes;
      t.gluedWrites += d.gluedWrites;
      t.splitFrames += d.splitFrames;
      for (const [k, v] of Object.entries(d.types)) t.types[k] = (t.types[k] ?? 0) + v;
    }
    return t;
  };
  return { up: sum((s) => s.up), down: sum((s) => s.down) };
}

/** One line per direction, for the test log. */
export function describeTotals(protocolName: string, sessions: Session[], seed: number, ms: number): string {
  const { up, down } = totals(sessions);
  const resets = (pick: (s: Session) => DirectionStats) => sessions.filter((s) => pick(s).resetByPeer).length;
  const line = (dir: string, d: DirectionStats, reset: number) =>
    `  ${dir}: ${d.frames} frames, ${d.bytesIn} bytes in = ${d.frameBytes} framed = ${d.bytesOut} out; ` +
    (reset > 0 ? `${reset} closed by a reset after the closing handshake; ` : '') +
    `${d.writes} writes (${d.gluedWrites} glued), ${d.splitFrames} frames split; ` +
    Object.entries(d.types)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `interop ${protocolName}: ${sessions.length} connection(s) (${sessions.filter((s) => s.zeroCopy).length} with zero-copy receive from the server), seed ${seed}, ${Math.round(ms)} ms`,
    line(
      'client->server',
      up,
      resets((s) => s.up),
    ),
    line(
      'server->client',
      down,
      resets((s) => s.down),
    ),
  ].join('\n');
}
