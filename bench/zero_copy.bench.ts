// Zero-copy receive (onread into WebAssembly memory) against the ordinary 'data'
// path, on loopback TCP.
//
//   npm run bench:zerocopy                       (builds the wasm, bundles this file, runs it)
//   ... -- --time 200 --rounds 8 --mib 32 --sizes 64,1024,16384
//          (per-task time in ms per round, rounds, MiB per transfer, frame sizes)
//
// Method: a server in a worker thread (its own event loop, so it runs on the other
// core) answers each connection with the same pre-encoded stream of length-field
// frames and a FIN. Each timed iteration connects, receives and decodes the whole
// stream, checks the frame count and bytes, and closes. Contenders per frame size:
//
//   framed, 'data'       framed(socket, { decoder })           the public API, Node's reads
//   framed, zero-copy    framed(socket, { decoder, onread })   the public API, onread
//   decode, 'data'       socket.on('data', c => decoder.decode(c))
//   decode, zero-copy    zeroCopyOnread(c => decoder.decode(c)): c is a view on the receive area
//   decodeRanges, ...    the same with decoder.decodeRanges(): frame offsets, no frame objects
//
// The 'decode' pairs isolate the receive path from the iterator's per-frame cost.
// decode() frames must be stable, so frames scanned in the receive area are copied
// out (one slab per read); decodeRanges() hands out offsets into the area itself,
// so it shows what reading into WebAssembly memory saves when nothing is copied.
// Tasks run in many short interleaved rounds (the order rotates), so load from
// elsewhere hits them alike; a task's figure is the median over all its samples, as throughput:
// stream bytes / median time per transfer (MB = 10^6 bytes).
import net from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { LengthFieldDecoder, LengthFieldEncoder, backend } from '../src/index.js';
import { framed, zeroCopyOnread } from '../src/node/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TIME = option('--time', 200);
const ROUNDS = option('--rounds', 8);
const MIB = option('--mib', 32);
const sizesAt = args.indexOf('--sizes');
const FRAME_SIZES = sizesAt >= 0 ? args[sizesAt + 1].split(',').map(Number) : [64, 1024, 16 * 1024];

// The server: one per frame size, in a worker thread; it writes `stream` to every connection, then FIN.
const SERVER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const stream = Buffer.from(workerData.stream.buffer, workerData.stream.byteOffset, workerData.stream.length);
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.end(stream);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

interface Expected {
  frames: number;
  bytes: number;
}

function streamOf(frameSize: number): { stream: Uint8Array; expected: Expected } {
  const frames = Math.floor((MIB << 20) / (frameSize + 4));
  const payload = new Uint8Array(frameSize).map((_, i) => i & 0xff);
  const stream = new LengthFieldEncoder().encodeAll(Array.from({ length: frames }, () => payload));
  return { stream, expected: { frames, bytes: frames * frameSize } };
}

function verify(got: Expected, expected: Expected, name: string): void {
  if (got.frames !== expected.frames || got.bytes !== expected.bytes) {
    throw new Error(
      `${name}: got ${got.frames} frames / ${got.bytes} bytes, expected ${expected.frames} / ${expected.bytes}`,
    );
  }
}

const connect = (port: number, extra: Partial<net.TcpNetConnectOpts> = {}) =>
  net.connect({ ...extra, port, host: '127.0.0.1' });

async function viaFramed(port: number, zeroCopy: boolean): Promise<Expected> {
  const onread = zeroCopy ? zeroCopyOnread() : undefined;
  const socket = connect(port, onread ? { onread } : {});
  const conn = framed(socket, { decoder: new LengthFieldDecoder(), onread });
  let frames = 0;
  let bytes = 0;
  for await (const f of conn) {
    frames++;
    bytes += f.length;
  }
  socket.destroy();
  return { frames, bytes };
}

async function viaDecode(port: number, zeroCopy: boolean, ranges = false): Promise<Expected> {
  const decoder = new LengthFieldDecoder();
  let frames = 0;
  let bytes = 0;
  const onRanges = (_source: Uint8Array, offsets: Int32Array, count: number) => {
    for (let i = 0; i < count; i++) bytes += offsets[2 * i + 1] - offsets[2 * i];
  };
  const take = ranges
    ? (chunk: Uint8Array) => {
        frames += decoder.decodeRanges(chunk, onRanges);
      }
    : (chunk: Uint8Array) => {
        const out = decoder.decode(chunk);
        frames += out.length;
        for (let i = 0; i < out.length; i++) bytes += out[i].length;
      };
  let socket: net.Socket;
  if (zeroCopy) {
    socket = connect(port, { onread: zeroCopyOnread(take) });
  } else {
    socket = connect(port);
    socket.on('data', take);
  }
  await once(socket, 'end');
  decoder.end();
  socket.destroy();
  return { frames, bytes };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  console.log(
    `zero-copy receive vs 'data', loopback TCP, ${MIB} MiB per transfer, engine ${backend()}, Node ${process.version}`,
  );
  console.log(`${ROUNDS} rounds x ${TIME} ms per task\n`);
  const rows: string[] = [];
  for (const size of FRAME_SIZES) {
    const { stream, expected } = streamOf(size);
    const worker = new Worker(SERVER, { eval: true, workerData: { stream } });
    const [port] = (await once(worker, 'message')) as [number];
    const tasks: Array<[string, () => Promise<Expected>]> = [
      ["framed, 'data'", () => viaFramed(port, false)],
      ['framed, zero-copy', () => viaFramed(port, true)],
      ["decode, 'data'", () => viaDecode(port, false)],
      ['decode, zero-copy', () => viaDecode(port, true)],
      ["decodeRanges, 'data'", () => viaDecode(port, false, true)],
      ['decodeRanges, zero-copy', () => viaDecode(port, true, true)],
    ];
    // Each contender once, checked, before timing.
    for (const [name, fn] of tasks) verify(await fn(), expected, name);
    const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: TIME, iterations: 3, warmupTime: 50, warmupIterations: 1, retainSamples: true });
      for (let k = 0; k < tasks.length; k++) {
        const [name, fn] = tasks[(k + round) % tasks.length];
        bench.add(name, async () => verify(await fn(), expected, name));
      }
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result;
        if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state} ${'error' in r ? String(r.error) : ''}`);
        samples.get(task.name)!.push(...(r.latency.samples ?? []));
      }
    }
    worker.postMessage('stop');
    await once(worker, 'exit');
    const mbps = (ms: number) => stream.length / 1e6 / (ms / 1000);
    const base: Record<string, number> = {};
    for (const [name, list] of samples) {
      const ms = median(list);
      const kind = name.split(',')[0];
      const zero = name.endsWith('zero-copy');
      if (!zero) base[kind] = mbps(ms);
      const vs = zero ? ` (${((mbps(ms) / base[kind] - 1) * 100).toFixed(1)}% vs 'data')` : '';
      rows.push(`| ${size} B | ${name} | ${mbps(ms).toFixed(0)} MB/s${vs} | ${ms.toFixed(2)} ms | ${list.length} |`);
    }
  }
  console.log('| frame | contender | median throughput | median time | samples |');
  console.log('| ---: | --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
