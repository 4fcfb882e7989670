import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FixedLengthDecoder,
  FixedLengthEncoder,
  FrameTooLongError,
  InvalidOptionError,
  TruncatedFrameError,
} from '../../src/index.js';
import { apply, bytes, chunking, feedMode, expectError, hex, run, text } from '../_harness.js';
import { refFixed } from '../_reference.js';

describe('FixedLengthDecoder', () => {
  test('cuts every frameLength bytes; the rest waits', () => {
    const d = new FixedLengthDecoder({ frameLength: 4 });
    expect(text(d.decode(bytes('ABCDEFGHIJ')))).toEqual(['ABCD', 'EFGH']);
    expect(d.buffered).toBe(2);
    expect(text(d.decode(bytes('KL')))).toEqual(['IJKL']);
  });

  test('a short last record is TruncatedFrameError by default, with its bytes', () => {
    const d = new FixedLengthDecoder({ frameLength: 4 });
    d.decode(bytes('ABCDEF'));
    const e = expectError(
      () => d.end(),
      TruncatedFrameError,
      'ERR_TRUNCATED_FRAME',
      /^stream ended inside a 4-byte record: 2 bytes received at offset 4$/,
    ) as TruncatedFrameError;
    expect(text([e.partial])).toEqual(['EF']);
    expect(e.offset).toBe(4);
  });

  test("trailing 'emit' and 'drop'", () => {
    const emit = new FixedLengthDecoder({ frameLength: 3, trailing: 'emit' });
    emit.decode(bytes('abcd'));
    expect(text(emit.end())).toEqual(['d']);
    const drop = new FixedLengthDecoder({ frameLength: 3, trailing: 'drop' });
    drop.decode(bytes('abcd'));
    expect(drop.end()).toEqual([]);
    expect(drop.stats).toEqual({ frames: 1, bytes: 3, discardedFrames: 1, discardedBytes: 1 });
  });

  test('frameLength is required and must be a positive integer', () => {
    expectError(
      () => new FixedLengthDecoder({} as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^frameLength is required$/,
    );
    expectError(
      () => new FixedLengthDecoder({ frameLength: 0 }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^frameLength must be an integer >= 1, got 0$/,
    );
  });

  test('any chunking gives the reference outcome', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
        fc.uint8Array({ maxLength: 50 }).chain((input) => fc.tuple(fc.constant(input), chunking(input.length))),
        feedMode,
        (frameLength, trailing, [input, how], mode) => {
          expect(run(new FixedLengthDecoder({ frameLength, trailing }), apply(input, how), [], mode)).toEqual(
            refFixed(input, frameLength, trailing),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('FixedLengthEncoder', () => {
  test('pads shorter payloads with the padding byte', () => {
    expect(hex(new FixedLengthEncoder({ frameLength: 4, padding: 0x20 }).encode(bytes('hi')))).toBe('68692020');
    expect(hex(new FixedLengthEncoder({ frameLength: 3 }).encodeAll([bytes('a'), bytes('bcd')]))).toBe('610000626364');
  });

  test('refuses a longer payload', () => {
    expectError(
      () => new FixedLengthEncoder({ frameLength: 2 }).encode(bytes('abc')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^payload of 3 bytes exceeds frameLength 2$/,
    );
  });

  test('padding must be a byte', () => {
    expectError(
      () => new FixedLengthEncoder({ frameLength: 2, padding: 256 }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^padding must be an integer from 0 to 255, got 256$/,
    );
  });

  test('round-trips through the decoder', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.uint8Array({ maxLength: 9 }), { maxLength: 10 }),
        (frameLength, raw) => {
          const payloads = raw.map((p) => p.slice(0, frameLength));
          const wire = new FixedLengthEncoder({ frameLength }).encodeAll(payloads);
          const frames = new FixedLengthDecoder({ frameLength }).decode(wire);
          expect(frames.map(hex)).toEqual(
            payloads.map((p) => hex(Uint8Array.from([...p, ...new Uint8Array(frameLength - p.length)]))),
          );
        },
      ),
    );
  });
});
