// maxFrames and takeBuffered(), on every decoder: stopping after n frames changes
// nothing but when frames come out, and what a decoder holds can be handed to the
// next decoder (switching framing mid-stream).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  type FrameDecoder,
  FramingError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
} from '../../src/index.js';
import { engine, useEngine } from '../../src/engine/index.js';
import { apply, bytes, chunking, expectError, hex, type Outcome, run, text } from '../_harness.js';

useEngine();

/** A decoder factory with random options, and an input that exercises it (valid or not). */
interface Case {
  name: string;
  make: (onDiscard: (info: { bytes: number; offset: number }) => void) => FrameDecoder;
  input: Uint8Array;
}

const small = (alphabet: number[], maxLength = 160) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((a) => Uint8Array.from(a));

const limits = {
  maxFrameLength: fc.integer({ min: 1, max: 40 }),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
  failFast: fc.boolean(),
  trailing: fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
};

const lengthCase: fc.Arbitrary<Case> = fc
  .record({
    lengthFieldLength: fc.constantFrom<1 | 2 | 'varint'>(1, 2, 'varint'),
    lengthFieldOffset: fc.integer({ min: 0, max: 2 }),
    initialBytesToStrip: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    ...limits,
    input: small([0, 1, 2, 3, 5, 8, 13, 0x81, 0x61]),
  })
  .map(({ input, ...o }) => ({
    name: `length ${JSON.stringify(o)}`,
    make: (onDiscard) => new LengthFieldDecoder({ ...o, onDiscard }),
    input,
  }));

const delimiterCase: fc.Arbitrary<Case> = fc
  .record({
    delimiter: fc.constantFrom<string | string[]>('\n', ['\n', '\r\n'], 'ab', ['a', 'ab'], ['\r\n\r\n', '\n']),
    disposition: fc.constantFrom<'discard' | 'suffix' | 'prefix'>('discard', 'suffix', 'prefix'),
    ...limits,
    input: small([0x61, 0x62, 0x0d, 0x0a, 0x78]),
  })
  .map(({ input, ...o }) => ({
    name: `delimiter ${JSON.stringify(o)}`,
    make: (onDiscard) => new DelimiterDecoder({ ...o, onDiscard }),
    input,
  }));

const lineCase: fc.Arbitrary<Case> = fc
  .record({ allowCR: fc.boolean(), keepLineEnding: fc.boolean(), ...limits, input: small([0x61, 0x0d, 0x0a]) })
  .map(({ input, ...o }) => ({
    name: `line ${JSON.stringify(o)}`,
    make: (onDiscard) => new LineDecoder({ ...o, onDiscard }),
    input,
  }));

const fixedCase: fc.Arbitrary<Case> = fc
  .record({
    frameLength: fc.integer({ min: 1, max: 7 }),
    trailing: limits.trailing,
    input: small([1, 2, 3]),
  })
  .map(({ input, ...o }) => ({ name: `fixed ${JSON.stringify(o)}`, make: () => new FixedLengthDecoder(o), input }));

const anyCase = fc.oneof(lengthCase, delimiterCase, lineCase, fixedCase);

/**
 * Feeds the chunks with a `maxFrames` per call (undefined: no limit), and between
 * chunks sometimes pulls on with `decode()` alone; then end(). Records the same
 * outcome as run() does, and checks each call's count against its limit.
 */
function runLimited(decoder: FrameDecoder, chunks: Uint8Array[], limitsPerCall: (number | undefined)[]): Outcome {
  const frames: string[] = [];
  let error: Outcome['error'];
  let call = 0;
  const nextLimit = () => limitsPerCall[call++ % limitsPerCall.length];
  const pull = (chunk: Uint8Array | undefined): number => {
    const maxFrames = nextLimit();
    const got = decoder.decode(chunk, maxFrames === undefined ? undefined : { maxFrames });
    if (maxFrames !== undefined && got.length > maxFrames) {
      throw new Error(`maxFrames ${maxFrames} but ${got.length} frames came out`);
    }
    for (const f of got) frames.push(hex(f));
    return got.length;
  };
  try {
    for (const chunk of chunks) {
      pull(chunk);
      // Pull on from what is held, until a call comes back short of its limit.
      if (call % 3 === 0) for (let k = 0; k < 4 && pull(undefined) > 0; k++);
    }
    for (const f of decoder.end()) frames.push(hex(f));
  } catch (e) {
    if (!(e instanceof FramingError)) throw e;
    for (const f of e.frames) frames.push(hex(f));
    error = { code: e.code, offset: e.offset };
    if ('partial' in e) error.partial = hex((e as { partial: Uint8Array }).partial);
  }
  return { frames, error, stats: { ...decoder.stats }, discards: [] };
}

const limitList = fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }), {
  minLength: 1,
  maxLength: 5,
});

describe('maxFrames', () => {
  test('what successive limited calls return, concatenated, is what one unlimited run returns (errors and stats too)', () => {
    fc.assert(
      fc.property(anyCase, chunking(160), limitList, (c, how, perCall) => {
        const chunks = apply(c.input, how);
        const want = run(
          c.make(() => {}),
          chunks,
        );
        const discarded: Outcome['discards'] = [];
        const got = runLimited(
          c.make((d) => discarded.push({ bytes: d.bytes, offset: d.offset })),
          chunks,
          perCall,
        );
        const wantDiscards: Outcome['discards'] = [];
        run(
          c.make((d) => wantDiscards.push({ bytes: d.bytes, offset: d.offset })),
          chunks,
        );
        expect({ ...got, discards: discarded }).toEqual({ ...want, discards: wantDiscards });
      }),
      { numRuns: Number(process.env.MF_RUNS ?? 1500) },
    );
  });

  test('a stop holds the rest of the chunk, undecoded: no error and no discard before a later call reaches it', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 4 });
    // "a", "b", then a frame of 200 bytes (too long) and garbage.
    const wire = Uint8Array.of(1, 0x61, 1, 0x62, 200, 1, 2, 3);
    expect(text(d.decode(wire, { maxFrames: 1 }))).toEqual(['a']);
    expect(d.buffered).toBe(6);
    expect(text(d.decode(undefined, { maxFrames: 1 }))).toEqual(['b']);
    expect(d.buffered).toBe(4);
    const e = expectError(() => d.decode(), FramingError, 'ERR_FRAME_TOO_LONG', /frame of 201 bytes .* at offset 4$/);
    expect(e.frames).toEqual([]);
  });

  test('bytes fed while stopped are held as they come, also beyond maxFrameLength, and decoded in order', () => {
    const d = new LineDecoder({ maxFrameLength: 3 });
    expect(text(d.decode(bytes('a\nb\n'), { maxFrames: 1 }))).toEqual(['a']);
    expect(text(d.decode(bytes('c\nd\n'), { maxFrames: 1 }))).toEqual(['b']);
    expect(d.buffered).toBe(4); // 'c\nd\n', held whole: the decoder stopped before it
    expect(text(d.decode(bytes('e\n')))).toEqual(['c', 'd', 'e']);
  });

  test("frames that onTooLong: 'skip' discards do not count", () => {
    const d = new LineDecoder({ maxFrameLength: 2, onTooLong: 'skip' });
    expect(text(d.decode(bytes('toolong\nok\nnext\n'), { maxFrames: 1 }))).toEqual(['ok']);
    expect(d.stats.discardedFrames).toBe(1);
    expect(d.buffered).toBe(5);
  });

  test('end() decodes the held bytes, then applies trailing', () => {
    const d = new LineDecoder();
    expect(text(d.decode(bytes('a\nb\nc'), { maxFrames: 1 }))).toEqual(['a']);
    expect(text(d.end())).toEqual(['b', 'c']);
    expect(d.buffered).toBe(0);
  });

  test('decodeEach takes maxFrames too', () => {
    const d = new FixedLengthDecoder({ frameLength: 2 });
    const seen: string[] = [];
    expect(d.decodeEach(bytes('aabbcc'), (f) => seen.push(text([f])[0]), { maxFrames: 2 })).toBe(2);
    expect(seen).toEqual(['aa', 'bb']);
    expect(d.buffered).toBe(2);
  });

  test.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null])('maxFrames %s is refused', (bad) => {
    const d = new LineDecoder();
    expectError(
      () => d.decode(bytes('a\n'), { maxFrames: bad as number }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^maxFrames must be a positive integer, got /,
    );
    expect(d.buffered).toBe(0); // nothing was fed
  });

  test('options that are not an object are refused', () => {
    expectError(
      () => new LineDecoder().decode(bytes('a\n'), 1 as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^options must be an object, got 1$/,
    );
  });
});

describe('pulling one frame at a time is linear', () => {
  const original = engine.x;
  const countScanned = () => {
    const counter = { bytes: 0 };
    (engine as { x: typeof original }).x = {
      ...original,
      scanDelimiters: (...a: Parameters<typeof original.scanDelimiters>) => {
        counter.bytes += a[2]; // (table, data, len, ...)
        return original.scanDelimiters(...a);
      },
      scanLength: (...a: Parameters<typeof original.scanLength>) => {
        counter.bytes += a[2]; // (params, data, len, ...)
        return original.scanLength(...a);
      },
    };
    return counter;
  };

  test.each([
    ['lines', () => new LineDecoder(), () => new DelimiterEncoder({ delimiter: '\n' })],
    ['length field', () => new LengthFieldDecoder(), () => new LengthFieldEncoder()],
  ] as const)(
    '%s: 20,000 frames of 16 B from one 300 KB chunk, pulled with maxFrames: 1',
    (_name, decoder, encoder) => {
      const payloads = Array.from({ length: 20_000 }, (_, k) => bytes(`frame ${String(k).padStart(9, '0')}`));
      const wire = encoder().encodeAll(payloads);
      const scanned = countScanned();
      try {
        const d = decoder();
        let n = d.decode(wire, { maxFrames: 1 }).length;
        for (let k = 0; k < payloads.length; k++) n += d.decode(undefined, { maxFrames: 1 }).length;
        expect(n).toBe(payloads.length);
        // Every byte is looked at a bounded number of times: well under a window per frame.
        expect(scanned.bytes).toBeLessThan(8 * wire.length);
      } finally {
        (engine as { x: typeof original }).x = original;
      }
    },
  );
});

describe('takeBuffered()', () => {
  test('returns exactly the bytes after the frames returned, and switches framing there', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 12 }),
        chunking(300),
        (payloads, stopAfter, how) => {
          const encoder = new LengthFieldEncoder({ lengthFieldLength: 2 });
          const wire = encoder.encodeAll(payloads);
          const d = new LengthFieldDecoder({ lengthFieldLength: 2 });
          const got: Uint8Array[] = [];
          for (const chunk of apply(wire, how)) {
            const room = stopAfter - got.length;
            if (room > 0) got.push(...d.decode(chunk, { maxFrames: room }));
            else expect(d.decode(chunk, { maxFrames: 1 })).toHaveLength(0);
            if (got.length === stopAfter) break;
          }
          // Whatever the chunking: the frames asked for, and the bytes after them.
          const consumed = got.reduce((n, f) => n + 2 + f.length, 0);
          const taken = got.length === stopAfter ? d.takeBuffered() : undefined;
          if (taken) {
            expect(hex(taken)).toBe(hex(wire.subarray(consumed, consumed + taken.length)));
            expect(got.map(hex)).toEqual(payloads.slice(0, stopAfter).map(hex));
            expect(d.buffered).toBe(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a PostgreSQL-like switch: an untyped startup message, then typed messages, in one read', () => {
    // StartupMessage: int32 length (counts itself) + payload; then 'Q' messages:
    // type byte + int32 length (counts itself) + payload.
    const startup = Uint8Array.of(0, 0, 0, 8, 0, 3, 0, 0);
    const query = (sql: string) => {
      const body = bytes(`${sql}\0`);
      return Uint8Array.of(0x51, 0, 0, 0, 4 + body.length, ...body);
    };
    const wire = Uint8Array.from([...startup, ...query('SELECT 1'), ...query('SELECT 2')]);
    const first = new LengthFieldDecoder({ lengthAdjustment: -4, initialBytesToStrip: 0 });
    const [hello] = first.decode(wire, { maxFrames: 1 });
    expect(hex(hello)).toBe(hex(startup));
    const typed = new LengthFieldDecoder({ lengthFieldOffset: 1, lengthAdjustment: -4, initialBytesToStrip: 0 });
    const queries = typed.decode(first.takeBuffered());
    expect(queries.map((q) => new TextDecoder().decode(q.subarray(5, -1)))).toEqual(['SELECT 1', 'SELECT 2']);
    expect(first.buffered).toBe(0);
    expect(first.stats.frames).toBe(1); // stats are kept
  });

  test('holds the start of an incomplete frame (header included), then the held bytes', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    expect(d.decode(Uint8Array.of(3, 0x61))).toEqual([]);
    expect(hex(d.takeBuffered())).toBe('0361');
    const lines = new LineDecoder();
    expect(text(lines.decode(bytes('a\nbc'), { maxFrames: 1 }))).toEqual(['a']);
    expect(text(lines.decode(bytes('d\ne')))).toEqual(['bcd']); // the held bytes are decoded first
    expect(hex(lines.takeBuffered())).toBe(hex(bytes('e')));
  });

  test('a decoder discarding an over-long frame holds none of it', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 4, onTooLong: 'skip' });
    expect(d.decode(Uint8Array.of(9, 1, 2))).toEqual([]);
    expect(d.takeBuffered().length).toBe(0);
  });

  test('a failed decoder throws its error; a freed one ERR_DECODER_FREED', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 2 });
    expectError(() => d.decode(Uint8Array.of(9)), FramingError, 'ERR_FRAME_TOO_LONG');
    expectError(() => d.takeBuffered(), FramingError, 'ERR_FRAME_TOO_LONG');
    d.free();
    expectError(() => d.takeBuffered(), FramingError, 'ERR_DECODER_FREED');
  });
});

describe("decodeTracked() (framed()'s switch): the stream offset right after each frame", () => {
  const schemes = [
    ['length field', () => new LengthFieldDecoder({ lengthFieldLength: 1 }), (p: Uint8Array) => [p.length, ...p]],
    ['lines', () => new LineDecoder(), (p: Uint8Array) => [...p, 0x0a]],
    ['prefix', () => new DelimiterDecoder({ delimiter: '|', disposition: 'prefix' }), (p: Uint8Array) => [0x7c, ...p]],
    ['fixed', () => new FixedLengthDecoder({ frameLength: 3 }), (p: Uint8Array) => [...p, 0, 0, 0].slice(0, 3)],
  ] as const;

  test.each(schemes)('%s: decoding from each offset on gives the frames after it', (_name, make, frame) => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 3 }).map((p) => p.map((b) => (b % 26) + 0x61)),
          { maxLength: 10 },
        ),
        chunking(60),
        (payloads, how) => {
          const wire = Uint8Array.from(payloads.flatMap((p) => frame(p)));
          const d = make();
          const ends: number[] = [];
          const frames: string[] = [];
          for (const chunk of apply(wire, how))
            for (const f of (d as LineDecoder).decodeTracked(chunk, ends)) frames.push(hex(f));
          expect(ends.length).toBe(frames.length);
          for (let k = 0; k < ends.length; k++) {
            const rest = make();
            const after = [...rest.decode(wire.subarray(ends[k])), ...rest.end()].map(hex);
            // With 'prefix', a fresh decoder's first frame is what precedes the first
            // '|': nothing, since the next frame starts with its delimiter.
            if (_name === 'prefix') expect(after.shift()).toBe('');
            expect(after.slice(0, frames.length - k - 1)).toEqual(frames.slice(k + 1));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

test('a stop at a delimiter the previous chunk left unresolved, inside the carried bytes', () => {
  // '\r\n\r' waits: it may become '\r\n\r\n'. 'a' resolves it as '\n' at offset 1,
  // which the decoder had carried; the stop leaves '\r' and all of 'a' to later calls.
  const make = () => new DelimiterDecoder({ delimiter: ['\r\n\r\n', '\n'] });
  const d = make();
  expect(d.decode(bytes('\r\n\r'), { maxFrames: 1 })).toEqual([]);
  expect(text(d.decode(bytes('a'), { maxFrames: 1 }))).toEqual(['\r']);
  expect(d.buffered).toBe(2);
  expect(hex(d.takeBuffered())).toBe(hex(bytes('\ra')));
  const e = make();
  e.decode(bytes('\r\n\r'), { maxFrames: 1 });
  e.decode(bytes('a'), { maxFrames: 1 });
  expect(text(e.decode(bytes('\n')))).toEqual(['\ra']);
});
