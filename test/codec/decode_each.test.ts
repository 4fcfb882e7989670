// decodeEach() hands frames over in batches as they are decoded, not after the
// whole chunk: a huge chunk of tiny frames never becomes one huge list.
import { describe, expect, test } from 'vitest';
import { DelimiterDecoder, FixedLengthDecoder, LengthFieldDecoder, LengthFieldEncoder } from '../../src/index.js';
import { EACH_BATCH } from '../../src/codec/decoder.js';

const N = 3 * EACH_BATCH + 5;

describe('decodeEach delivers batches as they are decoded', () => {
  test('the first frame arrives while most of the chunk is still undecoded', () => {
    const d = new DelimiterDecoder({ delimiter: ',' });
    const chunk = new TextEncoder().encode('a,'.repeat(N));
    const seen: number[] = [];
    const n = d.decodeEach(chunk, () => seen.push(d.buffered));
    expect(n).toBe(N);
    expect(seen.length).toBe(N);
    // During the first batch, the rest of the chunk is held, not yet decoded.
    expect(seen[0]).toBe(2 * (N - EACH_BATCH));
    expect(seen[N - 1]).toBe(0);
    expect(d.stats.frames).toBe(N);
  });

  test('maxFrames still bounds the call, across batches', () => {
    const d = new FixedLengthDecoder({ frameLength: 1 });
    const chunk = new Uint8Array(N);
    expect(d.decodeEach(chunk, () => {}, { maxFrames: EACH_BATCH + 3 })).toBe(EACH_BATCH + 3);
    expect(d.buffered).toBe(N - EACH_BATCH - 3);
    expect(d.decodeEach(new Uint8Array(0), () => {})).toBe(N - EACH_BATCH - 3);
  });

  test('an onFrame that throws leaves the bytes after its batch held for the next call', () => {
    const d = new LengthFieldDecoder({ lengthFieldLength: 1 });
    const wire = new LengthFieldEncoder({ lengthFieldLength: 1 }).encodeAll(
      Array.from({ length: N }, (_, k) => Uint8Array.of(k & 0xff)),
    );
    const boom = new Error('boom');
    expect(() =>
      d.decodeEach(wire, (f) => {
        if (f[0] === 7) throw boom;
      }),
    ).toThrow(boom);
    expect(d.buffered).toBe(2 * (N - EACH_BATCH));
    const rest: number[] = [];
    d.decodeEach(new Uint8Array(0), (f) => rest.push(f[0]));
    expect(rest.length).toBe(N - EACH_BATCH);
    expect(rest[0]).toBe(EACH_BATCH & 0xff);
  });

  test('an onFrame may switch framing: takeBuffered() mid-chunk gives the bytes after the frames delivered so far', () => {
    const d = new DelimiterDecoder({ delimiter: '\n' });
    const chunk = new TextEncoder().encode(`${'x\n'.repeat(EACH_BATCH)}SWITCH\n${'y'.repeat(10)}`);
    let rest: Uint8Array | null = null;
    let frames = 0;
    d.decodeEach(chunk, (f) => {
      frames++;
      if (f.length === 6) rest = d.takeBuffered();
    });
    // The batch boundary falls right before SWITCH: it comes first in the next batch.
    expect(frames).toBe(EACH_BATCH + 1);
    expect(new TextDecoder().decode(rest!)).toBe('y'.repeat(10));
    expect(d.buffered).toBe(0);
  });
});
