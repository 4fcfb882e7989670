/**
 * The `framecodec` command (package.json "bin"; rollup adds the shebang).
 *
 * ```
 * framecodec decode|encode <framing> [flags] [file]
 * framecodec demo
 * framecodec sockets [--port N]
 * framecodec --version | --help
 * ```
 * Errors are reported as one line on stderr, `framecodec: <message> (<code>)`,
 * with exit status 2 for bad flags (`ERR_INVALID_OPTION`) and 1 otherwise; never
 * a stack trace (set FRAMECODEC_DEBUG=1 to get one after that line).
 * @module
 */
import { readFileSync } from 'node:fs';
import { alternatives, closest, usageError } from './args.js';
import { decodeCommand } from './decode.js';
import { encodeCommand } from './encode.js';
import { demoCommand } from './demo.js';
import { socketsCommand } from './sockets.js';
import { MAIN_HELP } from './help.js';

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  decode: decodeCommand,
  encode: encodeCommand,
  demo: demoCommand,
  sockets: socketsCommand,
};

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (command === undefined)
    throw usageError('missing command: decode, encode, demo or sockets (see framecodec --help)');
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw unknownCommand(command);
  await run(rest);
}

/** `unknown command "decdoe"; did you mean decode?`, or the list of commands when nothing is close. */
function unknownCommand(word: string): Error {
  if (word.startsWith('-')) {
    const near = closest(word, ['--help', '--version', '-h', '-V']);
    if (near.length > 0) return usageError(`unknown flag ${word}; did you mean ${alternatives(near)}?`);
  } else {
    const near = closest(word, [...Object.keys(COMMANDS), 'help']);
    if (near.length > 0)
      return usageError(`unknown command ${JSON.stringify(word)}; did you mean ${alternatives(near)}?`);
  }
  return usageError(
    `unknown command ${JSON.stringify(word)}: use decode, encode, demo or sockets (see framecodec --help)`,
  );
}

/**
 * The version field of the package.json one folder up from this file. The
 * file is the bundle, dist/cli.js (never src/cli/main.ts), and dist/ sits beside
 * package.json both in the repository and in the installed package, so the path
 * holds in both. Read only when asked for, so other commands never touch it.
 */
function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown })?.version;
  if (typeof version !== 'string')
    throw Object.assign(new Error('package.json beside dist/ has no version'), { code: 'ERR_INTERNAL' });
  return version;
}

function report(e: unknown): void {
  const err = e as { code?: unknown; message?: unknown; stack?: unknown };
  const code = typeof err?.code === 'string' ? err.code : 'ERR_INTERNAL';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  process.stderr.write(`framecodec: ${message.replace(/\s*\n\s*/g, ' ')} (${code})\n`);
  if (process.env.FRAMECODEC_DEBUG && typeof err?.stack === 'string') process.stderr.write(`${err.stack}\n`);
  process.exitCode = code === 'ERR_INVALID_OPTION' ? 2 : 1;
}

// A reader that goes away (`framecodec decode … | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  report(e);
  process.exit();
});

main(process.argv.slice(2)).catch(report);
