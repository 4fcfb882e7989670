// frames(source, decoder, { signal }): aborting ends the iteration with the
// signal's reason, at once even while a read is pending, and releases the source
// as leaving the loop early does (a ReadableStream is cancelled with the reason
// and unlocked; an iterable's return() is called).
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { frames, InvalidOptionError, LineDecoder } from '../../src/index.js';

const utf8 = new TextEncoder();
const text = (f: Uint8Array) => new TextDecoder().decode(f);

/** A stream that sends `lines` and then nothing, never closing; records how it was cancelled. */
function openStream(lines: string) {
  const cancelled: unknown[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (lines) c.enqueue(utf8.encode(lines));
    },
    cancel(reason) {
      cancelled.push(reason);
    },
  });
  return { stream, cancelled, controller };
}

/** A hand-written async iterator: next() waits until `push` or `finish`; records return(). */
function openIterator(first: string[]) {
  const queue = first.map((s) => utf8.encode(s));
  let wake: (() => void) | null = null;
  let returned = 0;
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        return { done: false, value: queue.shift()! };
      },
      async return() {
        returned++;
        return { done: true, value: undefined };
      },
    }),
  };
  return {
    iterable,
    push(s: string) {
      queue.push(utf8.encode(s));
      wake?.();
    },
    returned: () => returned,
  };
}

const reason = new Error('stop now');

describe('a ReadableStream source', () => {
  test('aborting while a read is pending rejects that next() with the reason, cancels the stream with it and unlocks it', async () => {
    const { stream, cancelled } = openStream('a\n');
    const controller = new AbortController();
    const it = frames(stream, new LineDecoder(), { signal: controller.signal });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    const pending = it.next(); // no more bytes: waits on the stream
    await new Promise((r) => setTimeout(r, 10));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(cancelled).toEqual([reason]);
    expect(stream.locked).toBe(false);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  test('with preventCancel the stream is unlocked, not cancelled: someone else reads the rest', async () => {
    const { stream, cancelled, controller: source } = openStream('a\n');
    const controller = new AbortController();
    const it = frames(stream, new LineDecoder(), { signal: controller.signal, preventCancel: true });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    const pending = it.next();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(cancelled).toEqual([]);
    expect(stream.locked).toBe(false);
    source.enqueue(utf8.encode('rest'));
    const reader = stream.getReader();
    expect(text((await reader.read()).value!)).toBe('rest');
  });

  test('aborting between two frames of one chunk: the next next() rejects with the reason, the frames not yielded are dropped', async () => {
    const { stream, cancelled } = openStream('a\nb\nc\n');
    const controller = new AbortController();
    const it = frames(stream, new LineDecoder(), { signal: controller.signal });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    controller.abort(reason);
    // Released at the abort, before anyone asks for the next frame.
    await new Promise((r) => setTimeout(r, 0));
    expect(cancelled).toEqual([reason]);
    expect(stream.locked).toBe(false);
    await expect(it.next()).rejects.toBe(reason);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  test('an already aborted signal: the first next() rejects with the reason and the stream is cancelled, never read', async () => {
    const { stream, cancelled } = openStream('a\n');
    const it = frames(stream, new LineDecoder(), { signal: AbortSignal.abort(reason) });
    await expect(it.next()).rejects.toBe(reason);
    expect(cancelled).toEqual([reason]);
    expect(stream.locked).toBe(false);
  });

  test('abort() without a reason: an AbortError DOMException', async () => {
    const { stream, cancelled } = openStream('');
    const controller = new AbortController();
    const it = frames(stream, new LineDecoder(), { signal: controller.signal });
    const pending = it.next();
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(cancelled).toEqual([error]);
  });

  test('a signal that is never aborted changes nothing: every frame, trailing applied, the stream unlocked', async () => {
    const stream = new Response('a\nb\nlast').body!;
    const controller = new AbortController();
    const got: string[] = [];
    for await (const f of frames(stream, new LineDecoder(), { signal: controller.signal })) got.push(text(f));
    expect(got).toEqual(['a', 'b', 'last']);
    expect(stream.locked).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('an iterable source', () => {
  test('aborting while its next() is pending rejects at once, and its return() is called', async () => {
    const source = openIterator(['a\n']);
    const controller = new AbortController();
    const it = frames(source.iterable, new LineDecoder(), { signal: controller.signal });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    const pending = it.next();
    await new Promise((r) => setTimeout(r, 10));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(source.returned()).toBe(1);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  test('an async generator source waiting for data: the abort rejects at once; its finally runs when its await settles', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let cleaned = false;
    async function* source() {
      try {
        yield utf8.encode('a\n');
        await gate; // a slow producer
        yield utf8.encode('never\n');
      } finally {
        cleaned = true;
      }
    }
    const controller = new AbortController();
    const it = frames(source(), new LineDecoder(), { signal: controller.signal });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    const pending = it.next();
    await new Promise((r) => setTimeout(r, 10)); // the source is now awaiting its gate
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(cleaned).toBe(false); // return() waits behind the generator's pending await
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(cleaned).toBe(true);
  });

  test('a sync iterable: aborting between chunks rejects the next next(), and return() is called', async () => {
    let returned = 0;
    const chunks = ['a\n', 'b\n', 'c\n'].map((s) => utf8.encode(s));
    const iterable: Iterable<Uint8Array> = {
      [Symbol.iterator]: () => {
        let k = 0;
        return {
          next: () => (k < chunks.length ? { done: false, value: chunks[k++] } : { done: true, value: undefined }),
          return: () => {
            returned++;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const controller = new AbortController();
    const it = frames(iterable, new LineDecoder(), { signal: controller.signal });
    expect(text((await it.next()).value as Uint8Array)).toBe('a');
    controller.abort(reason);
    await expect(it.next()).rejects.toBe(reason);
    expect(returned).toBe(1);
  });
});

describe('the listener and the option', () => {
  test('the abort listener is removed when the iteration ends: done, left early, aborted', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    for await (const _ of frames([utf8.encode('a\nb\n')], new LineDecoder(), { signal })) {
      expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    for await (const _ of frames(openStream('a\nb\n').stream, new LineDecoder(), { signal })) break;
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const it = frames(openIterator([]).iterable, new LineDecoder(), { signal });
    const pending = it.next();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  test('signal must be an AbortSignal: InvalidOptionError naming it', () => {
    let thrown: unknown;
    try {
      frames([], new LineDecoder(), { signal: 'soon' as unknown as AbortSignal });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((thrown as InvalidOptionError).message).toBe('signal must be an AbortSignal, got "soon"');
  });
});
