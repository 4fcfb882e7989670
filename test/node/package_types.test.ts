// The built declarations as consumers type-check them: a Node-only TypeScript
// project (lib es2022, no DOM lib, no skipLibCheck) and one with the DOM lib,
// importing framecodec and framecodec/node by package name, ESM and CJS. And
// the declarations against the built code: every value they declare (a class,
// function or constant a consumer may use at run time) is there, imported and
// required.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/_helpers.js';

const CONSUMER = `
import { LineDecoder, LengthFieldDecoder, DecoderStream, frames, init, backend, FramingError } from 'framecodec';
import { framed, socketStates, decoderTransform } from 'framecodec/node';
const lines = new LineDecoder({ maxFrameLength: 1024 });
const got: Uint8Array[] = lines.decode(new Uint8Array([104, 10]));
const d = new LengthFieldDecoder({ lengthFieldLength: 'varint' });
d[Symbol.dispose]();
await init({ wasm: new Uint8Array(0) }).catch((e: unknown) => e instanceof FramingError);
export const used = [got, backend(), DecoderStream, frames, framed, socketStates, decoderTransform];
`;

const CJS_CONSUMER = `
import framecodec = require('framecodec');
import node = require('framecodec/node');
export const used = [new framecodec.LineDecoder().decode(new Uint8Array(1)), node.socketStates];
`;

let dir = '';
beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'framecodec-types-'));
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/framecodec'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'));
  symlinkSync(join(ROOT, 'node_modules/undici-types'), join(dir, 'node_modules/undici-types'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 'consumer.mts'), CONSUMER);
  writeFileSync(join(dir, 'consumer.cts'), CJS_CONSUMER);
  writeFileSync(join(dir, 'runtime.mjs'), RUNTIME);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsc(file: string, lib: string): string {
  const args = [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--target', 'es2022'];
  args.push('--lib', lib, '--types', 'node', '--module', 'node16', '--moduleResolution', 'node16', file);
  try {
    execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('the declarations type-check in consumer projects (no skipLibCheck)', () => {
  test.each([
    ['ESM, Node-only (lib es2022, no DOM)', 'consumer.mts', 'es2022'],
    ['ESM, with the DOM lib', 'consumer.mts', 'es2022,dom'],
    ['CJS, Node-only', 'consumer.cts', 'es2022'],
  ])(
    '%s',
    (_name, file, lib) => {
      expect(tsc(file, lib)).toBe('');
    },
    60_000,
  );
});

/** The package's entries and their declaration files, for import and for require. */
const ENTRIES = [
  { specifier: 'framecodec', esm: 'dist/index.d.ts', cjs: 'dist/index.d.cts' },
  { specifier: 'framecodec/node', esm: 'dist/node.d.ts', cjs: 'dist/node.d.cts' },
] as const;

/**
 * The names a declaration file exports as values: what its export lists name,
 * followed through rollup-plugin-dts's renames into dist/shared/ to the
 * declaration (`declare class`, `declare function`, `declare const`, ...).
 * Skipped: names exported with `export type` anywhere along the way, and names
 * that are only interfaces or type aliases.
 */
function declaredValues(file: string): string[] {
  const path = join(ROOT, file);
  const program = ts.createProgram([path], { noEmit: true, types: [], skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(path)!);
  if (!module) throw new Error(`${file} is not a module`);
  return checker
    .getExportsOfModule(module)
    .filter((symbol) => isValue(checker, symbol))
    .map((symbol) => symbol.name)
    .sort();
}

function isValue(checker: ts.TypeChecker, exported: ts.Symbol): boolean {
  let symbol = exported;
  while (symbol.flags & ts.SymbolFlags.Alias) {
    if (symbol.declarations?.some(isTypeOnlyAlias)) return false;
    const next = checker.getImmediateAliasedSymbol(symbol);
    if (!next) return false;
    symbol = next;
  }
  return (symbol.flags & ts.SymbolFlags.Value) !== 0;
}

/** `export type { X }`, `export { type X }`, `import type { X }`, `import { type X }`. */
function isTypeOnlyAlias(node: ts.Declaration): boolean {
  if (ts.isExportSpecifier(node)) return node.isTypeOnly || node.parent.parent.isTypeOnly;
  if (ts.isImportSpecifier(node)) return node.isTypeOnly || node.parent.parent.isTypeOnly;
  if (ts.isImportClause(node)) return node.isTypeOnly;
  if (ts.isNamespaceImport(node)) return node.parent.isTypeOnly;
  return false;
}

/** Run in the consumer project: the export names of each entry (argv[2]), imported and required. */
const RUNTIME = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const out = {};
for (const specifier of JSON.parse(process.argv[2])) {
  const defined = (module) => Object.keys(module).filter((name) => module[name] !== undefined).sort();
  out[specifier] = { import: defined(await import(specifier)), require: defined(require(specifier)) };
}
console.log(JSON.stringify(out));
`;

/** What each entry defines at run time, per entry and way of loading. */
function runtimeExports(): Record<string, { import: string[]; require: string[] }> {
  const specifiers = JSON.stringify(ENTRIES.map((e) => e.specifier));
  return JSON.parse(
    execFileSync(process.execPath, [join(dir, 'runtime.mjs'), specifiers], { cwd: dir, encoding: 'utf8' }),
  );
}

describe('the declared values against the built code', () => {
  test('the reading of the .d.ts finds the values and not the types', () => {
    const index = declaredValues('dist/index.d.ts');
    for (const name of ['LineDecoder', 'LengthFieldEncoder', 'FramingError', 'DecoderStream', 'frames', 'init'])
      expect(index).toContain(name);
    for (const name of ['FrameDecoder', 'FrameStats', 'LimitOptions', 'Trailing', 'ByteOrder', 'InitOptions'])
      expect(index).not.toContain(name);
    const node = declaredValues('dist/node.d.ts');
    for (const name of ['framed', 'socketStates', 'decoderTransform']) expect(node).toContain(name);
    for (const name of ['FramedOptions', 'SocketStates', 'TcpStateName']) expect(node).not.toContain(name);
  }, 60_000);

  test('the .d.cts files declare the same values as the .d.ts files', () => {
    for (const entry of ENTRIES) expect(declaredValues(entry.cjs)).toEqual(declaredValues(entry.esm));
  }, 60_000);

  test('each declared value is defined when imported (ESM) and when required (CJS), by package name', () => {
    const found = runtimeExports();
    for (const { specifier, esm } of ENTRIES) {
      const declared = declaredValues(esm);
      const missing = (defined: string[]): string[] => declared.filter((name) => !defined.includes(name));
      expect({ specifier, missing: missing(found[specifier].import) }).toEqual({ specifier, missing: [] });
      expect({ specifier, missing: missing(found[specifier].require) }).toEqual({ specifier, missing: [] });
    }
  }, 60_000);

  test('and nothing is exported at run time that the declarations do not declare', () => {
    const found = runtimeExports();
    for (const { specifier, esm } of ENTRIES) {
      const declared = declaredValues(esm);
      const undeclared = (defined: string[]): string[] => defined.filter((name) => !declared.includes(name));
      expect({ specifier, undeclared: undeclared(found[specifier].import) }).toEqual({ specifier, undeclared: [] });
      expect({ specifier, undeclared: undeclared(found[specifier].require) }).toEqual({ specifier, undeclared: [] });
    }
  }, 60_000);
});
