import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import {
  CorruptLengthError,
  FrameTooLongError,
  FramingError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  TruncatedFrameError,
  type LengthFieldDecoderOptions,
} from '../../src/index.js';
import { engine, useEngine } from '../../src/engine/index.js';
import { apply, bytes, bytewise, chunking, cut, expectError, feedMode, hex, run, text } from '../_harness.js';
import { lengthField, refLengthField, type RefLengthOptions } from '../_reference.js';

useEngine(); // the default engine is chosen on first use; these tests read `engine` before any decoder exists

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const HELLO = Buffer.from('HELLO, WORLD').toString('hex');

/** Decodes `input` whole, byte by byte and in two halves; all three must agree. */
function decodeAll(options: LengthFieldDecoderOptions, input: Uint8Array): string[] {
  const results = [[input], bytewise(input), cut(input, [input.length >> 1])].map((chunks) => {
    const outcome = run(new LengthFieldDecoder(options), chunks);
    if (outcome.error) throw new Error(`unexpected ${outcome.error.code}`);
    return outcome.frames;
  });
  expect(results[1]).toEqual(results[0]);
  expect(results[2]).toEqual(results[0]);
  return results[0];
}

describe("Netty's LengthFieldBasedFrameDecoder examples", () => {
  test('2 bytes length field at offset 0, do not strip header', () => {
    // BEFORE (14 bytes): | 00 0C | "HELLO, WORLD" |   AFTER (14 bytes): the same
    const input = h(`000C ${HELLO}`);
    expect(decodeAll({ lengthFieldLength: 2, initialBytesToStrip: 0 }, input)).toEqual([hex(input)]);
  });

  test('2 bytes length field at offset 0, strip header', () => {
    // BEFORE (14 bytes): | 00 0C | "HELLO, WORLD" |   AFTER (12 bytes): "HELLO, WORLD"
    expect(decodeAll({ lengthFieldLength: 2, initialBytesToStrip: 2 }, h(`000C ${HELLO}`))).toEqual([HELLO]);
  });

  test('2 bytes length field at offset 0, length counts the header', () => {
    // BEFORE: | 00 0E | "HELLO, WORLD" |  lengthAdjustment -2   AFTER: unchanged (14 bytes)
    const input = h(`000E ${HELLO}`);
    expect(decodeAll({ lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0 }, input)).toEqual([
      hex(input),
    ]);
  });

  test('3 bytes length field at the end of a 5 bytes header', () => {
    // BEFORE (17 bytes): | CA FE | 00 00 0C | "HELLO, WORLD" |   AFTER: unchanged
    const input = h(`CAFE 00000C ${HELLO}`);
    expect(decodeAll({ lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0 }, input)).toEqual([
      hex(input),
    ]);
  });

  test('3 bytes length field at the beginning of a 5 bytes header', () => {
    // BEFORE (17 bytes): | 00 00 0C | CA FE | "HELLO, WORLD" |  lengthAdjustment 2   AFTER: unchanged
    const input = h(`00000C CAFE ${HELLO}`);
    expect(decodeAll({ lengthFieldLength: 3, lengthAdjustment: 2, initialBytesToStrip: 0 }, input)).toEqual([
      hex(input),
    ]);
  });

  test('2 bytes length field at offset 1 in the middle of a 4 bytes header, strip the first field and the length', () => {
    // BEFORE (16 bytes): | CA | 00 0C | FE | "HELLO, WORLD" |   AFTER (13 bytes): | FE | "HELLO, WORLD" |
    const input = h(`CA 000C FE ${HELLO}`);
    expect(
      decodeAll({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: 1, initialBytesToStrip: 3 }, input),
    ).toEqual([`fe${HELLO}`]);
  });

  test('the same, with the length field counting the whole message', () => {
    // BEFORE (16 bytes): | CA | 00 10 | FE | "HELLO, WORLD" |   AFTER (13 bytes): | FE | "HELLO, WORLD" |
    const input = h(`CA 0010 FE ${HELLO}`);
    expect(
      decodeAll({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 3 }, input),
    ).toEqual([`fe${HELLO}`]);
  });
});

describe('field widths and byte orders', () => {
  test('the defaults: 4-byte big-endian length, header stripped', () => {
    expect(decodeAll({}, h('00000002 6869 00000000 00000001 21'))).toEqual(['6869', '', '21']);
  });

  test.each([
    [1, 'big', '05'],
    [2, 'big', '0005'],
    [2, 'little', '0500'],
    [3, 'big', '000005'],
    [3, 'little', '050000'],
    [4, 'little', '05000000'],
    [8, 'big', '0000000000000005'],
    [8, 'little', '0500000000000000'],
  ] as const)('%i-byte %s-endian field', (width, order, field) => {
    expect(decodeAll({ lengthFieldLength: width, byteOrder: order }, h(`${field} 68656c6c6f`))).toEqual(['68656c6c6f']);
  });

  test('varint lengths of 1, 2 and 3 bytes (protobuf delimited messages)', () => {
    const big = 'ab'.repeat(300);
    const huge = 'cd'.repeat(20000); // 20000 = 0xa0 0x9c 0x01
    expect(decodeAll({ lengthFieldLength: 'varint' }, h(`02 6869 ac02 ${big} a09c01 ${huge} 00`))).toEqual([
      '6869',
      big,
      huge,
      '',
    ]);
  });

  test('a varint header split across chunks, one byte at a time', () => {
    const payload = 'ee'.repeat(200); // 200 = 0xc8 0x01
    const d = new LengthFieldDecoder({ lengthFieldLength: 'varint', lengthFieldOffset: 2 });
    expect(d.decode(h('aa'))).toEqual([]); // the offset (1/2)
    expect(d.decode(h('bb'))).toEqual([]); // the offset (2/2)
    expect(d.decode(h('c8'))).toEqual([]); // varint byte 1 of 2: continuation bit set
    expect(d.buffered).toBe(3);
    expect(d.decode(h('01'))).toEqual([]); // varint byte 2 of 2
    expect(d.decode(h(payload.slice(0, 100)))).toEqual([]);
    expect(d.decode(h(payload.slice(100))).map(hex)).toEqual([payload]);
    expect(d.buffered).toBe(0);
  });
});

describe('sticky and split packets', () => {
  test('three frames glued in one chunk come out as three frames', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 2 });
    expect(text(d.decode(h('0001 61 0002 6263 0003 646566')))).toEqual(['a', 'bc', 'def']);
  });

  test('a frame split over chunks, with the next frame glued to its end', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 2 });
    expect(d.decode(h('0005 6865'))).toEqual([]); // header + "he" (1/2)
    expect(d.buffered).toBe(4);
    expect(text(d.decode(h('6c6c6f 0002 6869')))).toEqual(['hello', 'hi']); // "llo" (2/2) + a whole frame
  });

  test('frames wholly inside the chunk are views on it; frames spanning chunks are copies', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    const chunk = h('02 6869 03 6162');
    const [first] = d.decode(chunk);
    expect(first.buffer).toBe(chunk.buffer);
    const [second] = d.decode(h('63'));
    expect(second.buffer).not.toBe(chunk.buffer);
    expect(text([second])).toEqual(['abc']);
  });

  test('spanning frames stay stable, and a frame whose buffer the caller transfers away breaks nothing', () => {
    // Frames that span chunks are copied into shared slabs; each byte of a slab is written once.
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    const kept: Uint8Array[] = [];
    for (let k = 0; k < 3000; k++) {
      const body = Array.from({ length: 100 }, (_, j) => (k + j) & 0xff);
      const wire = Uint8Array.of(100, ...body);
      // Every frame is split across two chunks, so every frame is a copy.
      const [frame] = [...d.decode(wire.subarray(0, 40)), ...d.decode(wire.subarray(40))];
      expect(Array.from(frame)).toEqual(body);
      if (k % 7 === 0) kept.push(frame);
      // Transferring a frame's buffer (as postMessage(frame, [frame.buffer]) does) detaches it.
      if (k % 500 === 499) structuredClone(frame.buffer, { transfer: [frame.buffer] });
    }
    // The kept frames are unchanged, except the ones that shared a transferred buffer (now empty).
    for (const f of kept) if (f.length > 0) expect(f[1]).toBe((f[0] + 1) & 0xff);
    expect(kept.filter((f) => f.length > 0).length).toBeGreaterThan(kept.length / 2);
  });

  test('a large frame in a huge chunk among small ones', () => {
    const enc = new LengthFieldEncoder();
    const payloads = [
      new Uint8Array(5),
      new Uint8Array(300_000).fill(7),
      new Uint8Array(3).fill(1),
      new Uint8Array(70_000).fill(9),
    ];
    const wire = enc.encodeAll(payloads);
    const out = run(new LengthFieldDecoder(), cut(wire, [100_000, 100_001, 250_000]));
    expect(out.frames).toEqual(payloads.map(hex));
  });
});

describe('errors', () => {
  test('a frame longer than maxFrameLength throws FrameTooLongError naming the numbers', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 2, maxFrameLength: 10 });
    const e = expectError(
      () => d.decode(h('0001 61 0009 00')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 11 bytes \(length field 9\) exceeds maxFrameLength 10 at offset 3$/,
    );
    expect(text(e.frames)).toEqual(['a']); // the frame before the fault is delivered
    expect(e.offset).toBe(3);
    expect((e as FrameTooLongError).frameLength).toBe(11);
  });

  test('frame lengths above 2^53 - 1 are named exactly in the message', () => {
    // 8-byte field 2^53 - 1, header 8: the frame is 2^53 + 7 bytes, which a double rounds to 2^53 + 8.
    const e = expectError(
      () => new LengthFieldDecoder({ lengthFieldLength: 8 }).decode(h('001fffffffffffff')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 9007199254740999 bytes \(length field 9007199254740991\) exceeds maxFrameLength 8388608 at offset 0$/,
    );
    expect(e.offset).toBe(0);
    expectError(
      () => new LengthFieldDecoder({ lengthFieldLength: 8, lengthAdjustment: 100 }).decode(h('001fffffffffffff')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 9007199254741099 bytes \(length field 9007199254740991\) exceeds maxFrameLength 8388608 at offset 0$/,
    );
  });

  test('a frame of exactly maxFrameLength (header included) is accepted', () => {
    expect(decodeAll({ lengthFieldLength: 2, maxFrameLength: 5 }, h('0003 616263'))).toEqual(['616263']);
  });

  test('failFast only changes when the error comes, not what it is', () => {
    const fast = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 4 });
    expectError(() => fast.decode(h('09')), FrameTooLongError, 'ERR_FRAME_TOO_LONG'); // at the header
    const slow = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 4, failFast: false });
    expect(slow.decode(h('09 0102'))).toEqual([]); // discarding quietly
    expect(slow.buffered).toBe(0); // bounded memory: the frame is not held
    const e = expectError(
      () => slow.decode(h('03040506070809 05')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 10 bytes \(length field 9\) exceeds maxFrameLength 4 at offset 0$/,
    );
    expect(e.frames).toEqual([]);
  });

  test('a too-long frame still pending at end() is FrameTooLongError, not truncation', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 4, failFast: false });
    d.decode(h('09 01'));
    expectError(() => d.end(), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('lengthAdjustment that makes the frame shorter than its header is corrupt', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 2, lengthAdjustment: -4 });
    expectError(
      () => d.decode(h('0001 61')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
      /^length field 1 with lengthAdjustment -4 gives a frame of -1 bytes, shorter than its 2-byte header at offset 0$/,
    );
  });

  test('a frame shorter than initialBytesToStrip is corrupt', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, initialBytesToStrip: 4 });
    expectError(
      () => d.decode(h('01 61')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
      /^length field 1 gives a frame of 2 bytes, shorter than initialBytesToStrip 4 at offset 0$/,
    );
  });

  test('a varint longer than 10 bytes is corrupt, found at its 10th byte', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 'varint' });
    expect(d.decode(h('ffffffffffffffffff'))).toEqual([]); // 9 bytes with continuation: may still end
    expectError(
      () => d.decode(h('ff')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
      /^varint length field 0xffffffffffffffffffff is longer than 10 bytes at offset 0$/,
    );
  });

  test('a varint above 2^53 - 1 is corrupt', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 'varint' });
    // 2^53 = 0x80 x7 0x10
    expectError(
      () => d.decode(h('80808080808080801000')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
      /exceeds 2\^53 - 1/,
    );
  });

  test('an 8-byte field above 2^53 - 1 is corrupt, not rounded to a float', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 8 });
    expectError(
      () => d.decode(h('0020000000000000')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
      /^length field 0x0020000000000000 exceeds 2\^53 - 1 at offset 0$/,
    );
    const ok = new LengthFieldDecoder({ lengthFieldLength: 8, maxFrameLength: Number.MAX_SAFE_INTEGER });
    expect(ok.decode(h('001fffffffffff00'))).toEqual([]); // just under 2^53: a (very long) frame begins
    expect(ok.buffered).toBe(8);
  });

  test('after a fatal error every decode and end throws the same code until reset()', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, maxFrameLength: 3 });
    expectError(() => d.decode(h('09')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    expectError(() => d.decode(h('01 61')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    expectError(() => d.decodeEach(h('01 61'), () => {}), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    d.reset();
    expect(text(d.decode(h('01 61')))).toEqual(['a']);
  });

  test('end() resets the decoder, also when it throws', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    d.decode(h('05 6162'));
    const e = expectError(
      () => d.end(),
      TruncatedFrameError,
      'ERR_TRUNCATED_FRAME',
      /^stream ended inside a frame \(3 of 6 bytes received\) at offset 0$/,
    ) as TruncatedFrameError;
    expect(hex(e.partial)).toBe('056162'); // header included
    expect(d.buffered).toBe(0);
    expect(text(d.decode(h('01 7a')))).toEqual(['z']);
  });
});

describe('trailing, stats and skipping', () => {
  test("trailing: 'emit' returns the partial frame, header included", () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, trailing: 'emit' });
    expect(text(d.decode(h('01 61 05 6263')))).toEqual(['a']);
    expect(d.buffered).toBe(3);
    expect(d.end().map(hex)).toEqual(['056263']);
    expect(d.stats).toEqual({ frames: 2, bytes: 4, discardedFrames: 0, discardedBytes: 0 });
  });

  test("trailing: 'drop' counts the partial frame as discarded", () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1, trailing: 'drop' });
    d.decode(h('05 6263'));
    expect(d.end()).toEqual([]);
    expect(d.stats).toEqual({ frames: 0, bytes: 0, discardedFrames: 1, discardedBytes: 3 });
  });

  test("onTooLong: 'skip' drops the frame, calls onDiscard and goes on", () => {
    const seen: unknown[] = [];
    const d = new LengthFieldDecoder({
      lengthFieldLength: 1,
      maxFrameLength: 3,
      onTooLong: 'skip',
      onDiscard: (i) => seen.push(i),
    });
    expect(text(d.decode(h('01 61 05 0000')))).toEqual(['a']);
    expect(text(d.decode(h('000000 01 62')))).toEqual(['b']);
    expect(seen).toEqual([{ reason: 'too-long', bytes: 6, offset: 2 }]);
    expect(d.stats).toEqual({ frames: 2, bytes: 2, discardedFrames: 1, discardedBytes: 6 });
  });

  test('stats survive reset() and end()', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    d.decode(h('01 61'));
    d.reset();
    d.decode(h('01 62'));
    d.end();
    expect(d.stats.frames).toBe(2);
  });
});

describe('lifecycle', () => {
  test('free() makes every later call throw ERR_DECODER_FREED', () => {
    const d = new LengthFieldDecoder();
    d.free();
    for (const call of [
      () => d.decode(new Uint8Array(1)),
      () => d.end(),
      () => d.reset(),
      () => d.decodeEach(new Uint8Array(1), () => {}),
    ]) {
      expectError(call, FramingError, 'ERR_DECODER_FREED', /freed/);
    }
    d.free(); // idempotent
  });

  test('Symbol.dispose frees the decoder', () => {
    const d = new LengthFieldDecoder();
    (d as unknown as { [Symbol.dispose](): void })[Symbol.dispose]();
    expectError(() => d.decode(new Uint8Array(1)), FramingError, 'ERR_DECODER_FREED');
  });

  test('accepts an ArrayBuffer', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    expect(text(d.decode(h('01 61').buffer))).toEqual(['a']);
  });
});

describe('options are validated', () => {
  test.each([
    ['lengthFieldLength', { lengthFieldLength: 5 }],
    ['lengthFieldOffset', { lengthFieldOffset: -1 }],
    ['byteOrder', { byteOrder: 'middle' }],
    ['lengthAdjustment', { lengthAdjustment: 1.5 }],
    ['initialBytesToStrip', { initialBytesToStrip: -2 }],
    ['maxFrameLength', { maxFrameLength: -1 }],
    ['failFast', { failFast: 'yes' }],
    ['onTooLong', { onTooLong: 'ignore' }],
    ['onDiscard', { onDiscard: 42 }],
    ['trailing', { trailing: 'keep' }],
  ])('%s', (name, options) => {
    const e = expectError(
      () => new LengthFieldDecoder(options as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      new RegExp(`^${name} must be`),
    );
    expect((e as InvalidOptionError).option).toBe(name);
  });

  test('encoder options too', () => {
    expectError(
      () => new LengthFieldEncoder({ lengthIncludesHeader: 1 as never }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^lengthIncludesHeader must be a boolean/,
    );
  });
});

describe('LengthFieldEncoder', () => {
  test('writes payload.length - lengthAdjustment', () => {
    const e = new LengthFieldEncoder({ lengthFieldLength: 2, lengthAdjustment: -2 });
    expect(hex(e.encode(bytes('hi')))).toBe('00046869');
  });

  test('lengthIncludesHeader counts the field itself', () => {
    expect(hex(new LengthFieldEncoder({ lengthFieldLength: 2, lengthIncludesHeader: true }).encode(bytes('hi')))).toBe(
      '00046869',
    );
  });

  test('lengthIncludesHeader with a varint is refused: no decoder adjustment could undo a width that varies', () => {
    const e = expectError(
      () => new LengthFieldEncoder({ lengthFieldLength: 'varint', lengthIncludesHeader: true }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^lengthIncludesHeader needs a fixed-width field: a varint's width depends on its value/,
    );
    expect((e as InvalidOptionError).option).toBe('lengthIncludesHeader');
  });

  test('encodeAll writes every frame into one buffer', () => {
    const e = new LengthFieldEncoder({ lengthFieldLength: 1 });
    expect(hex(e.encodeAll([bytes('a'), bytes(''), bytes('bc')]))).toBe('0161' + '00' + '026263');
  });

  test('encode and encodeAll refuse what is not bytes, naming the argument', () => {
    const e = new LengthFieldEncoder();
    const a = expectError(
      () => e.encodeAll(null as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^payloads must be an iterable of Uint8Array or ArrayBuffer, got null$/,
    );
    expect((a as InvalidOptionError).option).toBe('payloads');
    expectError(
      () => e.encodeAll([bytes('a'), 'b' as never]),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^payload must be a Uint8Array or an ArrayBuffer, got "b"$/,
    );
    expectError(
      () => e.encode(undefined as never),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
      /^payload must be a Uint8Array or an ArrayBuffer, got undefined$/,
    );
  });

  test('refuses what the field cannot hold, at the sender', () => {
    expectError(
      () => new LengthFieldEncoder({ lengthFieldLength: 1 }).encode(new Uint8Array(256)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^payload of 256 bytes needs length field value 256, which a 1-byte field cannot hold \(0 to 255\)$/,
    );
    expectError(
      () => new LengthFieldEncoder({ lengthFieldLength: 1, lengthAdjustment: 3 }).encode(new Uint8Array(2)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
    );
  });

  test('refuses frames above maxFrameLength, header included', () => {
    const e = new LengthFieldEncoder({ lengthFieldLength: 2, maxFrameLength: 5 });
    expect(e.encode(new Uint8Array(3)).length).toBe(5);
    expectError(
      () => e.encode(new Uint8Array(4)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 6 bytes \(payload 4 \+ header 2\) exceeds maxFrameLength 5$/,
    );
  });
});

// ---------------------------------------------------------------------------
// Properties: any options, any bytes, any chunking, against the reference model.

const widths = fc.constantFrom<RefLengthOptions['lengthFieldLength']>(1, 2, 3, 4, 8, 'varint');

const lengthOptions = fc.record({
  lengthFieldOffset: fc.integer({ min: 0, max: 3 }),
  lengthFieldLength: widths,
  byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
  lengthAdjustment: fc.integer({ min: -6, max: 6 }),
  initialBytesToStrip: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  maxFrameLength: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(8 * 1024 * 1024)),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
  trailing: fc.constantFrom<'error' | 'emit' | 'drop'>('error', 'emit', 'drop'),
  failFast: fc.boolean(),
});

/** Mostly well-formed frames for the options, sometimes followed by garbage or cut short. */
const streamFor = (o: RefLengthOptions) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ minLength: 4, maxLength: 4 })), {
        maxLength: 6,
      }),
      fc.uint8Array({ maxLength: 12 }),
      fc.nat(),
    )
    .map(([frames, garbage, cutAt]) => {
      const parts: number[] = [];
      for (const [payload, offsetBytes] of frames) {
        for (let k = 0; k < o.lengthFieldOffset; k++) parts.push(offsetBytes[k]);
        parts.push(...lengthField(o, Math.max(0, payload.length - o.lengthAdjustment)));
        parts.push(...payload);
      }
      const all = Uint8Array.from([...parts, ...garbage]);
      return cutAt % 3 === 0 ? all.slice(0, cutAt % (all.length + 1)) : all;
    });

const lengthCase = lengthOptions
  .chain((o) => fc.record({ o: fc.constant(o), input: streamFor(o) }))
  .chain(({ o, input }) =>
    fc.record({ o: fc.constant(o), input: fc.constant(input), how: chunking(input.length), each: feedMode }),
  );

describe('properties', () => {
  test('any chunking gives the reference outcome: frames, error, stats, onDiscard calls', () => {
    fc.assert(
      fc.property(lengthCase, ({ o, input, how, each }) => {
        const discards: { bytes: number; offset: number }[] = [];
        const d = new LengthFieldDecoder({
          ...o,
          onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }),
        });
        expect(run(d, apply(input, how), discards, each)).toEqual(refLengthField(input, o));
      }),
      { numRuns: 1500 },
    );
  });

  test('random bytes: any chunking gives the reference outcome', () => {
    fc.assert(
      fc.property(
        lengthOptions,
        fc.uint8Array({ maxLength: 60 }),
        fc.array(fc.nat(60), { maxLength: 10 }),
        (o, input, cuts) => {
          const discards: { bytes: number; offset: number }[] = [];
          const d = new LengthFieldDecoder({
            ...o,
            onDiscard: (i) => discards.push({ bytes: i.bytes, offset: i.offset }),
          });
          expect(run(d, cut(input, cuts), discards)).toEqual(refLengthField(input, o));
          const b = new LengthFieldDecoder(o);
          expect(run(b, bytewise(input)).frames).toEqual(refLengthField(input, o).frames);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('encoder then decoder round-trips every payload, with the same options', () => {
    const shared = fc.record({
      lengthFieldLength: widths,
      byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
      lengthAdjustment: fc.integer({ min: -4, max: 0 }),
      maxFrameLength: fc.constant(1 << 20),
    });
    fc.assert(
      fc.property(
        shared,
        fc.array(fc.uint8Array({ maxLength: 251, size: 'max' }), { maxLength: 8 }), // 251 + 4: what a 1-byte field holds
        fc.array(fc.nat(3000), { maxLength: 8 }),
        (o, payloads, cuts) => {
          const wire = new LengthFieldEncoder(o).encodeAll(payloads);
          const got = run(new LengthFieldDecoder(o), cut(wire, cuts));
          expect(got.error).toBeUndefined();
          expect(got.frames).toEqual(payloads.map(hex));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('frames returned by decode() never change afterwards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 100, size: 'max' }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(2000), { maxLength: 20 }),
        (payloads, cuts) => {
          const wire = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll(payloads);
          // run() snapshots each frame on arrival and compares at the end.
          expect(run(new LengthFieldDecoder({ lengthFieldLength: 2 }), cut(wire, cuts)).frames).toEqual(
            payloads.map(hex),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('linear time', () => {
  const original = engine.x;
  afterEach(() => {
    (engine as { x: typeof original }).x = original;
  });

  test('a 1 MiB frame fed one byte at a time stages each byte a bounded number of times', () => {
    let staged = 0;
    (engine as { x: typeof original }).x = {
      ...original,
      scanLength: (...a: Parameters<typeof original.scanLength>) => {
        staged += a[2]; // (params, data, len, ...)
        return original.scanLength(...a);
      },
    };
    const size = 1 << 20;
    const wire = new LengthFieldEncoder().encode(new Uint8Array(size).fill(3));
    const d = new LengthFieldDecoder();
    let frames = 0;
    for (let i = 0; i < wire.length; i++) frames += d.decode(wire.subarray(i, i + 1)).length;
    expect(frames).toBe(1);
    // Only the header is ever scanned (bytes 1..4 once each, re-staged while incomplete);
    // the body is appended to the carry without a scan.
    expect(staged).toBeLessThan(16);
  });
});
