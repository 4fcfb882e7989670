// Memory per live decoder: 100,000 decoders, each holding a partial frame (or
// nothing, for the idle rows), as a server with one decoder per connection would.
//
//   node --expose-gc bench/memory.mjs [path/to/dist/index.js] [--json]
//
// Method: gc() twice, read process.memoryUsage(); build the decoders, feed each
// the start of a frame; gc() twice, read again. Per decoder = (Δ heapUsed +
// Δ external) / N; `external` includes `arrayBuffers` (backing stores of typed
// arrays that live outside the V8 heap). The chunk fed is shared and not counted.
import { pathToFileURL } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const args = process.argv.slice(2);
const json = args.includes('--json');
const distArg = args.find((a) => !a.startsWith('--'));
const dist = distArg ? pathToFileURL(distArg).href : new URL('../dist/index.js', import.meta.url).href;
const fc = await import(dist);

const N = 100_000;
const text = (s) => new TextEncoder().encode(s);
const body20 = 'abcdefghijklmnopqrst';

const CASES = [
  { decoder: 'LineDecoder', make: () => new fc.LineDecoder(), chunk: text(body20) },
  {
    decoder: 'DelimiterDecoder',
    note: "'\\r\\n'",
    make: () => new fc.DelimiterDecoder({ delimiter: '\r\n' }),
    chunk: text(body20),
  },
  {
    decoder: 'LengthFieldDecoder',
    note: '4-byte field, 64 B frame',
    make: () => new fc.LengthFieldDecoder(),
    chunk: new Uint8Array([0, 0, 0, 64, ...text(body20)]),
  },
  {
    decoder: 'LengthFieldDecoder',
    note: 'varint, 64 B frame',
    make: () => new fc.LengthFieldDecoder({ lengthFieldLength: 'varint' }),
    chunk: new Uint8Array([64, ...text(body20)]),
  },
  {
    decoder: 'FixedLengthDecoder',
    note: '64 B records',
    make: () => new fc.FixedLengthDecoder({ frameLength: 64 }),
    chunk: text(body20),
  },
  { decoder: 'LineDecoder', note: 'idle', make: () => new fc.LineDecoder(), chunk: null },
  { decoder: 'LengthFieldDecoder', note: 'idle', make: () => new fc.LengthFieldDecoder(), chunk: null },
];

function usage() {
  gc();
  gc();
  const m = process.memoryUsage();
  return m;
}

const rows = [];
for (const c of CASES) {
  const before = usage();
  let live = new Array(N);
  for (let i = 0; i < N; i++) {
    const d = c.make();
    if (c.chunk) {
      const frames = d.decode(c.chunk);
      if (frames.length !== 0) throw new Error(`${c.decoder} emitted a frame from a partial one`);
    }
    live[i] = d;
  }
  const after = usage();
  const held = live[N - 1].buffered;
  const dHeap = after.heapUsed - before.heapUsed;
  const dExternal = after.external - before.external;
  const dArrayBuffers = after.arrayBuffers - before.arrayBuffers;
  rows.push({
    decoder: c.decoder,
    note: c.note ?? '',
    partial: held,
    n: N,
    perDecoder: Math.round((dHeap + dExternal) / N),
    heapPerDecoder: Math.round(dHeap / N),
    externalPerDecoder: Math.round(dExternal / N),
    arrayBuffersPerDecoder: Math.round(dArrayBuffers / N),
    rssPerDecoder: Math.round((after.rss - before.rss) / N),
  });
  live = null;
}

const result = { backend: fc.backend(), n: N, rows };
if (json) {
  process.stdout.write(JSON.stringify(result));
} else {
  console.log(`engine ${result.backend}, ${N} live decoders per row`);
  console.table(
    rows.map((r) => ({
      decoder: r.decoder + (r.note ? ` (${r.note})` : ''),
      held: r.partial,
      'B/decoder': r.perDecoder,
      'heap B': r.heapPerDecoder,
      'external B': r.externalPerDecoder,
      'arrayBuffers B': r.arrayBuffersPerDecoder,
      'rss B': r.rssPerDecoder,
    })),
  );
}
