// Naive reference models of SPEC.md sections 2 to 5. They see the whole input at
// once and walk it the obvious way (BigInt arithmetic, a byte-by-byte delimiter
// search), with none of the decoders' machinery: no engine, no chunks, no carry.
// A decoder under any chunking must produce exactly what these produce.
import type { Outcome } from './_harness.js';
import { hex } from './_harness.js';

type Trailing = 'error' | 'emit' | 'drop';

interface Sink {
  frames: string[];
  stats: Outcome['stats'];
  discards: Outcome['discards'];
  error?: Outcome['error'];
}

const sink = (): Sink => ({
  frames: [],
  stats: { frames: 0, bytes: 0, discardedFrames: 0, discardedBytes: 0 },
  discards: [],
});
const out = (s: Sink, f: Uint8Array) => {
  s.frames.push(hex(f));
  s.stats.frames++;
  s.stats.bytes += f.length;
};
const drop = (s: Sink, bytes: number, offset: number, tooLong: boolean) => {
  s.stats.discardedFrames++;
  s.stats.discardedBytes += bytes;
  if (tooLong) s.discards.push({ bytes, offset });
};
const trail = (s: Sink, input: Uint8Array, from: number, trailing: Trailing) => {
  const rest = input.slice(from);
  if (trailing === 'emit') out(s, rest);
  else if (trailing === 'drop') drop(s, rest.length, from, false);
  else s.error = { code: 'ERR_TRUNCATED_FRAME', offset: from, partial: hex(rest) };
};

export interface RefLengthOptions {
  lengthFieldOffset: number;
  lengthFieldLength: 1 | 2 | 3 | 4 | 8 | 'varint';
  byteOrder: 'big' | 'little';
  lengthAdjustment: number;
  initialBytesToStrip?: number;
  maxFrameLength: number;
  onTooLong: 'error' | 'skip';
  trailing: Trailing;
}

/** The length field of `o` holding `value`, as bytes (a varint, or `o.lengthFieldLength` bytes in its order). */
export function lengthField(o: Pick<RefLengthOptions, 'lengthFieldLength' | 'byteOrder'>, value: number): number[] {
  if (o.lengthFieldLength === 'varint') {
    const out: number[] = [];
    do {
      out.push((value & 0x7f) | (value >= 128 ? 0x80 : 0));
      value >>>= 7;
    } while (value > 0);
    return out;
  }
  const w = o.lengthFieldLength;
  const field = Array.from({ length: w }, (_, i) => Math.floor(value / 2 ** (8 * (w - 1 - i))) % 256);
  return o.byteOrder === 'little' ? field.reverse() : field;
}

export function refLengthField(input: Uint8Array, o: RefLengthOptions): Outcome {
  const s = sink();
  const n = input.length;
  let pos = 0;
  while (pos < n) {
    const at = pos + o.lengthFieldOffset;
    let value = 0n;
    let fieldBytes: number;
    if (o.lengthFieldLength === 'varint') {
      let i = 0;
      let done = false;
      while (at + i < n && i < 10) {
        const b = input[at + i];
        value += BigInt(b & 0x7f) << BigInt(7 * i);
        i++;
        if ((b & 0x80) === 0) {
          done = true;
          break;
        }
      }
      if (!done && i === 10) return { ...s, error: { code: 'ERR_CORRUPT_LENGTH', offset: pos } };
      if (!done) {
        trail(s, input, pos, o.trailing);
        return s;
      }
      fieldBytes = i;
    } else {
      fieldBytes = o.lengthFieldLength;
      if (at + fieldBytes > n) {
        trail(s, input, pos, o.trailing);
        return s;
      }
      const field = input.slice(at, at + fieldBytes);
      if (o.byteOrder === 'little') field.reverse();
      for (const b of field) value = (value << 8n) | BigInt(b);
    }
    const header = o.lengthFieldOffset + fieldBytes;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { ...s, error: { code: 'ERR_CORRUPT_LENGTH', offset: pos } };
    const frame = BigInt(header) + value + BigInt(o.lengthAdjustment);
    if (frame < BigInt(header)) return { ...s, error: { code: 'ERR_CORRUPT_LENGTH', offset: pos } };
    if (frame > BigInt(o.maxFrameLength)) {
      if (o.onTooLong === 'error') return { ...s, error: { code: 'ERR_FRAME_TOO_LONG', offset: pos } };
      const dropped = Number(frame < BigInt(n - pos) ? frame : BigInt(n - pos));
      drop(s, dropped, pos, true);
      pos += dropped;
      continue;
    }
    const strip = o.initialBytesToStrip ?? header;
    if (frame < BigInt(strip)) return { ...s, error: { code: 'ERR_CORRUPT_LENGTH', offset: pos } };
    const len = Number(frame);
    if (pos + len > n) {
      trail(s, input, pos, o.trailing);
      return s;
    }
    out(s, input.slice(pos + strip, pos + len));
    pos += len;
  }
  return s;
}

export interface RefDelimiterOptions {
  delimiters: Uint8Array[];
  disposition: 'discard' | 'suffix' | 'prefix';
  maxFrameLength: number;
  onTooLong: 'error' | 'skip';
  trailing: Trailing;
}

/**
 * Leftmost-longest, found by trying every delimiter at every position. `starts`,
 * when given, receives the stream offset where each frame returned starts.
 */
export function refDelimiter(input: Uint8Array, o: RefDelimiterOptions, starts?: number[]): Outcome {
  const s = sink();
  const n = input.length;
  const prefix = o.disposition === 'prefix';
  let frameStart = 0;
  let contentStart = 0;
  let p = 0;
  const matchAt = (q: number) => {
    let best = 0;
    for (const d of o.delimiters) {
      if (d.length <= best || q + d.length > n) continue;
      if (d.every((b, k) => input[q + k] === b)) best = d.length;
    }
    return best;
  };
  while (p < n) {
    const dl = matchAt(p);
    if (dl === 0) {
      p++;
      continue;
    }
    const nextStart = prefix ? p : p + dl;
    if (p - contentStart > o.maxFrameLength) {
      if (o.onTooLong === 'error') return { ...s, error: { code: 'ERR_FRAME_TOO_LONG', offset: frameStart } };
      drop(s, nextStart - frameStart, frameStart, true);
    } else {
      out(s, input.slice(frameStart, o.disposition === 'suffix' ? p + dl : p));
      starts?.push(frameStart);
    }
    frameStart = nextStart;
    contentStart = p + dl;
    p += dl;
  }
  const held = n - frameStart;
  if (held > 0) {
    if (n - contentStart > o.maxFrameLength) {
      if (o.onTooLong === 'error') return { ...s, error: { code: 'ERR_FRAME_TOO_LONG', offset: frameStart } };
      drop(s, held, frameStart, true);
    } else {
      trail(s, input, frameStart, o.trailing);
      if (o.trailing === 'emit') starts?.push(frameStart);
    }
  }
  return s;
}

/**
 * A line as text outcomes hold it: JSON with every character outside printable
 * ASCII escaped, so that a diff shows a BOM (\ufeff) or a U+FFFD (\ufffd).
 */
export const textFrame = (line: string): string =>
  JSON.stringify(line).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export interface RefTextOptions {
  allowCR: boolean;
  keepLineEnding: boolean;
  maxFrameLength: number;
  onTooLong: 'error' | 'skip';
  trailing: Trailing;
  fatal: boolean;
}

/**
 * TextLineDecoder: the lines refDelimiter cuts as LineDecoder does, each decoded
 * alone by a fresh TextDecoder('utf-8', { fatal }). A line that starts a stream
 * (at offset 0, and at each offset in `streams`: where takeBuffered() handed the
 * rest to a new stream) is decoded with WHATWG's own BOM handling (ignoreBOM:
 * false drops one leading BOM); every other line with ignoreBOM: true. Under
 * `fatal`, the first line that does not decode ends the outcome with
 * ERR_INVALID_DATA at its first byte: the lines and dropped frames before it
 * stay, everything after it (later lines and drops, a trailing line dropped, an
 * error further on) never happens. Frames are lines as textFrame() shows them
 * (not hex); `stats.bytes` counts the lines' bytes, as LineDecoder counts them.
 */
export function refTextLines(input: Uint8Array, o: RefTextOptions, streams: readonly number[] = []): Outcome {
  const starts: number[] = [];
  const split = refDelimiter(
    input,
    {
      delimiters: [[0x0a], [0x0d, 0x0a], ...(o.allowCR ? [[0x0d]] : [])].map((d) => Uint8Array.from(d)),
      disposition: o.keepLineEnding ? 'suffix' : 'discard',
      maxFrameLength: o.maxFrameLength,
      onTooLong: o.onTooLong,
      trailing: o.trailing,
    },
    starts,
  );
  const s = sink();
  const newStream = new Set([0, ...streams]);
  for (let k = 0; k < split.frames.length; k++) {
    const bytes = Uint8Array.from(Buffer.from(split.frames[k], 'hex'));
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: o.fatal, ignoreBOM: !newStream.has(starts[k]) }).decode(bytes);
    } catch {
      const bad = starts[k];
      for (const d of split.discards) if (d.offset < bad) drop(s, d.bytes, d.offset, true);
      return { ...s, error: { code: 'ERR_INVALID_DATA', offset: bad } };
    }
    s.frames.push(textFrame(text));
    s.stats.frames++;
    s.stats.bytes += bytes.length;
  }
  // Every line decoded: the split's stats, drops and error stand.
  return { ...split, frames: s.frames };
}

export function refFixed(input: Uint8Array, frameLength: number, trailing: Trailing): Outcome {
  const s = sink();
  let pos = 0;
  for (; pos + frameLength <= input.length; pos += frameLength) out(s, input.slice(pos, pos + frameLength));
  if (pos < input.length) trail(s, input, pos, trailing);
  return s;
}
