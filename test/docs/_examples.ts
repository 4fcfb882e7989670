// The documentation's examples, found and made runnable. Used by
// examples.test.ts (every engine) and tcp_examples.test.ts (sockets, run once);
// the JSDoc examples of src/ follow the same convention (see the end of this file).
//
// Every ```js and ```ts block of README.md and docs/*.md is an example, and every
// example runs and asserts what it shows. The one convention:
//
//   console.log(expression); // => JSON
//
// on one line. The harness turns each such line into an assertion that the
// expression, passed through JSON (so write `Array.from(bytes)`, not `bytes`),
// deep-equals the JSON after `// =>`; a reader sees what the line prints. A block
// needs at least one, and every one must run (one inside a callback that never
// fires fails the test). Other `console.log` calls print as usual.
//
// How a block runs: TypeScript syntax is stripped (typescript's transpileModule),
// imports become reads of modules (`framecodec` and `npm:framecodec` are
// src/index.ts, `framecodec/node` is src/node/index.ts, anything else is imported
// as is), and the body runs as an async function, so top-level await works.
// ```ts blocks are also type-checked, under `strict`, against src/ (typecheck()).
//
// Blocks that talk to a server start one on 127.0.0.1 themselves, or name a
// fixture on the line just before the fence, an HTML comment that renders as
// nothing:
//
//   <!-- fixture: websocket -->
//
// The only fixture, `websocket`, stands in for the browser's `WebSocket`: a `ws`
// client connected to a local server, whatever URL the example gives, that sends
// by the URL's path (see FEEDS in tcp_examples.test.ts). Blocks that import
// node:net or use a fixture run in tcp_examples.test.ts, once; the others run in
// examples.test.ts, once per engine.
//
// Other fences are not run: ```sh (commands), ```console (a terminal session:
// `$ command`, then its output), ```html, and fences without a language (byte
// diagrams). A block in any other language fails the suite, so that none is
// skipped by accident.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as framecodec from '../../src/index.js';
import * as framecodecNode from '../../src/node/index.js';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** The documents whose examples run: the README and every guide. */
export const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

export const RUN_LANGUAGES = ['js', 'ts'];
export const OTHER_LANGUAGES = ['sh', 'console', 'html', ''];

export interface Block {
  /** Path from the repository root, e.g. docs/streams.md. */
  file: string;
  /** Line of the opening fence (1-based). */
  line: number;
  lang: string;
  code: string;
  fixture?: string;
}

/** Every fenced block of a markdown file. */
export function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    const fixture = /^<!-- fixture: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ file, line: i + 1, lang: open[2], code: `${body.join('\n')}\n`, fixture });
    i = j;
  }
  return blocks;
}

export const allBlocks = (): Block[] => DOCUMENTS.flatMap(blocksOf);
export const runnable = (): Block[] => allBlocks().filter((b) => RUN_LANGUAGES.includes(b.lang));

/** Blocks that need sockets: they import node:net or use a fixture. */
export const needsNetwork = (b: Block): boolean => b.fixture !== undefined || /from 'node:net'/.test(b.code);

/** A short test name: where the block is, and its first line that does something. */
export function nameOf(b: Block): string {
  const first = b.code
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('import') && !l.startsWith('//') && !l.startsWith('}'));
  return `${b.file}:${b.line} ${(first ?? '').slice(0, 70)}`;
}

const ASSERTION = /^(\s*)console\.log\((.*)\);\s*\/\/ => (.*)$/;

/** Number of `// =>` assertions in a block. */
export const assertionsIn = (code: string): number => code.split('\n').filter((l) => ASSERTION.test(l)).length;

/**
 * Lines that show a `// =>` result but are no assertion (the `console.log` does
 * not open the line, as in `for (…) console.log(x); // => 1`): nothing checks them.
 */
export const uncheckedIn = (code: string): string[] =>
  code.split('\n').filter((l) => l.includes('// =>') && !ASSERTION.test(l));

const MODULES: Record<string, unknown> = {
  framecodec,
  'npm:framecodec': framecodec,
  'framecodec/node': framecodecNode,
};

async function importFor(specifier: string): Promise<unknown> {
  if (Object.hasOwn(MODULES, specifier)) return MODULES[specifier];
  return import(/* @vite-ignore */ specifier);
}

/** `import … from 'm'` statements (as transpileModule writes them) become reads of `await __import('m')`. */
function rewriteImports(js: string): string {
  let k = 0;
  return js.replace(/^import\s+([\s\S]*?)\s+from\s+'([^']+)';$/gm, (_, clause: string, spec: string) => {
    const from = `await __import(${JSON.stringify(spec)})`;
    const namespace = /^\* as (\w+)$/.exec(clause);
    if (namespace) return `const ${namespace[1]} = ${from};`;
    const parts = /^(?:(\w+)\s*,?\s*)?(?:\{([\s\S]*)\})?$/.exec(clause);
    if (!parts) throw new Error(`the harness cannot rewrite: import ${clause} from '${spec}'`);
    const [, def, named] = parts;
    const m = `__module${k++}`;
    let out = `const ${m} = ${from};`;
    if (def) out += ` const ${def} = ${m}.default;`;
    if (named) out += ` const {${named.replace(/\b(\w+)\s+as\s+(\w+)/g, '$1: $2')}} = ${m};`;
    return out;
  });
}

/**
 * The block as the body of an async function of (__import, __check, ...fixture
 * names): assertion lines call __check(actual, expectedJson, line).
 */
export function compile(b: Block): string {
  const lines = b.code.split('\n').map((l, k) => {
    const m = ASSERTION.exec(l);
    return m ? `${m[1]}__check(${m[2]}, ${JSON.stringify(m[3])}, ${b.line + 1 + k});` : l;
  });
  const js = ts.transpileModule(lines.join('\n'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    reportDiagnostics: false,
  }).outputText;
  // transpileModule marks a module whose imports were all elided (type-only) with `export {};`.
  return rewriteImports(js.replace(/^export \{\};$/m, ''));
}

// biome-ignore lint/complexity/useArrowFunction: the constructor of async functions
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>;

/** A failed `// =>` assertion: where, what was expected, what came. */
export class ExampleAssertion extends Error {}

/**
 * Runs a block with the given fixture bindings; resolves to the number of
 * assertions that ran. Throws on the first assertion that does not hold.
 */
export async function runBlock(b: Block, bindings: Record<string, unknown> = {}): Promise<number> {
  let checks = 0;
  const check = (actual: unknown, expectedJson: string, line: number) => {
    checks++;
    let expected: unknown;
    try {
      expected = JSON.parse(expectedJson);
    } catch {
      throw new ExampleAssertion(`${b.file}:${line}: "// => ${expectedJson}" is not JSON`);
    }
    const got = actual === undefined ? undefined : JSON.parse(JSON.stringify(actual));
    if (!deepEqual(got, expected)) {
      throw new ExampleAssertion(
        `${b.file}:${line}: the example shows ${JSON.stringify(expected)}, the code gives ${JSON.stringify(got)}`,
      );
    }
  };
  const names = Object.keys(bindings);
  const run = new AsyncFunction('__import', '__check', ...names, compile(b));
  await run(importFor, check, ...names.map((n) => bindings[n]));
  return checks;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as never)[k], (b as never)[k]));
}

// ---------------------------------------------------------------------------
// Type-checking the ```ts blocks.

/**
 * Type-checks every ```ts block as its own module, under the repository's
 * compiler options (strict, ES2022, DOM, Node types) with `framecodec`,
 * `npm:framecodec` and `framecodec/node` mapped to src/. The blocks live in
 * memory only, as files beside this one. Returns one message per diagnostic.
 */
export function typecheck(blocks: Block[]): string[] {
  const files = new Map<string, Block>();
  blocks.forEach((b, k) => {
    files.set(join(ROOT, 'test/docs', `__example_${k}.ts`), b);
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true,
    paths: {
      framecodec: [join(ROOT, 'src/index.ts')],
      'npm:framecodec': [join(ROOT, 'src/index.ts')],
      'framecodec/node': [join(ROOT, 'src/node/index.ts')],
    },
  };
  const host = ts.createCompilerHost(options);
  const text = (name: string) => {
    const b = files.get(name);
    return b && `${b.code}export {};\n`;
  };
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => text(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, version, onError, create) => {
    const t = text(name);
    return t === undefined
      ? getSourceFile.call(host, name, version, onError, create)
      : ts.createSourceFile(name, t, version, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const messages: string[] = [];
  for (const [name, b] of files) {
    const source = program.getSourceFile(name)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const d of diagnostics) {
      const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
      messages.push(`${b.file}:${b.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return messages;
}

// ---------------------------------------------------------------------------
// The JSDoc examples of src/: used by jsdoc_examples.test.ts (every engine) and
// tcp_jsdoc_examples.test.ts (sockets, run once).
//
// Every `@example` tag of a JSDoc comment in src/**/*.ts holds one ```ts block,
// read without the comment's leading ` * `, that follows the convention above: it
// runs, asserts what it shows and type-checks under `strict`. Its name is the file
// and line of its opening fence. Blocks that import node:net run once, the others
// on every engine; there are no fixtures: an example that needs a server starts
// one on 127.0.0.1.

/** Every TypeScript file of src/, as a path from the repository root. */
export function sourceFiles(): string[] {
  return readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f}`)
    .sort();
}

export interface JsdocExample {
  /** Path from the repository root, e.g. src/codec/delimiter.ts. */
  file: string;
  /** Line of the `@example` tag (1-based). */
  line: number;
  /** The fenced blocks between the tag and the next tag or the end of the comment. */
  blocks: Block[];
}

/** A line of a JSDoc comment without its leading ` * `. */
const uncomment = (line: string): string => line.replace(/^\s*\*(?: |$)/, '');

/**
 * The `@example`s of a source file's JSDoc comments, and the fenced blocks of its
 * JSDoc comments that are in no `@example` (the byte diagrams).
 */
export function jsdocOf(file: string): { examples: JsdocExample[]; elsewhere: Block[] } {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const examples: JsdocExample[] = [];
  const elsewhere: Block[] = [];
  let inComment = false;
  let example: JsdocExample | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!inComment) {
      inComment = /^\s*\/\*\*/.test(lines[i]) && !lines[i].includes('*/');
      example = undefined;
      continue;
    }
    if (lines[i].includes('*/')) {
      inComment = false;
      continue;
    }
    const text = uncomment(lines[i]);
    if (/^@example\b/.test(text)) {
      example = { file, line: i + 1, blocks: [] };
      examples.push(example);
      continue;
    }
    if (/^@\w/.test(text)) example = undefined;
    const open = /^```(\S*)\s*$/.exec(text);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].includes('*/') && !/^```\s*$/.test(uncomment(lines[j])))
      body.push(uncomment(lines[j++]));
    const block: Block = { file, line: i + 1, lang: open[1], code: `${body.join('\n')}\n` };
    (example ? example.blocks : elsewhere).push(block);
    i = lines[j]?.includes('*/') ? j - 1 : j; // an unclosed fence ends with the comment
  }
  return { examples, elsewhere };
}

export const jsdocExamples = (): JsdocExample[] => sourceFiles().flatMap((f) => jsdocOf(f).examples);

/** The runnable blocks of every `@example` of src/. */
export const jsdocBlocks = (): Block[] =>
  jsdocExamples().flatMap((e) => e.blocks.filter((b) => RUN_LANGUAGES.includes(b.lang)));
