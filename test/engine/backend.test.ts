import { expect, test } from 'vitest';
import { backend } from '../../src/index.js';

test('runs on the engine FRAMECODEC_BACKEND names', () => {
  expect(backend()).toBe(process.env.FRAMECODEC_BACKEND);
});
