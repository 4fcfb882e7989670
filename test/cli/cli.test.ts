// `framecodec decode|encode` run as a subprocess against dist/cli.js: every
// scheme round-trips, every output and input format is exact, every error is one
// line with its code and status.
import { beforeAll, describe, expect, test } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, CLI, ensureBuilt, hex, ONE_LINE_ERROR, sh } from './_helpers.js';

beforeAll(ensureBuilt, 300_000);

/** Payloads of 0 to `max` bytes from `alphabet`, fixed seed; always includes the empty payload. */
function payloads(count: number, max: number, alphabet: readonly number[], seed = 1): Uint8Array[] {
  let s = seed;
  const next = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
  const out = [new Uint8Array(0)];
  for (let k = 1; k < count; k++) {
    const p = new Uint8Array(next() % (max + 1));
    for (let i = 0; i < p.length; i++) p[i] = alphabet[next() % alphabet.length];
    out.push(p);
  }
  return out;
}

const range = (from: number, to: number, without: readonly number[] = []): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((b) => !without.includes(b));
const ALL = range(0, 255);
const hexLines = (list: Uint8Array[]): string => list.map((p) => `${hex(p)}\n`).join('');

describe.concurrent('every scheme round-trips through encode | decode', () => {
  const cases: {
    name: string;
    flags: string[];
    alphabet: number[];
    max?: number;
    pad?: (p: Uint8Array) => Uint8Array;
  }[] = [
    { name: 'lines', flags: ['--lines'], alphabet: range(0, 255, [0x0a, 0x0d]) },
    { name: 'lines, CR allowed', flags: ['--lines', '--allow-cr'], alphabet: range(0, 255, [0x0a, 0x0d]) },
    ...[1, 2, 3, 4, 8].flatMap((n) =>
      ['big', 'little'].map((order) => ({
        name: `${n}-byte ${order}-endian length field`,
        flags: ['--length-field', String(n), '--byte-order', order],
        alphabet: ALL,
        max: n === 1 ? 255 : 700,
      })),
    ),
    { name: 'varint length field', flags: ['--varint'], alphabet: ALL, max: 700 },
    {
      name: 'length field counting the whole frame (--adjust -2)',
      flags: ['--length-field', '2', '--adjust', '-2'],
      alphabet: ALL,
    },
    {
      name: 'length field with --adjust=-4 written with =',
      flags: ['--length-field', '4', '--adjust=-4'],
      alphabet: ALL,
    },
    { name: 'delimiter \\r\\n', flags: ['--delimiter', '\\r\\n'], alphabet: range(0, 255, [0x0d, 0x0a]) },
    {
      name: 'two delimiters \\0 and \\xff',
      flags: ['--delimiter', '\\0', '--delimiter', '\\xff'],
      alphabet: range(1, 254),
    },
    { name: 'multi-byte delimiter "||"', flags: ['--delimiter', '||'], alphabet: range(0, 255, [0x7c]) },
    {
      name: 'fixed 16-byte records padded with spaces',
      flags: ['--fixed', '16'],
      alphabet: ALL,
      max: 16,
      pad: (p) => Uint8Array.from({ length: 16 }, (_, i) => (i < p.length ? p[i] : 0x20)),
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const list = payloads(60, c.max ?? 300, c.alphabet);
      const encodeFlags = c.pad ? [...c.flags, '--padding', '32'] : c.flags;
      const encoded = await cli(['encode', ...encodeFlags, '--input-format', 'hex'], { input: hexLines(list) });
      expect(encoded.stderr).toBe('');
      expect(encoded.status).toBe(0);
      const decoded = await cli(['decode', ...c.flags, '--format', 'hex'], { input: encoded.stdout });
      expect(decoded.stderr).toBe('');
      expect(decoded.status).toBe(0);
      expect(decoded.stdout.toString()).toBe(hexLines(c.pad ? list.map(c.pad) : list));
    });
  }

  test('a 1 MB payload through a real shell pipe, base64 in and out', async () => {
    const big = Buffer.alloc(1_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 255;
    const input = `${big.toString('base64')}\n\naGk=\n`;
    const r = await sh(
      `node ${CLI} encode --length-field 4 --input-format base64 | node ${CLI} decode --length-field 4 --format base64`,
      { input },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(input);
  });

  test('text in, text out: the lines come back as they were', async () => {
    const text = 'héllo wörld\n\nthird line\tend\n';
    const r = await sh(`node ${CLI} encode --varint | node ${CLI} decode --varint`, { input: text });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(text);
  });
});

describe.concurrent('decode output formats', () => {
  // 00 05 "hello" | 00 02 ff fe | 00 00
  const input = Buffer.from('000568656c6c6f0002fffe0000', 'hex');
  const formats: [string, string][] = [
    ['text', 'hello\n\xff\xfe\n\n'],
    ['hex', '68656c6c6f\nfffe\n\n'],
    ['base64', 'aGVsbG8=\n//4=\n\n'],
    [
      'jsonl',
      '{"index":0,"length":5,"text":"hello"}\n{"index":1,"length":2,"base64":"//4="}\n{"index":2,"length":0,"text":""}\n',
    ],
    ['raw', 'hello\xff\xfe'],
  ];
  for (const [format, expected] of formats) {
    test(`--format ${format}`, async () => {
      const r = await cli(['decode', '--length-field', '2', '--format', format], { input });
      expect(r.status).toBe(0);
      expect(r.stdout).toEqual(Buffer.from(expected, 'latin1'));
    });
  }

  test('text is the default format', async () => {
    const r = await cli(['decode', '--lines'], { input: 'a\r\nb\nc' });
    expect(r.stdout.toString()).toBe('a\nb\nc\n');
  });

  test('jsonl keeps non-ASCII UTF-8 as text', async () => {
    const r = await cli(['decode', '--lines', '--format', 'jsonl'], { input: 'grüße\n' });
    expect(JSON.parse(r.stdout.toString())).toEqual({ index: 0, length: 7, text: 'grüße' });
  });
});

describe.concurrent('decode flags map to the decoder options', () => {
  const magic = Buffer.from('cafe000568656c6c6f', 'hex'); // ca fe | 00 05 | "hello"

  test('--offset with --strip 0 keeps the whole header', async () => {
    const r = await cli(['decode', '--length-field', '2', '--offset', '2', '--strip', '0', '--format', 'hex'], {
      input: magic,
    });
    expect(r.stdout.toString()).toBe('cafe000568656c6c6f\n');
  });

  test('--offset strips the whole header by default', async () => {
    const r = await cli(['decode', '--length-field', '2', '--offset', '2'], { input: magic });
    expect(r.stdout.toString()).toBe('hello\n');
  });

  test('--keep-line-ending keeps \\n and \\r\\n; --allow-cr splits on a lone \\r', async () => {
    const kept = await cli(['decode', '--lines', '--keep-line-ending', '--format', 'hex'], { input: 'a\r\nb\nc\rd' });
    expect(kept.stdout.toString()).toBe('610d0a\n620a\n630d64\n');
    const cr = await cli(['decode', '--lines', '--allow-cr'], { input: 'a\rb\r\nc' });
    expect(cr.stdout.toString()).toBe('a\nb\nc\n');
  });

  test('--trailing emit and drop for a truncated record', async () => {
    const emit = await cli(['decode', '--fixed', '3', '--trailing', 'emit'], { input: 'abcdefg' });
    expect(emit.stdout.toString()).toBe('abc\ndef\ng\n');
    const drop = await cli(['decode', '--fixed', '3', '--trailing', 'drop', '--stats'], { input: 'abcdefg' });
    expect(drop.stdout.toString()).toBe('abc\ndef\n');
    expect(drop.stderr).toMatch(/discarded 1 \(1 bytes\)/);
  });

  test('--on-too-long skip drops long frames and counts them', async () => {
    const r = await cli(['decode', '--lines', '--max-frame-length', '3', '--on-too-long', 'skip', '--stats'], {
      input: 'ok\ntoo long\nyes\n',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('ok\nyes\n');
    expect(r.stderr).toMatch(/^frames 2 .*discarded 1 \(9 bytes\)/);
  });

  test('reads a file argument, and "-" as standard input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'framecodec-cli-'));
    writeFileSync(join(dir, 'in.txt'), 'one\ntwo\n');
    const file = await cli(['decode', '--lines', join(dir, 'in.txt')]);
    expect(file.stdout.toString()).toBe('one\ntwo\n');
    const dash = await cli(['decode', '--lines', '-'], { input: 'three\n' });
    expect(dash.stdout.toString()).toBe('three\n');
  });
});

describe.concurrent('encode input formats', () => {
  test('text: \\n and \\r\\n end lines, an empty line is an empty payload, the last line needs no ending', async () => {
    const r = await cli(['encode', '--length-field', '1'], { input: 'ab\r\n\ncd' });
    expect(hex(r.stdout)).toBe('026162' + '00' + '026364');
  });

  test('hex: spaces between bytes are allowed, case does not matter', async () => {
    const r = await cli(['encode', '--length-field', '1', '--input-format', 'hex'], { input: '00 FF 10\n\nabcd\n' });
    expect(hex(r.stdout)).toBe('0300ff10' + '00' + '02abcd');
  });

  test('base64, with and without padding', async () => {
    const r = await cli(['encode', '--varint', '--input-format', 'base64'], { input: 'aGk=\naGk\n' });
    expect(r.stdout.toString('latin1')).toBe('\x02hi\x02hi');
  });

  test('--padding fills fixed records', async () => {
    const r = await cli(['encode', '--fixed', '4', '--padding', '46'], { input: 'a\nabcd\n' });
    expect(r.stdout.toString()).toBe('a...abcd');
  });

  test('--stats counts payloads and output bytes', async () => {
    const r = await cli(['encode', '--lines', '--stats'], { input: 'a\nbb\n\n' });
    expect(r.stderr).toMatch(
      /^frames 3 {2}bytes 3 {2}output 6 bytes {2}input 6 bytes {2}\d+\.\d{3} s {2}[\d.]+ MB\/s\n$/,
    );
  });
});

describe.concurrent('--stats', () => {
  test('prints the frame count as a plain integer, and nothing on stdout changes', async () => {
    const lines = Array.from({ length: 12345 }, (_, k) => `line ${k}`).join('\n') + '\n';
    const plain = await cli(['decode', '--lines'], { input: lines });
    const r = await cli(['decode', '--lines', '--stats'], { input: lines });
    expect(r.status).toBe(0);
    expect(r.stdout).toEqual(plain.stdout);
    expect(r.stderr).toMatch(
      /^frames 12345 {2}bytes \d+ {2}discarded 0 \(0 bytes\) {2}input \d+ bytes {2}\d+\.\d{3} s {2}[\d.]+ MB\/s\n$/,
    );
    expect(Number(/bytes (\d+)/.exec(r.stderr)![1])).toBe(Buffer.byteLength(lines) - 12345);
  });

  test('without --stats, stderr stays empty', async () => {
    const r = await cli(['decode', '--lines'], { input: 'a\n' });
    expect(r.stderr).toBe('');
  });
});

describe.concurrent('errors: one line on stderr, a code, a non-zero status, no stack', () => {
  const usage: [string, string[], RegExp][] = [
    ['no command', [], /missing command/],
    ['an unknown command', ['frob'], /unknown command "frob"/],
    ['no framing', ['decode'], /choose a framing/],
    ['two framings', ['decode', '--lines', '--fixed', '4'], /choose one framing, got --lines and --fixed/],
    ['an unknown flag', ['decode', '--lines', '--bogus'], /unknown flag --bogus for framecodec decode/],
    ['an unknown short flag', ['encode', '--lines', '-x'], /unknown flag -x/],
    [
      'a flag of the other command',
      ['encode', '--lines', '--format', 'hex'],
      /--format applies to framecodec decode only/,
    ],
    [
      'a flag of the other command',
      ['decode', '--lines', '--padding', '1'],
      /--padding applies to framecodec encode only/,
    ],
    ['a flag of another scheme', ['decode', '--lines', '--offset', '2'], /--offset does not apply to --lines/],
    ['a missing value', ['decode', '--fixed'], /--fixed needs a value/],
    ['a value for a switch', ['decode', '--lines', '--stats=yes'], /--stats takes no value/],
    ['a value given twice', ['decode', '--fixed', '2', '--fixed', '3'], /--fixed given twice/],
    ['not a number', ['decode', '--fixed', 'ten'], /--fixed must be an integer, got "ten"/],
    [
      'a field width out of the list',
      ['decode', '--length-field', '5'],
      /--length-field must be one of 1, 2, 3, 4, 8, got "5"/,
    ],
    ['a bad byte order', ['decode', '--varint', '--byte-order', 'middle'], /--byte-order must be one of big, little/],
    [
      'a negative offset (checked by the decoder)',
      ['decode', '--varint', '--offset', '-1'],
      /--offset must be an integer from 0 to \d+, got -1/,
    ],
    [
      'a zero record length (checked by the decoder)',
      ['decode', '--fixed', '0'],
      /--fixed must be an integer >= 1, got 0/,
    ],
    [
      'a padding byte above 255 (checked by the encoder)',
      ['encode', '--fixed', '4', '--padding', '256'],
      /--padding must be an integer from 0 to 255, got 256/,
    ],
    ['an unknown escape', ['decode', '--delimiter', '\\q'], /unknown escape \\q/],
    ['a short \\x escape', ['decode', '--delimiter', '\\x4'], /unknown escape \\x4/],
    ['an empty delimiter', ['decode', '--delimiter', ''], /--delimiter must not be empty/],
    ['a bad output format', ['decode', '--lines', '--format', 'xml'], /--format must be one of/],
    ['a bad input format', ['encode', '--lines', '--input-format', 'xml'], /--input-format must be one of/],
    ['two inputs', ['decode', '--lines', 'a', 'b'], /reads one input, got 2/],
    ['a port out of range', ['sockets', '--port', '70000'], /--port must be an integer from 1 to 65535, got 70000/],
  ];
  for (const [what, args, message] of usage) {
    test(`${what}: ${args.join(' ') || '(nothing)'} -> ERR_INVALID_OPTION, status 2`, async () => {
      const r = await cli(args);
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\(ERR_INVALID_OPTION\)\n$/);
      expect(r.status).toBe(2);
      expect(r.stdout.length).toBe(0);
    });
  }

  const input: [string, string[], string | Buffer, string, RegExp, string][] = [
    [
      'a corrupt varint',
      ['decode', '--varint'],
      Buffer.alloc(11, 0xff),
      'ERR_CORRUPT_LENGTH',
      /longer than 10 bytes/,
      '',
    ],
    [
      'a frame above --max-frame-length, after a good one',
      ['decode', '--length-field', '2', '--max-frame-length', '8'],
      Buffer.from('0002686900096162', 'hex'),
      'ERR_FRAME_TOO_LONG',
      /exceeds maxFrameLength 8/,
      'hi\n',
    ],
    [
      'a stream that ends inside a frame',
      ['decode', '--length-field', '2'],
      Buffer.from('000568656c6c6f000161', 'hex').subarray(0, 9),
      'ERR_TRUNCATED_FRAME',
      /stream ended inside a frame/,
      'hello\n',
    ],
    [
      'a line above --max-frame-length',
      ['decode', '--lines', '--max-frame-length', '2'],
      'ok\ntoo long\n',
      'ERR_FRAME_TOO_LONG',
      /maxFrameLength 2/,
      'ok\n',
    ],
    [
      'a payload holding the delimiter',
      ['encode', '--delimiter', '|'],
      'a\nb|c\n',
      'ERR_DELIMITER_IN_PAYLOAD',
      /^framecodec: line 2: /,
      'a|',
    ],
    [
      'a payload ending in \\r for lines',
      ['encode', '--lines'],
      'a\r\r\n',
      'ERR_DELIMITER_IN_PAYLOAD',
      /^framecodec: line 1: /,
      '',
    ],
    [
      'a payload longer than the record',
      ['encode', '--fixed', '2'],
      'ab\nabc\n',
      'ERR_FRAME_TOO_LONG',
      /^framecodec: line 2: payload of 3 bytes exceeds frameLength 2/,
      'ab',
    ],
    [
      'a payload too long for a 1-byte field',
      ['encode', '--length-field', '1'],
      `${'x'.repeat(300)}\n`,
      'ERR_FRAME_TOO_LONG',
      /1-byte field/,
      '',
    ],
    [
      'a payload above --max-frame-length for lines',
      ['encode', '--lines', '--max-frame-length', '3'],
      'abc\nabcd\n',
      'ERR_FRAME_TOO_LONG',
      /^framecodec: line 2: /,
      'abc\n',
    ],
    [
      'a line that is not hex',
      ['encode', '--lines', '--input-format', 'hex'],
      '6869\nzz\n',
      'ERR_INVALID_INPUT',
      /^framecodec: line 2: not hex: "zz"/,
      'hi\n',
    ],
    [
      'an odd number of hex digits',
      ['encode', '--lines', '--input-format', 'hex'],
      'abc\n',
      'ERR_INVALID_INPUT',
      /not hex/,
      '',
    ],
    [
      'a line that is not base64',
      ['encode', '--lines', '--input-format', 'base64'],
      'a*b\n',
      'ERR_INVALID_INPUT',
      /not base64/,
      '',
    ],
    [
      'a missing file',
      ['decode', '--lines', '/nonexistent/in.bin'],
      '',
      'ENOENT',
      /cannot read \/nonexistent\/in.bin: no such file or directory/,
      '',
    ],
    ['a directory as input', ['decode', '--lines', '/'], '', 'EISDIR', /cannot read \/: /, ''],
  ];
  for (const [what, args, stdin, code, message, stdout] of input) {
    test(`${what} -> ${code}, status 1, and what came before it is written`, async () => {
      const r = await cli(args, { input: stdin });
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.endsWith(`(${code})\n`)).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).toBe(1);
      expect(r.stdout.toString('latin1')).toBe(stdout);
    });
  }

  test('a directory on standard input -> EISDIR, status 1 (Node alone would read it as empty)', async () => {
    const r = await sh(`"${process.execPath}" dist/cli.js decode --lines < /`);
    expect(r.stderr).toBe('framecodec: cannot read standard input: is a directory (EISDIR)\n');
    expect(r.status).toBe(1);
  });

  test('--stats prints nothing after an error: the error is the only line', async () => {
    const r = await cli(['decode', '--length-field', '2', '--stats'], { input: Buffer.from([0, 5, 1]) });
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.status).toBe(1);
  });
});

describe.concurrent('--help', () => {
  for (const args of [
    ['--help'],
    ['-h'],
    ['help'],
    ['decode', '--help'],
    ['encode', '-h'],
    ['demo', '--help'],
    ['sockets', '--help'],
  ]) {
    test(args.join(' '), async () => {
      const r = await cli(args);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toMatch(/^Usage: framecodec/);
    });
  }

  test('help wins over missing flags', async () => {
    const r = await cli(['decode', '--help']);
    expect(r.stdout.toString()).toMatch(/--length-field 1\|2\|3\|4\|8/);
  });
});
