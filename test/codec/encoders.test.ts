// The encoders' contract (SPEC sections 3 and 5): LengthFieldEncoder's prefix
// (lengthFieldOffset), encodeAll items and limits; DelimiterEncoder's
// maxFrameLength. Each ends with a property: whatever the encoder writes, a
// decoder built from the same options reads back, under any chunking down to one
// byte. Runs once per engine (vitest.config.ts).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  DelimiterInPayloadError,
  FrameTooLongError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  type LengthFieldLength,
} from '../../src/index.js';
import { apply, bytes, chunking, expectError, hex, run } from '../_harness.js';

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('LengthFieldEncoder: the prefix before the length field', () => {
  test('writes the prefix, then the length field, then the payload', () => {
    // A PostgreSQL Query: type 'Q', an int32 that counts itself, "SELECT 1" and its NUL.
    const postgres = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 4, lengthAdjustment: -4 });
    expect(hex(postgres.encode(bytes('SELECT 1\0'), bytes('Q')))).toBe(
      `51 0000000d ${hex(bytes('SELECT 1\0'))}`.replace(/ /g, ''),
    );
  });

  test('a prefix of three bytes, little-endian field: TLS-like type and version, then the length', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 3, lengthFieldLength: 2, byteOrder: 'little' });
    expect(hex(e.encode(bytes('hi'), h('160301')))).toBe('160301' + '0200' + '6869');
  });

  test('the prefix may be an ArrayBuffer', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1 });
    expect(hex(e.encode(bytes('a'), Uint8Array.of(7).buffer))).toBe('070161');
  });

  test('the prefix is required when lengthFieldOffset is above 0', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 2 });
    const error = expectError(
      () => e.encode(bytes('x')),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^prefix is required: lengthFieldOffset is 2, so each frame starts with the 2 bytes written before its length field$/,
    );
    expect((error as InvalidOptionError).option).toBe('prefix');
  });

  test.each([
    ['too short', 1],
    ['too long', 3],
    ['empty', 0],
  ])('a prefix that is %s is refused: it must be exactly lengthFieldOffset bytes', (_name, length) => {
    const error = expectError(
      () => new LengthFieldEncoder({ lengthFieldOffset: 2 }).encode(bytes('x'), new Uint8Array(length)),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      new RegExp(`^prefix must be exactly lengthFieldOffset \\(2\\) bytes long, got ${length} bytes?$`),
    );
    expect((error as InvalidOptionError).option).toBe('prefix');
  });

  test('with lengthFieldOffset 0, an omitted or empty prefix is fine', () => {
    const e = new LengthFieldEncoder({ lengthFieldLength: 1 });
    expect(hex(e.encode(bytes('a')))).toBe('0161');
    expect(hex(e.encode(bytes('a'), new Uint8Array(0)))).toBe('0161');
  });

  test('with lengthFieldOffset 0, a non-empty prefix is refused: a receiver would read it as the length field', () => {
    // Writing it anyway would put 0xaa where the receiver expects the field.
    const error = expectError(
      () => new LengthFieldEncoder({ lengthFieldLength: 1 }).encode(bytes('a'), h('aa')),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^prefix of 1 byte given, but lengthFieldOffset is 0: a receiver with the same options would read it as the length field \(set lengthFieldOffset: 1\)$/,
    );
    expect((error as InvalidOptionError).option).toBe('prefix');
  });

  test('a prefix that is not bytes is refused, naming it', () => {
    const error = expectError(
      () => new LengthFieldEncoder({ lengthFieldOffset: 1 }).encode(bytes('a'), 'Q' as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^prefix must be a Uint8Array or an ArrayBuffer, got "Q"$/,
    );
    expect((error as InvalidOptionError).option).toBe('prefix');
  });

  test('the prefix is copied into the frame, not aliased', () => {
    const prefix = h('01');
    const frame = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1 }).encode(bytes('a'), prefix);
    prefix[0] = 9;
    expect(hex(frame)).toBe('010161');
  });
});

describe('LengthFieldEncoder.encodeAll', () => {
  const e = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1 });

  test('takes { prefix, payload } items into one buffer', () => {
    const wire = e.encodeAll([
      { prefix: h('0a'), payload: bytes('ab') },
      { prefix: h('0b'), payload: bytes('') },
    ]);
    expect(hex(wire)).toBe('0a026162' + '0b00');
  });

  test('takes bare payloads when lengthFieldOffset is 0, and { prefix, payload } with an empty prefix', () => {
    const plain = new LengthFieldEncoder({ lengthFieldLength: 1 });
    expect(hex(plain.encodeAll([bytes('a'), { prefix: new Uint8Array(0), payload: bytes('b') }]))).toBe(
      '0161' + '0162',
    );
  });

  test('a bare payload when lengthFieldOffset is above 0 is refused, naming the item', () => {
    const error = expectError(
      () => e.encodeAll([{ prefix: h('0a'), payload: bytes('a') }, bytes('b')]),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^prefix is required \(item 1\): lengthFieldOffset is 1/,
    );
    expect((error as InvalidOptionError).option).toBe('prefix');
  });

  test('a prefix of the wrong length is refused, naming the item', () => {
    expectError(
      () => e.encodeAll([{ prefix: h('0a0b'), payload: bytes('a') }]),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^prefix must be exactly lengthFieldOffset \(1\) bytes long, got 2 bytes \(item 0\)$/,
    );
  });

  test('an item without a payload is refused, naming the payload', () => {
    expectError(
      () => e.encodeAll([{ prefix: h('0a') } as never]),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^payload must be a Uint8Array or an ArrayBuffer, got undefined$/,
    );
  });

  test('accepts any iterable, a generator included', () => {
    function* items() {
      yield { prefix: h('01'), payload: bytes('x') };
      yield { prefix: h('02'), payload: bytes('yz') };
    }
    expect(hex(e.encodeAll(items()))).toBe('010178' + '0202797a');
  });

  test('encodeAll equals the encode() frames concatenated', () => {
    const items = [
      { prefix: h('01'), payload: bytes('x') },
      { prefix: h('02'), payload: bytes('') },
    ];
    expect(hex(e.encodeAll(items))).toBe(items.map((i) => hex(e.encode(i.payload, i.prefix))).join(''));
  });
});

describe('LengthFieldEncoder: limits', () => {
  test('maxFrameLength counts prefix, length field and payload', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 3, lengthFieldLength: 2, maxFrameLength: 10 });
    expect(e.encode(new Uint8Array(5), h('170303')).length).toBe(10); // exactly maxFrameLength: accepted
    const error = expectError(
      () => e.encode(new Uint8Array(6), h('170303')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 11 bytes \(prefix 3 \+ length field 2 \+ payload 6\) exceeds maxFrameLength 10$/,
    );
    expect((error as FrameTooLongError).frameLength).toBe(11);
    expect((error as FrameTooLongError).maxFrameLength).toBe(10);
  });

  test('encodeAll checks every item before writing anything', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1, maxFrameLength: 4 });
    expectError(
      () =>
        e.encodeAll([
          { prefix: h('01'), payload: bytes('ab') },
          { prefix: h('02'), payload: bytes('abc') },
        ]),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 5 bytes \(prefix 1 \+ length field 1 \+ payload 3\) exceeds maxFrameLength 4$/,
    );
  });

  test('lengthIncludesHeader counts the field, never the prefix (PostgreSQL: the int32 counts itself, not the type byte)', () => {
    const e = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 4, lengthIncludesHeader: true });
    expect(hex(e.encode(bytes('hi'), bytes('Q')))).toBe('51' + '00000006' + '6869');
  });

  test('a field that cannot hold the value still throws at the sender, with a prefix', () => {
    expectError(
      () => new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 1 }).encode(new Uint8Array(256), h('00')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^payload of 256 bytes needs length field value 256, which a 1-byte field cannot hold \(0 to 255\)$/,
    );
  });
});

describe('LengthFieldEncoder: options', () => {
  test.each([
    ['lengthFieldOffset', { lengthFieldOffset: -1 }],
    ['lengthFieldOffset', { lengthFieldOffset: 1.5 }],
    ['lengthFieldOffset', { lengthFieldOffset: '1' }],
    ['lengthFieldOffset', { lengthFieldOffset: (1 << 20) + 1 }],
    ['initialBytesToStrip', { initialBytesToStrip: -2 }],
    ['initialBytesToStrip', { initialBytesToStrip: 'all' }],
  ])('%s is checked as the decoder checks it', (name, options) => {
    const encoderError = expectError(
      () => new LengthFieldEncoder(options as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
    );
    expect((encoderError as InvalidOptionError).option).toBe(name);
    const decoderError = expectError(
      () => new LengthFieldDecoder(options as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
    );
    expect(encoderError.message).toBe(decoderError.message);
  });

  test('initialBytesToStrip changes nothing the encoder writes (it is what a receiver cuts off)', () => {
    const plain = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 2 });
    const keep = new LengthFieldEncoder({ lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 0 });
    expect(hex(keep.encode(bytes('abc'), h('ff')))).toBe(hex(plain.encode(bytes('abc'), h('ff'))));
  });
});

// ---------------------------------------------------------------------------
// The round trip, as a property: random options, payloads, prefixes and chunkings.

const FIELD_MAX: Record<string, number> = { 1: 255, 2: 65535, 3: 2 ** 24 - 1, 4: 2 ** 32 - 1 };

const lengthOptions = fc.record({
  lengthFieldOffset: fc.integer({ min: 0, max: 6 }),
  lengthFieldLength: fc.constantFrom<LengthFieldLength>(1, 2, 3, 4, 8, 'varint'),
  byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
  lengthAdjustment: fc.integer({ min: -6, max: 4 }),
  lengthIncludesHeader: fc.boolean(),
  maxFrameLength: fc.oneof(fc.integer({ min: 0, max: 320 }), fc.constant(8 * 1024 * 1024)),
});

const items = fc.array(
  fc.record({
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.uint8Array({ minLength: 120, maxLength: 300 }), // past a varint's first byte and a 1-byte field
    ),
    prefix: fc.uint8Array({ minLength: 6, maxLength: 6 }),
  }),
  { maxLength: 6 },
);

describe('LengthFieldEncoder then LengthFieldDecoder, same options: a property', () => {
  test('every frame the encoder writes comes back: the payload, or prefix + field + payload with initialBytesToStrip 0', () => {
    fc.assert(
      fc.property(lengthOptions, items, chunking(2000), chunking(2000), (options, list, how, how2) => {
        const o = { ...options };
        if (o.lengthFieldLength === 'varint') o.lengthIncludesHeader = false;
        const field = o.lengthFieldLength === 'varint' ? 0 : o.lengthFieldLength;
        const encoder = new LengthFieldEncoder(o);
        // A decoder has no lengthIncludesHeader: it is the adjustment -fieldBytes.
        const decoderOptions = {
          ...o,
          lengthAdjustment: o.lengthAdjustment - (o.lengthIncludesHeader ? field : 0),
        };
        const accepted: { prefix: Uint8Array; payload: Uint8Array; frame: Uint8Array }[] = [];
        for (const { payload, prefix: seed } of list) {
          const prefix = seed.subarray(0, o.lengthFieldOffset);
          const value = payload.length - o.lengthAdjustment + (o.lengthIncludesHeader ? field : 0);
          const fits = value >= 0 && (field === 0 || field === 8 || value <= FIELD_MAX[field]);
          const header = field || (fits ? Math.max(1, Math.ceil(Math.log2(value + 1) / 7)) : 1);
          const expected = fits && o.lengthFieldOffset + header + payload.length <= o.maxFrameLength;
          let frame: Uint8Array | undefined;
          try {
            frame = encoder.encode(payload, prefix);
          } catch (e) {
            if (!(e instanceof FrameTooLongError)) throw e;
          }
          expect(frame !== undefined).toBe(expected);
          if (frame) {
            expect(frame.length).toBe(o.lengthFieldOffset + header + payload.length);
            expect(hex(frame.subarray(0, o.lengthFieldOffset))).toBe(hex(prefix));
            accepted.push({ prefix, payload, frame });
          }
        }
        const wire = encoder.encodeAll(accepted.map(({ prefix, payload }) => ({ prefix, payload })));
        expect(hex(wire)).toBe(accepted.map((a) => hex(a.frame)).join(''));

        const payloads = run(new LengthFieldDecoder(decoderOptions), apply(wire, how));
        expect(payloads.error).toBeUndefined();
        expect(payloads.frames).toEqual(accepted.map((a) => hex(a.payload)));

        const whole = run(new LengthFieldDecoder({ ...decoderOptions, initialBytesToStrip: 0 }), apply(wire, how2));
        expect(whole.error).toBeUndefined();
        expect(whole.frames).toEqual(accepted.map((a) => hex(a.frame)));
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------
// DelimiterEncoder: maxFrameLength.

describe('DelimiterEncoder: maxFrameLength', () => {
  test('a payload of exactly maxFrameLength is accepted; one byte more throws at the sender', () => {
    const e = new DelimiterEncoder({ delimiter: '\r\n', maxFrameLength: 3 });
    expect(hex(e.encode(bytes('abc')))).toBe(hex(bytes('abc\r\n')));
    const error = expectError(
      () => e.encode(bytes('abcd')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^payload of 4 bytes exceeds maxFrameLength 3 \(counted without the delimiter, as a receiver counts\)$/,
    );
    expect((error as FrameTooLongError).maxFrameLength).toBe(3);
    expect((error as FrameTooLongError).frameLength).toBe(4);
  });

  test('the default is 8 MiB, counted without the delimiter', () => {
    const e = new DelimiterEncoder({ delimiter: '\n' });
    expect(e.encode(new Uint8Array(8 * 1024 * 1024).fill(0x61)).length).toBe(8 * 1024 * 1024 + 1);
    expectError(() => e.encode(new Uint8Array(8 * 1024 * 1024 + 1)), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('encodeAll names the payload that is too long and writes nothing', () => {
    const e = new DelimiterEncoder({ delimiter: '\n', maxFrameLength: 2 });
    expectError(
      () => e.encodeAll([bytes('ok'), bytes('too long')]),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^payload 1 \(of 8 bytes\) exceeds maxFrameLength 2 /,
    );
  });

  test('maxFrameLength 0 allows only empty payloads', () => {
    const e = new DelimiterEncoder({ delimiter: '|', maxFrameLength: 0 });
    expect(hex(e.encodeAll([bytes(''), bytes('')]))).toBe('7c7c');
    expectError(() => e.encode(bytes('a')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('a payload both too long and holding a delimiter: the length is checked first', () => {
    expectError(
      () => new DelimiterEncoder({ delimiter: '\n', maxFrameLength: 2 }).encode(bytes('a\nbc')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
    );
  });

  test.each([-1, 1.5, '8', Number.NaN, Number.POSITIVE_INFINITY, null])(
    'maxFrameLength %s is refused as the decoders refuse it',
    (value) => {
      const encoderError = expectError(
        () => new DelimiterEncoder({ delimiter: '\n', maxFrameLength: value as never }),
        InvalidOptionError,
        'ERR_INVALID_OPTION',
        /^maxFrameLength must be an integer >= 0, got /,
      );
      expect((encoderError as InvalidOptionError).option).toBe('maxFrameLength');
      const decoderError = expectError(
        () => new DelimiterDecoder({ delimiter: '\n', maxFrameLength: value as never }),
        InvalidOptionError,
        'ERR_INVALID_OPTION',
      );
      expect(encoderError.message).toBe(decoderError.message);
    },
  );
});

const alphabet = [0x61, 0x62, 0x0d, 0x0a];
const delimiterBytes = fc
  .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 })
  .map((a) => Uint8Array.from(a));
const payloadBytes = fc.array(fc.constantFrom(...alphabet, 0x78), { maxLength: 16 }).map((a) => Uint8Array.from(a));

describe('DelimiterEncoder then DelimiterDecoder, same delimiter and maxFrameLength: a property', () => {
  test('the decoder accepts every frame the encoder wrote, under any chunking and disposition', () => {
    fc.assert(
      fc.property(
        fc.array(delimiterBytes, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom<'discard' | 'suffix' | 'prefix'>('discard', 'suffix', 'prefix'),
        fc.array(payloadBytes, { maxLength: 6 }),
        chunking(200),
        (delimiters, maxFrameLength, disposition, payloads, how) => {
          const encoder = new DelimiterEncoder({ delimiter: delimiters, maxFrameLength });
          const accepted: Uint8Array[] = [];
          for (const p of payloads) {
            try {
              encoder.encode(p);
              accepted.push(p);
            } catch (e) {
              if (e instanceof FrameTooLongError) {
                expect(p.length).toBeGreaterThan(maxFrameLength);
                continue;
              }
              if (!(e instanceof DelimiterInPayloadError)) throw e;
              expect(p.length).toBeLessThanOrEqual(maxFrameLength);
            }
          }
          let wire: Uint8Array;
          try {
            wire = encoder.encodeAll(accepted);
          } catch (e) {
            // Payloads fine alone can still merge on the wire (['\r', '\r\n'], then '\n…'): encodeAll refuses that.
            if (!(e instanceof DelimiterInPayloadError)) throw e;
            return;
          }
          const got = run(
            new DelimiterDecoder({ delimiter: delimiters, maxFrameLength, disposition }),
            apply(wire, how),
          );
          expect(got.error).toBeUndefined();
          const d = hex(delimiters[0]);
          const expected =
            disposition === 'discard'
              ? accepted.map(hex)
              : disposition === 'suffix'
                ? accepted.map((p) => hex(p) + d)
                : accepted.length === 0
                  ? []
                  : [...accepted.map((p, k) => (k === 0 ? '' : d) + hex(p)), d]; // 'a|b|' gives a, |b, |
          expect(got.frames).toEqual(expected);
        },
      ),
      { numRuns: 600 },
    );
  });
});
