// How fast `for await` over frames(Readable.from(chunks), decoder) could be if
// TextLineDecoder split pure-ASCII chunks itself (one TextDecoder call per chunk,
// then String#indexOf('\n') and a slice per line) instead of through LineDecoder:
// an upper bound for such a fast path, next to the real TextLineDecoder and
// readline. The stand-in decoder handles only what this input holds (ASCII, \n,
// \r\n; no maxFrameLength, BOM or fatal): it is not a decoder to use.
//
//   node bench/experiments/text_js_split.mjs path/to/dist/index.js [--size 64] [--rounds 11]
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { buildInput, makeScenario } from '../lib/scenarios.mjs';
import { interleaved, median } from './_clock.mjs';
import { takeOption } from './_args.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => takeOption(args, name, fallback);
const fc = await import(pathToFileURL(args[0]).href);
const size = Number(option('--size', '64'));
const rounds = Number(option('--rounds', '11'));
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The stand-in: lines of ASCII text, split in JavaScript. */
class AsciiLines {
  tail = '';
  decode(chunk) {
    const text = utf8.decode(chunk);
    const out = [];
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
      const end = nl > at && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out.push(at === 0 && this.tail !== '' ? this.tail + text.slice(0, end) : text.slice(at, end));
      if (at === 0) this.tail = '';
      at = nl + 1;
    }
    this.tail = at === 0 ? this.tail + text : text.slice(at);
    return out;
  }
  end() {
    const rest = this.tail;
    this.tail = '';
    return rest === '' ? [] : [rest];
  }
}

let n = 0;
const contenders = {
  'frames(TextLineDecoder)': async (chunks) => {
    for await (const _ of fc.frames(Readable.from(chunks), new fc.TextLineDecoder())) n++;
  },
  'frames(ASCII split in JS)': async (chunks) => {
    for await (const _ of fc.frames(Readable.from(chunks), new AsciiLines())) n++;
  },
  'readline, for await': async (chunks) => {
    for await (const _ of readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) n++;
  },
};

console.log(`node ${process.version}, ${size} B lines, ${rounds} rounds, median CPU time per MiB`);
for (const chunkSize of [65536, 1460]) {
  const { chunks, frames } = buildInput(makeScenario('text', size, chunkSize));
  const names = Object.keys(contenders);
  // Rounds -2 and -1 warm up and are not counted (see interleaved()).
  const samples = await interleaved(names, rounds, async (name) => {
    n = 0;
    await contenders[name](chunks);
    if (n !== frames) throw new Error(`${name}: ${n} lines, expected ${frames}`);
  });
  const base = median(samples['readline, for await']);
  console.log(`\n${chunks.length} chunks of ${chunkSize} B, ${frames} lines`);
  for (const name of names) {
    const ns = median(samples[name]);
    console.log(`  ${name.padEnd(28)} ${(ns / 1e3).toFixed(0).padStart(6)} µs  ${(base / ns).toFixed(2)}x readline`);
  }
}
