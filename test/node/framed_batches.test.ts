// conn.batches() on loopback TCP: every frame received and not taken yet, as one
// array per step; the same frames, errors and end as `for await (const frame of
// conn)`, from the same queue.
import { once } from 'node:events';
import { expect, test } from 'vitest';
import {
  FrameTooLongError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
} from '../../src/index.js';
import { framed, type Framed } from '../../src/node/index.js';
import { pairsClosedAfterEach, pollUntil, randomBytes, rng, sameFrames, within } from './_tcp.js';

const connected = pairsClosedAfterEach();

const codec = () => ({ decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });

/** Every batch until the end, or the error that ended them (`error`: undefined if none). */
async function allBatches(conn: Framed): Promise<{ batches: Uint8Array[][]; error: unknown }> {
  const batches: Uint8Array[][] = [];
  try {
    for await (const batch of conn.batches()) batches.push(batch);
  } catch (error) {
    return { batches, error };
  }
  return { batches, error: undefined };
}

test('an echo server answering each batch with one writeAll(): 3,000 frames written in one tick (sticky) and frames of up to 300 KB (split) all come back in order, byte for byte, in fewer batches than frames, none empty', async () => {
  const rand = rng(0xba7c4);
  const payloads = Array.from({ length: 3000 }, (_, k) =>
    randomBytes(rand, k % 500 === 499 ? 100_000 + rand(200_000) : rand(200)),
  );
  const p = await connected();
  const server = framed(p.accepted, codec());
  const sizes: number[] = [];
  const echoing = (async () => {
    for await (const batch of server.batches()) {
      sizes.push(batch.length);
      if (!server.writeAll(batch)) await within(once(server, 'drain'), 10_000, 'drain');
    }
    await server.end();
  })();
  const client = framed(p.client, codec());
  const received = (async () => {
    const frames: Uint8Array[] = [];
    for await (const frame of client) frames.push(frame);
    return frames;
  })();
  for (const payload of payloads) client.write(payload); // Nagle on, all in one tick
  await client.end();
  await within(echoing, 20_000, 'the echoes');
  expect(sameFrames(await within(received, 20_000, 'every frame'), payloads)).toBeNull();
  expect(sizes.every((n) => n >= 1)).toBe(true);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(payloads.length);
  expect(sizes.length).toBeLessThan(payloads.length);
});

test('a batch holds every frame received since the last step: frames of several reads, waiting in the queue, come as one array, and the queue is then empty', async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder() });
  const encoder = new LengthFieldEncoder();
  const payloads = [Uint8Array.of(1), Uint8Array.of(2, 2), Uint8Array.of(3, 3, 3)];
  for (const payload of payloads) {
    p.client.write(encoder.encode(payload));
    // Each write arrives before the next one is made: one read each.
    await pollUntil(() => conn.readableLength >= (payload[0] * (payload[0] + 1)) / 2, 5000);
  }
  expect(conn.readableLength).toBe(6);
  const batches = conn.batches();
  const first = await batches.next();
  expect(first.done).toBe(false);
  expect((first.value as Uint8Array[]).map((f) => Array.from(f))).toEqual([[1], [2, 2], [3, 3, 3]]);
  expect(conn.readableLength).toBe(0);
  p.client.end();
  expect(await batches.next()).toEqual({ done: true, value: undefined });
});

test('a slow consumer: reading pauses at the high-water mark (16 KiB), each batch holds at most that and one read more, and every frame of 1 MiB arrives', async () => {
  const rand = rng(0x51e7);
  const payloads = Array.from({ length: 2000 }, () => randomBytes(rand, 1 + rand(1000)));
  const p = await connected();
  const highWaterMark = 16 * 1024;
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder(), highWaterMark });
  p.client.end(new LengthFieldEncoder().encodeAll(payloads));
  const frames: Uint8Array[] = [];
  let largest = 0;
  for await (const batch of conn.batches()) {
    largest = Math.max(
      largest,
      batch.reduce((n, f) => n + f.length, 0),
    );
    frames.push(...batch);
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(sameFrames(frames, payloads)).toBeNull();
  expect(largest).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
});

test('a framing error comes after the batch of the frames received before it: two frames, then FrameTooLongError (code, numbers) on the next step', async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder({ maxFrameLength: 100 }) });
  const encoder = new LengthFieldEncoder();
  p.client.end(
    Buffer.concat([encoder.encode(Uint8Array.of(1)), encoder.encode(Uint8Array.of(2)), Uint8Array.of(0, 0, 4, 0)]),
  );
  const { batches, error } = await within(allBatches(conn), 5000, 'the batches');
  expect(batches.flat().map((f) => Array.from(f))).toEqual([[1], [2]]);
  expect(error).toBeInstanceOf(FrameTooLongError);
  expect((error as FrameTooLongError).code).toBe('ERR_FRAME_TOO_LONG');
  expect((error as FrameTooLongError).offset).toBe(10);
});

test("the peer's FIN inside a frame: the whole frames, then TruncatedFrameError with the partial frame's bytes", async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder() });
  p.client.end(Buffer.concat([new LengthFieldEncoder().encode(Uint8Array.of(7, 7)), Uint8Array.of(0, 0, 0, 9, 1, 2)]));
  const { batches, error } = await within(allBatches(conn), 5000, 'the batches');
  expect(batches.flat().map((f) => Array.from(f))).toEqual([[7, 7]]);
  expect(error).toBeInstanceOf(TruncatedFrameError);
  expect(Array.from((error as TruncatedFrameError).partial)).toEqual([0, 0, 0, 9, 1, 2]);
});

test('frames and batches take from one queue: a frame from the frame iterator, the rest as a batch; leaving a batches loop early leaves later frames queued for the next loop', async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder() });
  const encoder = new LengthFieldEncoder();
  p.client.write(encoder.encodeAll([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]));
  await pollUntil(() => conn.readableLength === 3, 5000);
  const frames = conn[Symbol.asyncIterator]();
  expect(Array.from((await frames.next()).value as Uint8Array)).toEqual([1]);
  for await (const batch of conn.batches()) {
    expect(batch.map((f) => Array.from(f))).toEqual([[2], [3]]);
    break;
  }
  expect(conn.state).toBe('open'); // leaving the loop does not close the connection
  p.client.end(encoder.encode(Uint8Array.of(4)));
  const rest: number[][] = [];
  for await (const frame of conn) rest.push(Array.from(frame));
  expect(rest).toEqual([[4]]);
});

test("assigning conn.decoder after a batch switches framing right after that batch's last frame: the bytes the old decoder held go to the new one", async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LineDecoder() });
  // Two lines, then a length-prefixed frame without a newline: the LineDecoder holds it.
  p.client.write(Buffer.concat([Buffer.from('A\nB\n'), Uint8Array.of(0, 0, 0, 2, 104, 105)]));
  const batches = conn.batches();
  const first = await within(batches.next(), 5000, 'the lines');
  expect((first.value as Uint8Array[]).map((f) => Buffer.from(f).toString())).toEqual(['A', 'B']);
  conn.decoder = new LengthFieldDecoder();
  p.client.end(Uint8Array.of(0, 0, 0, 1, 33));
  const { batches: rest } = await within(allBatches(conn), 5000, 'the frames');
  expect(rest.flat().map((f) => Buffer.from(f).toString())).toEqual(['hi', '!']);
});

test("close() ends the batches after those already taken; an abort rejects the next step with the signal's reason", async () => {
  const p = await connected();
  const conn = framed(p.accepted, { decoder: new LengthFieldDecoder() });
  const pending = conn.batches().next();
  void conn.close({ timeoutMs: 1000 });
  expect(await within(pending, 5000, 'the end')).toEqual({ done: true, value: undefined });

  const q = await connected();
  const controller = new AbortController();
  const aborted = framed(q.accepted, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  const step = aborted.batches().next();
  const reason = new Error('shutting down');
  controller.abort(reason);
  await expect(within(step, 5000, 'the abort')).rejects.toBe(reason);
});
