import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  DelimiterInPayloadError,
  FrameTooLongError,
  InvalidOptionError,
  LineDecoder,
  TruncatedFrameError,
  type DelimiterDecoderOptions,
  type FrameDecoder,
} from '../../src/index.js';
import { engine, useEngine } from '../../src/engine/index.js';
import { apply, bytes, bytewise, chunking, cut, expectError, feedMode, hex, run, text } from '../_harness.js';
import { refDelimiter, type RefDelimiterOptions } from '../_reference.js';

useEngine(); // the default engine is chosen on first use; these tests read `engine` before any decoder exists

/** Feeds string chunks, then end(); returns the frames as text. */
function feed(decoder: FrameDecoder, ...chunks: string[]): string[] {
  const out = run(decoder, chunks.map(bytes));
  if (out.error) throw new Error(`unexpected ${out.error.code}`);
  return out.frames.map((f) => Buffer.from(f, 'hex').toString());
}

describe('DelimiterDecoder fixtures', () => {
  test('the three dispositions', () => {
    const input = 'ab|c||d';
    expect(feed(new DelimiterDecoder({ delimiter: '|' }), input)).toEqual(['ab', 'c', '', 'd']);
    expect(feed(new DelimiterDecoder({ delimiter: '|', disposition: 'suffix' }), input)).toEqual([
      'ab|',
      'c|',
      '|',
      'd',
    ]);
    expect(feed(new DelimiterDecoder({ delimiter: '|', disposition: 'prefix' }), input)).toEqual([
      'ab',
      '|c',
      '|',
      '|d',
    ]);
  });

  test("'prefix': a|b| gives a, |b, |", () => {
    expect(feed(new DelimiterDecoder({ delimiter: '|', disposition: 'prefix' }), 'a|b|')).toEqual(['a', '|b', '|']);
  });

  test('a stream that ends right after a delimiter has no trailing frame', () => {
    expect(feed(new DelimiterDecoder({ delimiter: '|' }), 'a|b|')).toEqual(['a', 'b']);
    expect(feed(new DelimiterDecoder({ delimiter: '|', disposition: 'suffix' }), 'a|b|')).toEqual(['a|', 'b|']);
  });

  test('empty frames between delimiters are emitted', () => {
    expect(feed(new DelimiterDecoder({ delimiter: ',' }), ',,a,')).toEqual(['', '', 'a']);
  });

  test('a multi-byte delimiter split across chunks is still found', () => {
    const d = new DelimiterDecoder({ delimiter: '\r\n' });
    expect(text(d.decode(bytes('PING\r')))).toEqual([]); // split delimiter (1/2)
    expect(d.buffered).toBe(5);
    expect(text(d.decode(bytes('\nPONG')))).toEqual(['PING']); // split delimiter (2/2)
  });

  test('a 4-byte token split over four chunks', () => {
    expect(feed(new DelimiterDecoder({ delimiter: '<EOM>' }), 'one<E', 'O', 'M', '>two<EOM', '>')).toEqual([
      'one',
      'two',
    ]);
  });

  test('leftmost match wins over a longer one that starts later', () => {
    expect(feed(new DelimiterDecoder({ delimiter: ['bc', 'abcd'] }), 'xabcdy')).toEqual(['x', 'y']); // abcd starts first
    expect(feed(new DelimiterDecoder({ delimiter: ['ab', 'bcd'] }), 'xabcdy')).toEqual(['x', 'cdy']); // ab starts first
  });

  test('a delimiter that is a prefix of another: the longest match at the same start wins', () => {
    expect(feed(new DelimiterDecoder({ delimiter: ['\r', '\r\n'] }), 'a\r\nb\rc')).toEqual(['a', 'b', 'c']);
    // The decision waits for the byte after \r, across chunks.
    expect(feed(new DelimiterDecoder({ delimiter: ['\r', '\r\n'] }), 'a\r', '\nb\r', 'c')).toEqual(['a', 'b', 'c']);
  });

  test('a partial longer delimiter at the end of input resolves to the shorter one', () => {
    const d = new DelimiterDecoder({ delimiter: ['ab', 'abcd'], disposition: 'suffix' });
    expect(d.decode(bytes('xabc'))).toEqual([]); // "abc" may still become "abcd"
    expect(text(d.end())).toEqual(['xab', 'c']);
  });

  test('binary delimiters and data with NUL bytes', () => {
    const d = new DelimiterDecoder({ delimiter: new Uint8Array([0, 0]) });
    const frames = run(d, bytewise(Uint8Array.from([1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0]))).frames;
    expect(frames).toEqual(['010002', '0003', '']);
  });

  test('the adversarial pattern aaaa…ab against the delimiter aab', () => {
    const input = 'a'.repeat(5000) + 'b' + 'tail';
    expect(feed(new DelimiterDecoder({ delimiter: 'aab' }), input)).toEqual(['a'.repeat(4998), 'tail']);
    expect(run(new DelimiterDecoder({ delimiter: 'aab' }), bytewise(bytes(input))).frames.length).toBe(2);
  });

  test('frames wholly inside the chunk are views on it', () => {
    const chunk = bytes('ab|cd|');
    const frames = new DelimiterDecoder({ delimiter: '|' }).decode(chunk);
    expect(frames.every((f) => f.buffer === chunk.buffer)).toBe(true);
  });

  test('a chunk larger than the scan window', () => {
    const line = 'x'.repeat(1000);
    const input = Array.from({ length: 300 }, () => line).join('\n') + '\n';
    const d = new DelimiterDecoder({ delimiter: '\n' });
    expect(d.decode(bytes(input)).length).toBe(300);
  });

  test('more than the scanner returns in one call (many empty frames)', () => {
    const d = new DelimiterDecoder({ delimiter: ',' });
    expect(d.decode(new Uint8Array(20000).fill(44)).length).toBe(20000);
  });

  test('five distinct first bytes (table scan instead of SIMD compares)', () => {
    expect(feed(new DelimiterDecoder({ delimiter: ['1', '2', '3', '4', '5'] }), 'a1b2c3d4e5f')).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
    ]);
  });
});

describe('maxFrameLength, failFast, onTooLong', () => {
  test('a frame of exactly maxFrameLength is accepted; the delimiter does not count', () => {
    expect(feed(new DelimiterDecoder({ delimiter: '\r\n', maxFrameLength: 3 }), 'abc\r\n')).toEqual(['abc']);
  });

  test('a too-long frame throws FrameTooLongError, after the frames before it', () => {
    const d = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3 });
    const e = expectError(
      () => d.decode(bytes('ab|abcd|x|')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame at offset 3 exceeds maxFrameLength 3 \(no delimiter within 3 bytes\)$/,
    );
    expect(text(e.frames)).toEqual(['ab']);
    expect(e.offset).toBe(3);
    expectError(() => d.decode(bytes('x|')), FrameTooLongError, 'ERR_FRAME_TOO_LONG'); // failed until reset()
  });

  test('a too-long frame among hundreds in one chunk: the frames before it, and none missing, under error and skip', () => {
    // Enough matches in one scan that decode() fills its result array by index.
    const lines = (from: number, n: number) => Array.from({ length: n }, (_, k) => `l${from + k}`);
    const input = `${lines(0, 100).join('|')}|${'x'.repeat(50)}|${lines(100, 100).join('|')}|`;
    const e = expectError(
      () => new DelimiterDecoder({ delimiter: '|', maxFrameLength: 10 }).decode(bytes(input)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
    );
    expect(text(e.frames)).toEqual(lines(0, 100));
    const skip = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 10, onTooLong: 'skip' });
    const frames = skip.decode(bytes(input));
    expect(frames.length).toBe(200);
    expect(text(frames)).toEqual([...lines(0, 100), ...lines(100, 100)]);
  });

  test('failFast raises before the delimiter arrives; failFast: false when it arrives; same error', () => {
    const fast = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3 });
    expectError(() => fast.decode(bytes('abcd')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    const slow = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3, failFast: false });
    expect(slow.decode(bytes('abcdefgh'))).toEqual([]);
    expect(slow.buffered).toBe(0); // discarding, not buffering
    expectError(() => slow.decode(bytes('|z|')), FrameTooLongError, 'ERR_FRAME_TOO_LONG', /at offset 0/);
  });

  test("'skip' discards through the next delimiter and resynchronises", () => {
    const seen: unknown[] = [];
    const d = new DelimiterDecoder({
      delimiter: '|',
      maxFrameLength: 4,
      onTooLong: 'skip',
      onDiscard: (i) => seen.push(i),
    });
    expect(feed(d, 'ok|too', 'long|', 'fine|')).toEqual(['ok', 'fine']);
    expect(seen).toEqual([{ reason: 'too-long', bytes: 8, offset: 3 }]);
    expect(d.stats).toEqual({ frames: 2, bytes: 6, discardedFrames: 1, discardedBytes: 8 });
  });

  test("'skip' with 'prefix' keeps the next delimiter for the next frame", () => {
    const d = new DelimiterDecoder({ delimiter: '|', disposition: 'prefix', maxFrameLength: 2, onTooLong: 'skip' });
    expect(feed(d, 'a|toolong|b')).toEqual(['a', '|b']);
    expect(d.stats.discardedBytes).toBe(8); // "|toolong"
  });

  test('a too-long frame pending at end() is FrameTooLongError, not truncation', () => {
    const d = new DelimiterDecoder({ delimiter: '|', maxFrameLength: 3, failFast: false, trailing: 'error' });
    d.decode(bytes('abcdef'));
    expectError(() => d.end(), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('the first bytes of a delimiter never make a frame too long', () => {
    const d = new DelimiterDecoder({ delimiter: '\r\n', maxFrameLength: 3 });
    expect(d.decode(bytes('abc\r'))).toEqual([]); // 4 bytes held, 3 of them content
    expect(text(d.decode(bytes('\n')))).toEqual(['abc']);
  });
});

describe('trailing', () => {
  test("'error' throws TruncatedFrameError with the partial bytes", () => {
    const d = new DelimiterDecoder({ delimiter: '\n', trailing: 'error' });
    d.decode(bytes('a\nbc'));
    const e = expectError(
      () => d.end(),
      TruncatedFrameError,
      'ERR_TRUNCATED_FRAME',
      /^stream ended inside a frame: 2 bytes after offset 2 and no delimiter$/,
    ) as TruncatedFrameError;
    expect(text([e.partial])).toEqual(['bc']);
  });

  test("'drop' counts the trailing bytes", () => {
    const d = new DelimiterDecoder({ delimiter: '\n', trailing: 'drop' });
    expect(feed(d, 'a\nbc')).toEqual(['a']);
    expect(d.stats.discardedBytes).toBe(2);
  });
});

describe('LineDecoder', () => {
  test('splits on \\n and \\r\\n; a lone \\r is data', () => {
    expect(feed(new LineDecoder(), 'a\nb\r\nc\rd\n')).toEqual(['a', 'b', 'c\rd']);
  });

  test('allowCR: a lone \\r ends a line too, \\r\\n stays one ending', () => {
    expect(feed(new LineDecoder({ allowCR: true }), 'a\rb\r\nc\n\rd')).toEqual(['a', 'b', 'c', '', 'd']);
  });

  test('a \\r at the end of a chunk waits for the next byte', () => {
    const d = new LineDecoder({ allowCR: true });
    expect(text(d.decode(bytes('one\r')))).toEqual([]);
    expect(text(d.decode(bytes('\ntwo\r')))).toEqual(['one']);
    expect(text(d.decode(bytes('x')))).toEqual(['two']);
  });

  test('keepLineEnding keeps \\n or \\r\\n', () => {
    expect(feed(new LineDecoder({ keepLineEnding: true }), 'a\r\nb\nc')).toEqual(['a\r\n', 'b\n', 'c']);
  });

  test('CRLF split across chunks exactly at the length limit', () => {
    const d = new LineDecoder({ maxFrameLength: 4 });
    expect(d.decode(bytes('abcd\r'))).toEqual([]); // split CRLF (1/2), content exactly at the limit
    expect(text(d.decode(bytes('\nefgh\r')))).toEqual(['abcd']); // split CRLF (2/2)
    expect(text(d.decode(bytes('\n')))).toEqual(['efgh']);
  });

  test('a lone \\r that turns out to be content can make the line too long', () => {
    const d = new LineDecoder({ maxFrameLength: 4 });
    d.decode(bytes('abcd\r'));
    expectError(() => d.decode(bytes('x')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('options are validated', () => {
    expectError(
      () => new LineDecoder({ allowCR: 'yes' as never }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^allowCR must be a boolean/,
    );
    expectError(
      () => new LineDecoder({ maxFrameLength: 1.5 }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^maxFrameLength must be/,
    );
  });
});

describe('DelimiterDecoder options are validated', () => {
  test.each([
    ['delimiter', {}, /^delimiter is required$/],
    ['delimiter', { delimiter: '' }, /^delimiter must not be empty$/],
    ['delimiter', { delimiter: [] }, /^delimiter must not be an empty array$/],
    ['delimiter', { delimiter: 5 }, /^delimiter must be a string, a Uint8Array or an array of them, got 5$/],
    [
      'disposition',
      { delimiter: '|', disposition: 'middle' },
      /^disposition must be one of "discard", "suffix", "prefix", got "middle"$/,
    ],
    ['trailing', { delimiter: '|', trailing: 'x' }, /^trailing must be one of/],
    ['maxFrameLength', { delimiter: '|', maxFrameLength: '9' }, /^maxFrameLength must be an integer >= 0, got "9"$/],
  ])('%s', (name, options, message) => {
    const e = expectError(
      () => new DelimiterDecoder(options as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      message,
    );
    expect((e as InvalidOptionError).option).toBe(name);
  });
});

describe('DelimiterEncoder', () => {
  test('appends the first delimiter', () => {
    const e = new DelimiterEncoder({ delimiter: ['\r\n', '\n'] });
    expect(text([e.encode(bytes('hi'))])).toEqual(['hi\r\n']);
    expect(text([e.encodeAll([bytes('a'), bytes(''), bytes('b')])])).toEqual(['a\r\n\r\nb\r\n']);
  });

  test('refuses a payload that contains a delimiter', () => {
    const e = expectError(
      () => new DelimiterEncoder({ delimiter: '\n' }).encode(bytes('a\nb')),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
      /^payload of 3 bytes would be cut at byte 1: a receiver finds a delimiter there before the appended one$/,
    );
    expect((e as DelimiterInPayloadError).position).toBe(1);
  });

  test("refuses 'xa' with delimiter 'aa' (the receiver would match at byte 1)", () => {
    expectError(
      () => new DelimiterEncoder({ delimiter: 'aa' }).encode(bytes('xa')),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
    );
  });

  test("refuses 'a\\r' with ['\\n', '\\r\\n']", () => {
    expectError(
      () => new DelimiterEncoder({ delimiter: ['\n', '\r\n'] }).encode(bytes('a\r')),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
    );
  });

  test("encodeAll refuses a payload that would extend the delimiter before it: ['\\r', '\\r\\n'] then '\\nb'", () => {
    // On the wire: a \r | \n b \r. A receiver reads \r\n as one delimiter: 'a', then 'b'.
    const e = expectError(
      () => new DelimiterEncoder({ delimiter: ['\r', '\r\n'] }).encodeAll([bytes('a'), bytes('\nb')]),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
      /^the delimiter after payload 0 and the bytes that follow it \(0x0a\) form the longer delimiter 0x0d0a: a receiver would merge payload 1 \(of 2 bytes\) into it$/,
    );
    expect((e as DelimiterInPayloadError).position).toBe(0);
  });

  test('encodeAll names the payload a delimiter would cut', () => {
    expectError(
      () => new DelimiterEncoder({ delimiter: '\n' }).encodeAll([bytes('ok'), bytes('a\nb')]),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
      /^payload 1 \(of 3 bytes\) would be cut at byte 1: /,
    );
  });

  test('a payload larger than the scan window', () => {
    const e = new DelimiterEncoder({ delimiter: '\n' });
    expect(e.encode(new Uint8Array(200_000).fill(65)).length).toBe(200_001);
    const bad = new Uint8Array(200_000).fill(65);
    bad[150_000] = 10;
    expectError(() => e.encode(bad), DelimiterInPayloadError, 'ERR_DELIMITER_IN_PAYLOAD', /cut at byte 150000/);
  });
});

// ---------------------------------------------------------------------------
// Properties against the reference model.

/** Small alphabets make delimiters overlap, prefix each other and match often. */
const alphabet = [0x61, 0x62, 0x0d, 0x0a, 0x00];
const delimiterBytes = fc
  .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 })
  .map((a) => Uint8Array.from(a));
const inputBytes = fc.array(fc.constantFrom(...alphabet, 0x78), { maxLength: 60 }).map((a) => Uint8Array.from(a));

const delimiterOptions = fc.record({
  delimiters: fc.array(delimiterBytes, { minLength: 1, maxLength: 3 }),
  disposition: fc.constantFrom<RefDelimiterOptions['disposition']>('discard', 'suffix', 'prefix'),
  maxFrameLength: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(8 * 1024 * 1024)),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
  trailing: fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
  failFast: fc.boolean(),
});

const dedupe = (list: Uint8Array[]) => list.filter((d, k) => list.findIndex((e) => hex(e) === hex(d)) === k);

function decoderFor(
  o: RefDelimiterOptions & { failFast: boolean },
  discards: { bytes: number; offset: number }[],
): DelimiterDecoderOptions {
  return {
    delimiter: o.delimiters,
    disposition: o.disposition,
    maxFrameLength: o.maxFrameLength,
    onTooLong: o.onTooLong,
    trailing: o.trailing,
    failFast: o.failFast,
    onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }),
  };
}

describe('properties', () => {
  test('DelimiterDecoder: any chunking gives the reference outcome', () => {
    fc.assert(
      fc.property(
        delimiterOptions
          .chain((o) => fc.record({ o: fc.constant(o), input: inputBytes }))
          .chain(({ o, input }) =>
            fc.record({ o: fc.constant(o), input: fc.constant(input), how: chunking(input.length), each: feedMode }),
          ),
        ({ o, input, how, each }) => {
          const discards: { bytes: number; offset: number }[] = [];
          const got = run(new DelimiterDecoder(decoderFor(o, discards)), apply(input, how), discards, each);
          expect(got).toEqual(refDelimiter(input, { ...o, delimiters: dedupe(o.delimiters) }));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('LineDecoder: any chunking gives the reference outcome', () => {
    const lineOptions = fc.record({
      allowCR: fc.boolean(),
      keepLineEnding: fc.boolean(),
      maxFrameLength: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant(8 * 1024 * 1024)),
      onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
      trailing: fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
      failFast: fc.boolean(),
    });
    const lineInput = fc.array(fc.constantFrom(0x61, 0x0d, 0x0a), { maxLength: 50 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(lineOptions, lineInput, fc.array(fc.nat(50), { maxLength: 10 }), (o, input, cuts) => {
        const discards: { bytes: number; offset: number }[] = [];
        const d = new LineDecoder({ ...o, onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }) });
        const ref = refDelimiter(input, {
          delimiters: [bytes('\n'), bytes('\r\n'), ...(o.allowCR ? [bytes('\r')] : [])],
          disposition: o.keepLineEnding ? 'suffix' : 'discard',
          maxFrameLength: o.maxFrameLength,
          onTooLong: o.onTooLong,
          trailing: o.trailing,
        });
        expect(run(d, cut(input, cuts), discards)).toEqual(ref);
        expect(run(new LineDecoder(o), bytewise(input)).frames).toEqual(ref.frames);
      }),
      { numRuns: 1000 },
    );
  });

  test('long inputs cross the 64-byte SIMD groups: the reference outcome under any chunking', () => {
    // Sparse and dense delimiters over up to 1,500 bytes, so that matches, look-backs
    // (\r before \n) and pending starts fall on every position of a 64-byte group, and
    // gaps of 60-400 bytes enter and leave the 128-byte skip loop at every position.
    const longInput = fc
      .tuple(
        fc.array(fc.constantFrom(...alphabet, 0x78), { maxLength: 1500, size: 'max' }), // (fast-check's default size stops near 10)
        fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 60, max: 400 })),
      )
      .map(([a, sparsity]) => Uint8Array.from(a.map((b, k) => (k % (sparsity + 1) === 0 ? b : 0x78))));
    const sets = fc.oneof(
      fc.array(delimiterBytes, { minLength: 1, maxLength: 3 }),
      fc.constant([bytes('\n'), bytes('\r\n')]),
      fc.constant([bytes('\n'), bytes('\r\n'), bytes('\r')]),
      fc.constant([bytes('\n')]),
      fc.constant([bytes('a'), bytes('b'), bytes('\n'), bytes('\0'), bytes('\r')]), // five first bytes
    );
    fc.assert(
      fc.property(
        sets,
        delimiterOptions,
        longInput,
        fc.array(fc.nat(1500), { maxLength: 6 }),
        (delimiters, o, input, cuts) => {
          const options = { ...o, delimiters: [...delimiters] };
          const discards: { bytes: number; offset: number }[] = [];
          const got = run(new DelimiterDecoder(decoderFor(options, discards)), cut(input, cuts), discards);
          expect(got).toEqual(refDelimiter(input, { ...options, delimiters: dedupe([...delimiters]) }));
        },
      ),
      { numRuns: 600 },
    );
  });

  test('DelimiterEncoder accepts exactly the payloads a receiver gets back whole', () => {
    fc.assert(
      fc.property(fc.array(delimiterBytes, { minLength: 1, maxLength: 3 }), inputBytes, (delimiters, payload) => {
        const encoder = new DelimiterEncoder({ delimiter: delimiters });
        let wire: Uint8Array | undefined;
        try {
          wire = encoder.encode(payload);
        } catch (e) {
          if (!(e instanceof DelimiterInPayloadError)) throw e;
        }
        // The receiver: the first frame of payload + first delimiter, at the end of the stream.
        const framed = Uint8Array.from([...payload, ...delimiters[0]]);
        const first = refDelimiter(framed, {
          delimiters: dedupe(delimiters),
          disposition: 'discard',
          maxFrameLength: 1e9,
          onTooLong: 'error',
          trailing: 'emit',
        }).frames[0];
        expect(wire !== undefined).toBe(first === hex(payload));
        if (wire) expect(hex(wire)).toBe(hex(framed));
      }),
      { numRuns: 1000 },
    );
  });

  test('DelimiterEncoder.encodeAll accepts exactly the payload lists a receiver gets back whole', () => {
    fc.assert(
      fc.property(
        fc.array(delimiterBytes, { minLength: 1, maxLength: 3 }),
        fc.array(inputBytes, { maxLength: 5 }),
        (delimiters, payloads) => {
          let wire: Uint8Array | undefined;
          try {
            wire = new DelimiterEncoder({ delimiter: delimiters }).encodeAll(payloads);
          } catch (e) {
            if (!(e instanceof DelimiterInPayloadError)) throw e;
          }
          const framed = Uint8Array.from(payloads.flatMap((p) => [...p, ...delimiters[0]]));
          const got = refDelimiter(framed, {
            delimiters: dedupe(delimiters),
            disposition: 'discard',
            maxFrameLength: 1e9,
            onTooLong: 'error',
            trailing: 'emit',
          }).frames;
          expect(wire !== undefined).toBe(got.join() === payloads.map(hex).join());
          if (wire) expect(hex(wire)).toBe(hex(framed));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('linear time', () => {
  const original = engine.x;
  afterEach(() => {
    (engine as { x: typeof original }).x = original;
  });

  const countScanned = () => {
    const counter = { bytes: 0 };
    (engine as { x: typeof original }).x = {
      ...original,
      scanDelimiters: (...a: Parameters<typeof original.scanDelimiters>) => {
        counter.bytes += a[2]; // (table, data, len, ...)
        return original.scanDelimiters(...a);
      },
    };
    return counter;
  };

  test('a 256 KiB line fed one byte at a time is scanned once, plus the carried delimiter start', () => {
    const scanned = countScanned();
    const n = 256 * 1024;
    const d = new LineDecoder({ maxFrameLength: n });
    const input = new Uint8Array(n + 2).fill(0x61);
    input[n] = 0x0d;
    input[n + 1] = 0x0a;
    let frames = 0;
    for (let i = 0; i < input.length; i++) frames += d.decode(input.subarray(i, i + 1)).length;
    expect(frames).toBe(1);
    expect(scanned.bytes).toBeLessThanOrEqual(input.length + 1); // the \r is scanned again with the \n
  });

  test('aaaa…ab fed one byte at a time against aab rescans at most two bytes per byte', () => {
    const scanned = countScanned();
    const input = bytes('a'.repeat(20000) + 'b');
    run(new DelimiterDecoder({ delimiter: 'aab' }), bytewise(input));
    expect(scanned.bytes).toBeLessThanOrEqual(3 * input.length);
  });
});
