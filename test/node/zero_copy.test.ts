// Zero-copy receive on loopback TCP: the socket reads into the engine's receive
// area (onread) and the frames are identical to the 'data' path, also when linear
// memory grows, the receive area moves, or init() swaps the engine between reads.
import { afterEach, describe, expect, test } from 'vitest';
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  FixedLengthEncoder,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  backend,
  init,
  type FrameDecoder,
  type FrameEncoder as BaseEncoder,
} from '../../src/index.js';

/** The framecodec encoders all have encodeAll. */
type FrameEncoder = BaseEncoder & { encodeAll(payloads: Uint8Array[]): Uint8Array };
import { engine, useEngine } from '../../src/engine/index.js';
import { framed, zeroCopyOnread, type Framed } from '../../src/node/index.js';
import { receiverOf } from '../../src/node/zero_copy.js';
import { pair, pollUntil, randomBytes, randomLetters, rng, sameFrames, within, type Pair } from './_tcp.js';

useEngine(); // the default engine is chosen on first use; these tests read `engine` before any decoder exists

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

interface Scheme {
  name: string;
  decoder(): FrameDecoder;
  encoder(): FrameEncoder;
  payload(rand: (n: number) => number, size: number): Uint8Array;
}

const schemes: Scheme[] = [
  {
    name: 'LengthFieldDecoder',
    decoder: () => new LengthFieldDecoder(),
    encoder: () => new LengthFieldEncoder(),
    payload: randomBytes,
  },
  {
    name: 'LineDecoder',
    decoder: () => new LineDecoder(),
    encoder: () => new DelimiterEncoder({ delimiter: '\r\n' }),
    payload: randomLetters,
  },
  {
    name: 'DelimiterDecoder',
    decoder: () => new DelimiterDecoder({ delimiter: ['#END#', '||'] }),
    encoder: () => new DelimiterEncoder({ delimiter: '#END#' }),
    payload: randomLetters,
  },
  {
    name: 'FixedLengthDecoder',
    decoder: () => new FixedLengthDecoder({ frameLength: 1000 }),
    encoder: () => new FixedLengthEncoder({ frameLength: 1000 }),
    payload: (rand) => randomBytes(rand, 1000),
  },
];

/** Small frames (sticky) and large ones (split over 64 KiB reads). */
function payloads(scheme: Scheme, seed: number): Uint8Array[] {
  const rand = rng(seed);
  return Array.from({ length: 600 }, (_, k) =>
    scheme.payload(rand, k % 100 === 7 ? 70_000 + rand(200_000) : rand(300)),
  );
}

/** Receives frames into an array; nothing is consumed until the end, so early frames must stay intact. */
function collect(conn: Framed): Promise<Uint8Array[]> {
  return (async () => {
    const frames: Uint8Array[] = [];
    for await (const f of conn) frames.push(f);
    return frames;
  })();
}

/**
 * The server sends `batches` of wire bytes; between two batches it waits until the
 * client has decoded the previous one and runs `between(k)`. The client decodes
 * with zero-copy (or the 'data' path).
 */
async function receive(
  decoder: FrameDecoder,
  batches: Uint8Array[],
  options: { zeroCopy: boolean; between?: (k: number) => Promise<void> | void },
): Promise<{ frames: Uint8Array[]; reads: number; inPlace: number }> {
  const onread = options.zeroCopy ? zeroCopyOnread() : undefined;
  const p = await pair({ connect: onread ? { onread } : {} });
  open = p;
  const conn = framed(p.client, { decoder, onread, highWaterMark: 64 << 20 });
  const frames = collect(conn);
  for (let k = 0; k < batches.length; k++) {
    if (k > 0) {
      const sent = batches.slice(0, k).reduce((n, b) => n + b.length, 0);
      await pollUntil(() => p.client.bytesRead >= sent && decoder.stats.bytes + decoder.buffered > 0, 10_000, 5);
      await options.between?.(k);
    }
    p.accepted.write(batches[k]);
  }
  p.accepted.end();
  const r = onread ? receiverOf(onread) : { reads: 0, inPlace: 0 };
  return { frames: await within(frames, 20_000, 'frames'), reads: r.reads, inPlace: r.inPlace };
}

describe.each(schemes)('$name', (scheme) => {
  test('zero-copy receive gives the same frames as the data path, scanned in place', async () => {
    const sent = payloads(scheme, 0xc0ffee);
    const wire = scheme.encoder().encodeAll(sent);
    // Three batches: reads of every size, frames spanning batches.
    const batches = [wire.subarray(0, 1000), wire.subarray(1000, wire.length >> 1), wire.subarray(wire.length >> 1)];
    const viaData = await receive(scheme.decoder(), batches, { zeroCopy: false });
    await open?.dispose();
    const viaZeroCopy = await receive(scheme.decoder(), batches, { zeroCopy: true });
    expect(sameFrames(viaData.frames, sent)).toBeNull();
    expect(sameFrames(viaZeroCopy.frames, sent)).toBeNull();
    expect(viaZeroCopy.reads).toBeGreaterThan(3);
    if (backend() !== 'js') expect(viaZeroCopy.inPlace).toBe(viaZeroCopy.reads);
  });
});

describe.each([schemes[0], schemes[2]])('the receive area changes between two reads ($name)', (scheme) => {
  const sent = payloads(scheme, 0xbeef);
  const wire = scheme.encoder().encodeAll(sent);
  const batches = [wire.subarray(0, 100_000), wire.subarray(100_000, 300_000), wire.subarray(300_000)];

  test('linear memory grows (the buffer libuv holds is detached): the bytes are found in the grown memory', async () => {
    const before = engine.memoryBytes;
    const r = await receive(scheme.decoder(), batches, {
      zeroCopy: true,
      between: () => engine.reserveStage(engine.stageCap * 2),
    });
    expect(engine.memoryBytes).toBeGreaterThan(before);
    expect(sameFrames(r.frames, sent)).toBeNull();
  });

  test('a larger delimiter table moves the receive area: the read is copied out and the table reloaded', async () => {
    // 600 delimiters of 8 bytes: a table of ~9.9 KiB, more than the 4 KiB reserved, so
    // the engine moves its staging area up, over the address libuv still holds.
    const delimiters = Array.from({ length: 600 }, (_, k) => `<${String(k).padStart(5, '0')}>\n`);
    const big = new DelimiterDecoder({ delimiter: delimiters });
    const probe = new TextEncoder().encode(`left${delimiters[599]}right${delimiters[598]}`);
    const text = (fs: Uint8Array[]) => fs.map((f) => new TextDecoder().decode(f));
    const r = await receive(scheme.decoder(), batches, {
      zeroCopy: true,
      between: (k) => {
        if (k === 1) expect(text(big.decode(probe))).toEqual(['left', 'right']);
      },
    });
    expect(sameFrames(r.frames, sent)).toBeNull();
    // The delimiters stored where the read landed are still found.
    expect(text(big.decode(probe))).toEqual(['left', 'right']);
  });

  test('init() replaces the engine: the pending read is copied out of the old memory', async () => {
    try {
      const r = await receive(scheme.decoder(), batches, {
        zeroCopy: true,
        between: async (k) => {
          if (k === 1) await init({ backend: 'js' });
        },
      });
      expect(backend()).toBe('js');
      expect(sameFrames(r.frames, sent)).toBeNull();
    } finally {
      await init();
    }
  });
});

test('a length field at an offset beyond 4 KiB (a carried header longer than the reserve) decodes correctly', async () => {
  const offset = 5000;
  const options = { lengthFieldOffset: offset, lengthFieldLength: 2, initialBytesToStrip: 0 } as const;
  const rand = rng(7);
  const frames = Array.from({ length: 40 }, () => {
    const body = 1 + rand(3000);
    const f = randomBytes(rand, offset + 2 + body);
    f[offset] = body >> 8;
    f[offset + 1] = body & 0xff;
    return f;
  });
  const wire = Buffer.concat(frames);
  const batches = [wire.subarray(0, 4900), wire.subarray(4900, 9000), wire.subarray(9000)];
  const r = await receive(new LengthFieldDecoder(options), batches, { zeroCopy: true });
  expect(sameFrames(r.frames, frames)).toBeNull();
});

test('a FrameDecoder without decodeRanges (a wrapper) is fed with decode() and gives the same frames', async () => {
  const scheme = schemes[1];
  const sent = payloads(scheme, 0xfeed);
  const wire = scheme.encoder().encodeAll(sent);
  const inner = scheme.decoder();
  const wrapper: FrameDecoder = {
    decode: (c) => inner.decode(c),
    decodeEach: (c, f) => inner.decodeEach(c, f),
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
  const r = await receive(wrapper, [wire.subarray(0, 5000), wire.subarray(5000)], { zeroCopy: true });
  expect(sameFrames(r.frames, sent)).toBeNull();
  if (backend() !== 'js') expect(r.inPlace).toBe(r.reads);
});

test('zeroCopyOnread(onRead) hands each read to the callback, in the receive area, for decodeRanges', async () => {
  const scheme = schemes[0];
  const sent = payloads(scheme, 0xabc);
  const wire = scheme.encoder().encodeAll(sent);
  const decoder = new LengthFieldDecoder();
  const frames: Uint8Array[] = [];
  let reads = 0;
  let inArea = 0;
  const onread = zeroCopyOnread((bytes) => {
    reads++;
    if (bytes.buffer === engine.u8.buffer && bytes.byteOffset === engine.receive) inArea++;
    decoder.decodeRanges(bytes, (source, offsets, count) => {
      for (let i = 0; i < count; i++) frames.push(source.slice(offsets[2 * i], offsets[2 * i + 1]));
    });
  });
  const p = await pair({ connect: { onread } });
  open = p;
  const ended = new Promise((resolve) => p.client.once('end', resolve)); // no resume() needed
  p.accepted.end(wire);
  await within(ended, 10_000, 'end');
  expect(decoder.end()).toEqual([]);
  expect(sameFrames(frames, sent)).toBeNull();
  expect(reads).toBeGreaterThan(1);
  if (backend() !== 'js') expect(inArea).toBe(reads);
  expect(() => framed(p.client, { decoder: scheme.decoder(), onread })).toThrow(InvalidOptionError);
  expect(() => zeroCopyOnread('x' as never)).toThrow(InvalidOptionError);
});

test('an onread object serves one connection, and framed() accepts only zeroCopyOnread() objects', async () => {
  const onread = zeroCopyOnread();
  const p = await pair({ connect: { onread } });
  open = p;
  framed(p.client, { decoder: new LineDecoder(), onread });
  const listeners = p.client.listenerCount('end');
  expect(() => framed(p.client, { decoder: new LineDecoder(), onread })).toThrow(InvalidOptionError);
  expect(p.client.listenerCount('end')).toBe(listeners); // a rejected framed() leaves the socket alone
  expect(() =>
    framed(p.accepted, { decoder: new LineDecoder(), onread: { buffer: new Uint8Array(8), callback: () => true } }),
  ).toThrow(InvalidOptionError);
});
