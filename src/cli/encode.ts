// Private (CLI): `framecodec encode` — one payload per input line in, framed bytes out.
//
//   stdin/file ──chunk──> LineDecoder ──lines──> parse (text|hex|base64)
//              ──payloads──> encoder.encodeAll ──one buffer per chunk──> Sink ──> stdout
//
// The input is itself split by a LineDecoder (lines end with \n or \r\n; an
// empty line is an empty payload; a last line without a line ending counts), so
// memory stays bounded by one chunk plus one line.
import { FrameTooLongError, FramingError, LineDecoder } from '../index.js';
import { CliError, choiceFlag, has, integerFlag, parseArgs } from './args.js';
import { DECODE_ONLY, ENCODE_ONLY, SCHEME_FLAGS, encoderFor, hints, schemeOf, type BatchEncoder } from './scheme.js';
import { openInput, Progress, rate, Sink } from './io.js';
import { ENCODE_HELP } from './help.js';

export type InputFormat = 'text' | 'hex' | 'base64';
const INPUT_FORMATS: readonly InputFormat[] = ['text', 'hex', 'base64'];

/** Longest input line accepted when --max-frame-length does not say otherwise. */
const DEFAULT_LINE_LIMIT = 8 * 1024 * 1024;

export async function encodeCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, [...SCHEME_FLAGS, ...ENCODE_ONLY], 'encode', hints(DECODE_ONLY, 'decode'));
  if (has(args, 'help')) {
    process.stdout.write(ENCODE_HELP);
    return;
  }
  const kind = schemeOf(args);
  const encoder = encoderFor(args, kind);
  const format = choiceFlag(args, 'input-format', INPUT_FORMATS, 'text');
  const payloadLimit = Math.max(
    integerFlag(args, 'max-frame-length') ?? DEFAULT_LINE_LIMIT,
    kind === 'fixed' ? integerFlag(args, 'fixed')! : 0,
  );
  const lines = new LineDecoder({ maxFrameLength: lineLimit(format, payloadLimit) });
  const input = openInput(args.positionals, 'encode');
  const sink = new Sink(process.stdout);
  const progress = new Progress(input.size);
  const started = performance.now();
  let read = 0;
  let lineNo = 0;
  let payloadBytes = 0;

  /** Encodes the lines `take` yields; on a fault, the lines before it are written first. */
  const step = (take: () => Uint8Array[]): void => {
    let found: Uint8Array[];
    let fault: unknown;
    try {
      found = take();
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      found = e.frames;
      fault =
        e instanceof FrameTooLongError
          ? new FrameTooLongError(
              `line ${lineNo + found.length + 1}: input line longer than ${e.maxFrameLength} bytes`,
              e.maxFrameLength,
            )
          : e;
    }
    const payloads: Uint8Array[] = [];
    try {
      for (const line of found) payloads.push(parse(line, format, lineNo + payloads.length + 1));
    } catch (e) {
      fault = e;
    }
    sink.bytes(encodeBatch(encoder, payloads, lineNo, sink));
    for (const p of payloads) payloadBytes += p.length;
    lineNo += payloads.length;
    if (fault !== undefined) throw fault;
  };

  try {
    for await (const chunk of input.stream) {
      read += chunk.length;
      step(() => lines.decode(chunk));
      progress.update(read, lineNo);
      await sink.settle();
    }
    step(() => lines.end());
  } finally {
    progress.stop();
    await sink.settle();
  }
  if (has(args, 'stats')) {
    const ms = performance.now() - started;
    process.stderr.write(
      `frames ${lineNo}  bytes ${payloadBytes}  output ${sink.written} bytes  ` +
        `input ${read} bytes  ${(ms / 1000).toFixed(3)} s  ${rate(read, ms)} MB/s\n`,
    );
  }
}

/** Longest input line that can carry a payload of `payload` bytes (hex may have a space between bytes). */
function lineLimit(format: InputFormat, payload: number): number {
  if (format === 'hex') return 3 * payload;
  if (format === 'base64') return 4 * Math.ceil(payload / 3);
  return payload;
}

/**
 * All payloads of one chunk as one buffer. When one cannot be framed, the frames
 * before it are written first and the error names its line.
 */
function encodeBatch(encoder: BatchEncoder, payloads: Uint8Array[], lineNo: number, sink: Sink): Uint8Array {
  try {
    return encoder.encodeAll(payloads);
  } catch (e) {
    if (!(e instanceof FramingError)) throw e;
    for (let k = 0; k < payloads.length; k++) {
      let frame: Uint8Array;
      try {
        frame = encoder.encodeAll([payloads[k]]);
        // A payload can also merge into the delimiter before it (see DelimiterEncoder).
        if (k > 0) encoder.encodeAll([payloads[k - 1], payloads[k]]);
      } catch (one) {
        if (one instanceof Error) one.message = `line ${lineNo + k + 1}: ${one.message}`;
        throw one;
      }
      sink.bytes(frame);
    }
    throw e;
  }
}

const HEX_LINE = /^(?:[0-9a-fA-F]{2}|[ \t])*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

function parse(line: Uint8Array, format: InputFormat, lineNo: number): Uint8Array {
  if (format === 'text') return line;
  const text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1');
  if (format === 'hex') {
    if (!HEX_LINE.test(text)) throw badInput(lineNo, 'hex', text);
    return Buffer.from(text.replace(/[ \t]/g, ''), 'hex');
  }
  if (!BASE64_LINE.test(text) || text.length % 4 === 1) throw badInput(lineNo, 'base64', text);
  return Buffer.from(text, 'base64');
}

function badInput(lineNo: number, format: string, text: string): CliError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new CliError('ERR_INVALID_INPUT', `line ${lineNo}: not ${format}: ${JSON.stringify(shown)}`);
}
