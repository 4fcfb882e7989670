// Backpressure against a peer that sends nothing but empty frames (empty lines,
// length fields of 0) to a reader that takes none, on loopback TCP. Such frames
// have no bytes, yet each costs a queue slot and an object: framed() counts every
// queued frame as its length and at least 1, so the queue fills to highWaterMark
// and reading pauses, and the peer meets TCP flow control. (Counted by length
// alone, they added nothing: the queue grew with every frame the peer sent.)
// framedStream() reads a chunk only when every frame of the last one has been
// taken: over Duplex.toWeb(socket), an idle loop leaves the socket unread too.
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type FrameDecoder,
  framedStream,
  type FramedTransport,
  LengthFieldDecoder,
  LineDecoder,
  TextLineDecoder,
} from '../../src/index.js';
import { framed } from '../../src/node/index.js';
import { type Pair, pair, sleep, within } from './_tcp.js';

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

/** One million empty frames: 1 MB on the wire, far above every bound asserted below. */
const COUNT = 1_000_000;
/** Node reads a socket 64 KiB at a time: the frames of one read may land after the high-water mark. */
const READ = 64 * 1024;

/** Waits until `value()` stops changing for 200 ms (at most 10 s), and returns it. */
async function settled(value: () => number): Promise<number> {
  let last = value();
  for (let k = 0; k < 50; k++) {
    await sleep(200);
    const now = value();
    if (now === last) return now;
    last = now;
  }
  return last;
}

const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

describe.each([
  // An empty line is its '\n' alone.
  { name: 'empty lines (LineDecoder)', decoder: () => new LineDecoder(), byte: 0x0a, highWaterMark: undefined },
  {
    name: "empty lines as strings ('' from TextLineDecoder)",
    decoder: () => new TextLineDecoder(),
    byte: 0x0a,
    highWaterMark: 64 * 1024,
  },
  // A 1-byte length field of 0: the header alone, stripped, leaves an empty frame.
  {
    name: 'length fields of 0 (LengthFieldDecoder)',
    decoder: () => new LengthFieldDecoder({ lengthFieldLength: 1 }),
    byte: 0x00,
    highWaterMark: 64 * 1024,
  },
])('framed(): a peer sending only $name to a reader that takes none', ({ decoder, byte, highWaterMark }) => {
  test('fills the queue to highWaterMark frames, pauses the socket, then delivers every frame once read', async () => {
    const p = await pair();
    open = p;
    const conn = framed(p.client, { decoder: decoder() as FrameDecoder<Uint8Array | string>, highWaterMark });
    const hwm = highWaterMark ?? DEFAULT_HIGH_WATER_MARK;

    p.accepted.write(new Uint8Array(COUNT).fill(byte));
    const bytesRead = await settled(() => p.client.bytesRead);

    // Paused at the high-water mark: each queued frame counts 1.
    expect(p.client.isPaused()).toBe(true);
    expect(conn.readableLength).toBeGreaterThanOrEqual(hwm);
    expect(conn.readableLength).toBeLessThanOrEqual(hwm + READ);
    // What was read: the queued frames, plus at most the socket's own buffer (its
    // readableHighWaterMark and one read past it). Far from the million sent.
    expect(bytesRead).toBeLessThanOrEqual(hwm + 2 * READ + p.client.readableHighWaterMark);
    expect(bytesRead).toBeLessThan(COUNT / 2);

    // Taking the frames resumes reading: every frame comes, empty, and the count drops to 0.
    p.accepted.end();
    let frames = 0;
    let nonEmpty = 0;
    const reading = (async () => {
      for await (const batch of conn.batches()) {
        frames += batch.length;
        for (const frame of batch) if (frame.length !== 0) nonEmpty++;
      }
    })();
    await within(reading, 20_000, 'every frame');
    expect(frames).toBe(COUNT);
    expect(nonEmpty).toBe(0);
    expect(conn.readableLength).toBe(0);
    expect(p.client.bytesRead).toBe(COUNT);
  });
});

test('framed(): readableLength counts a queued empty frame as 1, and is 0 only when nothing is queued', async () => {
  const p = await pair();
  open = p;
  const conn = framed(p.client, { decoder: new LineDecoder() });
  p.accepted.write('\n\nab\n'); // two empty lines, then "ab"
  const queued = await settled(() => conn.readableLength);
  expect(queued).toBe(1 + 1 + 2);
  const it = conn[Symbol.asyncIterator]();
  expect((await it.next()).value).toHaveLength(0);
  expect(conn.readableLength).toBe(1 + 2);
  expect((await it.next()).value).toHaveLength(0);
  expect(conn.readableLength).toBe(2);
  expect((await it.next()).value).toHaveLength(2);
  expect(conn.readableLength).toBe(0);
});

test('framedStream(Duplex.toWeb(socket)): an idle loop reads no more chunks, however many empty frames the peer sends', async () => {
  const p = await pair();
  open = p;
  const conn = framedStream(Duplex.toWeb(p.client) as unknown as FramedTransport, { decoder: new LineDecoder() });
  const it = conn[Symbol.asyncIterator]();
  p.accepted.write(new Uint8Array(COUNT).fill(0x0a));
  expect((await within(it.next(), 5000, 'the first frame')).value).toHaveLength(0);

  // The loop takes nothing more: the frames of the chunk read wait, no other chunk
  // is read, and Node's adapter pauses the socket once its own queue is full.
  const bytesRead = await settled(() => p.client.bytesRead);
  expect(p.client.isPaused()).toBe(true);
  expect(bytesRead).toBeLessThan(COUNT / 2);

  p.accepted.end();
  let frames = 1;
  const reading = (async () => {
    for (let r = await it.next(); !r.done; r = await it.next()) {
      if (r.value.length !== 0) throw new Error('a non-empty frame');
      frames++;
    }
  })();
  // The client socket does not allow half-open connections: the peer's FIN ends
  // its write side too, and then (Node 20) Duplex.toWeb() ends its readable side.
  await within(reading, 20_000, 'every frame');
  expect(frames).toBe(COUNT);
});
