// framedStream() over Node's Duplex.toWeb(socket) on loopback TCP: frames glued
// and split by real reads, a decoder switch, a FIN inside a frame, and the signal.
// Also what the README warns about: on Node 20, Duplex.toWeb() ends its readable
// side only after its writable side has finished, so a peer's FIN is seen only
// after end() (on Node, framed() from framecodec/node is the duplex to use).
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import {
  framedStream,
  type FramedTransport,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
} from '../../src/index.js';
import { type Pair, pair, randomBytes, recordReads, rng, sameFrames, sleep, within } from './_tcp.js';

/** The web streams of a socket, as framedStream takes them. */
const web = (socket: Duplex) => Duplex.toWeb(socket) as unknown as FramedTransport;
const lengthCodec = () => ({
  decoder: new LengthFieldDecoder(),
  encoder: new LengthFieldEncoder(),
});

let open: Pair[] = [];
afterEach(async () => {
  await Promise.all(open.map((p) => p.dispose()));
  open = [];
});

/** A loopback pair whose two sockets keep their write side open after the peer's FIN. */
async function halfOpenPair(): Promise<Pair> {
  const p = await pair({ server: { allowHalfOpen: true }, connect: { allowHalfOpen: true } });
  open.push(p);
  return p;
}

describe('framedStream(Duplex.toWeb(socket))', () => {
  test('frames glued into one write and split over many reads come back whole, both ways', async () => {
    const p = await halfOpenPair();
    const rand = rng(11);
    const payloads = [
      ...Array.from({ length: 300 }, () => randomBytes(rand, 1 + rand(200))),
      randomBytes(rand, 300_000), // spans many reads
      ...Array.from({ length: 50 }, () => randomBytes(rand, 1 + rand(5000))),
    ];
    const reads = recordReads(p.accepted);
    const server = framedStream(web(p.accepted), lengthCodec());
    const serving = (async () => {
      // Echo every frame; an empty frame says there is no more.
      for await (const frame of server) {
        if (frame.length === 0) break;
        await server.write(frame);
      }
      // Node 20: end() settles once the client has ended too, which the loop sees
      // only after our end: read on meanwhile.
      const ending = server.end();
      for await (const _ of server) throw new Error('no frame after the empty one');
      await ending;
      await server.close();
    })();
    const client = framedStream(web(p.client), lengthCodec());
    await client.writeAll(payloads.slice(0, 300)); // one write, 300 frames
    for (const payload of payloads.slice(300)) await client.write(payload);
    await client.write(new Uint8Array(0));
    const ending = client.end(); // Node 20: the client's loop can end only after this
    const echoed = await within(collect(client), 10_000, 'the echoes');
    await within(ending, 5000, 'end()');
    await within(serving, 10_000, 'the server');
    expect(sameFrames(echoed, payloads)).toBeNull();
    expect(reads.length).toBeGreaterThan(5); // the 300 kB frame alone takes several reads
  });

  test('a decoder switch: a line, then length-field frames that came in the same write', async () => {
    const p = await halfOpenPair();
    const server = framedStream(web(p.accepted), { decoder: new LineDecoder() });
    const wire = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll([
      new TextEncoder().encode('one'),
      new TextEncoder().encode('two'),
    ]);
    p.client.write(Buffer.concat([Buffer.from('HELLO\n'), wire]));
    const it = server[Symbol.asyncIterator]();
    const hello = await within(it.next(), 5000, 'the line');
    expect(new TextDecoder().decode(hello.value)).toBe('HELLO');
    server.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
    const frames = [(await it.next()).value, (await it.next()).value];
    expect(frames.map((f) => new TextDecoder().decode(f))).toEqual(['one', 'two']);
    await server.close();
  });

  test("the peer's FIN inside a frame: TruncatedFrameError after the frames before it", async () => {
    const p = await halfOpenPair();
    const server = framedStream(web(p.accepted), { decoder: new LengthFieldDecoder({ lengthFieldLength: 2 }) });
    p.client.end(Buffer.from([0, 1, 0x61, 0, 9, 0x62, 0x63]));
    // Node 20: our readable side ends only once our writable side has (and end()
    // settles only when both have: the peer's FIN came with its data here).
    await within(server.end(), 5000, 'end()');
    const got: string[] = [];
    let error: unknown;
    try {
      for await (const frame of server) got.push(new TextDecoder().decode(frame));
    } catch (e) {
      error = e;
    }
    expect(got).toEqual(['a']);
    expect(error).toBeInstanceOf(TruncatedFrameError);
    expect(Array.from((error as TruncatedFrameError).partial)).toEqual([0, 9, 0x62, 0x63]);
  });

  test('aborting the signal ends the loop with its reason and destroys the socket', async () => {
    const p = await halfOpenPair();
    const controller = new AbortController();
    const server = framedStream(web(p.accepted), { ...lengthCodec(), signal: controller.signal });
    const loop = (async () => {
      for await (const _ of server) {
      }
    })();
    await sleep(20);
    const ended = once(p.client, 'end');
    controller.abort(new Error('shutting down'));
    await expect(within(loop, 5000, 'the loop')).rejects.toThrow('shutting down');
    expect(p.accepted.destroyed).toBe(true);
    p.client.resume();
    await within(ended, 5000, "the server's FIN at the client");
  });
});

describe('Node 20: Duplex.toWeb(socket) ends its readable side only after its writable side has finished', () => {
  const node20 = process.versions.node.startsWith('20.');

  test.runIf(node20)("the peer's FIN is seen only after end(): framed() is the duplex to use on Node", async () => {
    const p = await halfOpenPair();
    const server = framedStream(web(p.accepted), { decoder: new LineDecoder() });
    p.client.end('last line\n'); // FIN right after the data
    const it = server[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await within(it.next(), 5000, 'the line')).value)).toBe('last line');
    const next = it.next();
    const seen = await Promise.race([next.then(() => 'end seen'), sleep(300).then(() => 'still waiting')]);
    expect(seen).toBe('still waiting'); // the FIN has arrived, but the readable side has not ended
    const ending = server.end();
    expect((await within(next, 5000, 'the end after end()')).done).toBe(true);
    await within(ending, 5000, 'end()');
  });
});

async function collect<T>(conn: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const frame of conn) out.push(frame);
  return out;
}
