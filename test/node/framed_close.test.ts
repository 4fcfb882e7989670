// The TCP connection edge on loopback: half-close both ways, a FIN inside a frame,
// graceful close, resets, and FIN_WAIT1 orphans with and without close({ timeoutMs }).
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import {
  FixedLengthDecoder,
  FixedLengthEncoder,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  DelimiterEncoder,
  TruncatedFrameError,
  InvalidOptionError,
  type FrameDecoder,
  type FrameEncoder as BaseEncoder,
} from '../../src/index.js';

/** The framecodec encoders all have encodeAll. */
type FrameEncoder = BaseEncoder & { encodeAll(payloads: Uint8Array[]): Uint8Array };
import { framed, socketStates, type Framed } from '../../src/node/index.js';
import { HOST, pair, pollUntil, sleep, within, type Pair } from './_tcp.js';

const utf8 = new TextEncoder();
const text = (f: Uint8Array) => new TextDecoder().decode(f);
const lf = () => ({ decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

async function connected(
  options: () => { decoder: FrameDecoder; encoder: FrameEncoder } = lf,
): Promise<{ p: Pair; client: Framed; server: Framed }> {
  const p = await pair();
  open = p;
  return { p, client: framed(p.client, options()), server: framed(p.accepted, options()) };
}

/** Collects frames until the iterator ends; resolves with them, or with the error it threw and the frames before. */
async function drain(conn: Framed): Promise<{ frames: string[]; error?: unknown }> {
  const frames: string[] = [];
  try {
    for await (const f of conn) frames.push(text(f));
  } catch (error) {
    return { frames, error };
  }
  return { frames };
}

describe('half-close', () => {
  test('the client ends its side: the server reads to the FIN, still writes, and the client still reads', async () => {
    const { p, client, server } = await connected();
    const serverGot = drain(server);
    client.writeAll(['a', 'b', 'c'].map((s) => utf8.encode(s)));
    await within(client.end(), 5000, 'client FIN');
    expect(client.state).toBe('closing');

    // The server's iterator ends at the FIN; its side stays writable.
    expect(await within(serverGot, 5000, 'server frames')).toEqual({ frames: ['a', 'b', 'c'] });
    expect(server.state).toBe('half-closed-remote');
    // Kernel view: the client waits for the server's FIN, the server has to send one.
    const half = await pollUntil(() => {
      const s = socketStates({ port: p.port });
      return s.FIN_WAIT2 >= 1 && s.CLOSE_WAIT >= 1 ? s : null;
    }, 5000);
    expect(half).not.toBeNull();

    const clientGot = drain(client);
    expect(server.write(utf8.encode('after your FIN'))).toBe(true);
    const states: string[] = [];
    server.on('state', (s) => states.push(s));
    await within(server.end(), 5000, 'server FIN');
    expect(await within(clientGot, 5000, 'client frames')).toEqual({ frames: ['after your FIN'] });
    await pollUntil(() => client.state === 'closed' && server.state === 'closed', 5000);
    expect([client.state, server.state]).toEqual(['closed', 'closed']);
    expect(states).toEqual(['closing', 'closed']);
    // The client closed first: it holds TIME_WAIT; nothing waits in CLOSE_WAIT any more.
    const after = await pollUntil(() => {
      const s = socketStates({ port: p.port });
      return s.CLOSE_WAIT === 0 && s.FIN_WAIT2 === 0 && s.TIME_WAIT >= 1 ? s : null;
    }, 5000);
    expect(after).not.toBeNull();
  });

  test('the server ends its side: the client reads to the FIN, then writes, and close() completes gracefully', async () => {
    const { p, client, server } = await connected();
    const clientGot = drain(client);
    server.write(utf8.encode('bye'));
    await within(server.end(), 5000, 'server FIN');
    expect(await within(clientGot, 5000, 'client frames')).toEqual({ frames: ['bye'] });
    expect(client.state).toBe('half-closed-remote');
    expect(server.state).toBe('closing');
    const half = await pollUntil(() => {
      const s = socketStates({ port: p.port });
      return s.FIN_WAIT2 >= 1 && s.CLOSE_WAIT >= 1 ? s : null;
    }, 5000);
    expect(half).not.toBeNull();

    const serverGot = drain(server);
    client.writeAll([utf8.encode('one'), utf8.encode('more')]);
    const result = await within(client.close({ timeoutMs: 5000 }), 8000, 'client close');
    expect(result).toEqual({ reset: false });
    expect(await within(serverGot, 5000, 'server frames')).toEqual({ frames: ['one', 'more'] });
    await pollUntil(() => server.state === 'closed', 5000);
    expect([client.state, server.state]).toEqual(['closed', 'closed']);
  });

  test('with allowHalfOpen: false the peer FIN makes the socket send its own at once', async () => {
    const p = await pair();
    open = p;
    const client = framed(p.client, lf());
    const server = framed(p.accepted, { ...lf(), allowHalfOpen: false });
    const serverGot = drain(server);
    await client.end();
    expect(await within(serverGot, 5000, 'server end')).toEqual({ frames: [] });
    await pollUntil(() => server.state === 'closed' && client.state === 'closed', 5000);
    expect([client.state, server.state]).toEqual(['closed', 'closed']);
  });
});

describe('a peer FIN in the middle of a frame', () => {
  const cases: Array<{ name: string; decoder: () => FrameDecoder; encoder: FrameEncoder; payload: string }> = [
    {
      name: 'LengthFieldDecoder',
      decoder: () => new LengthFieldDecoder(),
      encoder: new LengthFieldEncoder(),
      payload: 'length-prefixed',
    },
    {
      name: 'FixedLengthDecoder',
      decoder: () => new FixedLengthDecoder({ frameLength: 12 }),
      encoder: new FixedLengthEncoder({ frameLength: 12 }),
      payload: 'twelve bytes',
    },
    {
      name: "LineDecoder with trailing: 'error'",
      decoder: () => new LineDecoder({ trailing: 'error' }),
      encoder: new DelimiterEncoder({ delimiter: '\n' }),
      payload: 'a line',
    },
  ];

  test.each(cases)(
    '$name: the iterator yields the whole frames, then throws TruncatedFrameError with the partial bytes',
    async ({ decoder, encoder, payload }) => {
      const p = await pair();
      open = p;
      const server = framed(p.accepted, { decoder: decoder() });
      const got = drain(server);
      const whole = encoder.encodeAll([utf8.encode(payload), utf8.encode(payload)]);
      const third = encoder.encode(utf8.encode(payload));
      const cut = third.subarray(0, third.length - 3); // the FIN comes 3 bytes before the frame's end
      p.client.write(whole);
      await sleep(20);
      p.client.end(cut);
      const { frames, error } = await within(got, 5000, 'truncation');
      expect(frames).toEqual([payload, payload]);
      expect(error).toBeInstanceOf(TruncatedFrameError);
      expect((error as TruncatedFrameError).code).toBe('ERR_TRUNCATED_FRAME');
      expect(Buffer.from((error as TruncatedFrameError).partial)).toEqual(Buffer.from(cut));
      expect(server.state).toBe('half-closed-remote');
    },
  );

  test("LineDecoder with its default trailing: 'emit' delivers the unterminated last line as a frame", async () => {
    const p = await pair();
    open = p;
    const server = framed(p.accepted, { decoder: new LineDecoder() });
    const got = drain(server);
    p.client.end('first\nlast without newline');
    expect(await within(got, 5000, 'lines')).toEqual({ frames: ['first', 'last without newline'] });
  });
});

describe('errors and misuse', () => {
  test('a reset by the peer is thrown by the iterator after the frames received before it', async () => {
    const { p, server } = await connected();
    const got = drain(server);
    p.client.write(new LengthFieldEncoder().encode(utf8.encode('before')));
    await sleep(50);
    p.client.resetAndDestroy();
    const { frames, error } = await within(got, 5000, 'reset');
    expect(frames).toEqual(['before']);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    await pollUntil(() => server.state === 'closed', 5000);
    expect(server.state).toBe('closed');
  });

  test('write() after end() throws ERR_STREAM_WRITE_AFTER_END; without an encoder it throws InvalidOptionError', async () => {
    const { p, client } = await connected();
    await client.end();
    expect(() => client.write(utf8.encode('late'))).toThrow(
      expect.objectContaining({ code: 'ERR_STREAM_WRITE_AFTER_END' }),
    );
    const readOnly = framed(p.accepted, { decoder: new LengthFieldDecoder() });
    expect(() => readOnly.write(utf8.encode('x'))).toThrow(InvalidOptionError);
    expect(() => readOnly.close({ timeoutMs: -1 })).toThrow(InvalidOptionError);
    expect(() => framed(p.accepted, {} as never)).toThrow(InvalidOptionError);
  });

  test('writeAll() with an encoder that has no encodeAll concatenates its frames into one write', async () => {
    const p = await pair();
    open = p;
    // A hand-written encoder: a 1-byte length, then the payload.
    const encoder = { encode: (payload: Uint8Array) => Uint8Array.from([payload.length, ...payload]) };
    const client = framed(p.client, { decoder: new LengthFieldDecoder({ lengthFieldLength: 1 }), encoder });
    const server = framed(p.accepted, { decoder: new LengthFieldDecoder({ lengthFieldLength: 1 }) });
    const got = drain(server);
    const writes: number[] = [];
    const write = p.client.write.bind(p.client);
    p.client.write = ((chunk: Uint8Array, ...rest: never[]) => {
      writes.push(chunk.length);
      return write(chunk, ...rest);
    }) as typeof p.client.write;
    client.writeAll([utf8.encode('ab'), utf8.encode(''), utf8.encode('cde')]);
    await client.end();
    expect(await within(got, 5000, 'frames')).toEqual({ frames: ['ab', '', 'cde'] });
    expect(writes).toEqual([3 + 1 + 4]);
  });

  test('an encoder error is thrown by write() and nothing is sent', async () => {
    const { p, client, server } = await connected(() => ({
      decoder: new LengthFieldDecoder({ lengthFieldLength: 1 }),
      encoder: new LengthFieldEncoder({ lengthFieldLength: 1 }),
    }));
    const got = drain(server);
    expect(() => client.write(new Uint8Array(300))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LONG' }));
    expect(() => client.writeAll([new Uint8Array(1), new Uint8Array(300)])).toThrow(
      expect.objectContaining({ code: 'ERR_FRAME_TOO_LONG' }),
    );
    client.write(utf8.encode('ok'));
    await client.end();
    expect(await within(got, 5000, 'frames')).toEqual({ frames: ['ok'] });
    expect(p.client.bytesWritten).toBe(3);
  });
});

describe('close({ timeoutMs }) and FIN_WAIT1 orphans', () => {
  /**
   * The server writes 1 MiB frames to a client that stopped reading, until the
   * client's receive buffer and the server's send buffer are full (no 'drain'
   * within 300 ms), then one more, which stays in Node's buffer.
   */
  async function fillTowardsStalledPeer(p: Pair, server: Framed): Promise<number> {
    p.client.pause();
    p.client.on('error', () => undefined); // it will see the reset
    const frame = new Uint8Array(1 << 20);
    let written = 0;
    for (let k = 0; k < 128; k++) {
      written++;
      if (server.write(frame)) continue;
      const drained = await Promise.race([once(server, 'drain').then(() => true), sleep(300).then(() => false)]);
      if (!drained) break;
    }
    server.write(frame);
    return written + 1;
  }

  test('with close({ timeoutMs }) the server resets the connection and no socket of the port is left in FIN_WAIT1', async () => {
    const { p, server } = await connected();
    const mib = await fillTowardsStalledPeer(p, server);
    expect(mib).toBeLessThan(129); // the buffers did fill up
    expect(p.accepted.writableLength).toBeGreaterThan(0);

    const started = Date.now();
    const result = await within(server.close({ timeoutMs: 300 }), 10_000, 'close');
    expect(result).toEqual({ reset: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.state).toBe('closed');
    // Watch the port for a while: nothing in FIN_WAIT1 (nor LAST_ACK / CLOSING).
    for (let k = 0; k < 10; k++) {
      const s = socketStates({ port: p.port });
      expect({ FIN_WAIT1: s.FIN_WAIT1, LAST_ACK: s.LAST_ACK, CLOSING: s.CLOSING }).toEqual({
        FIN_WAIT1: 0,
        LAST_ACK: 0,
        CLOSING: 0,
      });
      await sleep(100);
    }
  });

  test('without it (end(), then destroy() after a grace period) the socket stays in FIN_WAIT1 as an orphan', async () => {
    const { p, server } = await connected();
    await fillTowardsStalledPeer(p, server);
    const socket = p.accepted;
    socket.end();
    await sleep(300);
    socket.destroy(); // the fd is closed; the kernel still holds the unsent data and the FIN
    await once(socket, 'close');

    const stuck = await pollUntil(() => {
      const s = socketStates({ port: p.port });
      return s.FIN_WAIT1 >= 1 ? s : null;
    }, 5000);
    expect(stuck).not.toBeNull();
    expect(stuck!.orphans).toBeGreaterThanOrEqual(1);
    await sleep(1000);
    expect(socketStates({ port: p.port }).FIN_WAIT1).toBeGreaterThanOrEqual(1); // still there a second later

    // Clean up: the client closes with unread data, which sends RST and frees the orphan.
    p.client.resetAndDestroy();
    const cleared = await pollUntil(() => socketStates({ port: p.port }).FIN_WAIT1 === 0, 10_000);
    expect(cleared).toBe(true);
  });

  test('close({ timeoutMs: 0 }) on an idle connection, 40 times: each resets, resolves and closes (libuv refuses a reset while the shutdown sending our FIN is in flight, and Node then never emits close: the reset waits for it)', async () => {
    const p = await pair({ server: { allowHalfOpen: true } });
    open = p;
    p.server.on('connection', (s) => {
      s.on('error', () => undefined);
      s.resume(); // reads our FIN but never answers it (allowHalfOpen)
    });
    const results: { reset: boolean }[] = [];
    for (let k = 0; k < 40; k++) {
      const socket = net.connect(p.port, HOST);
      await within(once(socket, 'connect'), 5000, 'connect');
      const errors: Error[] = [];
      socket.on('error', (e) => errors.push(e));
      const conn = framed(socket, lf());
      await sleep(k % 5); // the reset's timer lands anywhere around the shutdown
      results.push(await within(conn.close({ timeoutMs: 0 }), 2000, `close ${k}`));
      expect(conn.state).toBe('closed');
      expect(errors).toEqual([]);
    }
    expect(results.every((r) => r.reset)).toBe(true); // the peers never answered our FIN
    // Each peer got the RST: none is left in CLOSE_WAIT, and nothing waits on our side.
    const lingering = () => {
      const s = socketStates({ port: p.port });
      return s.CLOSE_WAIT + s.FIN_WAIT1 + s.FIN_WAIT2 + s.LAST_ACK + s.CLOSING;
    };
    await pollUntil(() => lingering() === 0, 5000);
    expect(lingering()).toBe(0);
  });

  test('close() while the peer completes the close in time does not reset', async () => {
    const { client, server } = await connected();
    const got = drain(server);
    client.write(utf8.encode('last words'));
    // The server answers the FIN by closing too (what a framed peer does after its loop).
    const serverDone = got.then(() => server.close({ timeoutMs: 5000 }));
    expect(await within(client.close({ timeoutMs: 5000 }), 8000, 'client close')).toEqual({ reset: false });
    expect(await within(serverDone, 8000, 'server close')).toEqual({ reset: false });
    expect(await got).toEqual({ frames: ['last words'] });
  });

  test('close() ends the iterator after the frames already received and drops later bytes', async () => {
    const { p, client, server } = await connected();
    client.write(utf8.encode('queued'));
    await pollUntil(() => server.readableLength > 0, 5000);
    const closing = server.close({ timeoutMs: 2000 });
    expect(server.state).toBe('closing');
    expect(await drain(server)).toEqual({ frames: ['queued'] });
    client.write(utf8.encode('dropped'));
    await client.end();
    expect(await within(closing, 5000, 'close')).toEqual({ reset: false });
    expect(server.close()).toBe(closing); // idempotent
    expect(p.accepted.destroyed).toBe(true);
  });
});
