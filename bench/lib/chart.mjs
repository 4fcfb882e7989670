// Charts of a results file as standalone SVG: one file per chunk size, one row of
// panels per framing scheme, MB/s (left) and frames/s (right) against frame size.
// Both axes are logarithmic. No dependencies: the SVG is written by hand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_SIZES, SCHEMES, sizeLabel } from './scenarios.mjs';

const STYLE = {
  'framecodec (wasm-simd)': { color: '#1f5fbf', width: 3 },
  'framecodec (wasm)': { color: '#6f9be0', width: 2 },
  'framecodec (js)': { color: '#19a1a1', width: 2 },
  'framecodec decodeEach (wasm-simd)': { color: '#1f5fbf', width: 2, dash: '6 3' },
  'framecodec decodeRanges (wasm-simd)': { color: '#0b2d66', width: 2, dash: '1 3' },
  'framecodec frames() (wasm-simd)': { color: '#1f5fbf', width: 2, dash: '10 3 2 3' },
  'LineDecoder + TextDecoder (wasm-simd)': { color: '#6f9be0', width: 2, dash: '6 3' },
  'readline (for await)': { color: '#2e8b57', width: 2 },
  "readline ('line' events)": { color: '#2e8b57', width: 2, dash: '6 3' },
  'Buffer.indexOf loop': { color: '#222222', width: 2, dash: '2 3' },
  'DataView loop': { color: '#222222', width: 2, dash: '2 3' },
  'varint loop': { color: '#222222', width: 2, dash: '2 3' },
  'subarray loop': { color: '#222222', width: 2, dash: '2 3' },
  'memcpy (ceiling)': { color: '#999999', width: 2, dash: '8 4' },
  split2: { color: '#e67e22', width: 2 },
  'binary-split': { color: '#8e5b2f', width: 2 },
  '@serialport/parser-delimiter': { color: '#8e44ad', width: 2 },
  '@serialport/parser-readline': { color: '#d35d9b', width: 2 },
  '@serialport/parser-byte-length': { color: '#7f8c1d', width: 2 },
  'it-length-prefixed': { color: '#c0392b', width: 2 },
  'length-prefixed-stream': { color: '#27ae60', width: 2 },
  'frame-stream': { color: '#d4ac0d', width: 2 },
};

const W = 400; // panel
const H = 230;
const M = { left: 62, right: 24, top: 28, bottom: 34 };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo, hi) {
  const out = [];
  const mantissas = Math.log10(hi / lo) > 3 ? [1] : [1, 2, 5];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

function short(v) {
  if (v >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function panel(x0, y0, title, series, unit) {
  const values = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v > 0);
  if (values.length === 0) return '';
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const fx0 = Math.log(FRAME_SIZES[0]);
  const fx1 = Math.log(FRAME_SIZES[FRAME_SIZES.length - 1]);
  const px = (n) => x0 + M.left + ((Math.log(n) - fx0) / (fx1 - fx0)) * (W - M.left - M.right);
  const py = (v) =>
    y0 + H - M.bottom - ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (H - M.top - M.bottom);
  let s = `<text x="${x0 + M.left}" y="${y0 + 18}" class="t">${esc(title)}</text>\n`;
  for (const v of ticks(lo, hi)) {
    const y = py(v).toFixed(1);
    s += `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y}" y2="${y}" class="g"/>`;
    s += `<text x="${x0 + M.left - 4}" y="${(+y + 4).toFixed(1)}" class="yl">${short(v)}</text>\n`;
  }
  for (const n of FRAME_SIZES) {
    const x = px(n).toFixed(1);
    s += `<line x1="${x}" x2="${x}" y1="${y0 + M.top}" y2="${y0 + H - M.bottom}" class="g"/>`;
    s += `<text x="${x}" y="${y0 + H - M.bottom + 14}" class="xl">${sizeLabel(n)}</text>\n`;
  }
  s += `<text x="${x0 + M.left + (W - M.left - M.right) / 2}" y="${y0 + H - 4}" class="xl">frame size (${esc(unit)})</text>\n`;
  for (const ser of series) {
    const st = STYLE[ser.id] ?? { color: '#555', width: 1 };
    const pts = ser.points.filter((p) => p.y > 0).map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`);
    if (pts.length === 0) continue;
    s += `<polyline points="${pts.join(' ')}" fill="none" stroke="${st.color}" stroke-width="${st.width}"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}><title>${esc(ser.id)}</title></polyline>\n`;
    for (const p of pts) s += `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2" fill="${st.color}"/>`;
    s += '\n';
  }
  return s;
}

function chart(data, chunkSize) {
  const schemes = Object.keys(SCHEMES).filter((k) =>
    data.scenarios.some((e) => e.scheme === k && e.chunkSize === chunkSize),
  );
  if (schemes.length === 0) return null;
  const ids = [
    ...new Set(data.scenarios.filter((e) => e.chunkSize === chunkSize).flatMap((e) => Object.keys(e.results))),
  ];
  const legendRows = Math.ceil(ids.length / 3);
  const top = 46 + legendRows * 16;
  const width = 2 * W + 20;
  const height = top + schemes.length * (H + 10);
  const chunk = chunkSize === 1460 ? '1,460-byte chunks (one TCP segment each)' : `${sizeLabel(chunkSize)} chunks`;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">\n`;
  s += `<style>.t{font-size:13px;font-weight:600}.g{stroke:#e4e4e4;stroke-width:1}.yl{font-size:10px;text-anchor:end;fill:#555}.xl{font-size:10px;text-anchor:middle;fill:#555}.lg{font-size:11px}</style>\n`;
  s += `<rect width="100%" height="100%" fill="#fff"/>\n`;
  s += `<text x="10" y="20" class="t">framecodec vs peers, ${esc(chunk)}: medians of ${esc(data.meta.mode)} run ${esc(data.meta.date.slice(0, 10))} (${esc(data.meta.cpu)}, ${data.meta.nproc} cores, Node ${esc(data.meta.node)})</text>\n`;
  ids.forEach((id, k) => {
    const st = STYLE[id] ?? { color: '#555', width: 1 };
    const x = 10 + (k % 3) * 270;
    const y = 40 + Math.floor(k / 3) * 16;
    s += `<line x1="${x}" x2="${x + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${st.color}" stroke-width="${st.width}"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`;
    s += `<text x="${x + 32}" y="${y}" class="lg">${esc(id)}</text>\n`;
  });
  schemes.forEach((scheme, row) => {
    const rows = data.scenarios.filter((e) => e.scheme === scheme && e.chunkSize === chunkSize);
    const mk = (field) =>
      ids
        .map((id) => ({
          id,
          points: rows.filter((e) => e.results[id]).map((e) => ({ x: e.frameSize, y: e.results[id][field] })),
        }))
        .filter((ser) => ser.points.length > 0);
    const y0 = top + row * (H + 10);
    s += panel(0, y0, `${SCHEMES[scheme].title}: MB/s`, mk('mbps'), 'payload bytes');
    s += panel(W + 20, y0, `${SCHEMES[scheme].title}: frames/s`, mk('framesPerSec'), 'payload bytes');
  });
  return s + '</svg>\n';
}

/** Writes one SVG per chunk size present in `data`; returns the paths. */
export function writeCharts(data, dir) {
  const out = [];
  for (const chunkSize of [65536, 1460]) {
    const svg = chart(data, chunkSize);
    if (!svg) continue;
    const file = join(dir, `chart-${chunkSize === 1460 ? '1460B' : '64KiB'}-chunks.svg`);
    writeFileSync(file, svg);
    out.push(file);
  }
  return out;
}
