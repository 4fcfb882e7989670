// What one frame costs the JavaScript side, whatever the scanner: making a view
// and storing it. Each variant walks the same 1 MiB chunk in steps of FRAME bytes
// and "emits" a frame per step; the figure is ns per frame (median of rounds).
//
//   node bench/experiments/views.mjs [frameSize=64]
//
// Variants:
//   offsets only            write (start, end) into an Int32Array: no object per frame
//   Buffer#subarray         a Node Buffer chunk: species lookup -> FastBuffer constructor
//   Uint8Array#subarray     a plain Uint8Array chunk
//   new Uint8Array(ab,o,n)  constructor on the chunk's ArrayBuffer
//   Buffer#slice            Node's own view maker (new FastBuffer(ab, o, n))
//   ... + push              the same, also pushed into a fresh array per 64 KiB
//                           (what decode() returns)
//   ... + new Array(count)  the array allocated at its final length, filled by index
import { cpuNs } from './_clock.mjs';
const FRAME = Number(process.argv[2] ?? 64);
const SIZE = 1 << 20;
const buf = Buffer.alloc(SIZE, 0x61);
const u8 = new Uint8Array(SIZE).fill(0x61);
const ab = u8.buffer;
const offs = new Int32Array(2 * Math.ceil(SIZE / FRAME));
let sinkLen = 0;

const variants = {
  'offsets only': () => {
    let k = 0;
    for (let i = 0; i + FRAME <= SIZE; i += FRAME) {
      offs[k++] = i;
      offs[k++] = i + FRAME;
    }
    sinkLen += k;
  },
  'Buffer#subarray': () => {
    for (let i = 0; i + FRAME <= SIZE; i += FRAME) sinkLen += buf.subarray(i, i + FRAME).length;
  },
  'Uint8Array#subarray': () => {
    for (let i = 0; i + FRAME <= SIZE; i += FRAME) sinkLen += u8.subarray(i, i + FRAME).length;
  },
  'new Uint8Array(ab, o, n)': () => {
    for (let i = 0; i + FRAME <= SIZE; i += FRAME) sinkLen += new Uint8Array(ab, i, FRAME).length;
  },
  'Buffer#slice': () => {
    for (let i = 0; i + FRAME <= SIZE; i += FRAME) sinkLen += buf.slice(i, i + FRAME).length;
  },
  'Buffer#subarray + push': () => pushing((i) => buf.subarray(i, i + FRAME)),
  'Uint8Array#subarray + push': () => pushing((i) => u8.subarray(i, i + FRAME)),
  'new Uint8Array(ab, o, n) + push': () => pushing((i) => new Uint8Array(ab, i, FRAME)),
  'new Uint8Array(ab, o, n) + new Array(count)': () => {
    // The scanner returns the frame count first, so the array can be sized once.
    for (let w = 0; w < SIZE; w += 65536) {
      const end = Math.min(w + 65536, SIZE);
      const count = Math.floor((end - w) / FRAME);
      const out = new Array(count);
      for (let k = 0, i = w; k < count; k++, i += FRAME) out[k] = new Uint8Array(ab, i, FRAME);
      for (let k = 0; k < out.length; k++) sinkLen += out[k].length;
    }
  },
};

function pushing(view) {
  // One array per 64 KiB window, as decode() returns one array per chunk.
  for (let w = 0; w < SIZE; w += 65536) {
    const out = [];
    for (let i = w; i + FRAME <= Math.min(w + 65536, SIZE); i += FRAME) out.push(view(i));
    for (let k = 0; k < out.length; k++) sinkLen += out[k].length;
  }
}

const frames = Math.floor(SIZE / FRAME);
const results = {};
for (let round = 0; round < 7; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    for (let w = 0; w < 5; w++) fn();
    const reps = 20;
    const t0 = cpuNs();
    for (let r = 0; r < reps; r++) fn();
    const ns = (cpuNs() - t0) / reps / frames;
    results[name] ??= [];
    results[name].push(ns);
  }
}
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`${FRAME} B frames, ${frames} per MiB; ns per frame (median of 7 rounds, CPU time)`);
for (const [name, xs] of Object.entries(results))
  console.log(`  ${name.padEnd(34)} ${med(xs).toFixed(1).padStart(6)} ns`);
if (sinkLen < 0) console.log(sinkLen);
