// Text lines: TextLineDecoder against Node's readline, and against the plain way of
// getting strings from framecodec (LineDecoder, then TextDecoder per line).
//
// The benchmark races most of these in its own way (scheme `text` of bench/run.mjs:
// `node bench/run.mjs --filter '^text/'`, ASCII lines of 64 B, 1 KiB and 16 KiB, with
// split2 too). This experiment keeps what it does not: lines with an 'é', the
// splitting floor (decodeRanges) and the sketch of a minimal line iterator.
//
//   npx rolldown bench/experiments/text_lines.bench.ts --platform node --format esm \
//     --file node_modules/.cache/framecodec/text_lines.bench.mjs --log-level warn \
//     && node node_modules/.cache/framecodec/text_lines.bench.mjs [--mib 8] [--rounds 9]
//
// Input: --mib MiB of lines of one length (64 B unless --sizes says otherwise, line
// ending included), cut into 64 KiB chunks (a file read, `fs.createReadStream`'s
// default) or 1460 B chunks (one TCP segment each). Text: ASCII, or each line with
// one 'é' (2 bytes): TextLineDecoder then cannot slice the run's text at byte
// offsets and cuts it at the line endings' \n instead (see src/codec/text_line.ts).
//
// Contenders, each counting lines and their UTF-16 length (checked equal):
//   readline, for await       for await (const line of readline.createInterface({ input: Readable.from(chunks) }))
//   readline, 'line' events   rl.on('line', ...) on the same, resolved at 'close'
//   frames(TextLineDecoder)   for await (const line of frames(Readable.from(chunks), new TextLineDecoder()))
//   sketch: iterator, ...     the same loop over a hand-written async iterator (no generator) that
//                             hands out the lines of each decode(): what frames() could cost per line
//   TextLineDecoder.decode    decoder.decode(chunk) per chunk, then end(): no stream, no promise per line
//   LineDecoder.decodeRanges  splitting alone (offsets, no string, no view): the floor under the above
//   LineDecoder + TextDecoder decoder.decode(chunk), then textDecoder.decode(line) per line: the plain way
// --only a,b runs only those (and readline, for await, the baseline).
//
// Method: every round runs each contender once over the same input, in an order that
// rotates; the figure is the median over the rounds of the CPU time of this process
// (user + system: on a loaded machine that counts the work, not the waits), as ns per
// line and MB/s (10^6 bytes of input per second).
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { backend, frames, LineDecoder, TextLineDecoder } from '../../src/index.js';

// As _clock.mjs: CPU time of this process in ns, and the median.
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const MIB = Number(option('--mib', '8'));
const ROUNDS = Number(option('--rounds', '9'));
const SIZES = option('--sizes', '64').split(',').map(Number);
const ONLY = option('--only', ''); // a comma-separated list of contenders (readline, for await always runs)

interface Tally {
  lines: number;
  units: number;
}

type Contender = (chunks: Buffer[]) => Promise<Tally> | Tally;

const contenders: Record<string, Contender> = {
  'readline, for await': async (chunks) => {
    const t = { lines: 0, units: 0 };
    const rl = readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
    for await (const line of rl) {
      t.lines++;
      t.units += line.length;
    }
    return t;
  },
  "readline, 'line' events": (chunks) =>
    new Promise((resolve) => {
      const t = { lines: 0, units: 0 };
      const rl = readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
      rl.on('line', (line) => {
        t.lines++;
        t.units += line.length;
      });
      rl.on('close', () => resolve(t));
    }),
  'frames(TextLineDecoder)': async (chunks) => {
    const t = { lines: 0, units: 0 };
    for await (const line of frames(Readable.from(chunks), new TextLineDecoder())) {
      t.lines++;
      t.units += line.length;
    }
    return t;
  },
  'sketch: iterator, no generator': async (chunks) => {
    // What frames() could cost per line: an async iterator whose next() hands out
    // the lines of the current decode() from an array, awaiting only for a chunk.
    const t = { lines: 0, units: 0 };
    for await (const line of lineIterator(Readable.from(chunks), new TextLineDecoder())) {
      t.lines++;
      t.units += line.length;
    }
    return t;
  },
  'TextLineDecoder.decode': (chunks) => {
    const t = { lines: 0, units: 0 };
    const decoder = new TextLineDecoder();
    const count = (lines: string[]) => {
      for (let i = 0; i < lines.length; i++) {
        t.lines++;
        t.units += lines[i].length;
      }
    };
    for (const chunk of chunks) count(decoder.decode(chunk));
    count(decoder.end());
    return t;
  },
  'LineDecoder.decodeRanges': (chunks) => {
    // Splitting alone, no string and no view per line: the floor under TextLineDecoder.
    const t = { lines: 0, units: 0 };
    const decoder = new LineDecoder();
    const onRanges = (_bytes: Uint8Array, offsets: Int32Array, count: number) => {
      t.lines += count;
      for (let i = 0; i < count; i++) t.units += offsets[2 * i + 1] - offsets[2 * i];
    };
    for (const chunk of chunks) decoder.decodeRanges(chunk, onRanges);
    for (const line of decoder.end()) {
      t.lines++;
      t.units += line.length;
    }
    t.units = -1; // bytes, not UTF-16 units: not compared
    return t;
  },
  'LineDecoder + TextDecoder': (chunks) => {
    const t = { lines: 0, units: 0 };
    const decoder = new LineDecoder();
    const text = new TextDecoder();
    const count = (lines: Uint8Array[]) => {
      for (let i = 0; i < lines.length; i++) {
        t.lines++;
        t.units += text.decode(lines[i]).length;
      }
    };
    for (const chunk of chunks) count(decoder.decode(chunk));
    count(decoder.end());
    return t;
  },
};

/** The sketch above: lines of `source` through `decoder`, one await per line, none per chunk read ahead. */
function lineIterator(source: AsyncIterable<Uint8Array>, decoder: TextLineDecoder): AsyncIterable<string> {
  const chunks = source[Symbol.asyncIterator]();
  let batch: string[] = [];
  let at = 0;
  let ended = false;
  const next = async (): Promise<IteratorResult<string>> => {
    while (at === batch.length) {
      if (ended) return { value: undefined, done: true };
      const r = await chunks.next();
      if (r.done) {
        ended = true;
        batch = decoder.end();
      } else batch = decoder.decode(r.value);
      at = 0;
    }
    return { value: batch[at++], done: false };
  };
  return { [Symbol.asyncIterator]: () => ({ next }) };
}

function input(lineSize: number, accented: boolean, chunkSize: number): { chunks: Buffer[]; lines: number } {
  const line = Buffer.alloc(lineSize, 'x');
  line.write('line ', 0);
  if (accented) line.write('é', 5); // 2 bytes
  line[lineSize - 1] = 0x0a;
  const lines = Math.floor((MIB * 1024 * 1024) / lineSize);
  const all = Buffer.alloc(lines * lineSize);
  for (let i = 0; i < lines; i++) line.copy(all, i * lineSize);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += chunkSize) chunks.push(all.subarray(at, at + chunkSize));
  return { chunks, lines };
}

console.log(`engine ${backend()}, node ${process.version}, ${MIB} MiB per run, ${ROUNDS} rounds, median CPU time`);
for (const size of SIZES) {
  for (const accented of [false, true]) {
    for (const chunkSize of [64 * 1024, 1460]) {
      const { chunks, lines } = input(size, accented, chunkSize);
      const names = Object.keys(contenders).filter(
        (n) => ONLY === '' || n === 'readline, for await' || ONLY.split(',').includes(n),
      );
      const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      let expected: Tally | null = null;
      for (let r = -1; r < ROUNDS; r++) {
        // Round -1 warms up (JIT) and is not counted.
        for (let k = 0; k < names.length; k++) {
          const name = names[(k + Math.max(r, 0)) % names.length];
          const t0 = cpuNs();
          const got = await contenders[name](chunks);
          const ns = cpuNs() - t0;
          expected ??= got;
          if (got.lines !== lines || (got.units !== expected.units && got.units !== -1)) {
            throw new Error(`${name}: ${got.lines} lines, ${got.units} units; expected ${lines}, ${expected.units}`);
          }
          if (r >= 0) samples[name].push(ns);
        }
      }
      const label = `${size} B lines, ${accented ? "one 'é' each" : 'ASCII'}, ${chunkSize === 1460 ? '1460 B' : '64 KiB'} chunks`;
      console.log(`\n${label}`);
      const base = median(samples['readline, for await']);
      for (const name of names) {
        const ns = median(samples[name]);
        const perLine = ns / lines;
        const mbs = (lines * size) / (ns / 1e9) / 1e6;
        console.log(
          `  ${name.padEnd(31)} ${perLine.toFixed(1).padStart(7)} ns/line ${mbs.toFixed(0).padStart(6)} MB/s  ${(base / ns).toFixed(2)}x readline (for await)`,
        );
      }
    }
  }
}
