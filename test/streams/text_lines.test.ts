// TextLineDecoder through every adapter: its frames are strings, and each adapter
// gives what decode() gives (lines in order, the lines before an error, then the
// error), under any chunking. The decoder itself is tested in
// test/codec/text_line.test.ts.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DecoderStream,
  FramingError,
  framedStream,
  frames,
  InvalidDataError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  TextLineDecoder,
} from '../../src/index.js';
import { decoderTransform } from '../../src/node/index.js';
import { apply, chunking, hex } from '../_harness.js';

const enc = new TextEncoder();
const u8 = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => Array.from(typeof p === 'string' ? enc.encode(p) : p)));

interface Got {
  lines: string[];
  error?: { name: string; code: string; offset?: number; frames: unknown[] };
}

const caught = (e: unknown): Got['error'] => {
  if (!(e instanceof FramingError)) throw e;
  return { name: e.name, code: e.code, offset: e.offset, frames: [...e.frames] };
};

/** decode() per chunk, then end(): what every adapter must give. */
function viaDecode(chunks: Uint8Array[], make: () => TextLineDecoder): Got {
  const d = make();
  const got: Got = { lines: [] };
  try {
    for (const chunk of chunks) got.lines.push(...d.decode(chunk));
    got.lines.push(...d.end());
  } catch (e) {
    got.error = caught(e);
    got.lines.push(...(got.error!.frames as string[]));
    got.error!.frames = []; // the adapters deliver them as lines
  }
  return got;
}

function chunkStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === chunks.length) controller.close();
      else controller.enqueue(chunks[i++]);
    },
  });
}

async function viaDecoderStream(chunks: Uint8Array[], make: () => TextLineDecoder): Promise<Got> {
  const lines: ReadableStream<string> = chunkStream(chunks).pipeThrough(new DecoderStream(make()));
  const reader = lines.getReader();
  const got: Got = { lines: [] };
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.lines.push(r.value);
  } catch (e) {
    got.error = caught(e);
  }
  return got;
}

async function viaFrames(chunks: Uint8Array[], make: () => TextLineDecoder): Promise<Got> {
  const got: Got = { lines: [] };
  try {
    for await (const line of frames(chunks, make())) got.lines.push(line);
  } catch (e) {
    got.error = caught(e);
  }
  return got;
}

async function viaTransform(chunks: Uint8Array[], make: () => TextLineDecoder): Promise<Got> {
  const got: Got = { lines: [] };
  try {
    await pipeline(Readable.from(chunks), decoderTransform(make()), async (lines: AsyncIterable<string>) => {
      for await (const line of lines) got.lines.push(line);
    });
  } catch (e) {
    got.error = caught(e);
  }
  return got;
}

const ADAPTERS = { DecoderStream: viaDecoderStream, frames: viaFrames, decoderTransform: viaTransform };

describe.each(Object.entries(ADAPTERS))('TextLineDecoder through %s', (_name, via) => {
  test('gives strings: a BOM dropped, a character split across chunks, the last line at the end', async () => {
    const chunks = [u8([0xef, 0xbb]), u8([0xbf], 'héllo\r\nw', [0xc3]), u8([0xa9], '\n\nlast')];
    expect(await via(chunks, () => new TextLineDecoder())).toEqual({ lines: ['héllo', 'wé', '', 'last'] });
  });

  test('invalid UTF-8 becomes U+FFFD', async () => {
    expect(await via([u8('a', [0xff], '\nb')], () => new TextLineDecoder())).toEqual({ lines: ['a\uFFFD', 'b'] });
  });

  test('fatal: the lines before the bad one, then InvalidDataError with its offset', async () => {
    const chunks = [u8('one\ntwo\n'), u8('th', [0xe2, 0x28], 'ree\nfour\n')];
    expect(await via(chunks, () => new TextLineDecoder({ fatal: true }))).toEqual({
      lines: ['one', 'two'],
      error: { name: 'InvalidDataError', code: 'ERR_INVALID_DATA', offset: 8, frames: [] },
    });
  });

  test('fatal: a bad last line is found at the end of the input', async () => {
    const got = await via([u8('ok\nbad'), u8([0x80])], () => new TextLineDecoder({ fatal: true }));
    expect(got).toEqual({
      lines: ['ok'],
      error: { name: 'InvalidDataError', code: 'ERR_INVALID_DATA', offset: 3, frames: [] },
    });
  });

  test('gives what decode() gives, under any chunking', async () => {
    const pieces = ['a', 'é', '\n', '\r\n', '\r', [0xff], [0xe2, 0x82], [0xef, 0xbb, 0xbf], 'xyz'];
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.constantFrom(...pieces), { maxLength: 30 })
          .map((p) => u8(...p))
          .chain((input) => fc.tuple(fc.constant(input), chunking(input.length), fc.boolean())),
        async ([input, how, fatal]) => {
          const chunks = apply(input, how);
          const make = () => new TextLineDecoder({ fatal, allowCR: true });
          expect(await via(chunks, make)).toEqual(viaDecode(chunks, make));
        },
      ),
      { numRuns: 60 },
    );
  });
});

test('InvalidDataError is exported and is a FramingError', () => {
  const e = new InvalidDataError('bad', { offset: 3 });
  expect(e).toBeInstanceOf(FramingError);
  expect([e.name, e.code, e.offset, e.frames]).toEqual(['InvalidDataError', 'ERR_INVALID_DATA', 3, []]);
});

describe('framedStream: a text preamble, then binary frames (conn.decoder switched after a line)', () => {
  const binary = () => new LengthFieldDecoder({ lengthFieldLength: 2 });
  const payloads = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll([u8([0xff, 0x0a]), u8('bc')]);

  /** Reads lines until `switchAfter` of them, then binary frames (as hex). */
  async function read(wire: Uint8Array, chunks: Uint8Array[], switchAfter: number, fatal: boolean) {
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(wire.length);
    const writable = new WritableStream<Uint8Array>();
    const conn = framedStream<string | Uint8Array>(
      { readable: chunkStream(chunks), writable },
      { decoder: new TextLineDecoder({ fatal }) },
    );
    const got: string[] = [];
    let lines = 0;
    for await (const frame of conn) {
      if (typeof frame === 'string') {
        got.push(frame);
        if (++lines === switchAfter) conn.decoder = binary();
      } else got.push(hex(frame));
    }
    return got;
  }

  test('the bytes after the line go to the new decoder, under any chunking, fatal or not', async () => {
    // Line lengths are bytes: a BOM, multi-byte characters, \r\n. The binary frames
    // after the text are not UTF-8 (ff): with fatal: true the text decoder fails
    // on them, but the switch comes first and its error is dropped.
    const wire = u8([0xef, 0xbb, 0xbf], 'HÉLLO ✓\r\nv2\n', Array.from(payloads));
    await fc.assert(
      fc.asyncProperty(chunking(wire.length), fc.boolean(), async (how, fatal) => {
        expect(await read(wire, apply(wire, how), 2, fatal)).toEqual(['HÉLLO ✓', 'v2', 'ff0a', '6263']);
      }),
      { numRuns: 40 },
    );
  });
});
