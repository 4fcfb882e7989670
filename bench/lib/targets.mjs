// The speed targets of issues 7, 13 and 15, evaluated on one run's medians.
//
// Three kinds of target:
//   ratio   (most) median time of the other contender (`vs`) / median time of
//           framecodec (`of`, by default its default engine wasm-simd through
//           decode()), both over the same input: "framecodec is N× faster"; met
//           when >= `min`. For the memcpy ceiling "within 2×" means ratio >= 0.5.
//   rate    `of`'s frames per second >= `minFramesPerSec` (decodeRanges).
//   memory  bytes per live decoder < `max` (from bench/memory.mjs).
//
// Issue 13 asks, at every frame size from 16 B to 16 KiB and at both chunk sizes:
// framecodec >= 1.0× the hand-written loop of every scheme, >= 1.0× every peer
// library, >= 1.0× each driver's framing layer and >= 2× at 64 B-1 KiB messages,
// the js engine >= 0.5× the hand loop; 16 KiB frames within 2× of memcpy for every
// scheme; decodeRanges >= 150 M frames/s on 16 B lines. Where an older target covers
// the same comparison, the stricter goal is kept (the >= 10× / >= 3× rows).
import { CONTENDERS, contendersFor } from './contenders.mjs';
import { CHUNK_SIZES, FRAME_SIZES, frameSizesOf, SCHEMES, scenarioId } from './scenarios.mjs';

export const FC = 'framecodec (wasm-simd)';
const JS = 'framecodec (js)';
const RANGES = 'framecodec decodeRanges (wasm-simd)';
const K64 = 65536;

function t(label, scheme, frameSize, chunkSize, vs, min, of = FC) {
  return { label, scenario: scenarioId(scheme, frameSize, chunkSize), scheme, frameSize, chunkSize, of, vs, min };
}

function label(n) {
  return n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}

function chunkLabel(c) {
  return c === 1460 ? '1460 B chunks' : `${label(c)} chunks`;
}

/** Issues 7 and 15: the small-frame rows, the carry at 1,460 B chunks, text lines, memcpy. */
const EARLIER = [
  t('LineDecoder vs Buffer.indexOf loop, 16 B lines', 'lines', 16, K64, 'Buffer.indexOf loop', 1.5),
  t('LineDecoder vs Buffer.indexOf loop, 64 B lines', 'lines', 64, K64, 'Buffer.indexOf loop', 1.5),
  t('LineDecoder vs Buffer.indexOf loop, 16 KiB lines', 'lines', 16384, K64, 'Buffer.indexOf loop', 1.0),
  t('LineDecoder vs split2, 64 B lines', 'lines', 64, K64, 'split2', 3),
  ...FRAME_SIZES.map((n) =>
    t(
      `LineDecoder vs @serialport/parser-readline, ${label(n)} lines`,
      'lines',
      n,
      K64,
      '@serialport/parser-readline',
      10,
    ),
  ),
  t("DelimiterDecoder('\\r\\n') vs indexOf('\\r\\n') loop, 16 B", 'crlf', 16, K64, 'Buffer.indexOf loop', 2.5),
  t("DelimiterDecoder('\\r\\n') vs indexOf('\\r\\n') loop, 64 B", 'crlf', 64, K64, 'Buffer.indexOf loop', 2.5),
  ...FRAME_SIZES.map((n) =>
    t(`LengthFieldDecoder vs DataView loop, ${label(n)} frames, 64 KiB chunks`, 'len4', n, K64, 'DataView loop', 1.0),
  ),
  ...FRAME_SIZES.map((n) =>
    t(`LengthFieldDecoder vs DataView loop, ${label(n)} frames, 1460 B chunks`, 'len4', n, 1460, 'DataView loop', 1.2),
  ),
  t('LengthFieldDecoder (4-byte) vs it-length-prefixed, 64 B', 'len4', 64, K64, 'it-length-prefixed', 10),
  t('LengthFieldDecoder (4-byte) vs frame-stream, 64 B', 'len4', 64, K64, 'frame-stream', 10),
  t('LengthFieldDecoder (varint) vs it-length-prefixed, 64 B', 'varint', 64, K64, 'it-length-prefixed', 10),
  t('LengthFieldDecoder (varint) vs length-prefixed-stream, 64 B', 'varint', 64, K64, 'length-prefixed-stream', 10),
  ...[K64, 1460].map((c) =>
    t(
      `frames(TextLineDecoder) vs readline, for await, 64 B lines, ${c === 1460 ? '1460 B' : '64 KiB'} chunks`,
      'text',
      64,
      c,
      'readline (for await)',
      2,
      'framecodec frames() (wasm-simd)',
    ),
  ),
];

/** Issue 13, every scheme × frame size × chunk size. */
function issue13() {
  const out = [];
  for (const scheme of Object.keys(SCHEMES)) {
    const ids = contendersFor(scheme);
    const hand = ids.find((id) => CONTENDERS[id].group === 'hand-written');
    const others = ids.filter((id) => ['peer', 'driver'].includes(CONTENDERS[id].group));
    for (const chunkSize of CHUNK_SIZES) {
      for (const n of frameSizesOf(scheme)) {
        const at = `${label(n)} frames, ${chunkLabel(chunkSize)}`;
        if (hand) {
          out.push(t(`${scheme}: vs ${hand}, ${at}`, scheme, n, chunkSize, hand, 1.0));
          if (ids.includes(JS)) out.push(t(`${scheme}: ${JS} vs ${hand}, ${at}`, scheme, n, chunkSize, hand, 0.5, JS));
        }
        for (const vs of others) {
          const min = CONTENDERS[vs].group === 'driver' && n >= 64 && n <= 1024 ? 2 : 1.0;
          out.push(t(`${scheme}: vs ${vs}, ${at}`, scheme, n, chunkSize, vs, min));
        }
      }
    }
    if (ids.includes('memcpy (ceiling)')) {
      out.push(t(`${scheme}: 16 KiB frames within 2× of memcpy`, scheme, 16384, K64, 'memcpy (ceiling)', 0.5));
    }
  }
  out.push({
    kind: 'rate',
    label: 'decodeRanges, 16 B lines, 64 KiB chunks: frames/s',
    scenario: scenarioId('lines', 16, K64),
    scheme: 'lines',
    frameSize: 16,
    chunkSize: K64,
    of: RANGES,
    vs: null,
    minFramesPerSec: 150e6,
  });
  return out;
}

/** Every target; one per (scenario, of, vs), the stricter goal where two ask for the same. */
export const TARGETS = (() => {
  const byKey = new Map();
  for (const target of [...EARLIER, ...issue13()]) {
    const key = `${target.scenario}|${target.of}|${target.vs}`;
    const had = byKey.get(key);
    if (!had) byKey.set(key, target);
    else if (target.min > had.min) had.min = target.min;
  }
  return [...byKey.values()];
})();

/**
 * What a target compares, for grouping the report: the js engine vs the hand loops,
 * framecodec vs hand loops, peers, drivers or memcpy, frames/s, memory.
 */
export function familyOf(target) {
  if (target.scenario === 'memory') return 'memory per live decoder';
  if (target.kind === 'rate') return 'decodeRanges frames/s';
  if (target.of === JS) return `${JS} vs the hand-written loop`;
  if (target.of !== FC) return `${target.of} vs peers`;
  const group = CONTENDERS[target.vs]?.group;
  if (group === 'hand-written') return 'vs the hand-written loop';
  if (group === 'ceiling') return 'vs the memcpy ceiling';
  if (group === 'driver') return "vs the drivers' framing";
  return 'vs peer libraries';
}

/** Evaluates every target whose scenario was measured. `byId`: scenario id -> results. */
export function evaluate(byId, memory) {
  const rows = [];
  for (const target of TARGETS) {
    const r = byId[target.scenario];
    const of = r?.results[target.of];
    if (!of) continue;
    if (target.kind === 'rate') {
      const framesPerSec = of.framesPerSec;
      rows.push({ ...target, framesPerSec, pass: framesPerSec >= target.minFramesPerSec });
      continue;
    }
    const other = r.results[target.vs];
    if (!other) continue;
    const ratio = other.median / of.median;
    rows.push({ ...target, kind: 'ratio', ratio, pass: ratio >= target.min });
  }
  for (const m of memory ?? []) {
    rows.push({
      kind: 'memory',
      label: `100,000 live ${m.decoder}s holding ${m.partial} B each: memory per decoder`,
      scenario: 'memory',
      vs: null,
      min: null,
      max: 1024,
      perDecoder: m.perDecoder,
      pass: m.perDecoder < 1024,
    });
  }
  return rows;
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** An evaluated target's measured value and goal as text (`×` is a ratio), also for results files written before the kinds. */
export function describe(row) {
  if (row.scenario === 'memory') return { measured: `${fmt(row.perDecoder)} B`, goal: `< ${fmt(row.max)} B` };
  if (row.kind === 'rate') {
    return {
      measured: `${fmt(row.framesPerSec / 1e6, 1)} M frames/s`,
      goal: `≥ ${fmt(row.minFramesPerSec / 1e6)} M frames/s`,
    };
  }
  return { measured: `${fmt(row.ratio, row.ratio >= 10 ? 1 : 2)}×`, goal: `≥ ${row.min}×` };
}
