// Installs the package as a user gets it: `npm pack` of the current build (run
// `npm run build` first), unpacked into <dir>/node_modules/framecodec. Used by the
// Deno suite and by the browser suite's bundler check, so both test exactly what
// npm would publish (the "files" list and the "exports" map included).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Creates a temporary consumer project with framecodec installed from its tarball.
 * `links` are other packages of this repository's node_modules to make resolvable
 * there (symlinked, e.g. a test dependency). Returns its directory.
 */
export function consumerProject(name, links = []) {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), `framecodec-${name}-`));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [{ filename }] = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--pack-destination', dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString(),
  );
  const target = join(dir, 'node_modules/framecodec');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['xzf', join(dir, filename), '-C', target, '--strip-components=1']);
  rmSync(join(dir, filename));
  for (const link of links) symlinkSync(join(root, 'node_modules', link), join(dir, 'node_modules', link), 'dir');
  const dependencies = Object.fromEntries(['framecodec', ...links].map((p) => [p, '*']));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `framecodec-${name}`, private: true, type: 'module', dependencies }, null, 2),
  );
  return dir;
}
