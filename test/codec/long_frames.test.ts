// Long frames take other paths than short ones: a length field's headers are read
// in place once frames average 128 bytes, lines and one-byte delimiters are found
// in place by the runtime's search once they average 1 KiB (at 64 B on the js
// engine), and a frame that spans chunks is assembled in its own buffer once its
// length is known. These properties mix long and short frames, so that decoders
// switch between the paths mid-stream, under random chunkings, against the
// reference models; and stopping after n frames (maxFrames) changes nothing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  FixedLengthDecoder,
  type FrameDecoder,
  LengthFieldDecoder,
  LineDecoder,
} from '../../src/index.js';
import { useEngine } from '../../src/engine/index.js';
import { apply, chunking, feedMode, hex, run } from '../_harness.js';
import { lengthField, refDelimiter, refFixed, refLengthField, type RefLengthOptions } from '../_reference.js';

useEngine();

/** Lengths: mostly long (up to 3 KiB), some short, so that the mean crosses the thresholds both ways. */
const frameLength = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 128, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) },
);

/** Chunkings of long inputs: as `chunking`, plus many cuts (MSS-sized reads and smaller). */
const longChunking = (n: number) =>
  fc.oneof(
    { weight: 2, arbitrary: chunking(n) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: Math.max(n, 1) }), { maxLength: 60 }) },
  );

/**
 * Feeds the chunks with limited calls (random maxFrames), after each chunk pulling
 * with no chunk until a call returns nothing, as a caller that drains a decoder
 * does; returns the frames each chunk's pulls gave, then end()'s.
 */
function runLimited(decoder: FrameDecoder, chunks: Uint8Array[], limits: number[]): string[][] {
  const out: string[][] = [];
  let k = 0;
  for (const chunk of chunks) {
    const frames: string[] = [];
    let got = decoder.decode(chunk, { maxFrames: limits[k++ % limits.length] });
    frames.push(...got.map(hex));
    while (got.length > 0) {
      got = decoder.decode(undefined, { maxFrames: limits[k++ % limits.length] });
      frames.push(...got.map(hex));
    }
    out.push(frames);
  }
  out.push(decoder.end().map(hex));
  return out;
}

/** The frames each chunk completes with unlimited calls, then end()'s. */
function runUnlimited(decoder: FrameDecoder, chunks: Uint8Array[]): string[][] {
  return [...chunks.map((c) => decoder.decode(c).map(hex)), decoder.end().map(hex)];
}

const lengthOptions = fc.record({
  lengthFieldOffset: fc.integer({ min: 0, max: 2 }),
  lengthFieldLength: fc.constantFrom<RefLengthOptions['lengthFieldLength']>(2, 3, 4, 'varint'),
  byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
  lengthAdjustment: fc.integer({ min: -4, max: 4 }),
  initialBytesToStrip: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  maxFrameLength: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(8 * 1024 * 1024)),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
  trailing: fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
  failFast: fc.boolean(),
});

/** Well-formed frames of the given payload lengths, then maybe garbage. */
function lengthStream(o: RefLengthOptions, lengths: number[], garbage: Uint8Array): Uint8Array {
  const parts: number[] = [];
  lengths.forEach((n, k) => {
    for (let j = 0; j < o.lengthFieldOffset; j++) parts.push(0xa0 + j);
    parts.push(...lengthField(o, Math.max(0, n - o.lengthAdjustment)));
    for (let j = 0; j < n; j++) parts.push((k * 31 + j) & 0xff);
  });
  return Uint8Array.from([...parts, ...garbage]);
}

/** Lines of the given lengths, ending in \n or \r\n (or a one-byte delimiter), with stray \r inside. */
function lineStream(lengths: number[], crlf: boolean[], delimiter: number): Uint8Array {
  const parts: number[] = [];
  lengths.forEach((n, k) => {
    for (let j = 0; j < n; j++) parts.push(j % 97 === 5 ? 0x0d : 0x61 + ((k + j) % 26));
    if (delimiter === 0x0a && crlf[k % crlf.length]) parts.push(0x0d);
    parts.push(delimiter);
  });
  return Uint8Array.from(parts);
}

describe('long frames: the reference outcome under any chunking', () => {
  test('LengthFieldDecoder', () => {
    fc.assert(
      fc.property(
        lengthOptions,
        fc.array(frameLength, { maxLength: 12 }),
        fc.uint8Array({ maxLength: 8 }),
        fc.nat(),
        (o, lengths, garbage, cutAt) => {
          let input = lengthStream(o, lengths, garbage);
          if (cutAt % 3 === 0) input = input.slice(0, cutAt % (input.length + 1));
          return fc.assert(
            fc.property(longChunking(input.length), feedMode, (how, each) => {
              const discards: { bytes: number; offset: number }[] = [];
              const d = new LengthFieldDecoder({
                ...o,
                onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }),
              });
              expect(run(d, apply(input, how), discards, each)).toEqual(refLengthField(input, o));
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('LineDecoder and a one-byte DelimiterDecoder', () => {
    fc.assert(
      fc.property(
        fc.array(frameLength, { maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(0x0a, 0x00),
        fc.constantFrom<'discard' | 'suffix'>('discard', 'suffix'),
        fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(8 * 1024 * 1024)),
        fc.integer({ min: 0, max: 5 }),
        (lengths, crlf, delimiter, disposition, maxFrameLength, tail) => {
          const input = Uint8Array.from([...lineStream(lengths, crlf, delimiter), ...new Array(tail).fill(0x0d)]);
          const lines = delimiter === 0x0a;
          const ref = refDelimiter(input, {
            delimiters: lines ? [Uint8Array.of(0x0a), Uint8Array.of(0x0d, 0x0a)] : [Uint8Array.of(delimiter)],
            disposition,
            maxFrameLength,
            onTooLong: 'skip',
            trailing: 'emit',
          });
          fc.assert(
            fc.property(longChunking(input.length), feedMode, (how, each) => {
              const discards: { bytes: number; offset: number }[] = [];
              const limits = {
                maxFrameLength,
                onTooLong: 'skip' as const,
                onDiscard: (i: { bytes: number; offset: number }) =>
                  discards.push({ bytes: i.bytes, offset: i.offset }),
              };
              const d = lines
                ? new LineDecoder({ ...limits, keepLineEnding: disposition === 'suffix' })
                : new DelimiterDecoder({ ...limits, delimiter: Uint8Array.of(delimiter), disposition });
              expect(run(d, apply(input, how), discards, each)).toEqual(ref);
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a DelimiterDecoder with one multi-byte delimiter (found with the native search once frames are long)', () => {
    const needles = ['\r\n', '\r\n\r\n', 'aab', 'abcab'];
    fc.assert(
      fc.property(
        fc.constantFrom(...needles),
        fc.array(frameLength, { maxLength: 10 }),
        fc.nat(),
        fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(8 * 1024 * 1024)),
        (needle, lengths, seed, maxFrameLength) => {
          const delimiter = new TextEncoder().encode(needle);
          // Content of the delimiter's own bytes (so that it occurs partly, and overlapping), then the delimiter.
          const alphabet = [...new Set([...delimiter, 0x78])];
          const parts: number[] = [];
          let x = seed | 1;
          for (const n of lengths) {
            for (let j = 0; j < n; j++) {
              x = (x * 1103515245 + 12345) >>> 0;
              parts.push(alphabet[(x >>> 16) % alphabet.length]);
            }
            parts.push(...delimiter);
          }
          const input = Uint8Array.from(parts);
          const ref = refDelimiter(input, {
            delimiters: [delimiter],
            disposition: 'discard',
            maxFrameLength,
            onTooLong: 'skip',
            trailing: 'emit',
          });
          fc.assert(
            fc.property(longChunking(input.length), feedMode, (how, each) => {
              const discards: { bytes: number; offset: number }[] = [];
              const d = new DelimiterDecoder({
                delimiter,
                maxFrameLength,
                onTooLong: 'skip',
                onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }),
              });
              expect(run(d, apply(input, how), discards, each)).toEqual(ref);
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('FixedLengthDecoder: long records across many reads', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 12000 }),
        fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
        (size, n, trailing) => {
          const input = Uint8Array.from({ length: n }, (_, k) => (k * 7) & 0xff);
          fc.assert(
            fc.property(longChunking(n), feedMode, (how, each) => {
              const got = run(new FixedLengthDecoder({ frameLength: size, trailing }), apply(input, how), [], each);
              expect(got).toEqual(refFixed(input, size, trailing));
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('long frames: limited calls (maxFrames), drained after each chunk, return what unlimited calls return', () => {
  const limits = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });

  test('LengthFieldDecoder and LineDecoder', () => {
    fc.assert(
      fc.property(
        fc.array(frameLength, { maxLength: 12 }),
        fc.boolean(),
        limits,
        fc.nat(),
        (lengths, lines, lim, seed) => {
          const o: RefLengthOptions = {
            lengthFieldOffset: 0,
            lengthFieldLength: 4,
            byteOrder: 'big',
            lengthAdjustment: 0,
            maxFrameLength: 8 * 1024 * 1024,
            onTooLong: 'error',
            trailing: 'emit',
          };
          const input = lines
            ? lineStream(lengths, [seed % 2 === 0], 0x0a)
            : lengthStream(o, lengths, new Uint8Array(0));
          const make = (): FrameDecoder =>
            lines
              ? new LineDecoder({ maxFrameLength: 2000, onTooLong: 'skip' })
              : new LengthFieldDecoder({ ...o, maxFrameLength: 2000, onTooLong: 'skip' });
          const cuts = Array.from(
            { length: (seed % 40) + 1 },
            (_, k) => ((seed >>> 3) * (k + 1) * 2654435761) % (input.length + 1),
          );
          const chunks = apply(input, cuts);
          // Drained after each chunk, the limited calls give what the unlimited ones give, chunk by chunk.
          expect(runLimited(make(), chunks, lim)).toEqual(runUnlimited(make(), chunks));
        },
      ),
      { numRuns: 400 },
    );
  });
});
