// Scenarios: what stream of bytes each contender decodes, and the reference frames.
//
// A scenario is one framing scheme at one frame size and one chunk size. Its input
// is PAYLOAD_BYTES of frames (rounded down to whole frames) cut into chunks of
// `chunkSize` bytes, each chunk its own Buffer, as socket reads hand them out:
//
//   frames   |hdr|payload|hdr|payload|hdr|payload| ...        (or payload + delimiter)
//   chunks   |<---- chunkSize ---->|<---- chunkSize ---->| ...  (boundaries fall anywhere)
//
// `frameSize` is the payload length, what a decoder returns; the wire frame adds
// the header or delimiter. MB/s counts wire bytes (input), 1 MB = 10^6 bytes.
// Payload bytes are printable ASCII (0x20-0x7e, from a fixed-seed PRNG), so no
// delimiter used here ever occurs inside a payload and string-based peers see
// valid UTF-8.
//
// The `text` scheme is the `lines` input with strings out: every contender returns
// each line as a string (TextLineDecoder, readline, split2, LineDecoder + a
// TextDecoder per line). It runs at its own frame sizes (`frameSizes`).
//
// The `grpc` and `mongo` schemes are the wire formats of two drivers, raced against
// the drivers' own framing code (bench/lib/drivers.mjs). Those hand out each message
// whole, header included, so in these schemes (`keepsHeader`) every contender
// returns the whole wire frame and the reference counts and checksums it whole;
// `frameSize` is still the payload after the header:
//
//   grpc    |00|len u32 BE|payload (len bytes)|         gRPC length-prefixed message:
//                                                      flag 0 = not compressed
//   mongo   |len u32 LE|payload (len - 4 bytes)|       MongoDB wire message: the
//                                                      length counts itself
//
// No contender looks past the length, so the payload is the same printable ASCII
// as elsewhere, not a real protobuf message or OP_MSG body.

export const PAYLOAD_BYTES = 1 << 20;

export const FRAME_SIZES = [16, 64, 256, 1024, 4096, 16384];
export const CHUNK_SIZES = [65536, 1460];

/** The framing schemes and how a payload goes on the wire. */
export const SCHEMES = {
  lines: { title: 'lines (\\n)', delimiter: '\n' },
  text: {
    title: 'text lines (\\n), strings out',
    delimiter: '\n',
    frameSizes: [64, 1024, 16384],
    note: "Here framecodec (wasm-simd) is `TextLineDecoder` through `decode()`; framecodec frames() is `for await` over `frames(Readable.from(chunks), new TextLineDecoder())`, readline (for await) the same loop over `readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })`. Deno's `TextLineStream` is not raced: it is published on jsr only, which this machine cannot reach, and it is not a Node module.",
  },
  byte: { title: 'single-byte delimiter (0x00)', delimiter: '\0' },
  crlf: { title: 'two-byte delimiter (\\r\\n)', delimiter: '\r\n' },
  token: { title: 'four-byte token (\\r\\n\\r\\n)', delimiter: '\r\n\r\n' },
  len4: { title: '4-byte big-endian length field', header: 'u32be' },
  varint: { title: 'varint (LEB128) length field', header: 'varint' },
  fixed: { title: 'fixed-length records', header: 'none' },
  grpc: {
    title: 'gRPC messages (flag byte + 4-byte big-endian length)',
    header: 'grpc',
    keepsHeader: true,
    note: "Frames are whole messages, the 5-byte header included, because that is what grpc-js's `StreamDecoder.write(chunk)` returns (its caller strips the header later, when it decompresses); framecodec is `new LengthFieldDecoder({ lengthFieldOffset: 1, lengthFieldLength: 4, initialBytesToStrip: 0 })`, the `DataView` loop reads the length at offset 1 and hands out the whole message too. Frame size = message payload bytes.",
  },
  mongo: {
    title: 'MongoDB wire messages (4-byte little-endian length counting itself)',
    header: 'mongo',
    keepsHeader: true,
    note: "Frames are whole wire messages, length included, because that is what the MongoDB driver's `SizedMessageTransform` pushes (it is fed with `write(chunk)` as the driver pipes its socket into it); framecodec is `new LengthFieldDecoder({ byteOrder: 'little', lengthAdjustment: -4, initialBytesToStrip: 0 })`, the `DataView` loop reads the length little-endian and hands out the whole message too. Frame size = bytes after the length field.",
  },
};

export function scenarioId(scheme, frameSize, chunkSize) {
  return `${scheme}/${sizeLabel(frameSize)}/${chunkSize === 1460 ? '1460B' : sizeLabel(chunkSize)}-chunks`;
}

export function sizeLabel(n) {
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n}B`;
}

/** The frame sizes a scheme runs at. */
export function frameSizesOf(scheme) {
  return SCHEMES[scheme].frameSizes ?? FRAME_SIZES;
}

/** Every scenario of the full run. */
export function allScenarios() {
  const out = [];
  for (const scheme of Object.keys(SCHEMES)) {
    for (const chunkSize of CHUNK_SIZES) {
      for (const frameSize of frameSizesOf(scheme)) out.push(makeScenario(scheme, frameSize, chunkSize));
    }
  }
  return out;
}

export function makeScenario(scheme, frameSize, chunkSize) {
  return { id: scenarioId(scheme, frameSize, chunkSize), scheme, frameSize, chunkSize };
}

function headerLength(scheme, n) {
  const s = SCHEMES[scheme];
  if (s.delimiter) return 0;
  if (s.header === 'u32be' || s.header === 'mongo') return 4;
  if (s.header === 'grpc') return 5;
  if (s.header === 'varint') {
    let k = 1;
    while (n >= 128) {
      n = Math.floor(n / 128);
      k++;
    }
    return k;
  }
  return 0;
}

/** Bytes one frame takes on the wire. */
export function wireFrameSize(scheme, frameSize) {
  const s = SCHEMES[scheme];
  return frameSize + (s.delimiter ? Buffer.byteLength(s.delimiter) : headerLength(scheme, frameSize));
}

/**
 * Builds the scenario's input: `chunks` (Buffers, each with its own memory) and
 * the reference `frames` count, `bytes` (payload total) and `checksum`.
 */
export function buildInput(scn) {
  const { scheme, frameSize, chunkSize } = scn;
  const s = SCHEMES[scheme];
  const wire1 = wireFrameSize(scheme, frameSize);
  const frames = Math.max(1, Math.floor(PAYLOAD_BYTES / wire1));
  const wire = Buffer.alloc(frames * wire1);
  const delim = s.delimiter ? Buffer.from(s.delimiter) : null;
  let seed = 0x9e3779b9 ^ (frameSize * 2654435761);
  let at = 0;
  const ck = new Checksum();
  for (let f = 0; f < frames; f++) {
    const frameStart = at;
    if (s.header === 'u32be') {
      wire.writeUInt32BE(frameSize, at);
      at += 4;
    } else if (s.header === 'grpc') {
      wire[at] = 0;
      wire.writeUInt32BE(frameSize, at + 1);
      at += 5;
    } else if (s.header === 'mongo') {
      wire.writeUInt32LE(frameSize + 4, at);
      at += 4;
    } else if (s.header === 'varint') {
      let v = frameSize;
      while (v >= 128) {
        wire[at++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
      wire[at++] = v;
    }
    const start = at;
    for (let i = 0; i < frameSize; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      wire[at++] = 0x20 + ((seed >>> 0) % 95);
    }
    ck.add(wire.subarray(s.keepsHeader ? frameStart : start, at));
    if (delim) {
      delim.copy(wire, at);
      at += delim.length;
    }
  }
  const chunks = [];
  for (let i = 0; i < wire.length; i += chunkSize) {
    const c = Buffer.alloc(Math.min(chunkSize, wire.length - i));
    wire.copy(c, 0, i, i + c.length);
    chunks.push(c);
  }
  return { chunks, wireBytes: wire.length, frames, bytes: ck.bytes, checksum: ck.value() };
}

/**
 * Order-sensitive checksum over frames: FNV-1a of each frame's bytes, folded with
 * its length. Frames may be Uint8Arrays or (ASCII) strings.
 */
export class Checksum {
  frames = 0;
  bytes = 0;
  h = 0;

  add(frame) {
    let x = 0x811c9dc5;
    const n = frame.length;
    if (typeof frame === 'string') {
      for (let i = 0; i < n; i++) x = Math.imul(x ^ frame.charCodeAt(i), 16777619);
    } else {
      for (let i = 0; i < n; i++) x = Math.imul(x ^ frame[i], 16777619);
    }
    this.h = (Math.imul(this.h, 31) + (x >>> 0) + n) >>> 0;
    this.frames++;
    this.bytes += n;
  }

  value() {
    return this.h.toString(16).padStart(8, '0');
  }
}
