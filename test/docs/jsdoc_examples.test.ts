// The JSDoc examples of src/**/*.ts run and assert what they show (the convention
// is described in _examples.ts), on every engine. Examples that need sockets run
// in tcp_jsdoc_examples.test.ts. The ```ts blocks type-check under `strict`: a
// check that does not depend on the engine, run once in the default engine's
// project.
import { describe, expect, test } from 'vitest';
import { backend } from '../../src/index.js';
import {
  assertionsIn,
  jsdocBlocks,
  jsdocExamples,
  jsdocOf,
  nameOf,
  needsNetwork,
  RUN_LANGUAGES,
  runBlock,
  runnable,
  sourceFiles,
  typecheck,
  uncheckedIn,
} from './_examples.js';

const ONCE = (process.env.FRAMECODEC_BACKEND ?? 'wasm-simd') === 'wasm-simd';

test('the JSDoc examples are found', () => {
  expect(sourceFiles()).toContain('src/index.ts');
  expect(sourceFiles()).toContain('src/node/framed.ts');
  expect(jsdocExamples().length).toBeGreaterThanOrEqual(26);
});

test('every @example holds one ```ts block', () => {
  const wrong = jsdocExamples()
    .filter((e) => e.blocks.length !== 1 || e.blocks[0].lang !== 'ts')
    .map((e) => `${e.file}:${e.line}: ${e.blocks.map((b) => `\`\`\`${b.lang}`).join(', ') || 'no block'}`);
  expect(wrong).toEqual([]);
});

test('no code block of a JSDoc comment is outside an @example (it would not run)', () => {
  const stray = sourceFiles()
    .flatMap((f) => jsdocOf(f).elsewhere)
    .filter((b) => RUN_LANGUAGES.includes(b.lang))
    .map(nameOf);
  expect(stray).toEqual([]);
});

test('every example asserts something', () => {
  const silent = jsdocBlocks()
    .filter((b) => assertionsIn(b.code) === 0)
    .map(nameOf);
  expect(silent).toEqual([]);
});

test('every `// =>` is an assertion: console.log(...) opens its line', () => {
  const unchecked = [...jsdocBlocks(), ...runnable()].flatMap((b) =>
    uncheckedIn(b.code).map((l) => `${b.file}:${b.line + 1 + b.code.split('\n').indexOf(l)}: ${l.trim()}`),
  );
  expect(unchecked).toEqual([]);
});

describe('examples', () => {
  const blocks = jsdocBlocks().filter((b) => !needsNetwork(b));
  test.each(blocks.map((b) => [nameOf(b), b] as const))('%s', async (_name, b) => {
    const engine = backend();
    expect(await runBlock(b)).toBe(assertionsIn(b.code));
    expect(backend(), 'the example leaves the engine it found').toBe(engine);
  });
});

describe.runIf(ONCE)('once, whatever the engine', () => {
  test('every example type-checks under strict', () => {
    expect(jsdocBlocks().length).toBeGreaterThan(0);
    expect(typecheck(jsdocBlocks())).toEqual([]);
  }, 60_000);
});
