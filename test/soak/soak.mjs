#!/usr/bin/env node
// Soak test: hundreds of concurrent loopback TCP connections exchange millions of
// frames of random sizes over every scheme, through framecodec/node's framed()
// on the built package (dist/). Every frame carries its connection, sequence
// number and an FNV-1a checksum of its body; the server checks each frame and
// echoes it back, the client checks each echo against what it sent. Any
// mismatch, loss, duplicate or reordering fails the run (exit status 1).
//
//   node test/soak/soak.mjs [--connections 400] [--frames 4000000] [--seconds 600]
//                           [--seed N] [--max-frame 1048576] [--json]
//
// --frames is the total sent by the clients (each is echoed, so twice as many are
// decoded); --seconds caps the run: clients stop sending when it passes. The
// summary gives connections, frames, bytes, duration and peak RSS; --json prints
// it as one JSON line (test/node/soak.test.ts reads that).
import net from 'node:net';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fc = await import(pathToFileURL(join(root, 'dist/index.js')).href);
const fcNode = await import(pathToFileURL(join(root, 'dist/node.js')).href);
const { framed, zeroCopyOnread, socketStates } = fcNode;

const { values: opt } = parseArgs({
  options: {
    connections: { type: 'string', default: '400' },
    frames: { type: 'string', default: '4000000' },
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    'max-frame': { type: 'string', default: String(1 << 20) },
    json: { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(opt.connections);
const TOTAL = Number(opt.frames);
const SECONDS = Number(opt.seconds);
const SEED = Number(opt.seed);
const MAX_FRAME = Number(opt['max-frame']);
const HOST = '127.0.0.1';
/** Bytes a client may have sent and not yet seen echoed. */
const WINDOW = 512 * 1024;

// ---------------------------------------------------------------------------
// Randomness and checksums.

function rng(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function fnv(bytes, from, to) {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

// Pools of random bytes and of letters: bodies are slices at random offsets.
const POOL = 4 << 20;
const binaryPool = new Uint8Array(POOL);
const letterPool = new Uint8Array(POOL);
{
  const r = rng(SEED ^ 0x5eed);
  for (let i = 0; i < POOL; i++) {
    binaryPool[i] = r(256);
    letterPool[i] = 97 + r(26);
  }
}

// ---------------------------------------------------------------------------
// Schemes: a decoder, an encoder, and how a frame carries (connection, seq, checksum).
//
// Binary frames: [conn u32][seq u32][fnv u32][body]. Text frames (delimiters):
// 24 hex digits for the same three numbers, then a body of letters.

const binary = {
  header: 12,
  make(conn, seq, body) {
    const frame = new Uint8Array(12 + body.length);
    const v = new DataView(frame.buffer);
    v.setUint32(0, conn);
    v.setUint32(4, seq);
    v.setUint32(8, fnv(body, 0, body.length));
    frame.set(body, 12);
    return frame;
  },
  read(frame) {
    const v = new DataView(frame.buffer, frame.byteOffset, frame.length);
    return { conn: v.getUint32(0), seq: v.getUint32(4), sum: v.getUint32(8) };
  },
  pool: binaryPool,
};

const hexDigits = new TextEncoder().encode('0123456789abcdef');
const text = {
  header: 24,
  make(conn, seq, body) {
    const frame = new Uint8Array(24 + body.length);
    const sum = fnv(body, 0, body.length);
    [conn, seq, sum].forEach((n, k) => {
      for (let d = 0; d < 8; d++) frame[8 * k + d] = hexDigits[(n >>> (28 - 4 * d)) & 15];
    });
    frame.set(body, 24);
    return frame;
  },
  read(frame) {
    const s = new TextDecoder().decode(frame.subarray(0, 24));
    return { conn: parseInt(s.slice(0, 8), 16), seq: parseInt(s.slice(8, 16), 16), sum: parseInt(s.slice(16, 24), 16) };
  },
  pool: letterPool,
};

const schemes = [
  {
    name: 'length field, 4 bytes',
    form: binary,
    decoder: () => new fc.LengthFieldDecoder({ maxFrameLength: MAX_FRAME + 4 }),
    encoder: () => new fc.LengthFieldEncoder({ maxFrameLength: MAX_FRAME + 4 }),
    maxBody: MAX_FRAME - 12,
  },
  {
    name: 'length field, varint',
    form: binary,
    decoder: () => new fc.LengthFieldDecoder({ lengthFieldLength: 'varint', maxFrameLength: MAX_FRAME + 10 }),
    encoder: () => new fc.LengthFieldEncoder({ lengthFieldLength: 'varint', maxFrameLength: MAX_FRAME + 10 }),
    maxBody: MAX_FRAME - 12,
  },
  {
    name: 'length field, 2 bytes little-endian, counting the header',
    form: binary,
    decoder: () => new fc.LengthFieldDecoder({ lengthFieldLength: 2, byteOrder: 'little', lengthAdjustment: -2 }),
    encoder: () => new fc.LengthFieldEncoder({ lengthFieldLength: 2, byteOrder: 'little', lengthIncludesHeader: true }),
    maxBody: 65535 - 2 - 12,
  },
  {
    name: 'lines',
    form: text,
    decoder: () => new fc.LineDecoder({ maxFrameLength: MAX_FRAME }),
    encoder: () => new fc.DelimiterEncoder({ delimiter: '\n' }),
    maxBody: MAX_FRAME - 24,
  },
  {
    name: 'delimiters \\r\\n or NUL',
    form: text,
    decoder: () => new fc.DelimiterDecoder({ delimiter: ['\r\n', '\0'], maxFrameLength: MAX_FRAME }),
    encoder: () => new fc.DelimiterEncoder({ delimiter: ['\r\n', '\0'] }),
    maxBody: MAX_FRAME - 24,
  },
  ...[16, 100, 4096].map((size) => ({
    name: `fixed length ${size}`,
    form: binary,
    decoder: () => new fc.FixedLengthDecoder({ frameLength: size }),
    encoder: () => new fc.FixedLengthEncoder({ frameLength: size }),
    fixed: size,
    maxBody: size - 12,
  })),
];

/** A body size: mostly small (85%), some kilobytes (14.9%), one in a thousand up to the scheme's maximum. */
function bodySize(r, scheme) {
  if (scheme.fixed) return scheme.maxBody;
  const k = r(1000);
  const size = k < 850 ? r(200) : k < 999 ? 200 + r(16_000) : 16_000 + r(scheme.maxBody);
  return Math.min(size, scheme.maxBody);
}

function body(r, form, size) {
  const at = r(POOL - size);
  return form.pool.subarray(at, at + size);
}

// ---------------------------------------------------------------------------
// The run.

const stats = {
  sent: 0, // frames the clients sent
  echoed: 0, // echoes the clients received and checked
  serverFrames: 0, // frames the server received and checked
  bytes: 0, // payload bytes sent + echoed
  errors: [],
  peakRss: 0,
  zeroCopyConnections: 0,
};
const problem = (s) => {
  if (stats.errors.length < 20) stats.errors.push(s);
};

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  let conn = null;
  let expectSeq = 0;
  // The scheme is told by the first byte the client sends.
  socket.once('data', (first) => {
    socket.pause();
    const scheme = schemes[first[0]];
    const rest = first.subarray(1);
    conn = framed(socket, { decoder: scheme.decoder(), encoder: scheme.encoder() });
    if (rest.length) socket.unshift(rest);
    void (async () => {
      try {
        for await (const frame of conn) {
          const { conn: id, seq, sum } = scheme.form.read(frame);
          if (seq !== expectSeq)
            problem(`server: connection ${id} frame ${seq} arrived when ${expectSeq} was expected`);
          if (fnv(frame, scheme.form.header, frame.length) !== sum)
            problem(`server: connection ${id} frame ${seq} fails its checksum`);
          expectSeq = seq + 1;
          stats.serverFrames++;
          if (!conn.write(scheme.fixed ? frame : frame)) await once(conn, 'drain');
        }
      } catch (e) {
        problem(`server: ${e.code ?? ''} ${e.message}`);
      }
      const r = await conn.close({ timeoutMs: 10_000 });
      if (r.reset) problem('server: a close had to reset the connection');
    })();
  });
});
server.listen(0, HOST);
await once(server, 'listening');
const port = server.address().port;

const started = Date.now();
const deadline = started + SECONDS * 1000;
const rssTimer = setInterval(() => {
  stats.peakRss = Math.max(stats.peakRss, process.memoryUsage().rss);
}, 100);
let lastReport = started;

async function client(id) {
  const r = rng(SEED * 7919 + id);
  const schemeIndex = id % schemes.length;
  const scheme = schemes[schemeIndex];
  const quota = Math.floor(TOTAL / CONNECTIONS) + (id < TOTAL % CONNECTIONS ? 1 : 0);
  const zeroCopy = id % 3 === 0;
  const onread = zeroCopy ? zeroCopyOnread() : undefined;
  if (zeroCopy) stats.zeroCopyConnections++;
  const socket = net.connect({ port, host: HOST, allowHalfOpen: true, ...(onread ? { onread } : {}) });
  await once(socket, 'connect');
  socket.write(Uint8Array.of(schemeIndex));
  const conn = framed(socket, { decoder: scheme.decoder(), encoder: scheme.encoder(), onread });
  /** What was sent and not yet echoed: the exact bytes the decoder must give back. */
  const inFlight = [];
  let head = 0;
  let inFlightBytes = 0;
  let wake = null;
  const reader = (async () => {
    try {
      for await (const echo of conn) {
        const want = inFlight[head];
        if (want === undefined) {
          problem(`client ${id}: an echo nobody sent`);
          continue;
        }
        inFlight[head++] = undefined;
        if (head > 4096) {
          inFlight.splice(0, head);
          head = 0;
        }
        inFlightBytes -= want.length;
        const { seq, sum } = scheme.form.read(echo);
        if (
          echo.length !== want.length ||
          Buffer.compare(
            Buffer.from(echo.buffer, echo.byteOffset, echo.length),
            Buffer.from(want.buffer, want.byteOffset, want.length),
          ) !== 0
        ) {
          problem(`client ${id}: echo of frame ${scheme.form.read(want).seq} differs (got seq ${seq})`);
        } else if (fnv(echo, scheme.form.header, echo.length) !== sum) {
          problem(`client ${id}: echo of frame ${seq} fails its checksum`);
        }
        stats.echoed++;
        stats.bytes += echo.length;
        wake?.();
      }
    } catch (e) {
      problem(`client ${id}: ${e.code ?? ''} ${e.message}`);
    }
    wake?.();
  })();
  let seq = 0;
  while (seq < quota && Date.now() < deadline) {
    if (inFlightBytes > WINDOW) {
      await new Promise((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    const burst = [];
    for (let n = 1 + r(32); n > 0 && seq < quota; n--) {
      const payload = scheme.form.make(id, seq++, body(r, scheme.form, bodySize(r, scheme)));
      burst.push(payload);
      inFlight.push(payload);
      inFlightBytes += payload.length;
      stats.bytes += payload.length;
    }
    stats.sent += burst.length;
    if (!(burst.length === 1 ? conn.write(burst[0]) : conn.writeAll(burst))) await once(conn, 'drain');
    if (r(4) === 0) await new Promise((resolve) => setImmediate(resolve));
    const now = Date.now();
    if (!opt.json && now - lastReport > 10_000) {
      lastReport = now;
      process.stderr.write(
        `  ${((now - started) / 1000).toFixed(0)} s: ${stats.sent} sent, ${stats.echoed} echoed, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`,
      );
    }
  }
  await conn.end(); // half-close: the server echoes what is left, then closes
  await reader;
  if (head !== inFlight.length) problem(`client ${id}: ${inFlight.length - head} frames never came back`);
  const r2 = await conn.close({ timeoutMs: 10_000 });
  if (r2.reset) problem(`client ${id}: a close had to reset the connection`);
}

await Promise.all(Array.from({ length: CONNECTIONS }, (_, id) => client(id)));
const seconds = (Date.now() - started) / 1000;
clearInterval(rssTimer);
server.close();
await once(server, 'close');
stats.peakRss = Math.max(stats.peakRss, process.resourceUsage().maxRSS * 1024);
// framecodec's close paths leave nothing half-closed behind.
let lingering = null;
for (let k = 0; k < 50; k++) {
  const s = socketStates({ port });
  lingering = {
    FIN_WAIT1: s.FIN_WAIT1,
    CLOSE_WAIT: s.CLOSE_WAIT,
    LAST_ACK: s.LAST_ACK,
    CLOSING: s.CLOSING,
    ESTABLISHED: s.ESTABLISHED,
  };
  if (Object.values(lingering).every((n) => n === 0)) break;
  await new Promise((r) => setTimeout(r, 100));
}
if (!Object.values(lingering).every((n) => n === 0)) problem(`sockets left behind: ${JSON.stringify(lingering)}`);
if (stats.echoed !== stats.sent) problem(`${stats.sent} frames sent, ${stats.echoed} echoed`);
if (stats.serverFrames !== stats.sent)
  problem(`${stats.sent} frames sent, ${stats.serverFrames} received by the server`);

const summary = {
  seed: SEED,
  connections: CONNECTIONS,
  zeroCopyConnections: stats.zeroCopyConnections,
  schemes: schemes.length,
  framesSent: stats.sent,
  framesEchoed: stats.echoed,
  framesDecoded: stats.serverFrames + stats.echoed,
  bytes: stats.bytes,
  seconds: Number(seconds.toFixed(1)),
  framesPerSecond: Math.round((stats.serverFrames + stats.echoed) / seconds),
  peakRssMiB: Math.round(stats.peakRss / 2 ** 20),
  lingering,
  errors: stats.errors,
};
if (opt.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  console.log(
    `soak: ${CONNECTIONS} connections (${stats.zeroCopyConnections} zero-copy) over ${schemes.length} schemes, seed ${SEED}`,
  );
  console.log(
    `  frames sent ${stats.sent}, echoed ${stats.echoed}, decoded in all ${summary.framesDecoded} (${summary.framesPerSecond}/s)`,
  );
  console.log(`  bytes ${stats.bytes} (${(stats.bytes / 2 ** 30).toFixed(2)} GiB) in ${summary.seconds} s`);
  console.log(`  peak RSS ${summary.peakRssMiB} MiB; sockets left: ${JSON.stringify(lingering)}`);
  console.log(`  errors: ${stats.errors.length ? `\n    ${stats.errors.join('\n    ')}` : 'none'}`);
}
process.exitCode = stats.errors.length ? 1 : 0;
