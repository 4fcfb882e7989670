// The examples of README.md and docs/*.md that need sockets (they import node:net,
// or use a fixture) run with real sockets on 127.0.0.1 and assert what they show
// (the convention is described in _examples.ts). Run once, on the default engine.
//
// The `websocket` fixture: `WebSocket` is a `ws` client that connects to the local
// server below whatever URL it is given, and the server sends the messages FEEDS
// lists for the URL's path, then closes. The messages glue and split frames as a
// real feed may: a frame in two messages, two frames in one.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { assertionsIn, nameOf, needsNetwork, runBlock, runnable } from './_examples.js';

const utf8 = new TextEncoder();

const FEEDS: Record<string, Uint8Array[]> = {
  // Length-field frames (4-byte big-endian length) "hello" and "world": the first
  // header and body split between messages, the end of one frame glued to the next.
  '/feed': [
    Uint8Array.of(0, 0, 0, 5, 0x68, 0x65),
    Uint8Array.of(0x6c, 0x6c, 0x6f, 0, 0, 0, 5, 0x77, 0x6f),
    Uint8Array.of(0x72, 0x6c, 0x64),
  ],
  // Lines "one", "two", "three": a line and a "\r\n" split between messages.
  '/log': [utf8.encode('one\ntw'), utf8.encode('o\r'), utf8.encode('\nthree\n')],
};

let server: WebSocketServer;
let port = 0;

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  server.on('connection', (socket, request) => {
    for (const message of FEEDS[request.url ?? ''] ?? []) socket.send(message);
    socket.close();
  });
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

class FixtureWebSocket extends WebSocket {
  constructor(url: string | URL) {
    super(`ws://127.0.0.1:${port}${new URL(url).pathname}`);
  }
}

const fixtures: Record<string, Record<string, unknown>> = {
  websocket: { WebSocket: FixtureWebSocket },
};

const blocks = runnable().filter(needsNetwork);

test('the documents have examples with sockets', () => {
  expect(blocks.length).toBeGreaterThan(0);
});

test.each(blocks.map((b) => [nameOf(b), b] as const))('%s', async (_name, b) => {
  const bindings = b.fixture === undefined ? {} : fixtures[b.fixture];
  expect(bindings, `unknown fixture ${b.fixture}`).toBeDefined();
  expect(await runBlock(b, bindings)).toBe(assertionsIn(b.code));
});
