// Deno: how framedStream() should receive from a Deno.Conn, on loopback TCP.
//
//   npm run build:wasm && npx deno run --sloppy-imports --allow-net=127.0.0.1 --allow-read --allow-env \
//     bench/framed_stream_deno.bench.js [--mib 32] [--rounds 7] [--sizes 64,1024,16384,262144] [--only framedStream]
//
// Method: a server in a worker (its own thread, so it runs on the other core)
// answers each connection with a pre-encoded stream of 4-byte length-field frames
// of the size the client asks for, then a FIN. Each timed transfer connects,
// receives and decodes the whole stream, checks the frame count and bytes, and
// closes. Contenders per frame size:
//
//   framedStream, readable    framedStream({ readable: conn.readable, writable })   for await, Deno's reads
//   framedStream, read(p)     framedStream(conn): conn.read(p), what it does         for await
//   decode, readable          reader.read() -> decoder.decode(chunk)
//   decode, read(p)           conn.read(p) -> decoder.decode(chunk), buffers kept as framedStream keeps them
//   decode, zero-copy         conn.read(engine.receiveArea()) -> decoder.decode(area): scanned where it
//                             landed, frames copied out (one slab per read)
//   decodeRanges, read(p)     one reused buffer -> decoder.decodeRanges(): no frame objects
//   decodeRanges, zero-copy   the receive area -> decoder.decodeRanges()
//
// The 'decode' rows isolate the receive path from the iterator's per-frame cost;
// 'decodeRanges' shows what reading into WebAssembly memory saves when nothing is
// copied out. Rounds rotate the order; a figure is the median over the rounds, as
// throughput: stream bytes / time per transfer (MB = 10^6 bytes).
import { backend, framedStream, LengthFieldDecoder, LengthFieldEncoder } from '../src/index.ts';
import { engine, useEngine } from '../src/engine/index.ts';

/** The stream of `size`-byte frames, about `mib` MiB in all. */
function wireOf(size, mib) {
  const frames = Math.max(1, Math.floor((mib * 1024 * 1024) / (size + 4)));
  const payload = new Uint8Array(size).fill(0x61);
  return { wire: new LengthFieldEncoder().encodeAll(new Array(frames).fill(payload)), frames };
}

// ---------------------------------------------------------------------------
// The server (in the worker).

async function serve(mib, post) {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  post(listener.addr.port);
  const wires = new Map();
  for await (const conn of listener) {
    (async () => {
      const ask = new Uint8Array(4);
      let got = 0;
      while (got < 4) {
        const n = await conn.read(ask.subarray(got));
        if (n === null) throw new Error('client left');
        got += n;
      }
      const size = new DataView(ask.buffer).getUint32(0);
      let wire = wires.get(size);
      if (!wire) {
        wire = wireOf(size, mib).wire;
        wires.set(size, wire);
      }
      for (let at = 0; at < wire.length; ) at += await conn.write(wire.subarray(at));
      await conn.closeWrite();
      while ((await conn.read(ask)) !== null);
      conn.close();
    })().catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// The contenders: each receives one whole stream and returns [frames, bytes].

const READ_SIZE = 64 * 1024;

/** @type {[string, (conn: Deno.TcpConn) => Promise<[number, number]>][]} */
const contenders = [
  [
    'framedStream, readable',
    async (conn) => {
      let n = 0;
      let bytes = 0;
      const pair = { readable: conn.readable, writable: conn.writable };
      for await (const f of framedStream(pair, { decoder: new LengthFieldDecoder() })) {
        n++;
        bytes += f.length;
      }
      return [n, bytes];
    },
  ],
  [
    'framedStream, read(p)',
    async (conn) => {
      let n = 0;
      let bytes = 0;
      for await (const f of framedStream(conn, { decoder: new LengthFieldDecoder() })) {
        n++;
        bytes += f.length;
      }
      return [n, bytes];
    },
  ],
  [
    'decode, readable',
    async (conn) => {
      const decoder = new LengthFieldDecoder();
      const reader = conn.readable.getReader();
      let n = 0;
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const f of decoder.decode(value)) {
          n++;
          bytes += f.length;
        }
      }
      return [n, bytes];
    },
  ],
  [
    'decode, read(p)',
    async (conn) => {
      const decoder = new LengthFieldDecoder();
      let buffer = null;
      let n = 0;
      let bytes = 0;
      for (;;) {
        buffer ??= new Uint8Array(READ_SIZE);
        const r = await conn.read(buffer);
        if (r === null) break;
        let chunk;
        if (r > buffer.length >> 1) {
          chunk = buffer.subarray(0, r);
          buffer = null;
        } else chunk = buffer.slice(0, r);
        for (const f of decoder.decode(chunk)) {
          n++;
          bytes += f.length;
        }
      }
      return [n, bytes];
    },
  ],
  [
    'decode, zero-copy',
    async (conn) => {
      const decoder = new LengthFieldDecoder();
      let n = 0;
      let bytes = 0;
      for (;;) {
        const r = await conn.read(engine.receiveArea());
        if (r === null) break;
        // A fresh view: linear memory may have grown during the read.
        for (const f of decoder.decode(engine.receiveArea().subarray(0, r))) {
          n++;
          bytes += f.length;
        }
      }
      return [n, bytes];
    },
  ],
  [
    'decodeRanges, read(p)',
    async (conn) => {
      const decoder = new LengthFieldDecoder();
      const buffer = new Uint8Array(READ_SIZE);
      let n = 0;
      let bytes = 0;
      for (;;) {
        const r = await conn.read(buffer);
        if (r === null) break;
        n += decoder.decodeRanges(buffer.subarray(0, r), (_, offsets, count) => {
          for (let i = 0; i < count; i++) bytes += offsets[2 * i + 1] - offsets[2 * i];
        });
      }
      return [n, bytes];
    },
  ],
  [
    'decodeRanges, zero-copy',
    async (conn) => {
      const decoder = new LengthFieldDecoder();
      let n = 0;
      let bytes = 0;
      for (;;) {
        const r = await conn.read(engine.receiveArea());
        if (r === null) break;
        n += decoder.decodeRanges(engine.receiveArea().subarray(0, r), (_, offsets, count) => {
          for (let i = 0; i < count; i++) bytes += offsets[2 * i + 1] - offsets[2 * i];
        });
      }
      return [n, bytes];
    },
  ],
];

async function transfer(port, size, receive) {
  const conn = await Deno.connect({ hostname: '127.0.0.1', port });
  const ask = new Uint8Array(4);
  new DataView(ask.buffer).setUint32(0, size);
  await conn.write(ask);
  try {
    return await receive(conn);
  } finally {
    try {
      conn.close();
    } catch {
      // closed by the contender
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = Deno.args;
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const mib = Number(option('--mib', '32'));
  const rounds = Number(option('--rounds', '7'));
  const sizes = option('--sizes', '64,1024,16384,262144').split(',').map(Number);
  const only = option('--only', '');
  if (only) contenders.splice(0, contenders.length, ...contenders.filter(([name]) => name.startsWith(only)));
  useEngine();
  const worker = new Worker(import.meta.url, { type: 'module' });
  const port = await new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.postMessage(mib);
  });
  console.log(`Deno ${Deno.version.deno}, engine ${backend()}, ${mib} MiB per transfer, ${rounds} rounds, median MB/s`);
  const header = ['frame size', ...contenders.map(([name]) => name)];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const size of sizes) {
    const { wire, frames } = wireOf(size, mib);
    const times = contenders.map(() => []);
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = (k + round) % contenders.length;
        const started = performance.now();
        const [n, bytes] = await transfer(port, size, contenders[c][1]);
        const ms = performance.now() - started;
        if (n !== frames || bytes !== frames * size) {
          throw new Error(`${contenders[c][0]}: ${n} frames, ${bytes} bytes; expected ${frames}, ${frames * size}`);
        }
        if (round > 0) times[c].push(ms); // round 0 warms up
      }
    }
    const row = times.map((t) => ((wire.length / median(t)) * 1e3) / 1e6);
    console.log(`| ${size} B | ${row.map((x) => x.toFixed(0)).join(' | ')} |`);
  }
  worker.terminate();
}

if ('WorkerGlobalScope' in globalThis) {
  globalThis.onmessage = (e) => void serve(e.data, (port) => globalThis.postMessage(port));
} else {
  await main();
}
