// The examples of README.md and docs/*.md run and assert what they show (the
// convention is described in _examples.ts), on every engine. Examples that need
// sockets run in tcp_examples.test.ts.
//
// Two checks do not depend on the engine and run once, in the default engine's
// project: the ```ts blocks type-check under `strict`, and every relative link
// of the documents leads to a file that is in the npm package.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  allBlocks,
  assertionsIn,
  DOCUMENTS,
  nameOf,
  needsNetwork,
  OTHER_LANGUAGES,
  ROOT,
  RUN_LANGUAGES,
  runBlock,
  runnable,
  typecheck,
} from './_examples.js';

const ONCE = (process.env.FRAMECODEC_BACKEND ?? 'wasm-simd') === 'wasm-simd';

test('the README and the guides are all there', () => {
  expect(DOCUMENTS).toEqual([
    'README.md',
    'docs/browser.md',
    'docs/cli.md',
    'docs/decoders.md',
    'docs/deno.md',
    'docs/development.md',
    'docs/engines.md',
    'docs/guarantees.md',
    'docs/migration.md',
    'docs/node-tcp.md',
    'docs/performance.md',
    'docs/presets.md',
    'docs/streams.md',
  ]);
});

test('every code block is in a language the harness runs or knowingly skips', () => {
  const unknown = allBlocks()
    .filter((b) => ![...RUN_LANGUAGES, ...OTHER_LANGUAGES].includes(b.lang))
    .map((b) => `${b.file}:${b.line} \`\`\`${b.lang}`);
  expect(unknown).toEqual([]);
});

test('every example asserts something', () => {
  const silent = runnable()
    .filter((b) => assertionsIn(b.code) === 0)
    .map(nameOf);
  expect(silent).toEqual([]);
});

describe('examples', () => {
  const blocks = runnable().filter((b) => !needsNetwork(b));
  test.each(blocks.map((b) => [nameOf(b), b] as const))('%s', async (_name, b) => {
    expect(await runBlock(b)).toBe(assertionsIn(b.code));
  });
});

describe.runIf(ONCE)('once, whatever the engine', () => {
  test('every ```ts example type-checks under strict', () => {
    const ts = runnable().filter((b) => b.lang === 'ts');
    expect(ts.length).toBeGreaterThan(0);
    expect(typecheck(ts)).toEqual([]);
  }, 60_000);

  test('every relative link leads to a file that the npm package ships', () => {
    const packed = new Set(
      (
        JSON.parse(
          execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
        ) as { files: { path: string }[] }[]
      )[0].files.map((f) => f.path),
    );
    const problems: string[] = [];
    let links = 0;
    for (const doc of DOCUMENTS) {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        links++;
        const [path, anchor] = target.split('#');
        const file = path ? relative(ROOT, join(ROOT, dirname(doc), path)) : doc;
        if (!existsSync(join(ROOT, file))) problems.push(`${doc}: ${target}: no such file`);
        else if (!packed.has(file)) problems.push(`${doc}: ${target}: not in the npm package`);
        else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor))
          problems.push(`${doc}: ${target}: no such heading`);
      }
    }
    expect(problems).toEqual([]);
    expect(links).toBeGreaterThan(20);
  }, 60_000);

  test('every file or folder of the repository that the documents name exists', () => {
    const missing: string[] = [];
    let paths = 0;
    for (const doc of DOCUMENTS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const [, path] of text.matchAll(/`((?:src|test|bench|assembly|scripts|docs)\/[\w./*-]*)`/g)) {
        // A pattern (`test/codec/*.test.ts`) needs its folder.
        const existing = path.includes('*') ? path.slice(0, path.lastIndexOf('/', path.indexOf('*'))) : path;
        paths++;
        if (!existsSync(join(ROOT, existing))) missing.push(`${doc}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(paths).toBeGreaterThan(20);
  });
});

/** The anchors GitHub and npm give a document's headings. */
function anchors(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}
