// Runs every ```js block of README.md. `console.log(x); // => json` lines become
// assertions that x equals the JSON; imports from 'framecodec' use the sources.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as framecodec from '../../src/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

function compile(code: string): string {
  return code
    .replace(/import \{([^}]*)\} from 'framecodec';/g, 'const {$1} = framecodec;')
    .replace(/^(\s*)console\.log\((.*)\);\s*\/\/ => (.*)$/gm, '$1check($2, $3);');
}

describe('README examples', () => {
  test('there are examples', () => expect(blocks.length).toBeGreaterThanOrEqual(4));
  blocks.forEach((code, k) => {
    test(`example ${k + 1}: ${code
      .split('\n')
      .find((l) => l.startsWith('const'))
      ?.slice(0, 60)}`, async () => {
      let checks = 0;
      const check = (actual: unknown, expected: unknown) => {
        checks++;
        expect(JSON.parse(JSON.stringify(actual))).toEqual(expected);
      };
      const run = new Function('framecodec', 'check', `return (async () => {\n${compile(code)}\n})();`);
      await run(framecodec, check);
      expect(checks).toBe((code.match(/\/\/ =>/g) ?? []).length);
    });
  });
});
