// How the program describes itself, run as a subprocess against dist/cli.js:
// --version, from the repository and from the packed package; each command's
// --help listing exactly the flags that command takes; a misspelt flag or
// command answered with the nearest right one.
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

/** The flags each command takes (SPEC section 8), without dashes; '' is the program itself. */
const FLAGS: Record<string, readonly string[]> = {
  '': ['help', 'version'],
  decode: [
    ...['lines', 'allow-cr', 'keep-line-ending', 'length-field', 'varint', 'byte-order', 'adjust', 'offset', 'strip'],
    ...['delimiter', 'fixed', 'format', 'max-frame-length', 'on-too-long', 'trailing', 'stats', 'help'],
  ],
  encode: [
    ...['lines', 'allow-cr', 'length-field', 'varint', 'byte-order', 'adjust', 'delimiter', 'fixed', 'padding'],
    ...['input-format', 'max-frame-length', 'stats', 'help'],
  ],
  demo: ['help'],
  sockets: ['port', 'json', 'help'],
};

/** Every --flag named anywhere in a help text (flag lists, descriptions, examples). */
const flagsIn = (text: string): string[] =>
  [...new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]))].sort();

describe.concurrent('--help names exactly the flags of its command', () => {
  for (const [command, flags] of Object.entries(FLAGS)) {
    const name = command || 'framecodec (the overview)';
    test(`${name}: every flag it names, and only those`, async () => {
      const r = await cli(command ? [command, '--help'] : ['--help']);
      expect(r.status).toBe(0);
      expect(flagsIn(r.stdout.toString())).toEqual([...flags].sort());
    });
  }

  test('encode --help no longer lists the decode-only flags', async () => {
    const help = (await cli(['encode', '--help'])).stdout.toString();
    for (const flag of ['--format ', '--keep-line-ending', '--offset', '--strip', '--trailing', '--on-too-long'])
      expect(help).not.toContain(flag);
  });

  test('decode --help does not list the encode-only flags', async () => {
    const help = (await cli(['decode', '--help'])).stdout.toString();
    for (const flag of ['--padding', '--input-format']) expect(help).not.toContain(flag);
  });

  // The list above is checked against the parser: each flag is taken (then --help
  // answers, status 0), where an unknown one would be refused with status 2.
  for (const command of ['decode', 'encode', 'demo', 'sockets']) {
    test(`${command} takes every flag its help names`, async () => {
      for (const flag of FLAGS[command]) {
        const r = await cli([command, `--${flag}`, '1', '--help']);
        expect({ flag, status: r.status, stderr: r.stderr }).toEqual({ flag, status: 0, stderr: '' });
        expect(r.stdout.toString()).toMatch(new RegExp(`^Usage: framecodec ${command}`));
      }
    });
  }
});

describe.concurrent('a misspelt flag or command: one line naming the nearest one of that command, status 2', () => {
  const cases: [string[], string][] = [
    [
      ['decode', '--lenght-field', '4'],
      'unknown flag --lenght-field for framecodec decode; did you mean --length-field?',
    ],
    [['decode', '--lenght-field=4'], 'unknown flag --lenght-field for framecodec decode; did you mean --length-field?'],
    [['decode', '--delimeter', ','], 'unknown flag --delimeter for framecodec decode; did you mean --delimiter?'],
    [
      ['encode', '--lines', '--max-frame-lenght', '3'],
      'unknown flag --max-frame-lenght for framecodec encode; did you mean --max-frame-length?',
    ],
    [['decode', '--Lines'], 'unknown flag --Lines for framecodec decode; did you mean --lines?'],
    [['decode', '-lines'], 'unknown flag -lines for framecodec decode; did you mean --lines?'],
    [['encode', '--lines', '--paddign', '1'], 'unknown flag --paddign for framecodec encode; did you mean --padding?'],
    [['sockets', '--prot', '80'], 'unknown flag --prot for framecodec sockets; did you mean --port?'],
    [['decdoe', '--lines'], 'unknown command "decdoe"; did you mean decode?'],
    [['scokets'], 'unknown command "scokets"; did you mean sockets?'],
    [['ecode'], 'unknown command "ecode"; did you mean decode or encode?'],
    [['--verison'], 'unknown flag --verison; did you mean --version?'],
    // Only the flags of the command given count: --paddign is one slip from
    // encode's --padding, but decode has nothing near it.
    [
      ['decode', '--lines', '--paddign', '1'],
      'unknown flag --paddign for framecodec decode (see framecodec decode --help)',
    ],
    // Too far from anything: no guess.
    [['decode', '--lines', '--bogus'], 'unknown flag --bogus for framecodec decode (see framecodec decode --help)'],
    [['decode', '--delim', ','], 'unknown flag --delim for framecodec decode (see framecodec decode --help)'],
    [['demo', '--fast'], 'unknown flag --fast for framecodec demo (see framecodec demo --help)'],
    [['frob'], 'unknown command "frob": use decode, encode, demo or sockets (see framecodec --help)'],
    [['--lines'], 'unknown command "--lines": use decode, encode, demo or sockets (see framecodec --help)'],
  ];
  for (const [args, message] of cases) {
    test(`${args.join(' ')} -> ${message}`, async () => {
      const r = await cli(args);
      expect(r.stderr).toBe(`framecodec: ${message} (ERR_INVALID_OPTION)\n`);
      expect(r.status).toBe(2);
      expect(r.stdout.length).toBe(0);
    });
  }
});
