// frames() is a hand-written async iterator: calls made while one is in flight
// (a read pending) must be answered in order, as an async generator answers them.
import { describe, expect, test } from 'vitest';
import { frames, FrameTooLongError, LineDecoder } from '../../src/index.js';
import { bytes, text } from '../_harness.js';

/** A source whose chunks arrive only when `push` is called. */
function manual() {
  const waiting: ((r: IteratorResult<Uint8Array>) => void)[] = [];
  const ready: IteratorResult<Uint8Array>[] = [];
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve) => {
          const r = ready.shift();
          if (r) resolve(r);
          else waiting.push(resolve);
        }),
    }),
  };
  const deliver = (r: IteratorResult<Uint8Array>) => {
    const w = waiting.shift();
    if (w) w(r);
    else ready.push(r);
  };
  return {
    source,
    push: (s: string) => deliver({ done: false, value: bytes(s) }),
    end: () => deliver({ done: true, value: undefined }),
  };
}

describe('frames(): calls made while one is in flight', () => {
  test('five next() calls before any chunk arrives are answered in order, then done', async () => {
    const m = manual();
    const it = frames(m.source, new LineDecoder());
    const pending = [it.next(), it.next(), it.next(), it.next(), it.next()];
    m.push('a\nb');
    m.push('\nc\n');
    m.end();
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.done ? 'done' : text([r.value as Uint8Array])[0]))).toEqual([
      'a',
      'b',
      'c',
      'done',
      'done',
    ]);
  });

  test('a decoder error is thrown to the call after the frames before it; the calls after it get done', async () => {
    const m = manual();
    const it = frames(m.source, new LineDecoder({ maxFrameLength: 2 }));
    const pending = [it.next(), it.next(), it.next()].map((p) =>
      p.then(
        (r) => (r.done ? 'done' : text([r.value as Uint8Array])[0]),
        (e: unknown) => (e instanceof FrameTooLongError ? e.code : String(e)),
      ),
    );
    m.push('ok\ntoo long\n');
    expect(await Promise.all(pending)).toEqual(['ok', 'ERR_FRAME_TOO_LONG', 'done']);
  });

  test('return() while a next() waits for a chunk: the next() is answered first, then the iteration is over', async () => {
    const m = manual();
    const it = frames(m.source, new LineDecoder());
    const first = it.next();
    const closed = it.return(undefined);
    m.push('x\n');
    expect(text([(await first).value as Uint8Array])).toEqual(['x']);
    expect(await closed).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
