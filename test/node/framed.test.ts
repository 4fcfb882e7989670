// Sticky and split packets, produced for real on loopback TCP, and every frame
// restored by framed() for each framing scheme.
import { afterEach, describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  FixedLengthEncoder,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  type FrameDecoder,
  type FrameEncoder as BaseEncoder,
} from '../../src/index.js';

/** The framecodec encoders all have encodeAll. */
type FrameEncoder = BaseEncoder & { encodeAll(payloads: Uint8Array[]): Uint8Array };
import { framed } from '../../src/node/index.js';
import {
  packetEffects,
  pair,
  randomBytes,
  randomLetters,
  recordReads,
  rng,
  sameFrames,
  within,
  type Pair,
} from './_tcp.js';

interface Scheme {
  name: string;
  decoder(): FrameDecoder;
  encoder(): FrameEncoder;
  /** A payload of about `size` bytes (FixedLength: exactly its frame length). */
  payload(rand: (n: number) => number, size: number): Uint8Array;
}

const schemes: Scheme[] = [
  {
    name: 'LengthFieldDecoder (4-byte field)',
    decoder: () => new LengthFieldDecoder(),
    encoder: () => new LengthFieldEncoder(),
    payload: randomBytes,
  },
  {
    name: 'LengthFieldDecoder (varint field)',
    decoder: () => new LengthFieldDecoder({ lengthFieldLength: 'varint' }),
    encoder: () => new LengthFieldEncoder({ lengthFieldLength: 'varint' }),
    payload: randomBytes,
  },
  {
    name: 'LineDecoder (CRLF line endings)',
    decoder: () => new LineDecoder(),
    encoder: () => new DelimiterEncoder({ delimiter: '\r\n' }),
    payload: randomLetters,
  },
  {
    name: 'DelimiterDecoder (5-byte delimiter)',
    decoder: () => new DelimiterDecoder({ delimiter: '#END#' }),
    encoder: () => new DelimiterEncoder({ delimiter: '#END#' }),
    payload: randomLetters,
  },
];

/** FixedLength frames all have one length: a scheme per size. */
function fixed(frameLength: number): Scheme {
  return {
    name: `FixedLengthDecoder (${frameLength}-byte records)`,
    decoder: () => new FixedLengthDecoder({ frameLength }),
    encoder: () => new FixedLengthEncoder({ frameLength }),
    payload: (rand) => randomBytes(rand, frameLength),
  };
}

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

/**
 * Sends `payloads` from the client with `send`, receives them with framed() on the
 * server side while recording the size of every read, and returns what arrived.
 */
async function transfer(
  scheme: Scheme,
  payloads: Uint8Array[],
  send: (client: Pair['client'], wire: Uint8Array[]) => Promise<void>,
): Promise<{ frames: Uint8Array[]; wireLengths: number[]; reads: number[] }> {
  const p = await pair();
  open = p;
  const encoder = scheme.encoder();
  const wire = payloads.map((x) => encoder.encode(x));
  const reads = recordReads(p.accepted);
  const conn = framed(p.accepted, { decoder: scheme.decoder() });
  const received = (async () => {
    const frames: Uint8Array[] = [];
    for await (const frame of conn) frames.push(frame);
    return frames;
  })();
  await send(p.client, wire);
  p.client.end();
  const frames = await within(received, 20_000, 'every frame');
  return { frames, wireLengths: wire.map((w) => w.length), reads };
}

describe.each([...schemes, fixed(24)])('$name', (scheme) => {
  test('many small writes with Nagle on arrive glued into few reads (sticky), and every frame is restored', async () => {
    const rand = rng(0x5eed01);
    const size = scheme.name.startsWith('Fixed') ? 24 : 0;
    const payloads = Array.from({ length: 3000 }, () => scheme.payload(rand, size || 1 + rand(40)));
    const { frames, wireLengths, reads } = await transfer(scheme, payloads, async (client, wire) => {
      // Nagle's algorithm is on by default; all writes happen in one tick.
      for (const w of wire) client.write(w);
    });
    expect(sameFrames(frames, payloads)).toBeNull();
    const { sticky } = packetEffects(wireLengths, reads);
    expect(reads.length).toBeLessThan(wireLengths.length);
    expect(sticky).toBeGreaterThan(0);
  });

  test('random write sizes cut frames anywhere (split and sticky), and every frame is restored', async () => {
    const rand = rng(0x5eed02);
    const size = scheme.name.startsWith('Fixed') ? 24 : 0;
    const payloads: Uint8Array[] = [];
    for (let total = 0; total < 300_000; ) {
      payloads.push(scheme.payload(rand, size || rand(1500)));
      total += payloads[payloads.length - 1].length + 1;
    }
    const { frames, wireLengths, reads } = await transfer(scheme, payloads, async (client, wire) => {
      client.setNoDelay(true);
      const all = Buffer.concat(wire);
      let at = 0;
      for (let k = 0; at < all.length; k++) {
        const n = Math.min(all.length - at, 1 + rand(3000));
        client.write(all.subarray(at, at + n));
        at += n;
        // Let the reader run now and then, so reads follow the writes' cuts.
        if (k % 4 === 3) await new Promise((r) => setTimeout(r, 1));
      }
    });
    expect(sameFrames(frames, payloads)).toBeNull();
    const { sticky, split } = packetEffects(wireLengths, reads);
    expect(split).toBeGreaterThan(0);
    expect(sticky).toBeGreaterThan(0);
  });
});

describe.each([...schemes, fixed(300_000)])('$name, large frames', (scheme) => {
  test('frames larger than a socket read arrive split over many reads, and every frame is restored', async () => {
    const rand = rng(0x5eed03);
    // Node reads at most 64 KiB at a time: each of these frames needs several reads.
    const payloads = Array.from({ length: 6 }, (_, k) => scheme.payload(rand, 100_000 + k * 150_000));
    const { frames, wireLengths, reads } = await transfer(scheme, payloads, async (client, wire) => {
      for (const w of wire) {
        if (!client.write(w)) await new Promise((r) => client.once('drain', r));
      }
    });
    expect(sameFrames(frames, payloads)).toBeNull();
    const { split } = packetEffects(wireLengths, reads);
    expect(split).toBe(payloads.length);
    expect(Math.max(...reads)).toBeLessThan(Math.min(...wireLengths));
  });
});
