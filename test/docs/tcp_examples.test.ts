// The examples of the README's TCP section run, and their `// name: [...]` comments hold.
// Imports are mapped to the sources; examples that need a server elsewhere
// (port 9000) are only checked to compile.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import * as stream from 'node:stream';
import * as streamPromises from 'node:stream/promises';
import { expect, test } from 'vitest';
import * as framecodec from '../../src/index.js';
import * as framecodecNode from '../../src/node/index.js';

const modules: Record<string, unknown> = {
  'node:net': { default: net, ...net },
  'node:stream': stream,
  'node:stream/promises': streamPromises,
  framecodec,
  'framecodec/node': framecodecNode,
};

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (m: unknown) => Promise<Record<string, unknown>>;

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const doc = readme.slice(
  readme.indexOf('## TCP connections'),
  readme.indexOf('\n## ', readme.indexOf('## TCP connections') + 1),
);
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** `import x from 'm'` / `import { a, b } from 'm'` become reads of `__m`. */
function toFunctionBody(code: string): { body: string; checks: Array<[string, string]> } {
  const body = code
    .replace(
      /^import (\w+) from '([^']+)';$/gm,
      (_, name, mod) => `const ${name} = __m[${JSON.stringify(mod)}].default;`,
    )
    .replace(
      /^import \{([^}]+)\} from '([^']+)';$/gm,
      (_, names, mod) => `const {${names}} = __m[${JSON.stringify(mod)}];`,
    );
  const checks = [...code.matchAll(/\/\/ (\w+): (\[[^\]]*\])/g)].map((m) => [m[1], m[2]] as [string, string]);
  const names = checks.map(([n]) => n);
  return { body: `${body}\nreturn { ${names.join(', ')} };`, checks };
}

test("the README's TCP section has the examples this test expects", () => {
  expect(blocks.length).toBe(4);
});

test.each(blocks.map((code, k) => [k, code] as const))('example %i runs and its results hold', async (_k, code) => {
  const { body, checks } = toFunctionBody(code);
  const run = new AsyncFunction('__m', body);
  if (code.includes('port: 9000')) return; // compiled above; it needs a server elsewhere
  const results = await run(modules);
  for (const [name, literal] of checks) {
    expect(results[name], name).toEqual(new Function(`return ${literal}`)());
  }
});
