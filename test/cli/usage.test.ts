// How the program describes itself, run as a subprocess against dist/cli.js:
// --version, from the repository and from the packed package.
import { beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt, ROOT } from './_helpers.js';

beforeAll(ensureBuilt, 300_000);

const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

describe.concurrent('--version', () => {
  for (const flag of ['--version', '-V']) {
    test(`${flag} prints the version in package.json and exits 0`, async () => {
      const r = await cli([flag]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe(`${VERSION}\n`);
    });
  }

  test('works from the packed package, run through a symlink as npm installs the bin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'framecodec-pack-'));
    try {
      const npm = (args: string[], cwd: string): string =>
        execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
      execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', dir]);
      // node_modules/framecodec/ holds the tarball's package/; .bin/framecodec links to its bin.
      const installed = join(dir, 'node_modules/framecodec');
      mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
      execFileSync('mv', [join(dir, 'package'), installed]);
      symlinkSync('../framecodec/dist/cli.js', join(dir, 'node_modules/.bin/framecodec'));
      const out = execFileSync(process.execPath, [join(dir, 'node_modules/.bin/framecodec'), '--version'], {
        cwd: tmpdir(),
        encoding: 'utf8',
      });
      expect(out).toBe(`${VERSION}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
