// framed(socket, { signal }) on loopback TCP: aborting closes the connection as
// close({ timeoutMs: 0 }) does (FIN, then RST at once, nothing left lingering) and
// ends the iteration with the signal's reason.
import { getEventListeners, once, setMaxListeners } from 'node:events';
import { expect, test } from 'vitest';
import { InvalidOptionError, LengthFieldDecoder, LengthFieldEncoder } from '../../src/index.js';
import { framed, socketStates, type Framed } from '../../src/node/index.js';
import { pairsClosedAfterEach, pollUntil, sleep, within } from './_tcp.js';

const connected = pairsClosedAfterEach();

const reason = new Error('shutting down');
const closed = (conn: Framed) =>
  within(new Promise((r) => (conn.state === 'closed' ? r(0) : conn.once('close', r))), 5000, 'close');

/** No socket of the port in a state that waits for the other side. */
async function nothingLingers(port: number): Promise<void> {
  const pick = () => {
    const s = socketStates({ port });
    return { FIN_WAIT1: s.FIN_WAIT1, CLOSE_WAIT: s.CLOSE_WAIT, LAST_ACK: s.LAST_ACK, CLOSING: s.CLOSING };
  };
  await pollUntil(() => Object.values(pick()).every((n) => n === 0), 5000);
  expect(pick()).toEqual({ FIN_WAIT1: 0, CLOSE_WAIT: 0, LAST_ACK: 0, CLOSING: 0 });
}

test('aborting rejects the pending next() with the reason and closes as close({ timeoutMs: 0 }) does: the peer sees the end, nothing lingers', async () => {
  const p = await connected();
  const controller = new AbortController();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  p.accepted.on('error', () => {}); // the reset may reach the peer as ECONNRESET
  const peerClosed = once(p.accepted, 'close');
  const pending = conn[Symbol.asyncIterator]().next();
  await sleep(10);
  controller.abort(reason);
  await expect(pending).rejects.toBe(reason);
  expect(conn.state).toBe('closing');
  await closed(conn);
  expect(p.client.destroyed).toBe(true);
  await within(peerClosed, 5000, 'peer close');
  await nothingLingers(p.port);
  expect(await conn[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
});

test('frames still queued are dropped: the next next() rejects with the reason at once, then the iterator is done', async () => {
  const p = await connected();
  const controller = new AbortController();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  p.accepted.on('error', () => {});
  p.accepted.write(new LengthFieldEncoder().encodeAll(Array.from({ length: 10 }, () => new Uint8Array(100))));
  await pollUntil(() => conn.readableLength === 1000, 5000);
  const it = conn[Symbol.asyncIterator]();
  expect((await it.next()).value).toHaveLength(100);
  controller.abort(reason);
  await expect(it.next()).rejects.toBe(reason);
  expect(await it.next()).toEqual({ done: true, value: undefined });
  await closed(conn);
});

test('an already aborted signal: framed() closes at once and the first next() rejects with the reason', async () => {
  const p = await connected();
  p.accepted.on('error', () => {});
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: AbortSignal.abort(reason) });
  expect(conn.state).toBe('closing');
  await expect(conn[Symbol.asyncIterator]().next()).rejects.toBe(reason);
  await closed(conn);
  await nothingLingers(p.port);
});

test('abort() without a reason rejects with an AbortError DOMException', async () => {
  const p = await connected();
  p.accepted.on('error', () => {});
  const controller = new AbortController();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  const pending = conn[Symbol.asyncIterator]().next();
  controller.abort();
  const error = await pending.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DOMException);
  expect((error as DOMException).name).toBe('AbortError');
  await closed(conn);
});

test('aborting during a graceful close() that waits for the peer resets at once: close() resolves with { reset: true }', async () => {
  const p = await connected({ server: { allowHalfOpen: true } }); // the peer does not answer our FIN
  p.accepted.on('error', () => {});
  const controller = new AbortController();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  // The peer neither reads nor ends: the close would wait a minute.
  const closing = conn.close({ timeoutMs: 60_000 });
  await sleep(50);
  expect(conn.state).toBe('closing');
  controller.abort(reason);
  expect(await within(closing, 5000, 'close')).toEqual({ reset: true });
  await nothingLingers(p.port);
});

test('aborting after the iteration ended closes the connection; the iterator stays done', async () => {
  const p = await connected();
  const controller = new AbortController();
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal });
  p.accepted.end(new LengthFieldEncoder().encode(Uint8Array.of(1, 2, 3)));
  const frames: Uint8Array[] = [];
  for await (const f of conn) frames.push(f);
  expect(frames.map((f) => [...f])).toEqual([[1, 2, 3]]);
  expect(conn.state).toBe('half-closed-remote');
  controller.abort(reason);
  await closed(conn);
  expect(await conn[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
});

test('one signal shared by 20 connections: each closes its own listener when its socket closes, and the abort closes them all', async () => {
  const controller = new AbortController();
  setMaxListeners(20, controller.signal); // else Node warns past 10 listeners on one signal
  const pairs = await Promise.all(Array.from({ length: 20 }, () => connected()));
  const conns = pairs.map((p) => framed(p.client, { decoder: new LengthFieldDecoder(), signal: controller.signal }));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(20);
  // Ten end normally.
  await Promise.all(
    conns.slice(0, 10).map(async (conn, k) => {
      pairs[k].accepted.end();
      for await (const _ of conn);
      await within(conn.close({ timeoutMs: 5000 }), 5000, 'close');
    }),
  );
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(10);
  for (const p of pairs) p.accepted.on('error', () => {});
  controller.abort(reason);
  await Promise.all(conns.slice(10).map(closed));
  expect(conns.map((c) => c.state)).toEqual(Array(20).fill('closed'));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('signal must be an AbortSignal: InvalidOptionError naming it, and the socket is left alone', async () => {
  const p = await connected();
  const listeners = p.client.listenerCount('data');
  let thrown: unknown;
  try {
    framed(p.client, { decoder: new LengthFieldDecoder(), signal: { aborted: 'no' } as unknown as AbortSignal });
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  expect((thrown as InvalidOptionError).message).toBe('signal must be an AbortSignal, got an object');
  expect(p.client.listenerCount('data')).toBe(listeners);
});
