// `npm run test:deno`: runs the Deno suite against the packed package, once per
// engine, with the examples of docs/deno.md (doc_examples.mjs makes each one a
// test). The suite's files are copied into a temporary consumer project where
// framecodec is installed from its tarball, so Deno resolves 'framecodec' (and
// 'npm:framecodec') from node_modules and type-checks against the published
// .d.ts, as for any user. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDocExampleTests } from './doc_examples.mjs';
import { consumerProject, root } from './pack.mjs';

const here = join(root, 'test/deno');
const dir = consumerProject('deno', ['fast-check', 'pure-rand']);
for (const file of readdirSync(here)) if (file.endsWith('.js')) copyFileSync(join(here, file), join(dir, file));
const examples = writeDocExampleTests(root, dir); // docs/deno.md's examples, as Deno tests
console.log(`# ${examples} examples of docs/deno.md`);

const deno = join(root, 'node_modules/.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');
let failed = false;
for (const engine of [undefined, 'wasm', 'js']) {
  const started = Date.now();
  console.log(`\n# deno test, engine: ${engine ?? 'default (wasm-simd)'}`);
  const env = { ...process.env, NO_COLOR: '1' };
  if (engine) env.FRAMECODEC_BACKEND = engine;
  else delete env.FRAMECODEC_BACKEND;
  // Network: framed_stream_test.js talks TCP to itself on 127.0.0.1 only.
  const { status } = spawnSync(deno, ['test', '--allow-env=FRAMECODEC_BACKEND', '--allow-net=127.0.0.1', '.'], {
    cwd: dir,
    env,
    stdio: 'inherit',
  });
  console.log(`# ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  failed ||= status !== 0;
}
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
