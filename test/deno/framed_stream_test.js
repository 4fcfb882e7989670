// @ts-check
/// <reference lib="deno.ns" />
// Deno: framedStream() over real TCP connections (Deno.listen / Deno.connect on
// 127.0.0.1), against the packed package. What a Deno.Conn needs that other
// transports do not: reading with conn.read(p), since conn.readable closes the
// whole connection at the peer's FIN, so that a side can still answer after the
// other's half-close (conn.closeWrite()). Also: frames glued and split by real
// reads, a FIN inside a frame, a decoder switch, the signal. Run by
// `npm run test:deno` with --allow-net=127.0.0.1, once per engine.
import {
  DelimiterEncoder,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
  framedStream,
} from 'framecodec';
import { assert, assertEquals, assertError } from './_assert.js';

const forced = Deno.env.get('FRAMECODEC_BACKEND');
const name = (/** @type {string} */ s) =>
  forced ? `framedStream on Deno TCP: ${s} [${forced}]` : `framedStream on Deno TCP: ${s}`;
const utf8 = new TextEncoder();
const text = (/** @type {Uint8Array} */ b) => new TextDecoder().decode(b);
const lines = () => ({ decoder: new LineDecoder(), encoder: new DelimiterEncoder({ delimiter: '\n' }) });

/**
 * A listener on 127.0.0.1 whose first connection `serve` handles, and a client
 * connected to it. Resolves when both are done; every connection and the
 * listener are closed by then (Deno's resource sanitizer checks it).
 * @param {(conn: Deno.TcpConn) => Promise<void>} serve
 * @param {(conn: Deno.TcpConn) => Promise<void>} use
 */
async function loopback(serve, use) {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const serving = listener.accept().then(serve);
  const client = await Deno.connect({ hostname: '127.0.0.1', port: listener.addr.port });
  try {
    await Promise.all([serving, use(client)]);
  } finally {
    listener.close();
  }
}

/** Random bytes from a fixed seed (xorshift32). */
function randomBytes(/** @type {number} */ n, seed = 7) {
  let s = seed;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

Deno.test(
  name('frames glued and split by real reads are echoed whole; each side answers after the other has half-closed'),
  async () => {
    const payloads = [
      ...Array.from({ length: 400 }, (_, i) => randomBytes(1 + ((i * 37) % 300), i + 1)),
      randomBytes(500_000, 99), // spans many reads
      ...Array.from({ length: 40 }, (_, i) => randomBytes(1 + ((i * 997) % 9000), i + 500)),
    ];
    const codec = () => ({ decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
    /** @type {Uint8Array[]} */
    const echoed = [];
    await loopback(
      async (conn) => {
        const server = framedStream(conn, codec());
        let count = 0;
        for await (const frame of server) {
          await server.write(frame);
          count++;
        }
        // The client's FIN ended the loop; the connection is still open our way.
        await server.write(utf8.encode(`${count} frames`));
        await server.end();
        await server.close();
      },
      async (conn) => {
        const client = framedStream(conn, codec());
        const sending = (async () => {
          await client.writeAll(payloads.slice(0, 400)); // 400 frames in one write
          for (const p of payloads.slice(400)) await client.write(p);
          await client.end(); // conn.closeWrite(): FIN, and we read on
        })();
        for await (const frame of client) echoed.push(frame);
        await sending;
        await client.close();
      },
    );
    assertEquals(echoed.length, payloads.length + 1, 'frames back');
    for (let i = 0; i < payloads.length; i++) {
      assert(
        echoed[i].length === payloads[i].length && echoed[i].every((b, k) => b === payloads[i][k]),
        `frame ${i} differs`,
      );
    }
    assertEquals(text(echoed[payloads.length]), `${payloads.length} frames`, 'the answer after the half-close');
  },
);

Deno.test(name('a request, closeWrite(), then the answer after it'), async () => {
  /** @type {string[]} */
  const answers = [];
  await loopback(
    async (conn) => {
      const server = framedStream(conn, lines());
      /** @type {string[]} */
      const questions = [];
      for await (const line of server) questions.push(text(line));
      // Only now, after the client's FIN, does the server answer.
      await server.writeAll(questions.map((q) => utf8.encode(q.toUpperCase())));
      await server.close();
    },
    async (conn) => {
      const client = framedStream(conn, lines());
      await client.write(utf8.encode('how'));
      await client.write(utf8.encode('are you'));
      await client.end();
      for await (const line of client) answers.push(text(line));
      await client.close();
    },
  );
  assertEquals(answers, ['HOW', 'ARE YOU']);
});

Deno.test(
  name('a FIN inside a frame: TruncatedFrameError after the frames before it, and we can still answer'),
  async () => {
    /** @type {string[]} */
    const got = [];
    /** @type {unknown} */
    let error;
    let reply = '';
    await loopback(
      async (conn) => {
        const server = framedStream(conn, { decoder: new LengthFieldDecoder({ lengthFieldLength: 2 }) });
        try {
          for await (const frame of server) got.push(text(frame));
        } catch (e) {
          error = e;
        }
        await server.writeRaw(utf8.encode('truncated\n'));
        await server.close();
      },
      async (conn) => {
        // Raw bytes: a whole frame "a", then a header announcing 9 bytes and 2 of them.
        await conn.write(Uint8Array.of(0, 1, 0x61, 0, 9, 0x62, 0x63));
        await conn.closeWrite();
        const buf = new Uint8Array(64);
        for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) reply += text(buf.subarray(0, n));
        conn.close();
      },
    );
    assertEquals(got, ['a']);
    const truncated = assertError(error, TruncatedFrameError, 'ERR_TRUNCATED_FRAME');
    assertEquals(Array.from(truncated.partial), [0, 9, 0x62, 0x63], 'partial');
    assertEquals(reply, 'truncated\n');
  },
);

Deno.test(
  name('a decoder switch: a greeting line, then length-field frames that came in the same segment'),
  async () => {
    /** @type {string[]} */
    const got = [];
    await loopback(
      async (conn) => {
        const server = framedStream(conn, { decoder: new LineDecoder() });
        const it = server[Symbol.asyncIterator]();
        const hello = await it.next();
        got.push(text(/** @type {Uint8Array} */ (hello.value)));
        server.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
        for await (const frame of server) got.push(text(frame));
        await server.close();
      },
      async (conn) => {
        const frames = new LengthFieldEncoder({ lengthFieldLength: 2 }).encodeAll([
          utf8.encode('one'),
          utf8.encode('two'),
        ]);
        await conn.write(new Uint8Array([...utf8.encode('HELLO\n'), ...frames]));
        await conn.closeWrite();
        const buf = new Uint8Array(16);
        while ((await conn.read(buf)) !== null);
        conn.close();
      },
    );
    assertEquals(got, ['HELLO', 'one', 'two']);
  },
);

Deno.test(name('aborting the signal closes the connection and ends a waiting loop with the reason'), async () => {
  const controller = new AbortController();
  /** @type {unknown} */
  let ended;
  let peerSawEnd = false;
  await loopback(
    async (conn) => {
      const server = framedStream(conn, { ...lines(), signal: controller.signal });
      try {
        for await (const _ of server);
      } catch (e) {
        ended = e;
      }
    },
    async (conn) => {
      await conn.write(utf8.encode('partial line without its end'));
      setTimeout(() => controller.abort(new Error('shutting down')), 20);
      const buf = new Uint8Array(16);
      peerSawEnd = (await conn.read(buf).catch(() => null)) === null;
      conn.close();
    },
  );
  assert(ended instanceof Error && ended.message === 'shutting down', `the loop ended with ${ended}`);
  assert(peerSawEnd, 'the client saw the connection end');
});
