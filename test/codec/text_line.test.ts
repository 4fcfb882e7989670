// TextLineDecoder (SPEC section 5): LineDecoder's lines, decoded from UTF-8. The
// reference splits the whole input naively (leftmost-longest, as refDelimiter,
// but keeping where each line starts), then decodes each line alone with
// TextDecoder: the first line of the stream with WHATWG's own BOM handling
// (ignoreBOM: false), every other line with ignoreBOM: true.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FrameTooLongError,
  FramingError,
  type FrameStats,
  InvalidDataError,
  InvalidOptionError,
  LineDecoder,
  TextLineDecoder,
  type TextLineDecoderOptions,
  TruncatedFrameError,
} from '../../src/index.js';
import { apply, chunking, expectError as expectAnyError, hex } from '../_harness.js';
import { refDelimiter } from '../_reference.js';

const enc = new TextEncoder();
const u8 = (...parts: (string | ArrayLike<number>)[]) =>
  Uint8Array.from(parts.flatMap((p) => Array.from(typeof p === 'string' ? enc.encode(p) : p)));
const BOM = [0xef, 0xbb, 0xbf];

/** The harness's expectError, typed for errors whose frames are strings too. */
function expectError<E extends FramingError<unknown>>(
  fn: () => unknown,
  cls: new (...a: never[]) => E,
  code: string,
  message?: RegExp,
): E {
  return expectAnyError(fn, cls as unknown as new (...a: never[]) => FramingError, code, message) as unknown as E;
}

type Trailing = 'error' | 'emit' | 'drop';

interface RefOptions {
  allowCR: boolean;
  keepLineEnding: boolean;
  trailing: Trailing;
  maxFrameLength: number;
  onTooLong: 'error' | 'skip';
  fatal: boolean;
}

interface TextOutcome {
  lines: string[];
  error?: { code: string; offset?: number; partial?: string };
  stats: FrameStats;
  discards: { bytes: number; offset: number }[];
}

const DEFAULTS: RefOptions = {
  allowCR: false,
  keepLineEnding: false,
  trailing: 'emit',
  maxFrameLength: 8 * 1024 * 1024,
  onTooLong: 'error',
  fatal: false,
};

/** The lines of `input` as LineDecoder cuts them, each with the stream offset where it starts. */
function refSplit(input: Uint8Array, o: RefOptions) {
  const n = input.length;
  const lines: { start: number; bytes: Uint8Array }[] = [];
  const discards: { bytes: number; offset: number }[] = [];
  let error: TextOutcome['error'];
  let dropped = 0; // bytes of a trailing line dropped by trailing: 'drop'
  const endingAt = (p: number) => {
    if (input[p] === 0x0a) return 1;
    if (input[p] === 0x0d && input[p + 1] === 0x0a) return 2;
    if (input[p] === 0x0d && o.allowCR) return 1; // a lone \r (a \r at the very end of the stream too)
    return 0;
  };
  let start = 0;
  let p = 0;
  while (p < n) {
    const dl = endingAt(p);
    if (dl === 0) {
      p++;
      continue;
    }
    if (p - start > o.maxFrameLength) {
      if (o.onTooLong === 'error') {
        error = { code: 'ERR_FRAME_TOO_LONG', offset: start };
        return { lines, discards, error, dropped };
      }
      discards.push({ bytes: p + dl - start, offset: start });
    } else {
      lines.push({ start, bytes: input.slice(start, o.keepLineEnding ? p + dl : p) });
    }
    p += dl;
    start = p;
  }
  if (start < n) {
    if (n - start > o.maxFrameLength) {
      if (o.onTooLong === 'error') error = { code: 'ERR_FRAME_TOO_LONG', offset: start };
      else discards.push({ bytes: n - start, offset: start });
    } else if (o.trailing === 'emit') lines.push({ start, bytes: input.slice(start) });
    else if (o.trailing === 'drop') dropped = n - start;
    else error = { code: 'ERR_TRUNCATED_FRAME', offset: start, partial: hex(input.slice(start)) };
  }
  return { lines, discards, error, dropped };
}

function refTextLines(input: Uint8Array, o: RefOptions): TextOutcome {
  const split = refSplit(input, o);
  // The splitting itself is refDelimiter's (test/_reference.ts).
  const byRef = refDelimiter(input, {
    delimiters: o.allowCR ? [u8('\n'), u8('\r\n'), u8('\r')] : [u8('\n'), u8('\r\n')],
    disposition: o.keepLineEnding ? 'suffix' : 'discard',
    maxFrameLength: o.maxFrameLength,
    onTooLong: o.onTooLong,
    trailing: o.trailing,
  });
  expect(split.lines.map((l) => hex(l.bytes))).toEqual(byRef.frames);
  expect(split.error).toEqual(byRef.error);
  expect(split.discards).toEqual(byRef.discards);

  const out: TextOutcome = {
    lines: [],
    stats: { frames: 0, bytes: 0, discardedFrames: 0, discardedBytes: 0 },
    discards: [],
  };
  let error = split.error;
  let badAt = Infinity;
  for (const line of split.lines) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: o.fatal, ignoreBOM: line.start !== 0 }).decode(line.bytes);
    } catch {
      error = { code: 'ERR_INVALID_DATA', offset: line.start };
      badAt = line.start;
      break;
    }
    out.lines.push(text);
    out.stats.frames++;
    out.stats.bytes += line.bytes.length;
  }
  for (const d of split.discards) {
    if (d.offset > badAt) break;
    out.discards.push(d);
    out.stats.discardedFrames++;
    out.stats.discardedBytes += d.bytes;
  }
  if (split.dropped > 0 && badAt === Infinity) {
    out.stats.discardedFrames++;
    out.stats.discardedBytes += split.dropped;
  }
  if (error) out.error = error;
  return out;
}

type Feed = 'decode' | 'each' | 'limited' | 'arraybuffer';

/**
 * Feeds chunks, then end(), recording what a user sees. 'limited' takes at most
 * n lines per call (n = 1, 2, 3, 7 by turns) and pulls on from the held bytes
 * with decode() until a call comes back short.
 */
function runText(make: (o: TextLineDecoderOptions) => TextLineDecoder, chunks: Uint8Array[], feed: Feed): TextOutcome {
  const discards: TextOutcome['discards'] = [];
  const d = make({ onDiscard: ({ bytes, offset }) => discards.push({ bytes, offset }) });
  const lines: string[] = [];
  let error: TextOutcome['error'];
  let calls = 0;
  const record = (e: unknown) => {
    if (!(e instanceof FramingError)) throw e;
    if (feed === 'each') expect(e.frames).toEqual([]);
    else lines.push(...(e.frames as string[]));
    error = { code: e.code, offset: e.offset };
    if (e instanceof TruncatedFrameError) error.partial = hex(e.partial);
  };
  for (const chunk of chunks) {
    try {
      if (feed === 'each') {
        const before = lines.length;
        try {
          const n = d.decodeEach(chunk, (line) => lines.push(line));
          expect(n).toBe(lines.length - before);
        } catch (e) {
          record(e);
          break;
        }
      } else if (feed === 'limited') {
        const n = [1, 2, 3, 7][calls++ % 4];
        let got = d.decode(chunk, { maxFrames: n });
        lines.push(...got);
        while (got.length === n) {
          got = d.decode(undefined, { maxFrames: n });
          lines.push(...got);
        }
      } else if (feed === 'arraybuffer') {
        lines.push(...d.decode(chunk.slice().buffer));
      } else {
        lines.push(...d.decode(chunk));
      }
    } catch (e) {
      record(e);
      break;
    }
  }
  if (!error) {
    try {
      lines.push(...d.end());
    } catch (e) {
      record(e);
    }
  }
  for (const line of lines) expect(typeof line).toBe('string');
  return { lines, error, stats: { ...d.stats }, discards };
}

const feedArb = fc.constantFrom<Feed>('decode', 'decode', 'each', 'limited', 'arraybuffer');

// Pieces of input: line endings, text, every kind of UTF-8 trouble.
const PIECES: number[][] = [
  [0x0a],
  [0x0d],
  [0x0d, 0x0a],
  [0x0a],
  [0x61],
  [0x62, 0x63],
  [0x20],
  BOM,
  [0xc3, 0xa9], // é
  [0xe2, 0x82, 0xac], // €
  [0xf0, 0x9f, 0x98, 0x80], // 😀
  [0xc3], // truncated é
  [0xe2, 0x82], // truncated €
  [0xf0, 0x9f, 0x98], // truncated 😀
  [0x80], // lone continuation
  [0xbf],
  [0xff],
  [0xc0, 0x80], // overlong
  [0xe0, 0x80, 0x80], // overlong
  [0xed, 0xa0, 0x80], // surrogate
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
];

const inputArb = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((a) => Array.from(a)) },
      ),
      { maxLength: 40 },
    ),
  )
  .map(([bom, pieces]) => Uint8Array.from([...(bom ? BOM : []), ...pieces.flat()]));

const optionsArb = fc.record({
  allowCR: fc.boolean(),
  keepLineEnding: fc.boolean(),
  trailing: fc.constantFrom<Trailing>('emit', 'emit', 'drop', 'error'),
  maxFrameLength: fc.oneof(fc.constant(DEFAULTS.maxFrameLength), fc.integer({ min: 0, max: 12 })),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
  fatal: fc.boolean(),
  failFast: fc.boolean(),
});

describe('TextLineDecoder against the reference', () => {
  test('random bytes (invalid and truncated UTF-8, BOMs, CR/LF), any chunking, every feed', () => {
    fc.assert(
      fc.property(
        inputArb.chain((input) => fc.tuple(fc.constant(input), optionsArb, chunking(input.length), feedArb)),
        ([input, o, how, feed]) => {
          const got = runText((extra) => new TextLineDecoder({ ...o, ...extra }), apply(input, how), feed);
          expect(got).toEqual(refTextLines(input, o));
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('long runs of lines in large chunks (the decode-once-and-slice paths)', () => {
    // Runs of many lines per chunk: pure ASCII (sliced by byte offsets), with
    // multi-byte characters (cut at line endings), and with invalid bytes.
    const lineArb = fc.oneof(
      fc.stringMatching(/^[a-z ]{0,70}$/),
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
      fc.constantFrom('', 'é', '😀😀', '\uFEFF', 'a\rb'),
    );
    const bodyArb = fc.array(
      fc.tuple(
        fc.oneof(
          lineArb.map((s) => Array.from(enc.encode(s))),
          fc.constantFrom([0xff], [0x61, 0xc3], [0xe2, 0x82], [0x80, 0x61]),
        ),
        fc.constantFrom([0x0a], [0x0d, 0x0a], [0x0d]),
      ),
      { minLength: 1, maxLength: 300 },
    );
    fc.assert(
      fc.property(
        bodyArb,
        optionsArb,
        fc.integer({ min: 1, max: 4096 }),
        fc.constantFrom<Feed>('decode', 'limited'),
        (body, o, size, feed) => {
          const input = Uint8Array.from(body.flatMap(([line, ending]) => [...line, ...ending]));
          const opts = { ...o, maxFrameLength: Math.max(o.maxFrameLength, 64) };
          const chunks: Uint8Array[] = [];
          for (let at = 0; at < input.length; at += size) chunks.push(input.slice(at, at + size));
          const got = runText((extra) => new TextLineDecoder({ ...opts, ...extra }), chunks, feed);
          expect(got).toEqual(refTextLines(input, opts));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TextLineDecoder fixtures', () => {
  const lines = (d: TextLineDecoder, ...chunks: (string | ArrayLike<number>)[]) => [
    ...chunks.flatMap((c) => d.decode(u8(c))),
    ...d.end(),
  ];

  test('splits as LineDecoder: \\n and \\r\\n, empty lines kept, the last line at end()', () => {
    expect(lines(new TextLineDecoder(), 'one\r\ntwo\n\nthree')).toEqual(['one', 'two', '', 'three']);
    expect(lines(new TextLineDecoder({ keepLineEnding: true }), 'a\r\nb\n')).toEqual(['a\r\n', 'b\n']);
    expect(lines(new TextLineDecoder(), 'a\rb\n')).toEqual(['a\rb']);
    expect(lines(new TextLineDecoder({ allowCR: true }), 'a\rb\r', '\nc\r')).toEqual(['a', 'b', 'c']);
  });

  test('a multi-byte character split across chunks', () => {
    const d = new TextLineDecoder();
    expect(d.decode(u8([0xe2]))).toEqual([]); // € (1/3)
    expect(d.decode(u8([0x82]))).toEqual([]); // € (2/3)
    expect(d.buffered).toBe(2);
    expect(d.decode(u8([0xac, 0x0a]))).toEqual(['€']); // € (3/3), then \n
  });

  test('a BOM at the start of the stream is dropped, also split over three chunks', () => {
    expect(lines(new TextLineDecoder(), [...BOM, 0x61, 0x0a, ...BOM, 0x62])).toEqual(['a', '\uFEFFb']);
    expect(lines(new TextLineDecoder(), [0xef], [0xbb], [0xbf, 0x61, 0x0a])).toEqual(['a']);
    // Only one is dropped, as TextDecoder drops one.
    expect(lines(new TextLineDecoder(), [...BOM, ...BOM, 0x61])).toEqual(['\uFEFFa']);
    // A stream of a BOM alone is one empty line (LineDecoder returns its three bytes as the last line).
    expect(lines(new TextLineDecoder(), BOM)).toEqual(['']);
    // The start of a BOM is not a BOM.
    expect(lines(new TextLineDecoder(), [0xef, 0xbb, 0x0a])).toEqual(['\uFFFD']);
  });

  test('end(), reset() and takeBuffered() start a new stream, whose BOM is dropped again', () => {
    const d = new TextLineDecoder();
    expect(lines(d, [...BOM, 0x61, 0x0a])).toEqual(['a']); // lines() ends the stream
    expect(lines(d, [...BOM, 0x62, 0x0a])).toEqual(['b']);
    expect(d.decode(u8([...BOM, 0x63, 0x0a, ...BOM]))).toEqual(['c']);
    d.reset();
    expect(d.decode(u8([...BOM, 0x64, 0x0a]))).toEqual(['d']);
    expect(d.decode(u8('x\ny'), { maxFrames: 1 })).toEqual(['x']);
    expect(Array.from(d.takeBuffered())).toEqual(Array.from(u8('y')));
    expect(d.decode(u8([...BOM, 0x65, 0x0a]))).toEqual(['e']);
  });

  test('a BOM in a first line that onTooLong: skip drops is dropped with it; the next line keeps its own', () => {
    const d = new TextLineDecoder({ maxFrameLength: 4, onTooLong: 'skip' });
    expect(lines(d, [...BOM, ...u8('toolong\n'), ...BOM, 0x61, 0x0a])).toEqual(['\uFEFFa']);
    expect(d.stats).toEqual({ frames: 1, bytes: 4, discardedFrames: 1, discardedBytes: 11 });
  });

  test('invalid UTF-8 becomes U+FFFD as TextDecoder replaces it', () => {
    const input = u8([0x61, 0xc3, 0x28, 0x0a, 0xf0, 0x9f, 0x98, 0x0a, 0xed, 0xa0, 0x80, 0xff]);
    expect(lines(new TextLineDecoder(), input)).toEqual(['a\uFFFD(', '\uFFFD', '\uFFFD\uFFFD\uFFFD\uFFFD']);
  });

  test('maxFrameLength counts bytes, not characters (a BOM included)', () => {
    const line = u8('ééé\n'); // 6 bytes of text
    expect(lines(new TextLineDecoder({ maxFrameLength: 6 }), line)).toEqual(['ééé']);
    const e = expectError(
      () => new TextLineDecoder({ maxFrameLength: 5 }).decode(line),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame at offset 0 exceeds maxFrameLength 5 /,
    );
    expect(e.offset).toBe(0);
    expect(() => new TextLineDecoder({ maxFrameLength: 6 }).decode(u8([...BOM, ...line]))).toThrow(FrameTooLongError);
  });

  test('stats: lines returned and their bytes as LineDecoder counts them (BOM included, line endings not)', () => {
    const d = new TextLineDecoder();
    lines(d, [...BOM, ...u8('é\r\nab\n')]);
    expect(d.stats).toEqual({ frames: 2, bytes: 7, discardedFrames: 0, discardedBytes: 0 });
    const l = new LineDecoder();
    l.decode(u8([...BOM, ...u8('é\r\nab\n')]));
    expect(l.stats).toEqual(d.stats);
    const drop = new TextLineDecoder({ trailing: 'drop' });
    lines(drop, 'a\nrest');
    expect(drop.stats).toEqual({ frames: 1, bytes: 1, discardedFrames: 1, discardedBytes: 4 });
  });

  test("trailing: 'error' throws TruncatedFrameError with the bytes, after the lines before it", () => {
    const d = new TextLineDecoder({ trailing: 'error' });
    expect(d.decode(u8('a\né'))).toEqual(['a']);
    const e = expectError(() => d.end(), TruncatedFrameError, 'ERR_TRUNCATED_FRAME');
    expect(e.offset).toBe(2);
    expect(Array.from(e.partial)).toEqual([0xc3, 0xa9]);
    expect(d.decode(u8('b\n'))).toEqual(['b']); // end() reset it
  });

  test('decode(chunk, { maxFrames }) stops after n lines and holds the rest', () => {
    const d = new TextLineDecoder();
    const input = u8('one\ntwo\nthree\nfour');
    expect(d.decode(input, { maxFrames: 2 })).toEqual(['one', 'two']);
    expect(d.buffered).toBe(10);
    expect(d.decode(undefined, { maxFrames: 5 })).toEqual(['three']);
    expect(d.decode(u8('\n'))).toEqual(['four']);
    expectError(() => d.decode(input, { maxFrames: 0 }), InvalidOptionError, 'ERR_INVALID_OPTION', /maxFrames/);
  });

  test('decodeEach passes strings', () => {
    const got: string[] = [];
    const d = new TextLineDecoder();
    expect(d.decodeEach(u8('é\nb\nc'), (line) => got.push(line))).toBe(2);
    expect(got).toEqual(['é', 'b']);
    expectError(
      () => d.decodeEach(u8('x'), 'nope' as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^onFrame must be a function, got "nope"$/,
    );
  });

  test('options are checked and named', () => {
    expectError(
      () => new TextLineDecoder({ fatal: 'yes' as never }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^fatal must be a boolean, got "yes"$/,
    );
    expectError(
      () => new TextLineDecoder({ allowCR: 1 as never }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /allowCR/,
    );
    expectError(
      () => new TextLineDecoder({ onDiscard: 1 as never }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^onDiscard must be a function, got 1$/,
    );
    expectError(
      () => new TextLineDecoder({ maxFrameLength: -1 }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /maxFrameLength/,
    );
  });

  test('free(): any later call throws ERR_DECODER_FREED', () => {
    const d = new TextLineDecoder();
    d.decode(u8('a'));
    d.free();
    d.free();
    expect(d.buffered).toBe(0);
    for (const call of [() => d.decode(u8('a')), () => d.end(), () => d.takeBuffered(), () => d.reset()]) {
      expectError(call, FramingError, 'ERR_DECODER_FREED');
    }
    const disposed = new TextLineDecoder();
    disposed[Symbol.dispose]();
    expectError(() => disposed.decode(u8('a')), FramingError, 'ERR_DECODER_FREED');
  });
});

describe('TextLineDecoder({ fatal: true })', () => {
  test('throws InvalidDataError at the bad line: class, code, offset, message, the lines before it', () => {
    const d = new TextLineDecoder({ fatal: true });
    expect(d.decode(u8('ok\r\n'))).toEqual(['ok']);
    const e = expectError(
      () => d.decode(u8([0x61, 0x0a, 0x62, 0x63, 0xc3, 0x28, 0x0a, 0x7a, 0x0a])),
      InvalidDataError,
      'ERR_INVALID_DATA',
    );
    expect(e).toBeInstanceOf(FramingError);
    expect(e.name).toBe('InvalidDataError');
    expect(e.offset).toBe(6);
    expect(e.frames).toEqual(['a']);
    expect(e.message).toBe(
      'invalid UTF-8 in the line at offset 6 (4 bytes): byte 2 of the line starts an invalid sequence (c3 28)',
    );
    expect(d.stats).toEqual({ frames: 2, bytes: 3, discardedFrames: 0, discardedBytes: 0 });
  });

  test('the message names the byte where the invalid sequence starts', () => {
    const at = (bytes: number[]) => {
      const d = new TextLineDecoder({ fatal: true });
      try {
        d.decode(u8(bytes)); // no line ending: the line is checked at end()
        d.end();
      } catch (e) {
        return /byte (\d+) of the line/.exec((e as Error).message)?.[1];
      }
      return 'none';
    };
    expect(at([0x80])).toBe('0');
    expect(at([0x61, 0xe2, 0x82])).toBe('1'); // truncated at the end of the line
    expect(at([0x61, 0xe2, 0x82, 0x28])).toBe('1');
    expect(at([0xe2, 0x82, 0xac, 0x80])).toBe('3'); // after a whole €
    expect(at([0xf0, 0x9f, 0x98, 0x61])).toBe('0');
    expect(at([0xe0, 0x80])).toBe('0'); // E0 needs A0..BF next
    expect(at([0x61, 0x62, 0xff, 0x63])).toBe('2');
  });

  test('the decoder is failed until reset(): decode, end and takeBuffered throw the same code', () => {
    const d = new TextLineDecoder({ fatal: true });
    expect(() => d.decode(u8([0xff, 0x0a]))).toThrow(InvalidDataError);
    for (const call of [() => d.decode(u8('a\n')), () => d.takeBuffered(), () => d.decode()]) {
      const e = expectError(call, InvalidDataError, 'ERR_INVALID_DATA');
      expect(e.offset).toBe(0);
      expect(e.frames).toEqual([]);
    }
    d.reset();
    expect(d.decode(u8('a\n'))).toEqual(['a']);
    expect(() => d.decode(u8([0xff, 0x0a]))).toThrow(InvalidDataError);
    expect(() => d.end()).toThrow(InvalidDataError); // end() throws it, and resets
    expect(d.decode(u8('b\n'))).toEqual(['b']);
  });

  test("a trailing: 'emit' line is checked at end(); a dropped one is not decoded", () => {
    const emit = new TextLineDecoder({ fatal: true });
    expect(emit.decode(u8('a\nb', [0xff]))).toEqual(['a']);
    const e = expectError(() => emit.end(), InvalidDataError, 'ERR_INVALID_DATA');
    expect(e.offset).toBe(2);
    expect(emit.decode(u8('c\n'))).toEqual(['c']); // reset by end()

    const drop = new TextLineDecoder({ fatal: true, trailing: 'drop' });
    expect(lines(drop, u8('a\n', [0xff]))).toEqual(['a']);
    expect(drop.stats.discardedBytes).toBe(1);

    const skip = new TextLineDecoder({ fatal: true, maxFrameLength: 2, onTooLong: 'skip' });
    expect(lines(skip, u8([0xff, 0xff, 0xff, 0x0a], 'ok\n'))).toEqual(['ok']);
  });

  test('the offset counts the bytes of lines dropped before it (onTooLong: skip)', () => {
    const discards: number[] = [];
    const d = new TextLineDecoder({
      fatal: true,
      maxFrameLength: 3,
      onTooLong: 'skip',
      onDiscard: (info) => discards.push(info.offset),
    });
    expect(d.decode(u8('ab\ntoolong\r\n'))).toEqual(['ab']);
    const e = expectError(
      () => d.decode(u8('c\n', [0x80], '\nlonger still\nd\n')),
      InvalidDataError,
      'ERR_INVALID_DATA',
    );
    expect(e.offset).toBe(14);
    expect(e.frames).toEqual(['c']);
    // Dropped after the bad line: never reported.
    expect(discards).toEqual([3]);
    expect(d.stats).toEqual({ frames: 2, bytes: 3, discardedFrames: 1, discardedBytes: 9 });
  });

  test('invalid UTF-8 before a too-long line in the same chunk is the error', () => {
    const d = new TextLineDecoder({ fatal: true, maxFrameLength: 4 });
    const e = expectError(() => d.decode(u8('a\n', [0xff], '\nmuch too long\n')), InvalidDataError, 'ERR_INVALID_DATA');
    expect(e.offset).toBe(2);
  });

  const lines = (d: TextLineDecoder, input: Uint8Array) => [...d.decode(input), ...d.end()];
});
