// Private (CLI): the scheme flags shared by `decode` and `encode`, turned into
// the options of the library's decoders and encoders (SPEC sections 3 to 5).
//
//   --lines [--allow-cr] [--keep-line-ending]     LineDecoder / DelimiterEncoder('\n')
//   --length-field 1|2|3|4|8  or  --varint         LengthFieldDecoder / LengthFieldEncoder
//       --byte-order --offset --adjust --strip
//   --delimiter STR (repeatable)                   DelimiterDecoder / DelimiterEncoder
//   --fixed N [--padding N]                        FixedLengthDecoder / FixedLengthEncoder
//   --max-frame-length N  --trailing  --on-too-long
//
// Range checks are the constructors' (one source of truth); their
// InvalidOptionError is re-worded to name the flag instead of the option.
import {
  DelimiterDecoder,
  DelimiterEncoder,
  FixedLengthDecoder,
  FixedLengthEncoder,
  FrameTooLongError,
  InvalidOptionError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  type ByteOrder,
  type FrameDecoder,
  type LengthFieldLength,
  type OnTooLong,
  type Trailing,
} from '../index.js';
import {
  choiceFlag,
  has,
  integerFlag,
  unescapeDelimiter,
  usageError,
  values,
  type FlagSpec,
  type ParsedArgs,
} from './args.js';

export type SchemeKind = 'lines' | 'length-field' | 'delimiter' | 'fixed';

/** Flags both commands take. */
export const SCHEME_FLAGS: readonly FlagSpec[] = [
  { name: 'lines', kind: 'switch' },
  { name: 'allow-cr', kind: 'switch' },
  { name: 'length-field', kind: 'value' },
  { name: 'varint', kind: 'switch' },
  { name: 'byte-order', kind: 'value' },
  { name: 'adjust', kind: 'value' },
  { name: 'delimiter', kind: 'value', repeat: true },
  { name: 'fixed', kind: 'value' },
  { name: 'max-frame-length', kind: 'value' },
  { name: 'stats', kind: 'switch' },
  { name: 'help', kind: 'switch' },
];

export const DECODE_ONLY: readonly FlagSpec[] = [
  { name: 'keep-line-ending', kind: 'switch' },
  { name: 'offset', kind: 'value' },
  { name: 'strip', kind: 'value' },
  { name: 'trailing', kind: 'value' },
  { name: 'on-too-long', kind: 'value' },
  { name: 'format', kind: 'value' },
];

export const ENCODE_ONLY: readonly FlagSpec[] = [
  { name: 'padding', kind: 'value' },
  { name: 'input-format', kind: 'value' },
];

/** Hints for a flag given to the command that does not take it. */
export function hints(only: readonly FlagSpec[], command: string): Map<string, string> {
  return new Map(only.map((f) => [f.name, `applies to framecodec ${command} only`]));
}

/** Which scheme each scheme-specific flag belongs to. */
const OWNER: Record<string, SchemeKind[]> = {
  'allow-cr': ['lines'],
  'keep-line-ending': ['lines'],
  'byte-order': ['length-field'],
  offset: ['length-field'],
  adjust: ['length-field'],
  strip: ['length-field'],
  padding: ['fixed'],
  'max-frame-length': ['lines', 'length-field', 'delimiter'],
  'on-too-long': ['lines', 'length-field', 'delimiter'],
};

const FLAG_OF_OPTION: Record<string, string> = {
  lengthFieldOffset: 'offset',
  lengthFieldLength: 'length-field',
  byteOrder: 'byte-order',
  lengthAdjustment: 'adjust',
  initialBytesToStrip: 'strip',
  maxFrameLength: 'max-frame-length',
  frameLength: 'fixed',
  padding: 'padding',
  delimiter: 'delimiter',
};

const FIELD_LENGTHS = ['1', '2', '3', '4', '8'] as const;

/** The one scheme the flags choose; other scheme-specific flags must match it. */
export function schemeOf(args: ParsedArgs): SchemeKind {
  const chosen: [SchemeKind, string][] = [];
  if (has(args, 'lines')) chosen.push(['lines', '--lines']);
  if (has(args, 'length-field')) chosen.push(['length-field', '--length-field']);
  if (has(args, 'varint')) chosen.push(['length-field', '--varint']);
  if (has(args, 'delimiter')) chosen.push(['delimiter', '--delimiter']);
  if (has(args, 'fixed')) chosen.push(['fixed', '--fixed']);
  if (chosen.length === 0) {
    throw usageError('choose a framing: --lines, --length-field 1|2|3|4|8, --varint, --delimiter STR or --fixed N');
  }
  if (chosen.length > 1) throw usageError(`choose one framing, got ${chosen.map((c) => c[1]).join(' and ')}`);
  const kind = chosen[0][0];
  for (const [flag, owners] of Object.entries(OWNER)) {
    if (has(args, flag) && !owners.includes(kind)) {
      throw usageError(`--${flag} does not apply to ${chosen[0][1]} (it goes with ${owners.map(flagOf).join(', ')})`);
    }
  }
  return kind;
}

function flagOf(kind: SchemeKind): string {
  return kind === 'length-field' ? '--length-field/--varint' : `--${kind}`;
}

function fieldLength(args: ParsedArgs): LengthFieldLength {
  if (has(args, 'varint')) return 'varint';
  return Number(choiceFlag(args, 'length-field', FIELD_LENGTHS, '4')) as LengthFieldLength;
}

function delimiters(args: ParsedArgs): Uint8Array[] {
  return values(args, 'delimiter').map(unescapeDelimiter);
}

function lineDelimiters(args: ParsedArgs): string[] {
  return has(args, 'allow-cr') ? ['\n', '\r\n', '\r'] : ['\n', '\r\n'];
}

/** Runs a constructor; an InvalidOptionError is re-worded to name the flag. */
function construct<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof InvalidOptionError) {
      const flag = FLAG_OF_OPTION[e.option];
      if (flag) {
        const message = e.message.startsWith(e.option)
          ? `--${flag}${e.message.slice(e.option.length)}`
          : `--${flag}: ${e.message}`;
        throw usageError(message);
      }
    }
    throw e;
  }
}

/** The decoder the flags describe. */
export function decoderFor(args: ParsedArgs, kind: SchemeKind): FrameDecoder {
  const trailing = choiceFlag<Trailing | 'default'>(args, 'trailing', ['error', 'emit', 'drop'], 'default');
  const limits = {
    maxFrameLength: integerFlag(args, 'max-frame-length'),
    onTooLong: choiceFlag<OnTooLong>(args, 'on-too-long', ['error', 'skip'], 'error'),
    ...(trailing === 'default' ? {} : { trailing }),
  };
  return construct((): FrameDecoder => {
    switch (kind) {
      case 'lines':
        return new LineDecoder({
          ...limits,
          allowCR: has(args, 'allow-cr'),
          keepLineEnding: has(args, 'keep-line-ending'),
        });
      case 'delimiter':
        return new DelimiterDecoder({ ...limits, delimiter: delimiters(args) });
      case 'fixed':
        return new FixedLengthDecoder({
          frameLength: integerFlag(args, 'fixed')!,
          ...(trailing === 'default' ? {} : { trailing }),
        });
      case 'length-field':
        return new LengthFieldDecoder({
          ...limits,
          lengthFieldLength: fieldLength(args),
          byteOrder: choiceFlag<ByteOrder>(args, 'byte-order', ['big', 'little'], 'big'),
          lengthFieldOffset: integerFlag(args, 'offset'),
          lengthAdjustment: integerFlag(args, 'adjust'),
          initialBytesToStrip: integerFlag(args, 'strip'),
        });
    }
  });
}

/** What `encode` needs: many payloads to one buffer of frames. */
export interface BatchEncoder {
  /** Frames for `payloads`, back to back; throws on the first payload it cannot frame. */
  encodeAll(payloads: Uint8Array[]): Uint8Array;
}

/** The encoder the flags describe (the mirror of {@link decoderFor}). */
export function encoderFor(args: ParsedArgs, kind: SchemeKind): BatchEncoder {
  const maxFrameLength = integerFlag(args, 'max-frame-length');
  return construct((): BatchEncoder => {
    switch (kind) {
      case 'lines':
        return limited(new DelimiterEncoder({ delimiter: lineDelimiters(args) }), maxFrameLength);
      case 'delimiter':
        return limited(new DelimiterEncoder({ delimiter: delimiters(args) }), maxFrameLength);
      case 'fixed':
        return new FixedLengthEncoder({
          frameLength: integerFlag(args, 'fixed')!,
          padding: integerFlag(args, 'padding'),
        });
      case 'length-field':
        return new LengthFieldEncoder({
          lengthFieldLength: fieldLength(args),
          byteOrder: choiceFlag<ByteOrder>(args, 'byte-order', ['big', 'little'], 'big'),
          lengthAdjustment: integerFlag(args, 'adjust'),
          maxFrameLength,
        });
    }
  });
}

/**
 * A DelimiterEncoder has no length limit of its own; the receiver's
 * maxFrameLength counts the frame without its delimiter, so the sender refuses
 * what the receiver would refuse.
 */
function limited(encoder: DelimiterEncoder, max: number | undefined): BatchEncoder {
  if (max === undefined) return encoder;
  if (max < 0) throw usageError(`--max-frame-length must be an integer >= 0, got ${max}`);
  return {
    encodeAll(payloads: Uint8Array[]): Uint8Array {
      for (const p of payloads) {
        if (p.length > max)
          throw new FrameTooLongError(`payload of ${p.length} bytes exceeds maxFrameLength ${max}`, max, {
            frameLength: p.length,
          });
      }
      return encoder.encodeAll(payloads);
    },
  };
}
