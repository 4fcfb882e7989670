// Shared test harness: feeds a decoder the same bytes under any chunking and
// records everything a user can observe (frames, the error, stats, onDiscard
// calls), so that tests compare whole outcomes with a reference model.
import fc from 'fast-check';
import type { FrameDecoder, FrameStats } from '../src/index.js';
import { FramingError } from '../src/index.js';

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const bytes = (s: string) => enc.encode(s);
export const text = (frames: Uint8Array[]) => frames.map((f) => dec.decode(f));
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface Outcome {
  frames: string[]; // hex, for readable diffs
  error?: { code: string; offset?: number; partial?: string };
  stats: FrameStats;
  discards: { bytes: number; offset: number }[];
}

type DecodeRanges = (
  chunk: Uint8Array,
  onFrames: (bytes: Uint8Array, offsets: Int32Array, count: number) => void,
) => number;

/** How a test feeds chunks: decode(), decodeEach() or decodeRanges(). */
export const feedMode = fc.constantFrom<boolean | 'ranges'>(false, true, 'ranges');

/** Cuts `input` at the given positions (sorted, deduplicated, inside the input). */
export function cut(input: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < input.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(input.slice(from, p));
    from = p;
  }
  chunks.push(input.slice(from));
  return chunks;
}

/** Every byte its own chunk. */
export const bytewise = (input: Uint8Array) => Array.from(input, (b) => Uint8Array.of(b));

/**
 * Runs a decoder over chunks, then end(). Records frames as they arrive and checks
 * afterwards that none changed (returned frames must be stable). `each` uses
 * decodeEach (frames copied during the callback, as its contract requires).
 */
export function run(
  decoder: FrameDecoder,
  chunks: Uint8Array[],
  discards: Outcome['discards'] = [],
  mode: boolean | 'ranges' = false,
): Outcome {
  const each = mode !== false;
  const got: Uint8Array[] = [];
  const snapshots: string[] = [];
  const keep = (fs: Uint8Array[]) => {
    for (const f of fs) {
      got.push(f);
      snapshots.push(hex(f));
    }
  };
  let error: Outcome['error'];
  const record = (e: unknown) => {
    if (!(e instanceof FramingError)) throw e;
    keep(e.frames);
    error = { code: e.code, offset: e.offset };
    if ('partial' in e) error.partial = hex((e as { partial: Uint8Array }).partial);
  };
  for (const chunk of chunks) {
    const seen: Uint8Array[] = [];
    try {
      if (mode === 'ranges') {
        const n = (decoder as FrameDecoder & { decodeRanges: DecodeRanges }).decodeRanges(
          chunk,
          (b, offsets, count) => {
            for (let i = 0; i < count; i++) seen.push(b.slice(offsets[2 * i], offsets[2 * i + 1]));
          },
        );
        if (n !== seen.length) throw new Error(`decodeRanges returned ${n} but passed ${seen.length} frames`);
        keep(seen);
      } else if (each) {
        const n = decoder.decodeEach(chunk, (f) => seen.push(f.slice()));
        if (n !== seen.length) throw new Error(`decodeEach returned ${n} but passed ${seen.length} frames`);
        keep(seen);
      } else {
        keep(decoder.decode(chunk));
      }
    } catch (e) {
      if (each && e instanceof FramingError) {
        // decodeEach/decodeRanges passed the frames before the fault already.
        keep(seen);
        if (e.frames.length) throw new Error('decodeEach error carries frames it already delivered');
      }
      record(e);
      break;
    }
  }
  if (!error) {
    try {
      keep(decoder.end());
    } catch (e) {
      record(e);
    }
  }
  const now = got.map(hex);
  for (let k = 0; k < now.length; k++) {
    if (!each && now[k] !== snapshots[k])
      throw new Error(`frame ${k} changed after it was returned: ${snapshots[k]} -> ${now[k]}`);
  }
  return { frames: snapshots, error, stats: { ...decoder.stats }, discards };
}

/** A chunking of an input of length n: whole, byte by byte, or random cuts. */
export const chunking = (n: number) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<number[] | 'bytes'>([]) },
    { weight: 1, arbitrary: fc.constant<number[] | 'bytes'>('bytes') },
    { weight: 4, arbitrary: fc.array(fc.integer({ min: 0, max: Math.max(n, 1) }), { maxLength: 12 }) },
  );

export const apply = (input: Uint8Array, how: number[] | 'bytes') =>
  how === 'bytes' ? bytewise(input) : cut(input, how);

/** Expect a FramingError of this class and code whose message matches. */
export function expectError(
  fn: () => unknown,
  cls: new (...a: never[]) => FramingError,
  code: string,
  message?: RegExp,
): FramingError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof cls))
      throw new Error(`expected ${cls.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    if ((e as FramingError).code !== code) throw new Error(`expected code ${code}, got ${(e as FramingError).code}`);
    if (message && !message.test((e as Error).message))
      throw new Error(`message ${JSON.stringify((e as Error).message)} does not match ${message}`);
    return e as FramingError;
  }
  throw new Error(`expected ${cls.name} (${code}), nothing was thrown`);
}
