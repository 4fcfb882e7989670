// The fuzz harness behind `npm run fuzz` (test/fuzz/campaign.fuzz.ts) and its
// fixed-seed CI slice (test/node/fuzz.test.ts).
//
// A case is a small, JSON-printable recipe: a decoder configuration, a list of
// input segments (built into bytes by a seeded PRNG, so a case of several MiB
// stays a few numbers and shrinks well), a chunking and a feed mode. checkCase()
// runs it through every engine in one process and asserts SPEC.md section 2:
//
//   1. nothing but a FramingError is thrown;
//   2. the outcome (frames, error code/offset/partial, stats, onDiscard calls) is
//      the naive reference model's (test/_reference.ts), so chunking, feed mode
//      and engine never change it, and frames completed before an error are
//      delivered (`error.frames`, or already passed to onFrame);
//   3. the three engines give byte-identical outcomes, also when the engine is
//      swapped between the chunks of one stream;
//   4. bounded work: bytes scanned by the engine (engine.x wrapped, as the
//      "linear time" tests of test/delimiter.test.ts do) and bytes staged into
//      linear memory (engine.place wrapped) stay within a linear bound; a hard
//      budget ten times larger turns a runaway loop into a failure, not a hang;
//   5. bounded memory after every call (see bounds() for the exact figures):
//      `buffered`, the capacity of the decoder's carry buffer, and linear memory;
//   6. returned frames never change: run() snapshots each frame on arrival and
//      compares at the end, and after every call the harness scribbles over the
//      engine's scratch memory (results, staging, receive area), so a frame that
//      aliased linear memory would show it;
//   7. after a fatal error every decode()/end() throws the same code until
//      reset(); after end() (thrown or not) the decoder holds nothing; a reset
//      decoder fed the same bytes again gives the same frames; a freed one throws
//      ERR_DECODER_FREED.
//
// Schemes: 'length', 'fixed', 'delimiter', 'line' (LineDecoder) give bytes, and
// an outcome's frames are hex; 'text' (TextLineDecoder) gives strings, and its
// frames are JSON (textFrame, refTextLines, runText()): the same checks on lines of
// random UTF-8, valid, invalid and truncated, with BOMs, under `fatal` or not.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  backend,
  DelimiterDecoder,
  FixedLengthDecoder,
  FramingError,
  init,
  LengthFieldDecoder,
  LineDecoder,
  TextLineDecoder,
  TruncatedFrameError,
  type FrameDecoder,
  type RangeDecoder,
} from '../../src/index.js';
import { NEED_HEADER, OUT_FULL, RESULT_HEADER, RESULT_RESUME, RESULT_STATUS } from '../../assembly/abi.js';
import { engine, OUT_CAP, useEngine as selectEngine, WINDOW, type Engine } from '../../src/engine/index.js';
import { bytewise, cut, hex, run, type Outcome } from '../_harness.js';
import { refDelimiter, refFixed, refLengthField, refTextLines, textFrame } from '../_reference.js';
import { rng } from '../node/_tcp.js';

selectEngine(); // the default engine is chosen on first use; this harness reads `engine` before any decoder exists

// ---------------------------------------------------------------------------
// Engines, all three in this process.

export type EngineName = 'js' | 'wasm' | 'wasm-simd';
export const ENGINES: readonly EngineName[] = ['js', 'wasm', 'wasm-simd'];

let modules: Record<'wasm' | 'wasm-simd', WebAssembly.Module> | null = null;

/** Work done by the current engine since the last reset of these counters. */
export const work = { scanned: 0, staged: 0, budget: Infinity, stageBudget: Infinity };

export class WorkBudgetExceeded extends Error {}

/** Makes `name` the active engine (a fresh instance) and counts its work. */
export async function useEngine(name: EngineName): Promise<void> {
  if (name === 'js') {
    await init({ backend: 'js' });
  } else {
    modules ??= {
      wasm: new WebAssembly.Module(readFileSync('build/framecodec.scalar.wasm')),
      'wasm-simd': new WebAssembly.Module(readFileSync('build/framecodec.simd.wasm')),
    };
    await init({ wasm: modules[name] });
  }
  if (backend() !== name) throw new Error(`asked for engine ${name}, got ${backend()}`);
  instrument(engine);
}

/**
 * Wraps the engine's scanners and its staging copy with counters. A scan is
 * charged the bytes it examined: the whole window, or up to where it stopped
 * (results array full after OUT_CAP frames; a length-field scan that stops at a
 * header), since the next call starts there. A placement is charged the bytes
 * it copied into linear memory (none for a chunk scanned in place).
 */
function instrument(e: Engine): void {
  const x = e.x;
  const result = (results: number, field: number) => {
    e.views();
    return e.i32[(results + field) >> 2];
  };
  const charge = (n: number) => {
    work.scanned += n;
    if (work.scanned > work.budget)
      throw new WorkBudgetExceeded(`scanned ${work.scanned} bytes, over the hard budget ${work.budget}`);
  };
  (e as { x: typeof x }).x = {
    ...x,
    // (table, data, len, final, results, cap)
    scanDelimiters: (...a: Parameters<typeof x.scanDelimiters>) => {
      const count = x.scanDelimiters(...a);
      charge(count === a[5] ? result(a[4], RESULT_RESUME) : a[2]);
      return count;
    },
    // (params, data, len, results, cap)
    scanLength: (...a: Parameters<typeof x.scanLength>) => {
      const count = x.scanLength(...a);
      // NEED_HEADER: the whole window; OUT_FULL: up to the next frame;
      // NEED_BODY, CORRUPT, TOO_LONG: up to the end of the header it stopped at.
      const status = result(a[3], RESULT_STATUS);
      const resume = result(a[3], RESULT_RESUME);
      charge(
        status === NEED_HEADER
          ? a[2]
          : status === OUT_FULL
            ? resume
            : Math.min(a[2], resume + result(a[3], RESULT_HEADER)),
      );
      return count;
    },
  };
  const place = e.place.bind(e);
  e.place = (tail, tailFrom, tailLen, chunk, c, take) => {
    const at = place(tail, tailFrom, tailLen, chunk, c, take);
    const inPlace = chunk.buffer === e.u8.buffer && at + tailLen === chunk.byteOffset + c;
    work.staged += inPlace ? tailLen : tailLen + take;
    if (work.staged > work.stageBudget)
      throw new WorkBudgetExceeded(`staged ${work.staged} bytes, over the hard budget ${work.stageBudget}`);
    return at;
  };
}

// ---------------------------------------------------------------------------
// Configurations.

type Trailing = 'error' | 'emit' | 'drop';
type Width = 1 | 2 | 3 | 4 | 8 | 'varint';

interface Limits {
  maxFrameLength: number;
  onTooLong: 'error' | 'skip';
  failFast: boolean;
  trailing: Trailing;
}

export interface LengthConfig extends Limits {
  scheme: 'length';
  lengthFieldOffset: number;
  lengthFieldLength: Width;
  byteOrder: 'big' | 'little';
  lengthAdjustment: number;
  initialBytesToStrip?: number;
}

export interface FixedConfig {
  scheme: 'fixed';
  frameLength: number;
  trailing: Trailing;
}

export interface DelimiterConfig extends Limits {
  scheme: 'delimiter';
  /** Byte values; `strings[k]` passes delimiter k as a string (UTF-8) when it is ASCII. */
  delimiters: number[][];
  strings: boolean;
  disposition: 'discard' | 'suffix' | 'prefix';
}

export interface LineConfig extends Limits {
  scheme: 'line';
  allowCR: boolean;
  keepLineEnding: boolean;
}

/** TextLineDecoder: LineDecoder's options, and `fatal`. */
export interface TextConfig extends Limits {
  scheme: 'text';
  allowCR: boolean;
  keepLineEnding: boolean;
  fatal: boolean;
}

export type Config = LengthConfig | FixedConfig | DelimiterConfig | LineConfig | TextConfig;
export type Scheme = Config['scheme'];
export const SCHEMES: readonly Scheme[] = ['length', 'delimiter', 'line', 'fixed', 'text'];

/** What a decoder gives: bytes, or strings (TextLineDecoder). */
export type Frame = Uint8Array | string;

/** One piece of the input; `t` says what, the numbers how much and which bytes. */
export interface Segment {
  t: string;
  n: number;
  v: number;
  seed: number;
}

export type Feed = 'decode' | 'each' | 'ranges' | 'arraybuffer' | 'receive' | 'limited' | 'switch';

export interface Chunking {
  kind: 'whole' | 'bytes' | 'cuts' | 'sizes' | 'tail';
  /** Cut points as fractions of the input, in millionths. */
  cuts: number[];
  /** Chunk sizes, repeated until the input is used up. */
  sizes: number[];
  /** 'tail': the last `tail` bytes one byte at a time. */
  tail: number;
  /** Empty chunks inserted among the others. */
  empties: number;
  /** > 0: the chunks are views at this byte offset into a larger buffer. */
  pad: number;
  feed: Feed;
}

export interface Case {
  config: Config;
  segments: Segment[];
  chunking: Chunking;
}

/** Sizes of a campaign: how large inputs get, how many one-byte chunks are affordable. */
export interface Profile {
  /** Largest input of an ordinary case. */
  maxInput: number;
  /** Largest input of a 'huge' case. */
  hugeInput: number;
  /** Most chunks fed to one decoder (one-byte feeding of a long input is cut to this). */
  maxChunks: number;
  /** Fraction of cases also run with the engine swapped between chunks. */
  swapShare: number;
}

export const CI_PROFILE: Profile = { maxInput: 24 * 1024, hugeInput: 1024 * 1024, maxChunks: 3000, swapShare: 0.25 };
export const FULL_PROFILE: Profile = {
  maxInput: 512 * 1024,
  hugeInput: 8 * 1024 * 1024,
  maxChunks: 100_000,
  swapShare: 0.5,
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const bool = fc.boolean();
const trailingArb = fc.constantFrom<Trailing>('error', 'emit', 'drop');
const limitsArb = (max: fc.Arbitrary<number>) =>
  fc.record({
    maxFrameLength: max,
    onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
    failFast: bool,
    trailing: trailingArb,
  });

const maxFrameArb = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 16 }) },
  { weight: 4, arbitrary: fc.integer({ min: 17, max: 5000 }) },
  { weight: 2, arbitrary: fc.constantFrom(64 * 1024, 64 * 1024 + 1, 1 << 20) },
  { weight: 1, arbitrary: fc.constantFrom(8 * 1024 * 1024, MAX_SAFE) },
);

const EXTREME_ADJUSTMENTS = [-MAX_SAFE, -(2 ** 32), -(2 ** 31), 2 ** 31, MAX_SAFE];

const lengthConfigArb: fc.Arbitrary<LengthConfig> = fc
  .record({
    scheme: fc.constant<'length'>('length'),
    lengthFieldOffset: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 9 }) },
      // Around RESERVE (4096): the carried header no longer fits before the receive area.
      { weight: 1, arbitrary: fc.integer({ min: 4080, max: 4110 }) },
      // Past a window (64 KiB): headers that span windows and chunks.
      { weight: 1, arbitrary: fc.integer({ min: 16_000, max: 70_000 }) },
    ),
    lengthFieldLength: fc.constantFrom<Width>(1, 2, 3, 4, 8, 'varint'),
    byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
    lengthAdjustment: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0) },
      { weight: 6, arbitrary: fc.integer({ min: -12, max: 12 }) },
      { weight: 1, arbitrary: fc.constantFrom(...EXTREME_ADJUSTMENTS) },
    ),
    initialBytesToStrip: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined, freq: 2 }),
  })
  .chain((o) => limitsArb(maxFrameArb).map((l) => ({ ...o, ...l })));

const fixedConfigArb: fc.Arbitrary<FixedConfig> = fc.record({
  scheme: fc.constant<'fixed'>('fixed'),
  frameLength: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 16 }) },
    { weight: 3, arbitrary: fc.integer({ min: 17, max: 5000 }) },
    { weight: 1, arbitrary: fc.constantFrom(65535, 65536, 65537, 1 << 20) },
  ),
  trailing: trailingArb,
});

/** Delimiter bytes: a small alphabet, so that matches overlap and collide often. */
const delimiterByte = fc.constantFrom<number>(0x61, 0x61, 0x61, 0x62, 0x00, 0x0a, 0x0d, 0xff);
const delimiterSetArb: fc.Arbitrary<number[][]> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.array(fc.array(delimiterByte, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<number[][]>(
      [[0x61, 0x61, 0x62]],
      [[0x61], [0x61, 0x61], [0x61, 0x61, 0x61]],
      [[0x0a], [0x0d, 0x0a]],
      [[0]],
      [[0, 0]],
    ),
  },
  // Long delimiters (patterns of a and b); rarely beyond RESERVE (4096 bytes).
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 5, arbitrary: fc.integer({ min: 7, max: 300 }) },
          { weight: 1, arbitrary: fc.integer({ min: 4090, max: 4200 }) },
        ),
        fc.nat(),
      )
      .map(([len, seed]) => {
        const r = rng(seed);
        return [Array.from({ length: len }, (_, k) => (k === len - 1 || r(8) === 0 ? 0x62 : 0x61))];
      }),
  },
);

const delimiterConfigArb: fc.Arbitrary<DelimiterConfig> = fc
  .record({
    scheme: fc.constant<'delimiter'>('delimiter'),
    delimiters: delimiterSetArb,
    strings: bool,
    disposition: fc.constantFrom<'discard' | 'suffix' | 'prefix'>('discard', 'suffix', 'prefix'),
  })
  .chain((o) => limitsArb(maxFrameArb).map((l) => ({ ...o, ...l })));

const lineConfigArb: fc.Arbitrary<LineConfig> = fc
  .record({
    scheme: fc.constant<'line'>('line'),
    allowCR: bool,
    keepLineEnding: bool,
  })
  .chain((o) => limitsArb(maxFrameArb).map((l) => ({ ...o, ...l })));

const textConfigArb: fc.Arbitrary<TextConfig> = fc
  .record({
    scheme: fc.constant<'text'>('text'),
    allowCR: bool,
    keepLineEnding: bool,
    fatal: bool,
  })
  .chain((o) => limitsArb(maxFrameArb).map((l) => ({ ...o, ...l })));

// ---------------------------------------------------------------------------
// Inputs.

/** A segment length: mostly short, sometimes past a window (64 KiB), up to `max`. */
const sizeArb = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: Math.min(16, max) }) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.min(400, max) }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max }) },
  );

const seg = (kinds: readonly string[], max: number) =>
  fc.record({ t: fc.constantFrom(...kinds), n: sizeArb(max), v: fc.nat(1000), seed: fc.nat() });

const SEGMENTS: Record<Scheme, readonly string[]> = {
  length: ['frame', 'frame', 'frame', 'special', 'special', 'varint', 'claim', 'random'],
  fixed: ['random', 'nul'],
  delimiter: ['text', 'text', 'delim', 'delim', 'near', 'flood', 'nul', 'random'],
  line: ['text', 'text', 'delim', 'delim', 'near', 'flood', 'nul', 'random'],
  // See textSegment().
  text: ['mixed', 'mixed', 'mixed', 'valid', 'valid', 'utf8', 'invalid', 'bom', 'delim', 'delim', 'long', 'random'],
};

/**
 * A third of the text cases: valid UTF-8 throughout (but for a 'long' line cut
 * inside a character), so that a `fatal` decoder also reads to the end.
 */
const VALID_TEXT = ['valid', 'valid', 'valid', 'utf8', 'bom', 'delim', 'delim', 'long'];

const FEEDS: readonly Feed[] = [
  'decode',
  'decode',
  'each',
  'ranges',
  'arraybuffer',
  'receive',
  'receive',
  'limited',
  'switch',
];

/** A chunking and a feed mode ('ranges' only where there is decodeRanges(): not on TextLineDecoder). */
const chunkingArb = (profile: Profile, scheme: Scheme): fc.Arbitrary<Chunking> =>
  fc.record({
    kind: fc.constantFrom<Chunking['kind']>('whole', 'bytes', 'cuts', 'cuts', 'sizes', 'tail'),
    cuts: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 16 }),
    sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 70_000 })), {
      minLength: 1,
      maxLength: 5,
    }),
    tail: fc.integer({ min: 1, max: profile.maxChunks }),
    empties: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) },
    ),
    pad: fc.oneof(
      { weight: 2, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 4103 }) },
    ),
    feed: fc.constantFrom<Feed>(...FEEDS.filter((f) => scheme !== 'text' || f !== 'ranges')),
  });

const CONFIGS: Record<Scheme, fc.Arbitrary<Config>> = {
  length: lengthConfigArb,
  fixed: fixedConfigArb,
  delimiter: delimiterConfigArb,
  line: lineConfigArb,
  text: textConfigArb,
};

/** Ordinary cases of one scheme: many segments of mixed sizes, input up to profile.maxInput. */
export function caseArb(scheme: Scheme, profile: Profile): fc.Arbitrary<Case> {
  const segments = (kinds: readonly string[]) =>
    fc.array(seg(kinds, Math.min(70_000, profile.maxInput)), { minLength: 1, maxLength: 24 });
  return fc.record({
    config: CONFIGS[scheme],
    segments:
      scheme === 'text'
        ? withBom(
            fc.oneof({ weight: 2, arbitrary: segments(SEGMENTS.text) }, { weight: 1, arbitrary: segments(VALID_TEXT) }),
          )
        : segments(SEGMENTS[scheme]),
    chunking: chunkingArb(profile, scheme),
  });
}

/** Text: a third of the streams open with a BOM (or two, or a BOM and a line ending). */
const withBom = (segments: fc.Arbitrary<Segment[]>) =>
  fc
    .tuple(fc.nat(5), fc.nat(), segments)
    .map(([k, v, list]) => (k < 2 ? [{ t: 'bom', n: 0, v, seed: 0 }, ...list] : list));

/**
 * Huge cases: one to three segments of up to profile.hugeInput bytes (floods with
 * no delimiter, frames of several MiB, near-miss patterns), fed as a few huge
 * chunks or whole, with a maxFrameLength that lets some through.
 */
export function hugeCaseArb(scheme: Scheme, profile: Profile): fc.Arbitrary<Case> {
  const big = fc.integer({ min: profile.hugeInput >> 2, max: profile.hugeInput });
  const kinds = SEGMENTS[scheme];
  return fc.record({
    config: CONFIGS[scheme].map((c) =>
      'maxFrameLength' in c && c.maxFrameLength < 4096 ? { ...c, maxFrameLength: profile.hugeInput } : c,
    ),
    segments: fc.array(fc.record({ t: fc.constantFrom(...kinds), n: big, v: fc.nat(1000), seed: fc.nat() }), {
      minLength: 1,
      maxLength: 3,
    }),
    chunking: chunkingArb(profile, scheme).map((c) => ({
      ...c,
      kind: c.kind === 'bytes' ? 'tail' : c.kind,
      tail: Math.min(c.tail, 2000),
    })),
  });
}

const fieldWidth = (c: LengthConfig) => (c.lengthFieldLength === 'varint' ? 10 : c.lengthFieldLength);

/** Bytes with a pattern: random, NUL, 0xff, or a repeated byte from `alphabet`. */
function fill(n: number, seed: number, pattern: number, alphabet?: readonly number[]): Uint8Array {
  const out = new Uint8Array(n);
  const r = rng(seed);
  switch (pattern % 4) {
    case 0:
      if (alphabet) for (let i = 0; i < n; i++) out[i] = alphabet[r(alphabet.length)];
      else for (let i = 0; i < n; i++) out[i] = r(256);
      break;
    case 1:
      break; // NUL bytes
    case 2:
      out.fill(0xff);
      break;
    default:
      out.fill(alphabet ? alphabet[r(alphabet.length)] : r(256));
  }
  return out;
}

/** Unsigned LEB128 of `value`, padded with zero groups to `pad` bytes (overlong, or 11 bytes: corrupt). */
function leb128(value: bigint, pad: number): number[] {
  const out: number[] = [];
  do {
    out.push(Number(value & 0x7fn));
    value >>= 7n;
  } while (value > 0n);
  while (out.length < pad) out.push(0);
  for (let k = 0; k < out.length - 1; k++) out[k] |= 0x80;
  return out;
}

function field(c: LengthConfig, value: bigint): number[] {
  if (c.lengthFieldLength === 'varint') return leb128(value < 0n ? 0n : value, 0);
  const w = c.lengthFieldLength;
  let v = BigInt.asUintN(8 * w, value);
  const out: number[] = [];
  for (let k = 0; k < w; k++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return c.byteOrder === 'little' ? out : out.reverse();
}

/** Field values an attacker would try, for this configuration. */
function specials(c: LengthConfig): bigint[] {
  const header = BigInt(c.lengthFieldOffset + (c.lengthFieldLength === 'varint' ? 1 : c.lengthFieldLength));
  const adj = BigInt(c.lengthAdjustment);
  const max = BigInt(c.maxFrameLength);
  const strip = BigInt(c.initialBytesToStrip ?? 0);
  const p = (k: number) => 2n ** BigInt(k);
  return [
    0n,
    1n,
    127n,
    128n,
    255n,
    256n,
    p(16) - 1n,
    p(24) - 1n,
    p(31) - 1n,
    p(31),
    p(32) - 1n,
    p(32),
    p(53) - 1n,
    p(53),
    p(53) + 1n,
    p(63),
    p(64) - 1n,
    max - header - adj,
    max - header - adj + 1n, // exactly maxFrameLength, one more
    -adj,
    -adj - 1n, // a frame of just its header, one less
    strip - header - adj,
    strip - header - adj - 1n, // exactly initialBytesToStrip, one less
  ];
}

const VARINT_VALUES = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 70n];

/** The input bytes a case describes, at most `cap` of them. */
export function buildInput(k: Case, cap: number): Uint8Array {
  const c = k.config;
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array | number[]) => {
    const u = b instanceof Uint8Array ? b : Uint8Array.from(b);
    parts.push(u);
    total += u.length;
  };
  for (const s of k.segments) {
    if (total >= cap) break;
    const room = cap - total;
    const n = Math.min(s.n, room);
    if (c.scheme === 'length') lengthSegment(c, s, n, push);
    else if (c.scheme === 'fixed') push(fill(n, s.seed, s.t === 'nul' ? 1 : 0));
    else if (c.scheme === 'text') textSegment(c, s, n, room, push);
    else delimiterSegment(c.scheme === 'line' ? lineSet(c) : c.delimiters, s, n, push);
  }
  const out = new Uint8Array(Math.min(total, cap));
  let at = 0;
  for (const p of parts) {
    if (at >= out.length) break;
    const take = Math.min(p.length, out.length - at);
    out.set(take === p.length ? p : p.subarray(0, take), at);
    at += take;
  }
  return out;
}

function lengthSegment(c: LengthConfig, s: Segment, n: number, push: (b: Uint8Array | number[]) => void): void {
  const offsetBytes = () => fill(c.lengthFieldOffset, s.seed ^ 0x5a5a, s.v >> 2);
  switch (s.t) {
    case 'frame': {
      // A well-formed frame with n bytes after the field, when the field can say so.
      const value = BigInt(n - c.lengthAdjustment);
      push(offsetBytes());
      push(field(c, value));
      push(fill(n, s.seed, s.v));
      return;
    }
    case 'special': {
      const all = specials(c).filter((v) => v >= 0n);
      push(offsetBytes());
      push(field(c, all[s.v % all.length]));
      push(fill(n, s.seed, s.v >> 5));
      return;
    }
    case 'varint': {
      // A varint of 1 to 11 bytes (10: the longest allowed; 11: corrupt), whatever the width.
      const value = VARINT_VALUES[s.v % VARINT_VALUES.length];
      const natural = leb128(value, 0).length;
      push(offsetBytes());
      push(leb128(value, Math.max(natural, 1 + (s.seed % 11))));
      push(fill(Math.min(n, 64), s.seed, s.v >> 3));
      return;
    }
    case 'claim': {
      // A header claiming maxFrameLength (or one more), then part of the body.
      const header =
        c.lengthFieldOffset +
        (c.lengthFieldLength === 'varint' ? leb128(BigInt(c.maxFrameLength), 0).length : c.lengthFieldLength);
      const value = BigInt(c.maxFrameLength - header - c.lengthAdjustment + (s.v & 1));
      push(offsetBytes());
      push(field(c, value < 0n ? 0n : value));
      push(fill(n, s.seed, s.v >> 1));
      return;
    }
    default:
      push(fill(n, s.seed, s.v));
  }
}

function lineSet(c: LineConfig | TextConfig): number[][] {
  return [[0x0a], [0x0d, 0x0a], ...(c.allowCR ? [[0x0d]] : [])];
}

function delimiterSegment(set: number[][], s: Segment, n: number, push: (b: Uint8Array | number[]) => void): void {
  const bytesUsed = [...new Set(set.flat())];
  const alphabet = [...bytesUsed, 0x78, 0x00];
  const d = set[s.v % set.length];
  switch (s.t) {
    case 'text':
      push(fill(n, s.seed, 0, alphabet));
      return;
    case 'delim':
      push(d);
      return;
    case 'near': {
      // A proper prefix of a delimiter, repeated: aaaa…a against aab; then maybe the delimiter.
      const k = d.length > 1 ? 1 + (s.seed % (d.length - 1)) : 1;
      const unit = d.slice(0, k);
      const reps = Math.max(1, Math.floor(n / k));
      const out = new Uint8Array(reps * k + ((s.v >> 4) & 1 ? d.length : 0));
      for (let r = 0; r < reps; r++) out.set(unit, r * k);
      if ((s.v >> 4) & 1) out.set(d, reps * k);
      push(out);
      return;
    }
    case 'flood': {
      // No delimiter byte at all.
      let b = 0x78;
      while (bytesUsed.includes(b)) b = (b + 1) & 0xff;
      push(new Uint8Array(n).fill(b));
      return;
    }
    case 'nul':
      push(new Uint8Array(n));
      return;
    default:
      push(fill(n, s.seed, s.v));
  }
}

// Text: UTF-8, valid and not.

const BOM = [0xef, 0xbb, 0xbf];
/** Code points at the edges of UTF-8's 2-, 3- and 4-byte forms, and U+FEFF (a BOM inside a line), U+FFFD. */
const EDGE_CHARS = [0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff];
/** Invalid UTF-8: stray bytes, overlong forms, surrogates, beyond U+10FFFF, characters cut short. */
const INVALID: readonly number[][] = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xe0, 0x9f, 0xbf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xc3],
  [0xe2],
  [0xe2, 0x82],
  [0xf0],
  [0xf0, 0x9f],
  [0xf0, 0x9f, 0x98],
  [0xef, 0xbb],
];
/** Line endings, and a lone \r (a line ending only under allowCR) in a few places. */
const ENDINGS: readonly number[][] = [[0x0a], [0x0d, 0x0a], [0x0d], [0x0d, 0x0d, 0x0a], [0x0a, 0x0d]];
const ASCII = [0x61, 0x62, 0x7a, 0x20, 0x09, 0x00, 0x7f];

/** Writes the UTF-8 of code point `cp` (not a surrogate) at `at`; returns the next offset. */
function putChar(out: Uint8Array, at: number, cp: number): number {
  if (cp < 0x80) out[at++] = cp;
  else if (cp < 0x800) {
    out[at++] = 0xc0 | (cp >> 6);
    out[at++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[at++] = 0xe0 | (cp >> 12);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  } else {
    out[at++] = 0xf0 | (cp >> 18);
    out[at++] = 0x80 | ((cp >> 12) & 0x3f);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  }
  return at;
}

/** A random character of 2, 3 or 4 bytes, or one at an edge. */
function randomChar(r: (n: number) => number): number {
  switch (r(4)) {
    case 0:
      return 0x80 + r(0x780);
    case 1: {
      const cp = 0x800 + r(0xf800);
      return cp >= 0xd800 && cp < 0xe000 ? cp + 0x800 : cp; // no surrogates
    }
    case 2:
      return 0x10000 + r(0x100000);
    default:
      return EDGE_CHARS[r(EDGE_CHARS.length)];
  }
}

/**
 * The pieces of a text input:
 * - 'valid': tokens until n bytes: ASCII, characters of 2 to 4 bytes, line
 *   endings (one token in 4, 12, 60 or 1000, as `v` says), now and then a BOM;
 * - 'mixed': the same, with invalid or truncated UTF-8 one token in 1000, 400,
 *   50 or 25 (a `fatal` decoder meets long valid runs as well as early faults);
 * - 'utf8': a line of n bytes of characters (random, or one repeated), no line ending;
 * - 'invalid': one to four invalid or truncated sequences, some followed by ASCII;
 * - 'bom': a BOM, two, or a BOM and a line ending (the start of one, EF BB, is in INVALID);
 * - 'delim': a line ending (or \r's around one);
 * - 'long': a line of maxFrameLength − 2 to maxFrameLength + 1 bytes (at most
 *   what room is left), of ASCII or characters, padded to the byte or cut inside
 *   a character, then mostly a line ending;
 * - 'random': random bytes, NULs, 0xff or one repeated byte.
 */
function textSegment(
  c: TextConfig,
  s: Segment,
  n: number,
  room: number,
  push: (b: Uint8Array | number[]) => void,
): void {
  const r = rng(s.seed);
  switch (s.t) {
    case 'valid':
    case 'mixed': {
      const ending = [4, 12, 60, 1000][s.v % 4];
      const invalid = s.t === 'valid' ? 0 : [1000, 400, 50, 25][(s.v >> 2) % 4];
      const ascii = [2, 4, 16][(s.v >> 4) % 3]; // of `ascii` tokens, all but one are ASCII
      const out = new Uint8Array(n + 8);
      let at = 0;
      while (at < n) {
        let piece: readonly number[] | null = null;
        if (r(ending) === 0) piece = ENDINGS[r(3)];
        else if (invalid > 0 && r(invalid) === 0) piece = INVALID[r(INVALID.length)];
        else if (r(300) === 0) piece = BOM;
        if (piece !== null) {
          out.set(piece, at);
          at += piece.length;
        } else if (r(ascii) > 0) out[at++] = ASCII[r(ASCII.length)];
        else at = putChar(out, at, randomChar(r));
      }
      push(out.subarray(0, at));
      return;
    }
    case 'utf8': {
      const one = s.v % 3 === 0 ? -1 : randomChar(r);
      const out = new Uint8Array(n + 4);
      let at = 0;
      while (at < n) at = putChar(out, at, one < 0 ? randomChar(r) : one);
      push(out.subarray(0, at));
      return;
    }
    case 'invalid':
      for (let k = 0; k <= s.seed % 4; k++) {
        push(INVALID[r(INVALID.length)]);
        if (r(2) === 0) push([0x78]);
      }
      return;
    case 'bom':
      push([[...BOM], [...BOM, ...BOM], [...BOM, 0x0a]][s.v % 3]);
      return;
    case 'delim':
      push(ENDINGS[s.v % ENDINGS.length]);
      return;
    case 'long': {
      const length = Math.max(0, Math.min(c.maxFrameLength - 2 + (s.v % 4), room));
      const chars = (s.v >> 2) % 3; // 0: ASCII; 1: characters padded to the byte; 2: characters, the last one cut
      const out = new Uint8Array(length + 4);
      let at = 0;
      if (chars === 0) out.fill(0x79, 0, length);
      else {
        while (at < (chars === 1 ? length - 3 : length)) at = putChar(out, at, randomChar(r));
        out.fill(0x79, at, length);
      }
      push(out.subarray(0, length));
      if ((s.v >> 4) % 4 !== 0) push(ENDINGS[(s.v >> 6) % 3]);
      return;
    }
    default:
      push(fill(n, s.seed, s.v));
  }
}

/** The chunks a case feeds (views, possibly into a larger padded buffer), empties included. */
export function buildChunks(k: Case, input: Uint8Array, profile: Profile): Uint8Array[] {
  const ch = k.chunking;
  const n = input.length;
  let source = input;
  if (ch.pad > 0) {
    const big = new Uint8Array(ch.pad + n + 7);
    big.set(input, ch.pad);
    source = big.subarray(ch.pad, ch.pad + n);
  }
  const view = (from: number, to: number) => source.subarray(from, to);
  let chunks: Uint8Array[];
  switch (ch.kind) {
    case 'whole':
      chunks = [view(0, n)];
      break;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: an input too long to feed one byte at a time gets only its tail so
    case 'bytes':
      if (n <= profile.maxChunks) {
        chunks = ch.pad > 0 ? Array.from({ length: n }, (_, i) => view(i, i + 1)) : bytewise(input);
        break;
      }
    case 'tail': {
      const from = Math.max(0, n - Math.min(ch.tail, profile.maxChunks));
      chunks = from > 0 ? [view(0, from)] : [];
      for (let i = from; i < n; i++) chunks.push(view(i, i + 1));
      break;
    }
    case 'sizes': {
      chunks = [];
      const avg = ch.sizes.reduce((a, b) => a + b, 0) / ch.sizes.length;
      const scale = Math.max(1, Math.ceil(n / avg / profile.maxChunks));
      for (let at = 0, k2 = 0; at < n; k2++) {
        const len = ch.sizes[k2 % ch.sizes.length] * scale;
        chunks.push(view(at, Math.min(n, at + len)));
        at += len;
      }
      break;
    }
    default:
      chunks =
        ch.pad > 0
          ? cutViews(
              source,
              ch.cuts.map((m) => Math.floor((m / 1e6) * n)),
            )
          : cut(
              input,
              ch.cuts.map((m) => Math.floor((m / 1e6) * n)),
            );
  }
  if (chunks.length === 0) chunks = [view(0, n)];
  const r = rng(ch.empties * 7919 + n);
  for (let e = 0; e < ch.empties; e++) chunks.splice(r(chunks.length + 1), 0, new Uint8Array(0));
  return chunks;
}

function cutViews(source: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < source.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(source.subarray(from, p));
    from = p;
  }
  out.push(source.subarray(from));
  return out;
}

// ---------------------------------------------------------------------------
// Decoders, references and bounds.

const ascii = (d: number[]) => d.every((b) => b < 0x80);
const dedupe = (list: number[][]) => [...new Map(list.map((d) => [d.join(','), d])).values()];

export function makeDecoder(c: Config, onDiscard: (bytes: number, offset: number) => void): FrameDecoder<Frame> {
  const limits =
    'maxFrameLength' in c
      ? {
          maxFrameLength: c.maxFrameLength,
          onTooLong: c.onTooLong,
          failFast: c.failFast,
          trailing: c.trailing,
          onDiscard: (i: { bytes: number; offset: number }) => onDiscard(i.bytes, i.offset),
        }
      : undefined;
  switch (c.scheme) {
    case 'length':
      return new LengthFieldDecoder({
        ...limits,
        lengthFieldOffset: c.lengthFieldOffset,
        lengthFieldLength: c.lengthFieldLength,
        byteOrder: c.byteOrder,
        lengthAdjustment: c.lengthAdjustment,
        initialBytesToStrip: c.initialBytesToStrip,
      });
    case 'fixed':
      return new FixedLengthDecoder({ frameLength: c.frameLength, trailing: c.trailing });
    case 'delimiter': {
      const list = c.delimiters.map((d) => (c.strings && ascii(d) ? String.fromCharCode(...d) : Uint8Array.from(d)));
      return new DelimiterDecoder({
        ...limits!,
        delimiter: list.length === 1 ? list[0] : list,
        disposition: c.disposition,
      });
    }
    case 'line':
      return new LineDecoder({ ...limits!, allowCR: c.allowCR, keepLineEnding: c.keepLineEnding });
    case 'text':
      return new TextLineDecoder({ ...limits!, allowCR: c.allowCR, keepLineEnding: c.keepLineEnding, fatal: c.fatal });
  }
}

/**
 * The reference outcome. `streams`: stream offsets where the 'switch' feed
 * handed the rest to a new stream with takeBuffered() (text: a BOM there is
 * the start of a stream's, dropped).
 */
export function reference(c: Config, input: Uint8Array, streams: readonly number[] = []): Outcome {
  switch (c.scheme) {
    case 'length':
      return refLengthField(input, c);
    case 'fixed':
      return refFixed(input, c.frameLength, c.trailing);
    case 'delimiter':
      return refDelimiter(input, { ...c, delimiters: dedupe(c.delimiters).map((d) => Uint8Array.from(d)) });
    case 'line':
      return refDelimiter(input, {
        ...c,
        delimiters: lineSet(c).map((d) => Uint8Array.from(d)),
        disposition: c.keepLineEnding ? 'suffix' : 'discard',
      });
    case 'text':
      return refTextLines(input, c, streams);
  }
}

/**
 * What the decoder may hold after any call. Derived from the decoders:
 *
 * - length field: the header until it is complete (at most
 *   lengthFieldOffset + width − 1 bytes, width 10 for a varint), then the frame
 *   until it is complete (at most maxFrameLength − 1; a longer one is never
 *   buffered, it is failed or discarded as it streams by). So
 *   buffered ≤ max(maxFrameLength, lengthFieldOffset + width) − 1, inside SPEC's
 *   "maxFrameLength plus one header".
 * - delimiters (longest L): at most maxFrameLength content bytes plus the first
 *   L − 1 bytes of a possible delimiter; with 'prefix' also the delimiter that
 *   opened the frame (L). So buffered ≤ maxFrameLength + L − 1 (+ L for 'prefix').
 *   While discarding an over-long frame only the possible delimiter start is held.
 * - fixed length: buffered ≤ frameLength − 1.
 * - text: as lines (L = 2): a TextLineDecoder holds bytes only in its LineDecoder.
 *
 * `capacity` bounds the decoder's carry buffer (its actual allocation, whatever
 * the length field claims): the buffered bound rounded up to the carry's
 * growth step (64 bytes, or twice a header).
 */
export function bounds(c: Config): { buffered: number; capacity: number; header: number } {
  switch (c.scheme) {
    case 'length': {
      const header = c.lengthFieldOffset + fieldWidth(c);
      return {
        buffered: Math.max(c.maxFrameLength, header) - 1,
        capacity: Math.max(c.maxFrameLength, 2 * header, 64),
        header,
      };
    }
    case 'fixed':
      return { buffered: c.frameLength - 1, capacity: Math.max(c.frameLength, 64), header: 1 };
    default: {
      const L = c.scheme === 'delimiter' ? Math.max(...c.delimiters.map((d) => d.length)) : 2; // line, text: \r\n
      const prefix = c.scheme === 'delimiter' && c.disposition === 'prefix';
      return {
        buffered: c.maxFrameLength + L - 1 + (prefix ? L : 0),
        capacity: Math.max(c.maxFrameLength + 2 * L, 64),
        header: L,
      };
    }
  }
}

/** Linear memory may grow for a large header or delimiter table, never with the input or a length claim. */
function memoryBound(c: Config): number {
  const b = bounds(c);
  const table = c.scheme === 'delimiter' ? 300 + c.delimiters.reduce((n, d) => n + d.length + 8, 0) : 0;
  return 512 * 1024 + 8 * b.header + 4 * table;
}

// ---------------------------------------------------------------------------
// Checking.

export class Violation extends Error {}

/** Totals over a campaign. */
export const totals = {
  cases: 0,
  runs: 0,
  bytes: 0,
  frames: 0,
  errors: 0,
  chunks: 0,
  maxBuffered: 0,
  maxScanRatio: 0,
  maxStageRatio: 0,
  maxScanCase: '',
  maxStageCase: '',
};

/** A delimiter configuration whose delimiters open the next frame. */
function isPrefix(c: Config): boolean {
  return (c as { disposition?: string }).disposition === 'prefix';
}

/** The carry buffer that holds a decoder's bytes (a TextLineDecoder's is its LineDecoder's). */
function carryOf(d: FrameDecoder<Frame>): { buf: Uint8Array | null } | undefined {
  const inner = d instanceof TextLineDecoder ? (d as unknown as { lines: object }).lines : d;
  return (inner as { carry?: { buf: Uint8Array | null } }).carry;
}

/** A decoder wrapper that checks the bounds after every call and feeds chunks the case's way. */
class Guard implements FrameDecoder<Frame> {
  calls = 0;
  failedInDecode = false;
  maxBuffered = 0;
  /** Stream offsets where the 'switch' feed handed the rest to a new stream. */
  readonly streams: number[] = [];
  /** Bytes fed so far. */
  private fed = 0;

  /**
   * `base.at`: the stream offset at which the decoder last started a new stream
   * (the 'switch' feed hands its bytes over with takeBuffered(), which resets it and
   * its offsets); the outcome's offsets are shifted by it to be the stream's.
   */
  constructor(
    readonly d: FrameDecoder<Frame>,
    private readonly limit: ReturnType<typeof bounds>,
    private readonly memLimit: number,
    private readonly feed: Feed,
    private readonly base: { at: number } = { at: 0 },
  ) {}

  get buffered(): number {
    return this.d.buffered;
  }

  get stats() {
    return this.d.stats;
  }

  private input(chunk: Uint8Array): Uint8Array {
    if (this.feed === 'arraybuffer') return new Uint8Array(chunk.slice().buffer);
    if (this.feed === 'receive' && chunk.length <= WINDOW) {
      const area = engine.receiveArea();
      area.set(chunk);
      return area.subarray(0, chunk.length);
    }
    return chunk;
  }

  private after(): void {
    this.calls++;
    const held = this.d.buffered;
    if (held > this.maxBuffered) this.maxBuffered = held;
    if (held > this.limit.buffered) throw new Violation(`buffered ${held} exceeds the bound ${this.limit.buffered}`);
    const carry = carryOf(this.d);
    if (!carry) throw new Violation('the decoder has no carry buffer any more: update bounds() in test/fuzz/fuzz.ts');
    const capacity = carry.buf?.length ?? 0;
    if (capacity > this.limit.capacity)
      throw new Violation(`the carry buffer holds ${capacity} bytes, over the bound ${this.limit.capacity}`);
    const e = engine;
    if (e.memoryBytes > this.memLimit)
      throw new Violation(`linear memory is ${e.memoryBytes} bytes, over the bound ${this.memLimit}`);
    // Scribble over the scratch areas: results, staging and receive area (not the
    // cached delimiter table). A returned frame that aliased them would change.
    e.views();
    e.u8.fill(0xee, e.results, e.params); // the results block (not the cached length parameters)
    e.u8.fill(0xee, e.stage, e.stage + e.stageCap);
  }

  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (error) {
      if (error instanceof FramingError) this.failedInDecode = true;
      throw error;
    } finally {
      this.after();
    }
  }

  decode(chunk: Uint8Array | ArrayBuffer): Frame[] {
    if (this.feed === 'limited' || this.feed === 'switch') return this.limited(chunk as Uint8Array);
    return this.call(() => this.d.decode(this.input(chunk as Uint8Array)));
  }

  /**
   * The 'limited' feed: random stop points. Each call takes at most n frames
   * (maxFrames: n, n from 1, 2, 3, 7 by turns), then pulls on from what is held
   * (decode() with no chunk) until a call comes back short, so that the whole
   * outcome is still the reference's. The bounds are checked once the held bytes
   * are drained (while stopped, a decoder may hold the rest of a chunk beyond
   * maxFrameLength, as the contract allows).
   */
  private limited(chunk: Uint8Array): Frame[] {
    const n = [1, 2, 3, 7][this.calls % 4];
    const out: Frame[] = [];
    let switches = 0;
    this.fed += chunk.length;
    return this.call(() => {
      try {
        let got = this.d.decode(chunk, { maxFrames: n });
        for (;;) {
          if (got.length > n) throw new Violation(`maxFrames ${n} but ${got.length} frames came out`);
          for (const f of got) out.push(f);
          if (got.length < n) return out;
          this.calls++;
          // (At most two switches a chunk: each copies the rest of the stream held, as
          // it must, and a switch at every frame would copy a large chunk quadratically.)
          if (this.feed === 'switch' && switches++ < 2) {
            // A switch to an identical decoder at every stop: what it was handed must
            // be exactly the rest of the stream (takeBuffered() also resets it).
            const buffered = this.d.buffered;
            const rest = this.d.takeBuffered();
            if (rest.length !== buffered) {
              throw new Violation(`takeBuffered() gave ${rest.length} bytes, buffered was ${buffered}`);
            }
            if (this.d.buffered !== 0) throw new Violation(`buffered is ${this.d.buffered} after takeBuffered()`);
            this.base.at = this.fed - rest.length;
            this.streams.push(this.base.at);
            got = this.d.decode(rest, { maxFrames: n });
          } else {
            got = this.d.decode(undefined, { maxFrames: n });
          }
        }
      } catch (e) {
        if (e instanceof FramingError) {
          (e as FramingError<Frame>).frames = [...out, ...e.frames];
          this.shift(e);
        }
        throw e;
      }
    });
  }

  /** An error's offset, from the decoder's last new stream to the whole stream's. */
  private shift(e: FramingError): void {
    if (this.base.at > 0 && e.offset !== undefined) (e as { offset: number }).offset = e.offset + this.base.at;
  }

  decodeEach(chunk: Uint8Array | ArrayBuffer, onFrame: (frame: Frame) => void): number {
    return this.call(() => this.d.decodeEach(this.input(chunk as Uint8Array), onFrame));
  }

  decodeRanges(chunk: Uint8Array, onFrames: (b: Uint8Array, o: Int32Array, n: number) => void): number {
    const d = this.d as FrameDecoder<Frame> & { decodeRanges?: Guard['decodeRanges'] };
    if (typeof d.decodeRanges !== 'function') throw new Violation('decodeRanges is gone: drop the ranges feed');
    return this.call(() => (d as RangeDecoder).decodeRanges(this.input(chunk), onFrames));
  }

  end(): Frame[] {
    let outcome: { frames: Frame[] } | { error: unknown };
    try {
      outcome = { frames: this.d.end() };
    } catch (error) {
      if (error instanceof FramingError) this.shift(error);
      outcome = { error };
    }
    this.calls++;
    // A held byte after end() outranks whatever end() threw.
    if (this.d.buffered !== 0) throw new Violation(`buffered is ${this.d.buffered} after end(), not 0`);
    if ('error' in outcome) throw outcome.error;
    return outcome.frames;
  }

  takeBuffered(): Uint8Array {
    const rest = this.d.takeBuffered();
    if (this.d.buffered !== 0) throw new Violation(`buffered is ${this.d.buffered} after takeBuffered(), not 0`);
    return rest;
  }

  reset(): void {
    this.d.reset();
  }

  free(): void {
    this.d.free();
  }

  [Symbol.dispose](): void {
    this.d.free();
  }
}

/**
 * run() of test/_harness.ts for a decoder of strings (that run(), typed for
 * bytes, records frames as hex): what a user of a TextLineDecoder sees, each
 * line as JSON (textFrame), the form refTextLines gives. (Strings cannot change
 * once returned: no snapshots.)
 */
function runText(d: FrameDecoder<string>, chunks: Uint8Array[], discards: Outcome['discards'], each: boolean): Outcome {
  const frames: string[] = [];
  const keep = (lines: string[]) => {
    for (const line of lines) {
      if (typeof line !== 'string') throw new Violation(`a line came out as ${Object.prototype.toString.call(line)}`);
      frames.push(textFrame(line));
    }
  };
  let error: Outcome['error'];
  const record = (e: unknown) => {
    if (!(e instanceof FramingError)) throw e;
    keep(e.frames as string[]);
    error = { code: e.code, offset: e.offset };
    if (e instanceof TruncatedFrameError) error.partial = hex(e.partial);
  };
  for (const chunk of chunks) {
    const seen: string[] = [];
    try {
      if (each) {
        const n = d.decodeEach(chunk, (line) => seen.push(line));
        if (n !== seen.length) throw new Violation(`decodeEach returned ${n} but passed ${seen.length} lines`);
        keep(seen);
      } else {
        keep(d.decode(chunk));
      }
    } catch (e) {
      if (each && e instanceof FramingError) {
        keep(seen); // passed to onFrame before the fault
        if (e.frames.length) throw new Violation('decodeEach error carries lines it already delivered');
      }
      record(e);
      break;
    }
  }
  if (!error) {
    try {
      keep(d.end());
    } catch (e) {
      record(e);
    }
  }
  return { frames, error, stats: { ...d.stats }, discards };
}

/** Feeds chunks, then end(), and records the outcome: run(), or runText() for a decoder of strings. */
function observe(
  c: Config,
  d: FrameDecoder<Frame>,
  chunks: Uint8Array[],
  discards: Outcome['discards'],
  mode: boolean | 'ranges' = false,
): Outcome {
  return c.scheme === 'text'
    ? runText(d as FrameDecoder<string>, chunks, discards, mode === true)
    : run(d as FrameDecoder, chunks, discards, mode);
}

/** A frame as outcomes show it: hex, or a line as JSON (textFrame). */
const show = (f: Frame) => (typeof f === 'string' ? textFrame(f) : hex(f));

const digest = (o: Outcome) => createHash('sha1').update(JSON.stringify(o)).digest('hex');
const short = (s: string | undefined, n = 64) =>
  s === undefined
    ? 'none'
    : s.length <= n
      ? s
      : `${s.slice(0, n)}… (${s.startsWith('"') ? `${s.length} characters of JSON` : `${s.length / 2} bytes`})`;

/** The first difference between two outcomes, readably. */
export function difference(got: Outcome, want: Outcome): string | null {
  const n = Math.min(got.frames.length, want.frames.length);
  for (let k = 0; k < n; k++) {
    if (got.frames[k] !== want.frames[k])
      return `frame ${k}: got ${short(got.frames[k])}, expected ${short(want.frames[k])}`;
  }
  if (got.frames.length !== want.frames.length) {
    return `got ${got.frames.length} frames, expected ${want.frames.length} (next: got ${short(got.frames[n])}, expected ${short(want.frames[n])})`;
  }
  const e1 = JSON.stringify(got.error && { ...got.error, partial: short(got.error.partial) });
  const e2 = JSON.stringify(want.error && { ...want.error, partial: short(want.error.partial) });
  if (JSON.stringify(got.error) !== JSON.stringify(want.error)) return `error: got ${e1}, expected ${e2}`;
  if (JSON.stringify(got.stats) !== JSON.stringify(want.stats))
    return `stats: got ${JSON.stringify(got.stats)}, expected ${JSON.stringify(want.stats)}`;
  if (JSON.stringify(got.discards) !== JSON.stringify(want.discards)) {
    return `onDiscard calls: got ${JSON.stringify(got.discards).slice(0, 200)}, expected ${JSON.stringify(want.discards).slice(0, 200)}`;
  }
  return null;
}

/** A reproducer: the case, the input (hex, cut short when long) and the chunk sizes. */
export function describeCase(k: Case, input: Uint8Array, chunks: Uint8Array[]): string {
  const sizes = chunks.map((c) => c.length);
  const runs: string[] = [];
  for (let i = 0; i < sizes.length; ) {
    let j = i;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    runs.push(j - i > 1 ? `${sizes[i]}x${j - i}` : `${sizes[i]}`);
    i = j;
  }
  return [
    `config ${JSON.stringify(k.config)}`,
    `feed ${k.chunking.feed}${k.chunking.pad ? `, views at offset ${k.chunking.pad}` : ''}; chunks ${runs.join(' ').slice(0, 300)}`,
    `input (${input.length} bytes) ${short(hex(input), 512)}`,
    `segments ${JSON.stringify(k.segments).slice(0, 600)}`,
  ].join('\n  ');
}

/**
 * Bytes the engine may scan: each byte about once, plus rescans that do not grow
 * with the input:
 * - delimiters: the start of a possible delimiter (fewer than L bytes, L the
 *   longest delimiter) is scanned again with the next chunk or window;
 * - length field: a scan call rescans at most the field (10 bytes), except that a
 *   header still being completed (lengthFieldOffset + field: L bytes) is scanned
 *   again once the smallest header has arrived and then once per varint byte,
 *   and at each window boundary: at most 10 scans of L per frame or window.
 *   (Before a880980 every chunk rescanned the whole carried header.)
 */
function scanBound(c: Config, n: number, calls: number, frames: number, limited = false): number {
  const L = bounds(c).header;
  const windows = Math.ceil(n / WINDOW) + 2;
  // A call limited by maxFrames (n from 1 to 7) may also scan its first window
  // (8 bytes a frame, or two delimiters' worth) past the frames it takes, and
  // doubling it while they are not found scans up to the input once more.
  const extra = limited ? n + (56 + 2 * L) * calls : 0;
  if (c.scheme === 'length') return 2 * n + 2 * 10 * (calls + windows) + 2 * L * 10 * (frames + windows) + extra;
  return 2 * n + 2 * L * (calls + windows + Math.ceil(frames / OUT_CAP)) + extra;
}

/**
 * Bytes the decoder may copy into linear memory: as scanned, plus a window
 * (64 KiB) each time a scan stops because OUT_CAP (8192) frames filled its
 * results, since the next scan stages a new window from there: at most 8 copies
 * of a byte when every byte ends a frame. (Before a880980, a length-field decoder
 * with onTooLong: 'skip' also staged a new window after every discarded frame.)
 */
function stageBound(c: Config, n: number, calls: number, frames: number, limited = false): number {
  return scanBound(c, n, calls, frames, limited) + Math.ceil(frames / OUT_CAP) * WINDOW;
}

/**
 * Runs one case through every engine (and, for a share of cases, with the engine
 * swapped between chunks) and checks the invariants listed at the top of this file.
 * Throws a Violation naming the broken one, with a reproducer.
 */
export async function checkCase(k: Case, profile: Profile, cap = profile.maxInput): Promise<void> {
  const input = buildInput(k, cap);
  const chunks = buildChunks(k, input, profile);
  const want = reference(k.config, input);
  const fail = (engineName: string, what: string): never => {
    throw new Violation(`${what}\n  engine ${engineName}\n  ${describeCase(k, input, chunks)}`);
  };
  totals.cases++;
  let first: string | null = null;
  const b = bounds(k.config);
  const memLimit = memoryBound(k.config);
  const n = input.length;
  const frames = want.stats.frames + want.stats.discardedFrames;
  for (const name of ENGINES) {
    await useEngine(name);
    work.scanned = work.staged = 0;
    // Hard budgets (the bounds with the most frames possible, times ten): a runaway loop fails here instead of hanging.
    // (The 'limited' feed makes a call per frame at most, besides one per chunk.)
    const limited = k.chunking.feed === 'limited' || k.chunking.feed === 'switch';
    const calls = chunks.length + 1 + (limited ? n + 1 : 0);
    work.budget = 10 * scanBound(k.config, n, calls, n + 1, limited) + 1_000_000;
    work.stageBudget = 10 * stageBound(k.config, n, calls, n + 1, limited) + 1_000_000;
    const sink = { list: [] as Outcome['discards'] };
    const base = { at: 0 };
    const d = makeDecoder(k.config, (bytes, offset) => sink.list.push({ bytes, offset: offset + base.at }));
    // With 'prefix', a new stream's first frame is what precedes its first delimiter:
    // handed over at a stop, the bytes would give an extra empty frame. Stops only.
    const feed = k.chunking.feed === 'switch' && isPrefix(k.config) ? 'limited' : k.chunking.feed;
    const g = new Guard(d, b, memLimit, feed, base);
    const mode = k.chunking.feed === 'each' ? true : k.chunking.feed === 'ranges' ? 'ranges' : false;
    let got: Outcome;
    try {
      got = observe(k.config, g, chunks, sink.list, mode);
    } catch (e) {
      fail(
        name,
        e instanceof Violation
          ? e.message
          : `threw something other than a FramingError: ${e instanceof Error ? e.stack : String(e)}`,
      );
    }
    totals.runs++;
    totals.bytes += n;
    totals.frames += got!.stats.frames;
    totals.chunks += chunks.length;
    if (got!.error) totals.errors++;
    if (g.maxBuffered > totals.maxBuffered) totals.maxBuffered = g.maxBuffered;
    // Text under the 'switch' feed: a BOM where the rest was handed over starts a new stream's.
    const expected = k.config.scheme === 'text' && g.streams.length > 0 ? reference(k.config, input, g.streams) : want;
    const diff = difference(got!, expected);
    if (diff) fail(name, `outcome differs from the reference model: ${diff}`);
    const sum = digest(got!);
    if (first === null) first = sum;
    else if (sum !== first) fail(name, "outcome differs from the js engine's");
    const scanned = scanBound(k.config, n, g.calls, frames, limited);
    if (work.scanned > scanned)
      fail(
        name,
        `scanned ${work.scanned} bytes for a ${n}-byte input in ${g.calls} calls: over the linear bound ${scanned}`,
      );
    const staged = stageBound(k.config, n, g.calls, frames, limited);
    if (work.staged > staged)
      fail(
        name,
        `staged ${work.staged} bytes for a ${n}-byte input in ${g.calls} calls: over the linear bound ${staged}`,
      );
    if (n >= WINDOW) {
      const what = () =>
        `${k.config.scheme}, longest header/delimiter ${b.header} B, ${n} B in ${chunks.length} chunks`;
      if (work.scanned / n > totals.maxScanRatio) {
        totals.maxScanRatio = work.scanned / n;
        totals.maxScanCase = what();
      }
      if (work.staged / n > totals.maxStageRatio) {
        totals.maxStageRatio = work.staged / n;
        totals.maxStageCase = what() + (k.config.scheme === 'length' ? `, onTooLong ${k.config.onTooLong}` : '');
      }
    }
    work.budget = work.stageBudget = Infinity;
    afterRun(k.config, d, g, got!, want, input, (what) => fail(name, what));
  }
  if (rng(k.segments[0]?.seed ?? 0)(1000) < profile.swapShare * 1000) await swapped(k, chunks, want, fail);
}

/** Failed state, end() resets, reuse after reset() gives the same frames, free(). */
function afterRun(
  c: Config,
  d: FrameDecoder<Frame>,
  g: Guard,
  got: Outcome,
  want: Outcome,
  input: Uint8Array,
  fail: (what: string) => never,
): void {
  const code = got.error?.code;
  const throwsCode = (what: string, f: () => unknown) => {
    let threw: unknown = null;
    try {
      f();
    } catch (e) {
      threw = e;
    }
    if (threw === null) fail(`${what} did not throw ${code}`);
    if (!(threw instanceof FramingError) || threw.code !== code) fail(`${what} threw ${String(threw)}, not ${code}`);
  };
  if (code !== undefined && g.failedInDecode) {
    // A fatal error from decode(): the decoder is failed until reset() or end().
    throwsCode('decode() on a failed decoder', () => d.decode(Uint8Array.of(0)));
    throwsCode('end() on a failed decoder', () => d.end());
    try {
      d.decode(new Uint8Array(0));
    } catch (e) {
      fail(`end() did not reset the failed decoder: decode() then threw ${String(e)}`);
    }
  }
  if (d.buffered !== 0) fail(`buffered is ${d.buffered} after end()`);
  // The same bytes again, in one chunk, after reset(): the same frames and error.
  d.reset();
  const before = { ...d.stats };
  const again = observe(c, d, [input.slice()], []);
  const diff = difference({ ...again, stats: want.stats, discards: want.discards }, want);
  if (diff) fail(`after reset(), the same input gives another outcome: ${diff}`);
  for (const key of Object.keys(before) as (keyof typeof before)[]) {
    if (again.stats[key] - before[key] !== want.stats[key])
      fail(`stats.${key} did not accumulate over reset(): ${before[key]} then ${again.stats[key]}`);
  }
  d.free();
  if (d.buffered !== 0) fail('a freed decoder reports buffered bytes');
  let threw: unknown = null;
  try {
    d.decode(Uint8Array.of(1));
  } catch (e) {
    threw = e;
  }
  if (!(threw instanceof FramingError) || threw.code !== 'ERR_DECODER_FREED')
    fail(`decode() after free() gave ${String(threw)}, not ERR_DECODER_FREED`);
}

/** The stream fed with the engine replaced (a fresh instance of the next engine) every few chunks. */
async function swapped(
  k: Case,
  chunks: Uint8Array[],
  want: Outcome,
  fail: (engine: string, what: string) => never,
): Promise<void> {
  const every = Math.max(1, Math.ceil(chunks.length / 12));
  const d = makeDecoder(k.config, () => {});
  const frames: string[] = [];
  let error: string | undefined;
  let e = 0;
  try {
    for (let i = 0; i < chunks.length; i++) {
      if (i % every === 0) await useEngine(ENGINES[e++ % ENGINES.length]);
      for (const f of d.decode(chunks[i])) frames.push(show(f));
    }
    for (const f of d.end()) frames.push(show(f));
  } catch (x) {
    if (!(x instanceof FramingError)) fail('swapped', `threw something other than a FramingError: ${String(x)}`);
    for (const f of x.frames as Frame[]) frames.push(show(f));
    error = x.code;
  }
  const diff = difference(
    { ...want, frames, error: error === undefined ? undefined : { ...want.error!, code: error } },
    want,
  );
  if (diff) fail(`swapped every ${every} chunks`, `outcome differs from the reference model: ${diff}`);
}
