// conn.writeRaw(bytes) on loopback TCP: bytes that are already framed go out as
// they are, with write()'s backpressure (false, then 'drain').
import { once } from 'node:events';
import net from 'node:net';
import { expect, test } from 'vitest';
import { InvalidOptionError, LengthFieldDecoder, LengthFieldEncoder } from '../../src/index.js';
import { framed } from '../../src/node/index.js';
import { HOST, pairsClosedAfterEach, randomBytes, rng, sameFrames, within } from './_tcp.js';

const connected = pairsClosedAfterEach();

test('a relay forwards the frames it reads (header kept: initialBytesToStrip 0) with writeRaw(), byte for byte, and no encoder', async () => {
  const rand = rng(0x4e1a);
  const payloads = Array.from({ length: 2000 }, () => randomBytes(rand, rand(10) === 0 ? 20_000 : rand(500)));
  const upstream = await connected(); // sender -> relay
  const downstream = await connected(); // relay -> receiver
  const relayIn = framed(upstream.accepted, { decoder: new LengthFieldDecoder({ initialBytesToStrip: 0 }) });
  const relayOut = framed(downstream.client, { decoder: new LengthFieldDecoder() });
  const receiver = framed(downstream.accepted, { decoder: new LengthFieldDecoder() });
  const received = (async () => {
    const frames: Uint8Array[] = [];
    for await (const f of receiver) frames.push(f);
    return frames;
  })();
  const relaying = (async () => {
    let waits = 0;
    for await (const frame of relayIn) {
      if (!relayOut.writeRaw(frame)) {
        waits++;
        await within(once(relayOut, 'drain'), 10_000, 'drain');
      }
    }
    await relayOut.end();
    return waits;
  })();
  upstream.client.end(new LengthFieldEncoder().encodeAll(payloads));
  await within(relaying, 20_000, 'relay');
  expect(sameFrames(await within(received, 20_000, 'frames'), payloads)).toBeNull();
});

test("writeRaw() returns false against a peer that does not read, 'drain' follows once it reads, and the send buffer stays bounded", async () => {
  const p = await connected();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder() });
  p.accepted.pause(); // the peer stops reading
  const CHUNK = 64 * 1024;
  const chunk = new Uint8Array(CHUNK).fill(0x61);
  let written = 0;
  let maxBuffered = 0;
  let sawFalse = false;
  for (let k = 0; k < 4096 && !sawFalse; k++) {
    sawFalse = !conn.writeRaw(chunk);
    written += CHUNK;
    maxBuffered = Math.max(maxBuffered, p.client.writableLength);
  }
  expect(sawFalse).toBe(true); // the kernel buffers filled, then Node's
  expect(maxBuffered).toBeLessThanOrEqual(p.client.writableHighWaterMark + CHUNK);
  let read = 0;
  p.accepted.on('data', (c: Buffer) => (read += c.length));
  const drained = within(once(conn, 'drain'), 10_000, 'drain');
  p.accepted.resume();
  await drained;
  await conn.end();
  await within(once(p.accepted, 'end'), 10_000, 'end');
  expect(read).toBe(written);
});

test('writeRaw() takes an ArrayBuffer, refuses anything else with InvalidOptionError, throws after end(), and writes nothing on a destroyed socket', async () => {
  const p = await connected();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder() });
  const got: Buffer[] = [];
  p.accepted.on('data', (c: Buffer) => got.push(c));
  expect(conn.writeRaw(Uint8Array.of(0, 0, 0, 1, 0x7a).buffer)).toBe(true);

  let thrown: unknown;
  try {
    conn.writeRaw('raw text' as unknown as Uint8Array);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  expect((thrown as InvalidOptionError).message).toBe('bytes must be a Uint8Array or an ArrayBuffer, got "raw text"');

  await conn.end();
  let afterEnd: unknown;
  try {
    conn.writeRaw(new Uint8Array(1));
  } catch (e) {
    afterEnd = e;
  }
  expect(afterEnd).toBeInstanceOf(Error);
  expect((afterEnd as NodeJS.ErrnoException).code).toBe('ERR_STREAM_WRITE_AFTER_END');
  expect((afterEnd as Error).message).toBe('writeRaw() after end() or close(): this connection has sent its FIN');
  await within(once(p.accepted, 'end'), 5000, 'end');
  expect([...Buffer.concat(got)]).toEqual([0, 0, 0, 1, 0x7a]);

  const other = net.connect({ port: p.port, host: HOST });
  await within(once(other, 'connect'), 5000, 'connect');
  const destroyed = framed(other, { decoder: new LengthFieldDecoder() });
  other.destroy();
  expect(destroyed.writeRaw(new Uint8Array(4))).toBe(false);
});
