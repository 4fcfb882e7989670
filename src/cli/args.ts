// Private (CLI): a small command-line parser and the CLI's own error.
//
// Node's util.parseArgs refuses `--adjust -2` (a value that starts with a dash is
// "ambiguous" there), and a negative adjustment is an ordinary thing to pass, so
// the CLI parses flags itself. The rules:
//   --name value    --name=value    value flags; the value may start with '-'
//   --name          boolean flags (--name=x is an error)
//   -h              the only short flag (--help)
//   --              ends the flags; '-' is a positional (standard input)
// Every mistake is a CliError with code ERR_INVALID_OPTION, reported on one line;
// an unknown flag close to one the command takes names it ("did you mean").

/** An error the CLI reports as `framecodec: <message> (<code>)`. */
export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** A mistake in the command line (exit status 2). */
export function usageError(message: string): CliError {
  return new CliError('ERR_INVALID_OPTION', message);
}

export interface FlagSpec {
  /** Without the leading dashes: 'max-frame-length'. */
  readonly name: string;
  /** A value flag (string) or a switch (boolean). */
  readonly kind: 'value' | 'switch';
  /** A value flag that may be given several times. */
  readonly repeat?: boolean;
}

export interface ParsedArgs {
  /** Values of value flags (every occurrence, in order) and `true` for switches. */
  readonly flags: ReadonlyMap<string, string[] | true>;
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` (the words after the command) against `specs`. `command` names
 * the command in messages; `elsewhere` maps flags that other commands take to a
 * hint ("--padding applies to encode only").
 */
export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  command: string,
  elsewhere: ReadonlyMap<string, string> = new Map(),
): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags = new Map<string, string[] | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!word.startsWith('--')) {
      // '-lines' is taken for a slip of '--lines'.
      if (word.startsWith('-') && word !== '-') throw unknownFlag(word, word.slice(1), specs, command);
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const hint = elsewhere.get(name);
      if (hint) throw usageError(`--${name} ${hint}`);
      throw unknownFlag(`--${name}`, name, specs, command);
    }
    if (spec.kind === 'switch') {
      if (eq >= 0) throw usageError(`--${name} takes no value, got ${JSON.stringify(word.slice(eq + 1))}`);
      flags.set(name, true);
      continue;
    }
    let value: string;
    if (eq >= 0) value = word.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw usageError(`--${name} needs a value`);
    const list = flags.get(name);
    if (Array.isArray(list)) {
      if (!spec.repeat)
        throw usageError(`--${name} given twice (${JSON.stringify(list[0])} and ${JSON.stringify(value)})`);
      list.push(value);
    } else {
      flags.set(name, [value]);
    }
  }
  return { flags, positionals };
}

/** `unknown flag --lenght-field for framecodec decode; did you mean --length-field?` */
function unknownFlag(word: string, name: string, specs: readonly FlagSpec[], command: string): CliError {
  const names = specs.map((s) => s.name);
  const near = closest(name, names);
  const where = `unknown flag ${word} for framecodec ${command}`;
  return near.length > 0
    ? usageError(`${where}; did you mean ${alternatives(near.map((n) => `--${n}`))}?`)
    : usageError(`${where} (see framecodec ${command} --help)`);
}

/**
 * The candidates nearest to `word`, when near enough to be a slip of the keys:
 * an edit distance of at most a third of the word's length (at least 1). Case
 * is ignored. Ties are all returned, in the order of `candidates`.
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best = limit + 1;
  let found: string[] = [];
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d > limit) continue;
    if (d < best) {
      best = d;
      found = [candidate];
    } else if (d === best) {
      found.push(candidate);
    }
  }
  return found;
}

/** `a`, `a or b`, `a, b or c`. */
export function alternatives(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * Edits that turn `a` into `b`, each insertion, deletion, substitution and swap
 * of two neighbouring characters counting 1 (the optimal-string-alignment
 * distance): "lenght" is 1 from "length", where plain Levenshtein counts 2.
 *
 *   d[i][j] = edits from a[0..i) to b[0..j)
 *           = min(d[i-1][j] + 1, d[i][j-1] + 1, d[i-1][j-1] + (a[i-1] != b[j-1]),
 *                 d[i-2][j-2] + 1 when a[i-2..i) is b[j-2..j) swapped)
 *
 * Three rows are kept (the swap looks two back). Flag and command names are
 * short, so the O(|a|·|b|) table costs nothing.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/** The value of a value flag (its last occurrence), or undefined. */
export function value(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
}

/** Every value of a repeatable flag. */
export function values(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function has(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

/** A decimal integer flag (`-2`, `+3`, `1048576`), or undefined when absent. */
export function integerFlag(args: ParsedArgs, name: string): number | undefined {
  const text = value(args, name);
  if (text === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw usageError(`--${name} must be an integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A flag whose value must be one of `allowed`; `fallback` when absent. */
export function choiceFlag<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const text = value(args, name);
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw usageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}

/**
 * A delimiter as given on the command line, to bytes. Escapes: `\r \n \t \0
 * \xHH \\`; every other character stands for its UTF-8 bytes.
 */
export function unescapeDelimiter(text: string): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out.push(...utf8.encode(s));
      i += s.length - 1;
      continue;
    }
    const e = text[++i];
    if (e === 'r') out.push(0x0d);
    else if (e === 'n') out.push(0x0a);
    else if (e === 't') out.push(0x09);
    else if (e === '0') out.push(0x00);
    else if (e === '\\') out.push(0x5c);
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const bad = e === undefined ? 'a lone \\ at the end' : e === 'x' ? `\\x${text.slice(i + 1, i + 3)}` : `\\${e}`;
      throw usageError(`--delimiter '${text}': unknown escape ${bad} (use \\r \\n \\t \\0 \\xHH or \\\\)`);
    }
  }
  if (out.length === 0) throw usageError('--delimiter must not be empty');
  return Uint8Array.from(out);
}
