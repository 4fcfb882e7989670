// Charts of a results file, as standalone SVG drawn by Vega-Lite (rendered in Node
// by Vega, no canvas needed): one file per chunk size, one panel per framing scheme,
// MB/s against frame size, both axes logarithmic.
//
// Every contender keeps one look in every panel: colour, line dash, line width and
// point shape (STYLE). framecodec is drawn in blues, the peers and drivers in other
// colours with solid lines, the hand-written loops in black dashes and the memcpy
// ceiling in grey dashes. Each panel has its own legend, listing its contenders
// from the fastest to the slowest at the largest frame size, i.e. in the order of
// the line ends.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { FRAME_SIZES, SCHEMES, sizeLabel } from './scenarios.mjs';

const HAND = { color: '#000000', dash: [6, 4], width: 2.5, shape: 'square' };
const STYLE = {
  'framecodec (wasm-simd)': { color: '#1f5fbf', dash: [], width: 3.5, shape: 'circle' },
  'framecodec (wasm)': { color: '#7aa6e8', dash: [], width: 2, shape: 'square' },
  'framecodec (js)': { color: '#17a2b8', dash: [], width: 2, shape: 'triangle-up' },
  'framecodec decodeEach (wasm-simd)': { color: '#1f5fbf', dash: [7, 3], width: 2, shape: 'diamond' },
  'framecodec decodeRanges (wasm-simd)': { color: '#0b2d66', dash: [2, 2], width: 2, shape: 'cross' },
  'framecodec frames() (wasm-simd)': { color: '#1f5fbf', dash: [10, 3, 2, 3], width: 2, shape: 'triangle-down' },
  'LineDecoder + TextDecoder (wasm-simd)': { color: '#7aa6e8', dash: [7, 3], width: 2, shape: 'square' },
  'Buffer.indexOf loop': HAND,
  'DataView loop': HAND,
  'varint loop': HAND,
  'subarray loop': HAND,
  'memcpy (ceiling)': { color: '#999999', dash: [9, 4], width: 2, shape: 'triangle-right' },
  split2: { color: '#e67e22', dash: [], width: 2, shape: 'triangle-up' },
  'binary-split': { color: '#8c564b', dash: [], width: 2, shape: 'square' },
  '@serialport/parser-delimiter': { color: '#9467bd', dash: [], width: 2, shape: 'diamond' },
  '@serialport/parser-readline': { color: '#e377c2', dash: [], width: 2, shape: 'triangle-down' },
  '@serialport/parser-byte-length': { color: '#7f8c1d', dash: [], width: 2, shape: 'circle' },
  'it-length-prefixed': { color: '#d62728', dash: [], width: 2, shape: 'triangle-up' },
  'length-prefixed-stream': { color: '#2ca02c', dash: [], width: 2, shape: 'diamond' },
  'frame-stream': { color: '#c9a800', dash: [], width: 2, shape: 'square' },
  'readline (for await)': { color: '#2ca02c', dash: [], width: 2, shape: 'circle' },
  "readline ('line' events)": { color: '#2ca02c', dash: [7, 3], width: 2, shape: 'triangle-down' },
  '@grpc/grpc-js StreamDecoder': { color: '#d62728', dash: [], width: 2.5, shape: 'square' },
  'mongodb SizedMessageTransform': { color: '#2ca02c', dash: [], width: 2.5, shape: 'diamond' },
};
const OTHER = { color: '#555555', dash: [1, 2], width: 1, shape: 'circle' };
const styleOf = (id) => STYLE[id] ?? OTHER;

const PANEL = { width: 340, height: 230 };
const LEGEND = { width: 230, row: 16 };
const PER_ROW = 2;
// Each panel its own scales: concatenated views would otherwise merge them.
const RESOLVE = {
  scale: {
    x: 'independent',
    y: 'independent',
    color: 'independent',
    strokeDash: 'independent',
    strokeWidth: 'independent',
    shape: 'independent',
  },
};

const sizeText = (n) => sizeLabel(n).replace(/(\d)(KiB|B)$/, '$1 $2');

/** The same nominal scale for every channel that tells contenders apart. */
function channels(ids, styles) {
  const ch = (key) => ({
    field: 'contender',
    type: 'nominal',
    sort: ids,
    scale: { domain: ids, range: styles.map((st) => st[key]) },
    legend: null,
  });
  return { color: ch('color'), strokeDash: ch('dash'), strokeWidth: ch('width'), shape: ch('shape') };
}

/**
 * The panel of one scheme: a line and points per contender, and beside it a legend
 * drawn with the same marks (line dash, width, colour and point shape), in the order
 * of the line ends.
 */
function panel(scheme, rows) {
  const values = rows.flatMap((e) =>
    Object.entries(e.results).map(([id, r]) => ({ contender: id, frameSize: e.frameSize, mbps: r.mbps })),
  );
  // Order: by the MB/s at the largest frame size each one reached, fastest first.
  const last = new Map();
  for (const v of values) {
    const had = last.get(v.contender);
    if (!had || v.frameSize > had.frameSize) last.set(v.contender, v);
  }
  const ids = [...last.values()].sort((a, b) => b.frameSize - a.frameSize || b.mbps - a.mbps).map((v) => v.contender);
  const { color, strokeDash, strokeWidth, shape } = channels(ids, ids.map(styleOf));
  const sizes = FRAME_SIZES.filter((n) => rows.some((e) => e.frameSize === n));
  const x = {
    field: 'frameSize',
    type: 'quantitative',
    scale: { type: 'log', domain: [sizes[0] / 1.25, sizes.at(-1) * 1.25], nice: false },
    axis: {
      title: 'frame size (payload bytes)',
      values: sizes,
      labelExpr: `{${sizes.map((n) => `'${n}': '${sizeText(n)}'`).join(', ')}}[datum.value] || ''`,
    },
  };
  // Whole decades, a grid line at each.
  const mbps = values.map((v) => v.mbps).filter((v) => v > 0);
  const decades = [];
  for (let e = Math.floor(Math.log10(Math.min(...mbps))); e <= Math.ceil(Math.log10(Math.max(...mbps))); e++) {
    decades.push(10 ** e);
  }
  const y = {
    field: 'mbps',
    type: 'quantitative',
    scale: { type: 'log', domain: [decades[0], decades.at(-1)], nice: false },
    axis: { title: 'MB/s (input bytes)', format: '~s', values: decades },
  };
  const plot = {
    width: PANEL.width,
    height: PANEL.height,
    data: { values },
    layer: [
      { mark: { type: 'line', clip: true }, encoding: { x, y, color, strokeDash, strokeWidth } },
      {
        mark: { type: 'point', filled: true, size: 45, opacity: 1, clip: true },
        encoding: { x, y, color, shape, tooltip: [{ field: 'contender' }, { field: 'frameSize' }, { field: 'mbps' }] },
      },
    ],
  };
  const W = LEGEND.width;
  const at = (v) => ({
    datum: v,
    type: 'quantitative',
    scale: { domain: [0, W], nice: false, zero: true },
    axis: null,
  });
  const legend = {
    title: {
      text: `by MB/s at ${sizeText(Math.max(...[...last.values()].map((v) => v.frameSize)))}, fastest first`,
      anchor: 'start',
      fontSize: 10,
      fontWeight: 'normal',
      color: '#555555',
    },
    width: W,
    height: ids.length * LEGEND.row,
    view: { stroke: null },
    data: { values: ids.map((contender, k) => ({ contender, k })) },
    encoding: { y: { field: 'k', type: 'ordinal', axis: null } },
    layer: [
      { mark: 'rule', encoding: { x: at(0), x2: { datum: 30 }, color, strokeDash, strokeWidth } },
      { mark: { type: 'point', filled: true, size: 45, opacity: 1 }, encoding: { x: at(15), color, shape } },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 11 },
        encoding: { x: at(38), text: { field: 'contender' } },
      },
    ],
  };
  return {
    title: { text: SCHEMES[scheme].title, anchor: 'start', fontSize: 13 },
    hconcat: [plot, legend],
    spacing: 10,
    resolve: RESOLVE,
  };
}

/** The Vega-Lite spec of one chunk size, or null when the run has none of it. */
function spec(data, chunkSize) {
  const schemes = Object.keys(SCHEMES).filter((k) =>
    data.scenarios.some((e) => e.scheme === k && e.chunkSize === chunkSize),
  );
  if (schemes.length === 0) return null;
  const panels = schemes.map((k) =>
    panel(
      k,
      data.scenarios.filter((e) => e.scheme === k && e.chunkSize === chunkSize),
    ),
  );
  const rowsOfPanels = [];
  for (let i = 0; i < panels.length; i += PER_ROW) {
    rowsOfPanels.push({ hconcat: panels.slice(i, i + PER_ROW), spacing: 36, resolve: RESOLVE });
  }
  const chunk = chunkSize === 1460 ? '1,460-byte chunks (one TCP segment each)' : `${sizeText(chunkSize)} chunks`;
  const { meta } = data;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `framecodec vs peers, drivers and hand-written loops, ${chunk}`,
      subtitle: `Median MB/s of the ${meta.mode} run of ${meta.date.slice(0, 10)} at ${meta.commit} (${meta.cpu}, ${meta.nproc} cores, Node ${meta.node}); higher is faster. Black dashes: hand-written loop; grey dashes: memcpy (no framing).`,
      anchor: 'start',
      fontSize: 15,
      subtitleFontSize: 11,
      offset: 12,
    },
    background: 'white',
    padding: 12,
    config: {
      font: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif',
      axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#e6e6e6' },
      view: { stroke: '#cccccc' },
    },
    vconcat: rowsOfPanels,
    spacing: 30,
    resolve: RESOLVE,
  };
}

/** Renders a Vega-Lite spec to an SVG string. */
async function render(liteSpec) {
  const view = new vega.View(vega.parse(vl.compile(liteSpec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes one SVG per chunk size present in `data`; returns the paths. */
export async function writeCharts(data, dir) {
  const out = [];
  for (const chunkSize of [65536, 1460]) {
    const s = spec(data, chunkSize);
    if (!s) continue;
    const file = join(dir, `chart-${chunkSize === 1460 ? '1460B' : '64KiB'}-chunks.svg`);
    writeFileSync(file, `${await render(s)}\n`);
    out.push(file);
  }
  return out;
}
