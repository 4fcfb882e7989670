// Where decode() spends its time per frame: the wasm scanners driven directly,
// adding one step at a time, next to the real decoder and the hand-written loop.
//
//   node bench/experiments/breakdown.mjs [dist/index.js]
//
// The scanners are instantiated from the SIMD build embedded in dist/index.js and
// laid out as src/engine/engine.ts does (results, parameters, delimiter table,
// staging area), with the structures of assembly/abi.ts. Steps
// (each includes the ones above it):
//   copy       chunk -> linear memory (u8.set), once per chunk
//   scan       + scanDelimiters / scanLength and the calls reading its status
//   results    + reading the (position, length) pairs back from linear memory
//   views      + one subarray view on the chunk per frame, passed to a sink
//   push       + the views collected in an array per chunk, then iterated
// Frames that straddle chunks are left out of the steps (one per chunk); the
// decoder rows handle them. Figures: ns per frame, median of 9 rounds, CPU time.
import { cpuNs } from './_clock.mjs';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { IndexOfSplitter, DataViewLoop } from '../lib/hand.mjs';

const distPath = process.argv[2] ?? new URL('../../dist/index.js', import.meta.url).pathname;
const fc = await import(pathToFileURL(distPath).href);
// The embedded SIMD build, wherever rollup put it (index.js or a shared chunk).
const b64 = readdirSync(dirname(distPath), { recursive: true })
  .filter((f) => String(f).endsWith('.js'))
  .map((f) => readFileSync(join(dirname(distPath), String(f)), 'utf8').match(/SIMD_WASM = '([^']+)'/)?.[1])
  .find(Boolean);
const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(b64, 'base64')), {});

// The ABI's constants (assembly/abi.ts is a list of `export const NAME = number;`).
const abi = Object.fromEntries(
  [
    ...readFileSync(new URL('../../assembly/abi.ts', import.meta.url), 'utf8').matchAll(/export const (\w+) = (\d+);/g),
  ].map(([, name, value]) => [name, Number(value)]),
);
// Layout as in src/engine/engine.ts (the table before the stage here: no zero-copy).
const OUT_CAP = 8192;
const base = (x.heapBase() + 15) & ~15;
const RESULTS = base;
const OUT = RESULTS + abi.RESULT_PAIRS; // the pairs
const PARAMS = OUT + OUT_CAP * 8;
const TABLE = PARAMS + abi.PARAMS_SIZE;
const STAGE = TABLE + 4096;
const need = STAGE + 4096 + 65536;
if (x.memory.buffer.byteLength < need) x.memory.grow(Math.ceil((need - x.memory.buffer.byteLength) / 65536));
const u8 = new Uint8Array(x.memory.buffer);
const i32 = new Int32Array(x.memory.buffer);
const f64 = new Float64Array(x.memory.buffer);

// The delimiter table of src/engine/delimiter_table.ts, for
// ['\n', '\r\n']: mode LINES (2), the SIMD walk looks for \n alone.
function encodeTable(list, mode) {
  const sorted = [...list].sort((a, b) => b.length - a.length);
  const firsts = [...new Set(sorted.map((d) => d[0]))];
  const simdFirsts = mode === 2 ? [0x0a] : firsts;
  const bytesAt = 272 + 8 * sorted.length;
  const table = new Uint8Array(Math.ceil((bytesAt + sorted.reduce((n, d) => n + d.length, 0)) / 16) * 16);
  const view = new DataView(table.buffer);
  view.setUint32(0, sorted.length, true);
  view.setUint32(4, simdFirsts.length, true);
  for (let k = 0; k < 4; k++) table[8 + k] = simdFirsts[Math.min(k, simdFirsts.length - 1)];
  view.setUint32(12, mode, true);
  for (const b of firsts) table[16 + b] = 1;
  let at = bytesAt;
  sorted.forEach((d, k) => {
    view.setUint32(272 + 8 * k, at, true);
    view.setUint32(272 + 8 * k + 4, d.length, true);
    table.set(d, at);
    at += d.length;
  });
  return table;
}
u8.set(encodeTable([Buffer.from('\n'), Buffer.from('\r\n')], 2), TABLE);

let sink = 0;
let seen = 0;
const take = (f) => {
  sink += f.length;
  seen++;
};
// decodeRanges consumer: the same work per frame, from offsets.
const ranges = (_bytes, offsets, count) => {
  for (let k = 0; k < count; k++) {
    sink += offsets[2 * k + 1] - offsets[2 * k];
    seen++;
  }
};

function lineSteps(chunks) {
  return {
    copy() {
      for (const c of chunks) u8.set(c, STAGE);
    },
    scan() {
      for (const c of chunks) {
        u8.set(c, STAGE);
        sink += x.scanDelimiters(TABLE, STAGE, c.length, 0, RESULTS, OUT_CAP);
        sink += i32[(RESULTS + abi.RESULT_RESUME) >> 2];
      }
    },
    results() {
      for (const c of chunks) {
        u8.set(c, STAGE);
        const n = x.scanDelimiters(TABLE, STAGE, c.length, 0, RESULTS, OUT_CAP);
        i32[(RESULTS + abi.RESULT_RESUME) >> 2];
        let start = 0;
        const o = OUT >> 2;
        for (let k = 0; k < n; k++) {
          const m = i32[o + 2 * k];
          sink += m - start;
          start = m + i32[o + 2 * k + 1];
        }
      }
    },
    views() {
      for (const c of chunks) {
        u8.set(c, STAGE);
        const n = x.scanDelimiters(TABLE, STAGE, c.length, 0, RESULTS, OUT_CAP);
        i32[(RESULTS + abi.RESULT_RESUME) >> 2];
        let start = 0;
        const o = OUT >> 2;
        const { buffer, byteOffset } = c;
        for (let k = 0; k < n; k++) {
          const m = i32[o + 2 * k];
          take(new Uint8Array(buffer, byteOffset + start, m - start));
          start = m + i32[o + 2 * k + 1];
        }
      }
    },
    push() {
      for (const c of chunks) {
        u8.set(c, STAGE);
        const n = x.scanDelimiters(TABLE, STAGE, c.length, 0, RESULTS, OUT_CAP);
        i32[(RESULTS + abi.RESULT_RESUME) >> 2];
        let start = 0;
        const o = OUT >> 2;
        const { buffer, byteOffset } = c;
        const out = [];
        for (let k = 0; k < n; k++) {
          const m = i32[o + 2 * k];
          out.push(new Uint8Array(buffer, byteOffset + start, m - start));
          start = m + i32[o + 2 * k + 1];
        }
        for (let k = 0; k < out.length; k++) take(out[k]);
      }
    },
    'push, views by Buffer#subarray': () => {
      for (const c of chunks) {
        u8.set(c, STAGE);
        const n = x.scanDelimiters(TABLE, STAGE, c.length, 0, RESULTS, OUT_CAP);
        i32[(RESULTS + abi.RESULT_RESUME) >> 2];
        let start = 0;
        const o = OUT >> 2;
        const out = [];
        for (let k = 0; k < n; k++) {
          const m = i32[o + 2 * k];
          out.push(c.subarray(start, m));
          start = m + i32[o + 2 * k + 1];
        }
        for (let k = 0; k < out.length; k++) take(out[k]);
      }
    },
    'LineDecoder.decode()': () => {
      const d = new fc.LineDecoder();
      for (const c of chunks) {
        const out = d.decode(c);
        for (let k = 0; k < out.length; k++) take(out[k]);
      }
      d.end();
    },
    'LineDecoder.decodeEach()': () => {
      const d = new fc.LineDecoder();
      for (const c of chunks) d.decodeEach(c, take);
      d.end();
    },
    'LineDecoder.decodeRanges()': () => {
      const d = new fc.LineDecoder();
      for (const c of chunks) d.decodeRanges(c, ranges);
      d.end();
    },
    'Buffer.indexOf loop': () => {
      const d = new IndexOfSplitter('\n', true);
      for (const c of chunks) d.push(c, take);
      d.end(take);
    },
  };
}

function lengthSteps(chunks, wire1) {
  // Chunk boundaries fall inside frames: each chunk is scanned from the first
  // frame that starts in it (first[j]), as the decoder would after its carry.
  const first = [];
  let at = 0;
  for (const c of chunks) {
    first.push((wire1 - (at % wire1)) % wire1);
    at += c.length;
  }
  // The default decoder's parameters: a 4-byte big-endian field, header stripped.
  i32[(PARAMS + abi.PARAM_OFFSET) >> 2] = 0;
  i32[(PARAMS + abi.PARAM_FIELD) >> 2] = 4;
  i32[(PARAMS + abi.PARAM_LITTLE) >> 2] = 0;
  i32[(PARAMS + abi.PARAM_STRIP) >> 2] = -1;
  f64[(PARAMS + abi.PARAM_ADJUSTMENT) >> 3] = 0;
  f64[(PARAMS + abi.PARAM_MAX) >> 3] = 8388608;
  const scan = (len) => x.scanLength(PARAMS, STAGE, len, RESULTS, OUT_CAP);
  const tail = (_n) => {
    const r = i32[(RESULTS + abi.RESULT_RESUME) >> 2];
    if (i32[(RESULTS + abi.RESULT_STATUS) >> 2] === abi.NEED_BODY) {
      sink += f64[(RESULTS + abi.RESULT_FRAME) >> 3] + i32[(RESULTS + abi.RESULT_HEADER) >> 2];
    }
    return r;
  };
  return {
    copy() {
      for (const c of chunks) u8.set(c, STAGE);
    },
    scan() {
      for (let j = 0; j < chunks.length; j++) {
        const c = chunks[j];
        const f = first[j];
        u8.set(f ? c.subarray(f) : c, STAGE);
        sink += scan(c.length - f);
        sink += tail();
      }
    },
    results() {
      for (let j = 0; j < chunks.length; j++) {
        const c = chunks[j];
        const f = first[j];
        u8.set(f ? c.subarray(f) : c, STAGE);
        const n = scan(c.length - f);
        const o = OUT >> 2;
        for (let k = 0; k < n; k++) sink += i32[o + 2 * k + 1] - i32[o + 2 * k];
        tail();
      }
    },
    views() {
      for (let j = 0; j < chunks.length; j++) {
        const c = chunks[j];
        const f = first[j];
        u8.set(f ? c.subarray(f) : c, STAGE);
        const n = scan(c.length - f);
        const o = OUT >> 2;
        const { buffer, byteOffset } = c;
        for (let k = 0; k < n; k++)
          take(new Uint8Array(buffer, byteOffset + f + i32[o + 2 * k], i32[o + 2 * k + 1] - i32[o + 2 * k]));
        tail();
      }
    },
    push() {
      for (let j = 0; j < chunks.length; j++) {
        const c = chunks[j];
        const f = first[j];
        u8.set(f ? c.subarray(f) : c, STAGE);
        const n = scan(c.length - f);
        const o = OUT >> 2;
        const { buffer, byteOffset } = c;
        const out = [];
        for (let k = 0; k < n; k++)
          out.push(new Uint8Array(buffer, byteOffset + f + i32[o + 2 * k], i32[o + 2 * k + 1] - i32[o + 2 * k]));
        tail();
        for (let k = 0; k < out.length; k++) take(out[k]);
      }
    },
    'LengthFieldDecoder.decode()': () => {
      const d = new fc.LengthFieldDecoder();
      for (const c of chunks) {
        const out = d.decode(c);
        for (let k = 0; k < out.length; k++) take(out[k]);
      }
      d.end();
    },
    'LengthFieldDecoder.decodeEach()': () => {
      const d = new fc.LengthFieldDecoder();
      for (const c of chunks) d.decodeEach(c, take);
      d.end();
    },
    'LengthFieldDecoder.decodeRanges()': () => {
      const d = new fc.LengthFieldDecoder();
      for (const c of chunks) d.decodeRanges(c, ranges);
      d.end();
    },
    'DataView loop': () => {
      const d = new DataViewLoop();
      for (const c of chunks) d.push(c, take);
      d.end();
    },
  };
}

function measure(title, steps, frames, chunks) {
  const res = {};
  for (let round = 0; round < 9; round++) {
    for (const [name, fn] of Object.entries(steps)) {
      seen = 0;
      fn();
      if (round === 0) res[name + '#frames'] = seen;
      for (let w = 0; w < 2; w++) fn();
      const reps = 15;
      const t0 = cpuNs();
      for (let r = 0; r < reps; r++) fn();
      res[name] ??= [];
      res[name].push((cpuNs() - t0) / reps / frames);
    }
  }
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  console.log(`${title}: ${frames} frames in ${chunks} chunks; ns per frame (median of 9 rounds, CPU time)`);
  let prev = 0;
  for (const [name, xs] of Object.entries(res)) {
    if (name.endsWith('#frames')) continue;
    const m = med(xs);
    const step = ['copy', 'scan', 'results', 'views', 'push'].includes(name);
    const fr = res[name + '#frames'];
    const note = fr ? `  [${fr} frames seen]` : '';
    console.log(
      `  ${name.padEnd(32)} ${m.toFixed(1).padStart(7)} ns${step && prev ? `   (+${(m - prev).toFixed(1)})`.padEnd(11) : ''.padEnd(11)}${note}`,
    );
    if (step) prev = m;
  }
  console.log();
}

const only = process.env.ONLY; // e.g. ONLY=len4 to run some scenarios
for (const [scheme, size, chunk] of [
  ['lines', 16, 65536],
  ['lines', 64, 65536],
  ['lines', 16384, 65536],
  ['len4', 64, 65536],
  ['len4', 64, 1460],
]) {
  const scn = makeScenario(scheme, size, chunk);
  if (only && !scn.id.includes(only)) continue;
  const input = buildInput(scn);
  const steps = scheme === 'lines' ? lineSteps(input.chunks) : lengthSteps(input.chunks, size + 4);
  measure(scn.id, steps, input.frames, input.chunks.length);
}
if (sink === -1) console.log(sink);
