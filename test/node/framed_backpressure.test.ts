// Backpressure on loopback TCP: memory stays bounded against a slow reader, in
// both directions (write() returns false / 'drain'; a slow iterator pauses reading).
import { once } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import { LengthFieldDecoder, LengthFieldEncoder } from '../../src/index.js';
import { framed, zeroCopyOnread } from '../../src/node/index.js';
import { pair, sleep, within, type Pair } from './_tcp.js';

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

/** Frame k: 4-byte k, then k's low byte repeated (so order and content can be checked). */
function payload(k: number, size: number): Uint8Array {
  const p = new Uint8Array(size).fill(k & 0xff);
  new DataView(p.buffer).setUint32(0, k);
  return p;
}

function check(frame: Uint8Array, k: number, size: number): boolean {
  return (
    frame.length === size &&
    new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0) === k &&
    frame[size - 1] === (k & 0xff)
  );
}

test('write() returns false against a slow reader, and waiting for drain keeps the send buffer bounded', async () => {
  const p = await pair();
  open = p;
  const server = framed(p.accepted, { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
  const client = framed(p.client, { decoder: new LengthFieldDecoder() });
  const SIZE = 64 * 1024;
  const COUNT = 256; // 16 MiB
  const received = (async () => {
    let k = 0;
    for await (const frame of client) {
      if (!check(frame, k, SIZE)) throw new Error(`frame ${k} is wrong`);
      if (++k % 8 === 0) await sleep(2); // a slow consumer
    }
    return k;
  })();

  let falses = 0;
  let drains = 0;
  let maxBuffered = 0;
  for (let k = 0; k < COUNT; k++) {
    const ok = server.write(payload(k, SIZE));
    maxBuffered = Math.max(maxBuffered, p.accepted.writableLength);
    if (!ok) {
      falses++;
      await within(once(server, 'drain'), 10_000, 'drain');
      drains++;
    }
  }
  await server.end();
  expect(await within(received, 30_000, 'all frames')).toBe(COUNT);
  expect(falses).toBeGreaterThan(0);
  expect(drains).toBe(falses);
  // Never more than the socket's high-water mark plus the one frame that crossed it.
  expect(maxBuffered).toBeLessThanOrEqual(p.accepted.writableHighWaterMark + SIZE + 4);
});

describe.each([
  { path: "'data' events", zeroCopy: false },
  { path: 'zero-copy onread', zeroCopy: true },
])('a slow iterator ($path)', ({ zeroCopy }) => {
  test('pauses reading at the high-water mark, so the fast peer sees TCP flow control and the queue stays bounded', async () => {
    const onread = zeroCopy ? zeroCopyOnread() : undefined;
    const p = await pair({ connect: onread ? { onread } : {} });
    open = p;
    const HWM = 64 * 1024;
    const conn = framed(p.client, { decoder: new LengthFieldDecoder(), highWaterMark: HWM, onread });
    const SIZE = 16 * 1024;
    const COUNT = 1024; // 16 MiB
    let maxQueued = 0;
    const received = (async () => {
      let k = 0;
      for await (const frame of conn) {
        maxQueued = Math.max(maxQueued, conn.readableLength + frame.length);
        if (!check(frame, k, SIZE)) throw new Error(`frame ${k} is wrong`);
        if (++k % 16 === 0) await sleep(2);
      }
      return k;
    })();

    // The peer writes as fast as its socket takes the bytes.
    const encoder = new LengthFieldEncoder();
    let blocked = 0;
    for (let k = 0; k < COUNT; k++) {
      if (!p.accepted.write(encoder.encode(payload(k, SIZE)))) {
        blocked++;
        await within(once(p.accepted, 'drain'), 10_000, 'drain');
      }
    }
    p.accepted.end();
    expect(await within(received, 30_000, 'all frames')).toBe(COUNT);
    expect(blocked).toBeGreaterThan(0);
    // The high-water mark, plus the frames one socket read (at most 64 KiB) completed after it.
    expect(maxQueued).toBeLessThanOrEqual(HWM + 64 * 1024 + SIZE);
  });
});
