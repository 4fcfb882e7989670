// Private (CLI): `framecodec decode` — framed bytes in, one frame per line out.
//
//   stdin/file ──chunk──> decoder.decodeEach ──view──> format ──> Sink ──> stdout
//
// Frames arrive through decodeEach as views valid only during the callback, so
// each is formatted into the Sink's buffer at once (no per-frame allocation for
// hex, text and raw). Frames completed before a fault are written before the
// error is reported.
import { FramingError } from '../index.js';
import { choiceFlag, has, parseArgs } from './args.js';
import { DECODE_ONLY, ENCODE_ONLY, SCHEME_FLAGS, decoderFor, hints, schemeOf } from './scheme.js';
import { openInput, Progress, rate, Sink } from './io.js';
import { DECODE_HELP } from './help.js';

export type OutputFormat = 'hex' | 'base64' | 'text' | 'jsonl' | 'raw';
const FORMATS: readonly OutputFormat[] = ['text', 'hex', 'base64', 'jsonl', 'raw'];

export async function decodeCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, [...SCHEME_FLAGS, ...DECODE_ONLY], 'decode', hints(ENCODE_ONLY, 'encode'));
  if (has(args, 'help')) {
    process.stdout.write(DECODE_HELP);
    return;
  }
  const decoder = decoderFor(args, schemeOf(args));
  const format = choiceFlag(args, 'format', FORMATS, 'text');
  const input = openInput(args.positionals, 'decode');
  const sink = new Sink(process.stdout);
  const onFrame = formatter(format, sink);
  const progress = new Progress(input.size);
  const started = performance.now();
  let read = 0;
  try {
    for await (const chunk of input.stream) {
      read += chunk.length;
      decoder.decodeEach(chunk, onFrame);
      progress.update(read, decoder.stats.frames);
      await sink.settle();
    }
    for (const frame of decoder.end()) onFrame(frame);
  } catch (e) {
    // decodeEach has passed the frames completed before the fault; end() attaches them.
    if (e instanceof FramingError) for (const frame of e.frames) onFrame(frame);
    progress.stop();
    await sink.settle();
    throw e;
  }
  progress.stop();
  await sink.settle();
  if (has(args, 'stats')) {
    const s = decoder.stats;
    const ms = performance.now() - started;
    process.stderr.write(
      `frames ${s.frames}  bytes ${s.bytes}  discarded ${s.discardedFrames} (${s.discardedBytes} bytes)  ` +
        `input ${read} bytes  ${(ms / 1000).toFixed(3)} s  ${rate(read, ms)} MB/s\n`,
    );
  }
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const NL = 0x0a;

/** The function that writes one frame to the sink in `format`. */
export function formatter(format: OutputFormat, sink: Sink): (frame: Uint8Array) => void {
  switch (format) {
    case 'raw':
      return (frame) => sink.bytes(frame);
    case 'text':
      return (frame) => {
        sink.bytes(frame);
        sink.byte(NL);
      };
    case 'hex':
      return (frame) => {
        const n = frame.length;
        const buf = sink.reserve(2 * n + 1);
        let at = sink.at;
        for (let i = 0; i < n; i++) {
          const b = frame[i];
          buf[at++] = HEX[b >> 4];
          buf[at++] = HEX[b & 15];
        }
        buf[at] = NL;
        sink.advance(2 * n + 1);
      };
    case 'base64':
      return (frame) => {
        sink.latin1(Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString('base64'));
        sink.byte(NL);
      };
    case 'jsonl': {
      const strict = new TextDecoder('utf-8', { fatal: true });
      let index = 0;
      return (frame) => {
        let body: string;
        try {
          body = `"text":${JSON.stringify(strict.decode(frame))}`;
        } catch {
          body = `"base64":"${Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString('base64')}"`;
        }
        sink.utf8(`{"index":${index++},"length":${frame.length},${body}}\n`);
      };
    }
  }
}
