// framedStream() against a peer that sends nothing but empty frames (empty lines,
// length fields of 0) to a loop that takes none. An empty frame has no bytes but
// costs a queue slot and an object, so a queue measured in bytes would never fill
// (framed() in framecodec/node counts each frame as at least 1 for that reason).
// framedStream keeps no such queue: it reads a chunk only when the loop wants a
// frame and every frame of the last chunk has been taken, so what it holds is the
// frames of one chunk, and the transport's own backpressure does the rest.
// In memory, on every engine; over Node's Duplex.toWeb(socket) on loopback TCP in
// test/node/framed_empty_frames.test.ts.
import { describe, expect, test } from 'vitest';
import { type FrameDecoder, framedStream, LengthFieldDecoder, LineDecoder } from '../../src/index.js';

/** 64 KiB of empty frames per chunk. */
const CHUNK = 64 * 1024;

/** A transport whose readable gives a fresh chunk of `byte` on every pull, for ever, and counts the pulls. */
function endless(byte: number) {
  const state = { pulls: 0 };
  const readable = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        controller.enqueue(new Uint8Array(CHUNK).fill(byte));
      },
    },
    { highWaterMark: 0 }, // nothing is pulled before framedStream asks
  );
  return { transport: { readable, writable: new WritableStream<Uint8Array>() }, state };
}

/** A decoder without framecodec's offset tracking: framedStream pulls it one frame at a time. */
function untracked(inner: FrameDecoder): FrameDecoder {
  return {
    decode: (chunk, options) => inner.decode(chunk, options),
    decodeEach: (chunk, onFrame, options) => inner.decodeEach(chunk, onFrame, options),
    end: () => inner.end(),
    takeBuffered: () => inner.takeBuffered(),
    reset: () => inner.reset(),
    free: () => inner.free(),
    [Symbol.dispose]: () => inner.free(),
    get buffered() {
      return inner.buffered;
    },
    get stats() {
      return inner.stats;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { name: 'empty lines', decoder: () => new LineDecoder(), byte: 0x0a }, // '\n' alone
  { name: 'length fields of 0', decoder: () => new LengthFieldDecoder({ lengthFieldLength: 1 }), byte: 0x00 }, // header 00, stripped
  { name: 'empty lines, decoder pulled frame by frame', decoder: () => untracked(new LineDecoder()), byte: 0x0a },
])('framedStream(): a peer sending only $name', ({ decoder, byte }) => {
  test('an idle loop reads one chunk, and the next only once every frame of it has been taken', async () => {
    const { transport, state } = endless(byte);
    const it = framedStream(transport, { decoder: decoder() })[Symbol.asyncIterator]();

    expect((await it.next()).value).toHaveLength(0);
    await sleep(50); // the loop takes nothing more for a while
    expect(state.pulls).toBe(1);

    for (let k = 1; k < CHUNK; k++) {
      const { value } = await it.next();
      if (value.length !== 0) throw new Error(`frame ${k} is not empty`);
    }
    expect(state.pulls).toBe(1); // all 65,536 frames of the first chunk, and no other chunk
    expect((await it.next()).value).toHaveLength(0);
    expect(state.pulls).toBe(2);
  });
});
