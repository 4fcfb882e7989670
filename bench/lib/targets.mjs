// The speed targets of issues 7 and 15, evaluated on one run's medians.
//
// ratio = median time of the other contender / median time of framecodec on its
// default engine (wasm-simd), both over the same input: "framecodec is N× faster".
// A target with `of` compares that framecodec contender instead (frames() for text).
// For the memcpy target the ratio is memcpy's time / framecodec's time, and
// "within 2×" means ratio >= 0.5.
import { FRAME_SIZES, scenarioId } from './scenarios.mjs';

export const FC = 'framecodec (wasm-simd)';
const K64 = 65536;

function t(label, scheme, frameSize, chunkSize, vs, min, of = FC) {
  return { label, scenario: scenarioId(scheme, frameSize, chunkSize), of, vs, min };
}

export const TARGETS = [
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
  ...['lines', 'byte', 'crlf', 'token', 'len4', 'varint', 'fixed'].map((s) =>
    t(`${s}: 16 KiB frames within 2× of memcpy`, s, 16384, K64, 'memcpy (ceiling)', 0.5),
  ),
];

function label(n) {
  return n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}

/** Evaluates every target whose scenario was measured. `byId`: scenario id -> results. */
export function evaluate(byId, memory) {
  const rows = [];
  for (const target of TARGETS) {
    const r = byId[target.scenario];
    const fc = r?.results[target.of];
    const other = r?.results[target.vs];
    if (!fc || !other) continue;
    const ratio = other.median / fc.median;
    rows.push({ ...target, ratio, pass: ratio >= target.min });
  }
  for (const m of memory ?? []) {
    rows.push({
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
