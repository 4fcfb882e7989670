// The JSDoc examples of src/**/*.ts that need sockets (they import node:net) run
// with real sockets on 127.0.0.1 and assert what they show (the convention is
// described in _examples.ts). Each starts its own server. Run once, on the default
// engine.
import { expect, test } from 'vitest';
import { assertionsIn, jsdocBlocks, nameOf, needsNetwork, runBlock } from './_examples.js';

const blocks = jsdocBlocks().filter(needsNetwork);

test('the JSDoc has examples with sockets', () => {
  expect(blocks.length).toBeGreaterThan(0);
});

test.each(blocks.map((b) => [nameOf(b), b] as const))('%s', async (_name, b) => {
  expect(await runBlock(b)).toBe(assertionsIn(b.code));
});
