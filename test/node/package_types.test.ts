// The built declarations as consumers type-check them: a Node-only TypeScript
// project (lib es2022, no DOM lib, no skipLibCheck) and one with the DOM lib,
// importing framecodec and framecodec/node by package name, ESM and CJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
