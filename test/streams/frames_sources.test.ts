// frames() over the sources it reads without waiting when it can: a sync iterable
// (its values awaited only when they are promises, as `for await` awaits them) and
// a Node Readable (read with read() while it has chunks buffered, through its own
// iterator otherwise). Each must give what `for await` over the source gives.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { frames, LineDecoder, TextLineDecoder } from '../../src/index.js';
import { bytes, text } from '../_harness.js';

const collect = async (source: Parameters<typeof frames>[0]) => {
  const out: string[] = [];
  for await (const line of frames(source, new TextLineDecoder())) out.push(line);
  return out;
};

/** `for await` over the source, then the lines: what frames() must give. */
const reference = async (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array | Promise<Uint8Array>>) => {
  const d = new TextLineDecoder();
  const out: string[] = [];
  for await (const chunk of source) out.push(...d.decode(chunk));
  return [...out, ...d.end()];
};

const pieces = () => ['one\ntw', 'o\n\nthr', 'ee', '\r', '\nfour'].map(bytes);

describe('a sync iterable', () => {
  test('of promises and chunks: each promise is awaited, the chunks are taken as they are', async () => {
    const mixed = () => pieces().map((p, i) => (i % 2 ? Promise.resolve(p) : p));
    expect(await collect(mixed() as Iterable<Uint8Array>)).toEqual(['one', 'two', '', 'three', 'four']);
    expect(await collect(mixed() as Iterable<Uint8Array>)).toEqual(await reference(mixed()));
  });

  test('a rejected value ends the loop with its reason, after the lines before it, and closes the iterator', async () => {
    const boom = new Error('read failed');
    let closed = false;
    function* source(): Generator<Uint8Array | Promise<Uint8Array>> {
      try {
        yield bytes('a\nb');
        yield Promise.reject(boom);
        yield bytes('never\n');
      } finally {
        closed = true;
      }
    }
    const got: string[] = [];
    const error = await (async () => {
      for await (const line of frames(source() as Iterable<Uint8Array>, new TextLineDecoder())) got.push(line);
    })().catch((e: unknown) => e);
    expect(got).toEqual(['a']);
    expect(error).toBe(boom);
    expect(closed).toBe(true);
  });

  test('an iterator that throws ends the loop with the error', async () => {
    const boom = new Error('no more');
    let n = 0;
    const source: Iterable<Uint8Array> = {
      [Symbol.iterator]: () => ({
        next() {
          if (n++ === 0) return { done: false, value: bytes('x\ny') };
          throw boom;
        },
      }),
    };
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const line of frames(source, new TextLineDecoder())) got.push(line);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual(['x']);
  });
});

describe('a Node Readable', () => {
  test('Readable.from(chunks) gives what the array gives, and what for await over it gives', async () => {
    expect(await collect(Readable.from(pieces()))).toEqual(['one', 'two', '', 'three', 'four']);
    expect(await collect(Readable.from(pieces()))).toEqual(await reference(Readable.from(pieces())));
  });

  test('a stream written to over time: read() when chunks wait, its iterator when none does', async () => {
    const stream = new PassThrough();
    const writes = (async () => {
      for (const p of pieces()) {
        stream.write(p);
        stream.write(bytes('|\n'));
        await new Promise((r) => setTimeout(r, 2));
      }
      stream.end();
    })();
    const got = await collect(stream);
    await writes;
    expect(got).toEqual(['one', 'tw|', 'o', '', 'thr|', 'ee|', '\r|', '', 'four|']);
  });

  test('an error emitted after some chunks: the lines before it, then the error; the stream is destroyed', async () => {
    const boom = new Error('connection reset');
    const stream = new PassThrough({ objectMode: true }); // a chunk per write
    stream.write(bytes('a\nb\n'));
    stream.write(bytes('c\nd'));
    const got: string[] = [];
    const error = await (async () => {
      for await (const line of frames(stream, new TextLineDecoder())) {
        got.push(line);
        if (line === 'b') stream.destroy(boom);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect(got).toEqual(['a', 'b']);
    expect(stream.destroyed).toBe(true);
  });

  test('break destroys the stream, as leaving for await over it does', async () => {
    const stream = Readable.from(pieces());
    for await (const line of frames(stream, new TextLineDecoder())) {
      expect(line).toBe('one');
      break;
    }
    await new Promise((r) => setImmediate(r));
    expect(stream.destroyed).toBe(true);
  });

  test('a Readable whose async iterator is its own is read through it, not with read()', async () => {
    class Upper extends Readable {
      async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
        for await (const chunk of Readable.prototype[Symbol.asyncIterator].call(this))
          yield bytes(new TextDecoder().decode(chunk as Uint8Array).toUpperCase());
      }
    }
    const stream = new Upper({ objectMode: true, read() {} }); // a chunk per read()
    for (const p of pieces()) stream.push(p);
    stream.push(null);
    const got: string[] = [];
    for await (const line of frames(stream, new LineDecoder())) got.push(...text([line]));
    expect(got).toEqual(['ONE', 'TWO', '', 'THREE', 'FOUR']);
  });
});
