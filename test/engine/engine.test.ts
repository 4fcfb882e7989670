import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  backend,
  DelimiterDecoder,
  init,
  InvalidOptionError,
  LengthFieldDecoder,
  LineDecoder,
} from '../../src/index.js';
import { engine, useEngine } from '../../src/engine/index.js';
import { bytes, text } from '../_harness.js';

useEngine(); // the default engine is chosen on first use; these tests read `engine` before any decoder exists

const initial = backend();

describe('engines', () => {
  afterAll(async () => {
    // Put back the engine this project runs on.
    if (initial === 'js') await init({ backend: 'js' });
    else await init({ wasm: readFileSync(`build/framecodec.${initial === 'wasm-simd' ? 'simd' : 'scalar'}.wasm`) });
    expect(backend()).toBe(initial);
  });

  test('init() swaps the engine between calls; a decoder keeps its state across the swap', async () => {
    const d = new LineDecoder();
    expect(text(d.decode(bytes('one\ntw')))).toEqual(['one']);
    await init({ backend: 'js' });
    expect(backend()).toBe('js');
    expect(text(d.decode(bytes('o\nthr')))).toEqual(['two']);
    await init({ wasm: readFileSync('build/framecodec.scalar.wasm') });
    expect(backend()).toBe('wasm');
    expect(text(d.decode(bytes('ee\n')))).toEqual(['three']);
    await init({ wasm: new WebAssembly.Module(readFileSync('build/framecodec.simd.wasm')) });
    expect(backend()).toBe('wasm-simd');
  });

  test('init() rejects what is not a framecodec module, and unknown backends', async () => {
    const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await expect(init({ wasm: empty })).rejects.toThrow(InvalidOptionError);
    // Bytes that are not WebAssembly at all, and a URL Node's fetch cannot read: the
    // runtime's error becomes the cause of an InvalidOptionError naming `wasm`.
    const before = backend();
    const junk = await init({ wasm: new Uint8Array([1, 2, 3]) }).catch((e: unknown) => e);
    expect(junk).toBeInstanceOf(InvalidOptionError);
    expect(junk).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'wasm' });
    expect((junk as Error).message).toMatch(/^wasm is not a valid WebAssembly module: CompileError: /);
    expect((junk as Error).cause).toBeInstanceOf(WebAssembly.CompileError);
    const url = new URL('build/framecodec.simd.wasm', `file://${process.cwd()}/`);
    const file = await init({ wasm: url }).catch((e: unknown) => e);
    expect(file).toBeInstanceOf(InvalidOptionError);
    expect((file as Error).message).toBe(
      `fetching the wasm module from ${url.href} failed: TypeError: fetch failed; pass the bytes instead (e.g. await readFile(url))`,
    );
    expect(backend()).toBe(before); // a failed init() leaves the engine as it was
    await expect(init({ backend: 'gpu' as never })).rejects.toThrow(/^backend must be "wasm" or "js", got "gpu"$/);
  });

  test('linear memory stays small and does not grow with the number of decoders', () => {
    const before = engine.memoryBytes;
    const decoders = Array.from({ length: 10_000 }, () => new LineDecoder());
    for (const [k, d] of decoders.entries()) d.decode(bytes(`partial line ${k}`));
    expect(engine.memoryBytes).toBe(before);
    expect(before).toBeLessThanOrEqual(4 * 65536);
  });

  test('zero-copy receive with a carried header longer than the reserve (4 KiB)', () => {
    // A 5,000-byte offset before the length field: the carried tail does not fit in
    // front of the receive area, so the chunk is moved up before the tail is written.
    const options = { lengthFieldOffset: 5000, lengthFieldLength: 2, initialBytesToStrip: 0 } as const;
    const frame = new Uint8Array(5102).map((_, i) => (i * 7) & 255);
    frame[5000] = 0;
    frame[5001] = 100;
    const stream = new Uint8Array(frame.length * 3);
    for (let k = 0; k < 3; k++) stream.set(frame, k * frame.length);
    const d = new LengthFieldDecoder(options);
    const got: Uint8Array[] = [];
    let at = 0;
    for (const cut of [4900, 9000, 15000, stream.length]) {
      const area = engine.receiveArea();
      area.set(stream.subarray(at, cut));
      got.push(...d.decode(area.subarray(0, cut - at)));
      at = cut;
    }
    expect(got.map((f) => Buffer.from(f).equals(Buffer.from(frame)))).toEqual([true, true, true]);
  });

  test('the receive area keeps its address when a large delimiter table is loaded', () => {
    const before = engine.receiveArea().byteOffset;
    const many = Array.from({ length: 600 }, (_, k) => `<${k}>`); // a table over 4 KiB
    const d = new DelimiterDecoder({ delimiter: many });
    expect(text(d.decode(bytes('a<7>b<599>c')))).toEqual(['a', 'b']);
    expect(engine.receiveArea().byteOffset).toBe(before);
  });

  test('zero-copy receive: bytes written into the receive area are decoded in place, frames copied out', () => {
    const d = new LineDecoder();
    const area = engine.receiveArea();
    const n = area.length;
    area.set(bytes('alpha\nbe'));
    const first = d.decode(area.subarray(0, 8));
    expect(text(first)).toEqual(['alpha']);
    expect(first[0].buffer).not.toBe(area.buffer); // copied out: stable
    const again = engine.receiveArea();
    again.set(bytes('ta\ngamma\n'));
    const second = d.decode(again.subarray(0, 9));
    expect(text(second)).toEqual(['beta', 'gamma']);
    again.fill(0x78);
    expect(text([...first, ...second])).toEqual(['alpha', 'beta', 'gamma']); // unaffected by reuse
    expect(n).toBe(65536);
  });
});
