// framed()'s events are typed (FramedEvents): a listener of the wrong type, an
// event framed() does not emit, or wrong emit() arguments fail to compile. `npx
// tsc -p .` checks the expected errors below (a line that compiled would fail it);
// at run time the events arrive with the declared arguments.
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import { LengthFieldDecoder, LengthFieldEncoder } from '../../src/index.js';
import { framed, type Framed, type FramedEvents, type FramedState } from '../../src/node/index.js';
import { pair, pollUntil, within, type Pair } from './_tcp.js';

let open: Pair | null = null;
afterEach(async () => {
  await open?.dispose();
  open = null;
});

/** Never called: what must and must not compile. */
function typeChecks(conn: Framed): void {
  conn.on('state', (state) => {
    const s: FramedState = state;
    void s;
  });
  conn.once('close', (hadError: boolean) => void hadError);
  conn.on('drain', () => undefined);
  conn.off('state', (_state: FramedState) => undefined);
  const args: FramedEvents['state'] = ['closing'];
  void args;

  // @ts-expect-error: 'state' passes a FramedState, not a number
  conn.on('state', (state: number) => state);
  // @ts-expect-error: 'close' passes a boolean
  conn.once('close', (hadError: string) => hadError);
  // @ts-expect-error: 'drain' passes nothing
  conn.on('drain', (bytes: number) => bytes);
  // @ts-expect-error: framed() emits no 'data' (frames come through the iterator)
  conn.on('data', (chunk: Uint8Array) => chunk);
  // @ts-expect-error: not a state
  conn.emit('state', 'half-open');
}

test('the events arrive with their declared arguments: state, drain, close', async () => {
  void typeChecks;
  const p = await pair();
  open = p;
  const conn = framed(p.client, { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
  const states: FramedState[] = [];
  conn.on('state', (s) => states.push(s));
  const closes: boolean[] = [];
  conn.on('close', (hadError) => closes.push(hadError));

  // 'drain': fill the pipe against a peer that does not read.
  p.accepted.pause();
  let full = false;
  for (let k = 0; k < 4096 && !full; k++) full = !conn.write(new Uint8Array(64 * 1024));
  expect(full).toBe(true);
  const drained = within(once(conn, 'drain'), 10_000, 'drain');
  p.accepted.on('data', () => undefined);
  p.accepted.resume();
  expect(await drained).toEqual([]);

  // 'state' along a close started by the peer, then 'close'.
  p.accepted.end();
  for await (const _ of conn);
  await pollUntil(() => conn.state === 'half-closed-remote', 5000);
  await within(conn.close({ timeoutMs: 5000 }), 10_000, 'close');
  expect(states).toEqual(['half-closed-remote', 'closing', 'closed']);
  expect(closes).toEqual([false]);
});
