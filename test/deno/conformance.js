// @ts-check
// The portable conformance suite: every decoder, encoder, stream adapter and
// error class of the built package, imported by its name as a user would.
//
// Plain JavaScript (type-checked by Deno through `@ts-check` and the package's
// .d.ts) with no runtime-specific API, so the same file runs in:
//   - Deno:     test/deno/framecodec_test.js registers each case with Deno.test;
//               'framecodec' resolves through package.json "exports" to dist/.
//   - Chromium: test/browser/ serves it in a page whose import map points
//               'framecodec' at /dist/index.js.
import * as fc from 'fast-check';
import {
  backend,
  init,
  CorruptLengthError,
  DecoderStream,
  DelimiterDecoder,
  DelimiterEncoder,
  DelimiterInPayloadError,
  EncoderStream,
  FixedLengthDecoder,
  FixedLengthEncoder,
  FrameTooLongError,
  FramingError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
  frames,
} from 'framecodec';
import { assert, assertEquals, assertError, assertRejects, assertThrows } from './_assert.js';

/** @typedef {import('framecodec').FrameDecoder} FrameDecoder */
/** @typedef {{ name: string, fn: () => void | Promise<void> }} Case */

const utf8 = new TextEncoder();
/** @param {string} s */
const bytes = (s) => utf8.encode(s);
/** @param {Uint8Array[]} frames */
const text = (frames) => frames.map((f) => new TextDecoder().decode(f));
/** @param {Uint8Array} b */
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
/** @param {string} h  hex with optional spaces */
const unhex = (h) => Uint8Array.from(h.replace(/ /g, '').match(/../g) ?? [], (x) => parseInt(x, 16));

/**
 * Cuts `input` into chunks at the given positions.
 * @param {Uint8Array} input
 * @param {number[]} cuts
 */
function cut(input, cuts) {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < input.length))].sort((a, b) => a - b);
  const chunks = [];
  let from = 0;
  for (const p of points) {
    chunks.push(input.slice(from, p));
    from = p;
  }
  chunks.push(input.slice(from));
  return chunks;
}

/**
 * Feeds chunks then end(); returns the frames (hex) and the error, as a user sees them.
 * @param {FrameDecoder} decoder
 * @param {Uint8Array[]} chunks
 */
function outcome(decoder, chunks) {
  /** @type {string[]} */
  const out = [];
  try {
    for (const chunk of chunks) out.push(...decoder.decode(chunk).map(hex));
    out.push(...decoder.end().map(hex));
    return { frames: out };
  } catch (e) {
    const error = assertError(e, FramingError);
    out.push(...error.frames.map(hex));
    return { frames: out, error: `${error.code}@${error.offset}` };
  }
}

/** A deterministic generator (xorshift32), so that fixtures are the same everywhere. */
function prng(seed = 0x9e3779b9) {
  let s = seed >>> 0 || 1;
  return (/** @type {number} */ n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/**
 * A fixed corpus run through every decoder under several chunkings: one string
 * holding every frame and error. Engines and runtimes must give the same string.
 */
export function fingerprint() {
  const rand = prng();
  /** @type {[string, () => FrameDecoder, Uint8Array][]} */
  const runs = [];
  const payloads = Array.from({ length: 30 }, (_, i) =>
    Uint8Array.from({ length: rand(i % 10 === 0 ? 700 : 40) }, () => rand(256)),
  );
  const lengthOptions = [
    {},
    { lengthFieldLength: 2, byteOrder: 'little' },
    { lengthFieldLength: 3 },
    { lengthFieldLength: 8 },
    { lengthFieldLength: 'varint' },
    { lengthFieldLength: 2, lengthAdjustment: -2, lengthIncludesHeader: true },
  ];
  for (const o of lengthOptions) {
    const wire = new LengthFieldEncoder(/** @type {any} */ (o)).encodeAll(payloads);
    runs.push([`length ${JSON.stringify(o)}`, () => new LengthFieldDecoder(/** @type {any} */ (o)), wire]);
    runs.push([
      `length ${JSON.stringify(o)} + garbage`,
      () => new LengthFieldDecoder({ .../** @type {any} */ (o), maxFrameLength: 2000 }),
      new Uint8Array([...wire, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ]);
  }
  runs.push([
    'length, header kept, offset 2',
    () => new LengthFieldDecoder({ lengthFieldOffset: 2, lengthFieldLength: 2, initialBytesToStrip: 0 }),
    unhex('cafe0002 6869 beef0000 cafe0001'),
  ]);
  const alphabet = bytes('ab\r\n|xy');
  const textual = Uint8Array.from({ length: 2000 }, () => alphabet[rand(alphabet.length)]);
  for (const disposition of /** @type {const} */ (['discard', 'suffix', 'prefix'])) {
    runs.push([
      `delimiters ${disposition}`,
      () => new DelimiterDecoder({ delimiter: ['\r\n', '\n', '|', 'xy'], disposition }),
      textual,
    ]);
  }
  runs.push([
    'delimiter, skip too long',
    () => new DelimiterDecoder({ delimiter: '|', maxFrameLength: 6, onTooLong: 'skip' }),
    textual,
  ]);
  runs.push(['delimiter, too long', () => new DelimiterDecoder({ delimiter: 'ab', maxFrameLength: 40 }), textual]);
  runs.push(['lines', () => new LineDecoder(), textual]);
  runs.push(['lines allowCR keepLineEnding', () => new LineDecoder({ allowCR: true, keepLineEnding: true }), textual]);
  runs.push(['fixed 7, emit', () => new FixedLengthDecoder({ frameLength: 7, trailing: 'emit' }), textual]);
  runs.push(['fixed 7, error', () => new FixedLengthDecoder({ frameLength: 7 }), textual]);
  const parts = [];
  for (const [name, make, input] of runs) {
    const chunkings = [
      [],
      Array.from({ length: 40 }, () => rand(input.length)),
      Array.from({ length: input.length }, (_, i) => i),
    ];
    for (const cuts of chunkings) {
      const decoder = make();
      const { frames, error } = outcome(decoder, cut(input, cuts));
      parts.push(`${name}/${cuts.length}: ${frames.join(',')} ${error ?? 'ok'} ${JSON.stringify(decoder.stats)}`);
    }
  }
  return parts.join('\n');
}

/**
 * The cases, for any test runner.
 * @param {{ backend: string, webAssembly: boolean }} expected  the engine this
 *   runtime must have chosen, and whether it allows WebAssembly at all
 * @returns {Case[]}
 */
export function conformance(expected) {
  /** @type {Case[]} */
  const cases = [];
  const test = (/** @type {string} */ name, /** @type {Case['fn']} */ fn) => void cases.push({ name, fn });

  test(`backend() is '${expected.backend}'`, () => {
    assertEquals(backend(), expected.backend, 'backend()');
  });

  // ---- length-field framing ------------------------------------------------

  test('LengthFieldDecoder: defaults (4-byte big-endian length, header stripped)', () => {
    const d = new LengthFieldDecoder();
    assertEquals(text(d.decode(unhex('00000005 68656c6c6f 000000'))), ['hello']);
    assertEquals(d.buffered, 3);
    assertEquals(text(d.decode(unhex('02 6869'))), ['hi']);
    assertEquals(d.stats, { frames: 2, bytes: 7, discardedFrames: 0, discardedBytes: 0 });
  });

  test("LengthFieldDecoder: Netty's options (offset, adjustment, strip)", () => {
    // 2 magic bytes, a 2-byte length counting the whole frame, header kept.
    const d = new LengthFieldDecoder({
      lengthFieldOffset: 2,
      lengthFieldLength: 2,
      lengthAdjustment: -4,
      initialBytesToStrip: 0,
    });
    assertEquals(d.decode(unhex('cafe 0006 6869 cafe')).map(hex), ['cafe00066869']);
    const little = new LengthFieldDecoder({ lengthFieldLength: 3, byteOrder: 'little' });
    assertEquals(text(little.decode(unhex('020000 6869'))), ['hi']);
  });

  test('LengthFieldEncoder round-trips every field length', () => {
    for (const lengthFieldLength of /** @type {const} */ ([1, 2, 3, 4, 8, 'varint'])) {
      const options = { lengthFieldLength, lengthAdjustment: lengthFieldLength === 'varint' ? 0 : -1 };
      const payloads = ['', 'a', 'x'.repeat(200)].map(bytes);
      const wire = new LengthFieldEncoder(options).encodeAll(payloads);
      assertEquals(new LengthFieldDecoder(options).decode(wire), payloads, `field ${lengthFieldLength}`);
    }
    assertEquals(
      hex(new LengthFieldEncoder({ lengthFieldLength: 'varint' }).encode(new Uint8Array(300))).slice(0, 4),
      'ac02',
    );
  });

  test('FrameTooLongError: from the decoder as soon as the length is known, and from the encoder', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 2, maxFrameLength: 10 });
    const e = assertThrows(() => d.decode(unhex('0003 616263 00ff')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    assertEquals(text(e.frames), ['abc'], 'frames before the fault');
    assertEquals([e.offset, e.maxFrameLength, e.frameLength], [5, 10, 257]);
    assert(/257/.test(e.message) && /10/.test(e.message), `message names the numbers: ${e.message}`);
    assertThrows(() => d.decode(new Uint8Array(1)), FrameTooLongError, 'ERR_FRAME_TOO_LONG'); // failed until reset
    d.reset();
    assertEquals(text(d.decode(unhex('0001 7a'))), ['z']);
    assertThrows(
      () => new LengthFieldEncoder({ lengthFieldLength: 1 }).encode(new Uint8Array(256)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
    );
  });

  test('CorruptLengthError: an 11-byte varint, an 8-byte length above 2^53-1, a negative length', () => {
    assertThrows(
      () => new LengthFieldDecoder({ lengthFieldLength: 'varint' }).decode(new Uint8Array(11).fill(0x80)),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
    );
    assertThrows(
      () => new LengthFieldDecoder({ lengthFieldLength: 8 }).decode(unhex('0020000000000000')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
    );
    assertThrows(
      () => new LengthFieldDecoder({ lengthFieldLength: 1, lengthAdjustment: -5 }).decode(unhex('02')),
      CorruptLengthError,
      'ERR_CORRUPT_LENGTH',
    );
  });

  test("TruncatedFrameError: end() inside a frame with trailing 'error'; 'emit' and 'drop'", () => {
    const wire = unhex('0005 6869');
    const d = new LengthFieldDecoder({ lengthFieldLength: 2 });
    d.decode(wire);
    const e = assertThrows(() => d.end(), TruncatedFrameError, 'ERR_TRUNCATED_FRAME');
    assertEquals(hex(e.partial), '00056869', 'partial, header included');
    assertEquals(d.buffered, 0, 'reset after end()');
    const emit = new LengthFieldDecoder({ lengthFieldLength: 2, trailing: 'emit' });
    emit.decode(wire);
    assertEquals(emit.end().map(hex), ['00056869']);
    const drop = new LengthFieldDecoder({ lengthFieldLength: 2, trailing: 'drop' });
    drop.decode(wire);
    assertEquals(drop.end(), []);
    assertEquals(drop.stats.discardedBytes, 4);
  });

  // ---- fixed-length framing ------------------------------------------------

  test('FixedLengthDecoder and FixedLengthEncoder', () => {
    const d = new FixedLengthDecoder({ frameLength: 3 });
    assertEquals(text(d.decode(bytes('abcdefg'))), ['abc', 'def']);
    assertEquals(text(d.decode(bytes('hi'))), ['ghi']);
    const enc = new FixedLengthEncoder({ frameLength: 4, padding: 0x2e });
    assertEquals(text([enc.encode(bytes('hi')), enc.encodeAll([bytes('a'), bytes('bcde')])]), ['hi..', 'a...bcde']);
    assertThrows(() => enc.encode(bytes('hello')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    const partial = new FixedLengthDecoder({ frameLength: 3 });
    partial.decode(bytes('ab'));
    assertThrows(() => partial.end(), TruncatedFrameError, 'ERR_TRUNCATED_FRAME');
    const emit = new FixedLengthDecoder({ frameLength: 3, trailing: 'emit' });
    emit.decode(bytes('ab'));
    assertEquals(text(emit.end()), ['ab']);
  });

  // ---- delimiter framing ---------------------------------------------------

  test('DelimiterDecoder: leftmost-longest among several delimiters, split across chunks', () => {
    const d = new DelimiterDecoder({ delimiter: ['\r', '\r\n', '|'] });
    assertEquals(text(d.decode(bytes('a\r'))), []); // \r or \r\n? (1/2)
    assertEquals(text(d.decode(bytes('\nb|c\rd'))), ['a', 'b', 'c']); // (2/2)
    assertEquals(text(d.end()), ['d'], "trailing 'emit' by default");
  });

  test("DelimiterDecoder: the three dispositions ('prefix': a|b| gives a, |b, |)", () => {
    /** @param {'discard' | 'suffix' | 'prefix'} disposition */
    const run = (disposition) =>
      text(outcome(new DelimiterDecoder({ delimiter: '|', disposition }), [bytes('a|b|')]).frames.map(unhex));
    assertEquals(run('discard'), ['a', 'b']);
    assertEquals(run('suffix'), ['a|', 'b|']);
    assertEquals(run('prefix'), ['a', '|b', '|']);
  });

  test("DelimiterDecoder: onTooLong 'skip' calls onDiscard and goes on; 'error' throws", () => {
    /** @type {unknown[]} */
    const dropped = [];
    const d = new DelimiterDecoder({
      delimiter: '\n',
      maxFrameLength: 3,
      onTooLong: 'skip',
      onDiscard: (info) => dropped.push(info),
    });
    assertEquals(text(d.decode(bytes('ok\ntoo long\nyes\n'))), ['ok', 'yes']);
    assertEquals(dropped, [{ reason: 'too-long', bytes: 9, offset: 3 }]);
    assertEquals(d.stats.discardedFrames, 1);
    const strict = new DelimiterDecoder({ delimiter: '\n', maxFrameLength: 3 });
    const e = assertThrows(() => strict.decode(bytes('ok\ntoo long')), FrameTooLongError, 'ERR_FRAME_TOO_LONG');
    assertEquals(text(e.frames), ['ok']);
  });

  test('LineDecoder: \\n and \\r\\n, allowCR, keepLineEnding', () => {
    assertEquals(text(new LineDecoder().decode(bytes('a\nb\r\nc\rd\n'))), ['a', 'b', 'c\rd']);
    assertEquals(text(new LineDecoder({ allowCR: true }).decode(bytes('a\nb\r\nc\rd\n'))), ['a', 'b', 'c', 'd']);
    assertEquals(text(new LineDecoder({ keepLineEnding: true }).decode(bytes('a\nb\r\n'))), ['a\n', 'b\r\n']);
  });

  test('DelimiterEncoder and DelimiterInPayloadError', () => {
    const enc = new DelimiterEncoder({ delimiter: ['\r\n', '\n'] });
    assertEquals(text([enc.encode(bytes('hi')), enc.encodeAll([bytes('a'), bytes('')])]), ['hi\r\n', 'a\r\n\r\n']);
    const e = assertThrows(() => enc.encode(bytes('a\nb')), DelimiterInPayloadError, 'ERR_DELIMITER_IN_PAYLOAD');
    assertEquals(e.position, 1);
    assertThrows(
      () => new DelimiterEncoder({ delimiter: 'aa' }).encode(bytes('xa')),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
    );
  });

  // ---- the decoder interface -------------------------------------------------

  test('decode() frames are stable; decodeEach() passes views valid during the call', () => {
    const d = new LineDecoder();
    d.decode(bytes('spanning '));
    const stable = d.decode(bytes('line\nnext'));
    assertEquals(text(stable), ['spanning line']);
    d.decode(bytes(' and more\n'));
    assertEquals(text(stable), ['spanning line'], 'unchanged by later calls');
    /** @type {string[]} */
    const seen = [];
    const n = new LineDecoder().decodeEach(bytes('x\ny\n'), (f) => seen.push(...text([f])));
    assertEquals([n, seen], [2, ['x', 'y']]);
  });

  test('ArrayBuffer chunks are accepted', () => {
    assertEquals(text(new LineDecoder().decode(bytes('a\nb\n').slice().buffer)), ['a', 'b']);
  });

  test("InvalidOptionError names the option; it is a FramingError with code 'ERR_INVALID_OPTION'", () => {
    const e = assertThrows(
      () => new LengthFieldDecoder({ lengthFieldLength: /** @type {any} */ (5) }),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
    );
    assertEquals(e.option, 'lengthFieldLength');
    assert(e instanceof FramingError && e instanceof Error, 'InvalidOptionError extends FramingError and Error');
    assertThrows(() => new FixedLengthDecoder(/** @type {any} */ ({})), InvalidOptionError, 'ERR_INVALID_OPTION');
    assertThrows(
      () => new DelimiterDecoder(/** @type {any} */ ({ delimiter: '' })),
      InvalidOptionError,
      'ERR_INVALID_OPTION',
    );
  });

  test("free() and Symbol.dispose: any later call throws FramingError 'ERR_DECODER_FREED'", () => {
    const d = new LineDecoder();
    d.free();
    const e = assertThrows(() => d.decode(bytes('a\n')), FramingError, 'ERR_DECODER_FREED');
    assertEquals(e.name, 'FramingError');
    const disposable = new FixedLengthDecoder({ frameLength: 1 });
    disposable[Symbol.dispose]();
    assertThrows(() => disposable.end(), FramingError, 'ERR_DECODER_FREED');
  });

  test('error classes carry their names and codes', () => {
    /** @type {[Error, string, string][]} */
    const all = [
      [new FrameTooLongError('m', 1), 'FrameTooLongError', 'ERR_FRAME_TOO_LONG'],
      [new CorruptLengthError('m'), 'CorruptLengthError', 'ERR_CORRUPT_LENGTH'],
      [new TruncatedFrameError('m', new Uint8Array(0)), 'TruncatedFrameError', 'ERR_TRUNCATED_FRAME'],
      [new DelimiterInPayloadError('m', 0), 'DelimiterInPayloadError', 'ERR_DELIMITER_IN_PAYLOAD'],
      [new InvalidOptionError('x', 'm'), 'InvalidOptionError', 'ERR_INVALID_OPTION'],
    ];
    for (const [error, name, code] of all) {
      assertError(error, FramingError, code);
      assertEquals(error.name, name);
    }
  });

  // ---- streams ---------------------------------------------------------------

  test('DecoderStream: pipeThrough a response body; trailing applied at the end', async () => {
    const readable = new Response('one\ntwo\r\nthree').body;
    assert(readable, 'Response has a body');
    const lines = readable.pipeThrough(new DecoderStream(new LineDecoder()));
    assert(lines instanceof ReadableStream, 'pipeThrough gives a ReadableStream');
    assertEquals(text(await readAll(lines)), ['one', 'two', 'three']);
  });

  test('DecoderStream: a FramingError errors the stream after the frames before it are read', async () => {
    const input = new Response(unhex('0001 61 0001 62 ffff')).body;
    assert(input, 'Response has a body');
    const reader = input
      .pipeThrough(new DecoderStream(new LengthFieldDecoder({ lengthFieldLength: 2, maxFrameLength: 100 })))
      .getReader();
    /** @type {string[]} */
    const got = [];
    const error = await (async () => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 10)); // a slow reader
        const r = await reader.read();
        if (r.done) return undefined;
        got.push(...text([r.value]));
      }
    })().catch((e) => e);
    assertEquals(got, ['a', 'b']);
    assertError(error, FrameTooLongError, 'ERR_FRAME_TOO_LONG');
  });

  test('EncoderStream into DecoderStream round-trips payloads', async () => {
    const payloads = ['', 'hello', 'x'.repeat(5000)].map(bytes);
    const out = streamOf(payloads)
      .pipeThrough(new EncoderStream(new LengthFieldEncoder({ lengthFieldLength: 'varint' })))
      .pipeThrough(new DecoderStream(new LengthFieldDecoder({ lengthFieldLength: 'varint' })));
    assertEquals(await readAll(out), payloads);
    await assertRejects(
      readAll(streamOf([bytes('a\nb')]).pipeThrough(new EncoderStream(new DelimiterEncoder({ delimiter: '\n' })))),
      DelimiterInPayloadError,
      'ERR_DELIMITER_IN_PAYLOAD',
    );
  });

  test('frames(): from a ReadableStream and from an async iterable', async () => {
    /** @type {string[]} */
    const got = [];
    for await (const f of frames(streamOf([bytes('a|b'), bytes('c|')]), new DelimiterDecoder({ delimiter: '|' })))
      got.push(...text([f]));
    async function* messages() {
      yield bytes('x|').buffer;
      yield bytes('y');
    }
    for await (const f of frames(messages(), new DelimiterDecoder({ delimiter: '|' }))) got.push(...text([f]));
    assertEquals(got, ['a', 'bc', 'x', 'y']);
  });

  test('frames(): early break releases the ReadableStream', async () => {
    const stream = streamOf([bytes('1\n2\n'), bytes('3\n')]);
    for await (const f of frames(stream, new LineDecoder())) {
      assertEquals(text([f]), ['1']);
      break;
    }
    assertEquals(stream.locked, false, 'locked after break');
  });

  // ---- engines -----------------------------------------------------------------

  test('init(): every engine this runtime offers gives the same results', async () => {
    const before = backend();
    const reference = fingerprint();
    try {
      await init({ backend: 'js' });
      assertEquals(backend(), 'js');
      assert(fingerprint() === reference, `the js engine differs from ${before}`);
      if (expected.webAssembly) {
        await init({ backend: 'wasm' });
        assert(backend().startsWith('wasm'), `init({ backend: 'wasm' }) gave ${backend()}`);
        assert(fingerprint() === reference, `the ${backend()} engine differs from ${before}`);
      } else {
        await assertRejects(init({ backend: 'wasm' }), FramingError, 'ERR_UNSUPPORTED_PLATFORM');
      }
    } finally {
      await init();
    }
    assertEquals(backend(), before, 'init() restores the default engine');
  });

  // ---- properties ------------------------------------------------------------------

  test('property: any chunking of a length-field stream gives the frames and error of one chunk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }),
        fc.array(fc.nat(4000), { maxLength: 20 }),
        fc.constantFrom(2, 3, 'varint'),
        fc.boolean(),
        (payloads, cuts, lengthFieldLength, corrupt) => {
          const options = {
            lengthFieldLength: /** @type {2 | 3 | 'varint'} */ (lengthFieldLength),
            maxFrameLength: 256,
          };
          const wire = new LengthFieldEncoder({ lengthFieldLength: options.lengthFieldLength }).encodeAll(payloads);
          const input = corrupt ? new Uint8Array([...wire, 0xff, 0xff, 0xff]) : wire;
          const whole = outcome(new LengthFieldDecoder(options), [input]);
          assertEquals(outcome(new LengthFieldDecoder(options), cut(input, cuts)), whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: DelimiterEncoder and DelimiterDecoder round-trip what the encoder accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 10 }), fc.array(fc.nat(300)), (strings, cuts) => {
        const encoder = new DelimiterEncoder({ delimiter: ['\r\n', '\n'] });
        const accepted = strings.map(bytes).filter((p) => {
          try {
            encoder.encode(p);
            return true;
          } catch (e) {
            assertError(e, DelimiterInPayloadError);
            return false;
          }
        });
        const decoded = outcome(new LineDecoder(), cut(encoder.encodeAll(accepted), cuts));
        assertEquals(decoded, { frames: accepted.map(hex) });
      }),
      { numRuns: 200 },
    );
  });

  test('property: long lines, one-byte and multi-byte delimiters (found in place when long): any chunking gives the split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2500 }), { maxLength: 8 }),
        fc.array(fc.nat(20000), { maxLength: 30 }),
        fc.constantFrom('\n', '\0', '\r\n', 'ab'),
        (lengths, cuts, delimiter) => {
          // Lines of x and y, and of the first byte of a multi-byte delimiter (so that it occurs partly).
          const partial = delimiter.length > 1 ? delimiter[0] : 'x';
          const body = (/** @type {number} */ n, /** @type {number} */ k) =>
            Array.from({ length: n }, (_, j) => (j % 7 === 3 ? partial : 'xy'[(j + k) % 2])).join('');
          const lines = lengths.map(body);
          const wire = bytes(lines.map((l) => l + delimiter).join(''));
          const decoder =
            delimiter === '\n' ? new LineDecoder() : new DelimiterDecoder({ delimiter: bytes(delimiter) });
          assertEquals(outcome(decoder, cut(wire, cuts)), { frames: lines.map((l) => hex(bytes(l))) });
        },
      ),
      { numRuns: 150 },
    );
  });

  return cases;
}

/**
 * A ReadableStream of the given chunks, one per pull.
 * @param {(Uint8Array | ArrayBuffer)[]} chunks
 * @returns {ReadableStream<Uint8Array>}
 */
function streamOf(chunks) {
  let i = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (i === chunks.length) controller.close();
        else controller.enqueue(/** @type {Uint8Array} */ (chunks[i++]));
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {Promise<Uint8Array[]>}
 */
async function readAll(stream) {
  const reader = stream.getReader();
  const out = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}
