// presets (SPEC section 11): the table's names and values, frozen, taken by
// LengthFieldDecoder and LengthFieldEncoder alike; each decodes a hand-written
// wire sample of its protocol (real byte layouts, annotated) under any chunking,
// and the encoder writes the same bytes back. Runs once per engine.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FixedLengthDecoder,
  type FrameDecoder,
  FrameTooLongError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  type LengthFieldPreset,
  presets,
} from '../../src/index.js';
import { apply, bytes, bytewise, chunking, cut, expectError, hex, run } from '../_harness.js';

/** Hex with spaces, newlines and `#` comments, to bytes. */
const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex'));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test('presets are exactly the SPEC table', () => {
  expect(JSON.parse(JSON.stringify(presets))).toEqual({
    dnsTcp: { lengthFieldLength: 2, maxFrameLength: 65537 },
    tlsRecord: {
      lengthFieldOffset: 3,
      lengthFieldLength: 2,
      initialBytesToStrip: 0,
      maxFrameLength: 5 + 2 ** 14 + 2048,
    },
    mqtt: { lengthFieldOffset: 1, lengthFieldLength: 'varint', initialBytesToStrip: 0 },
    postgres: { lengthFieldOffset: 1, lengthFieldLength: 4, lengthAdjustment: -4, initialBytesToStrip: 0 },
    postgresStartup: { lengthFieldLength: 4, lengthAdjustment: -4, initialBytesToStrip: 0 },
    mongodb: { lengthFieldLength: 4, byteOrder: 'little', lengthAdjustment: -4, initialBytesToStrip: 0 },
    grpc: { lengthFieldOffset: 1, lengthFieldLength: 4, initialBytesToStrip: 0 },
    kafka: { lengthFieldLength: 4 },
    amqp091: { lengthFieldOffset: 3, lengthFieldLength: 4, lengthAdjustment: 1, initialBytesToStrip: 0 },
    protobufDelimited: { lengthFieldLength: 'varint' },
  });
});

test('presets and every preset are frozen; spreading one gives an object to change', () => {
  expect(Object.isFrozen(presets)).toBe(true);
  for (const preset of Object.values(presets)) expect(Object.isFrozen(preset)).toBe(true);
  expect(() => {
    (presets.mqtt as { maxFrameLength?: number }).maxFrameLength = 1;
  }).toThrow(TypeError); // test modules are strict
  const roomy = { ...presets.mqtt, maxFrameLength: 1 << 20 };
  expect(roomy).toEqual({
    lengthFieldOffset: 1,
    lengthFieldLength: 'varint',
    initialBytesToStrip: 0,
    maxFrameLength: 1 << 20,
  });
});

test('every preset builds a LengthFieldDecoder and a LengthFieldEncoder, which round-trip a payload', () => {
  for (const [name, preset] of Object.entries(presets) as [string, LengthFieldPreset][]) {
    const decoder = new LengthFieldDecoder(preset);
    const encoder = new LengthFieldEncoder(preset);
    const offset = preset.lengthFieldOffset ?? 0;
    const prefix = new Uint8Array(offset).fill(0xab);
    const payload = bytes(`payload of ${name}`);
    const frame = encoder.encode(payload, offset > 0 ? prefix : undefined);
    const [got] = decoder.decode(frame);
    expect(hex(got), name).toBe(preset.initialBytesToStrip === 0 ? hex(frame) : hex(payload));
  }
});

/**
 * Decodes `wire` with a fresh decoder from `make` under several chunkings (whole,
 * one byte at a time, every split in two); all must give the same frames and no
 * error. Returns the frames.
 */
function decodeEvery(make: () => FrameDecoder, wire: Uint8Array): Uint8Array[] {
  const whole = make().decode(wire);
  const expected = whole.map(hex);
  expect(run(make(), [wire]).error).toBeUndefined();
  expect(run(make(), bytewise(wire)).frames).toEqual(expected);
  for (let k = 1; k < wire.length; k += Math.max(1, wire.length >> 5))
    expect(run(make(), cut(wire, [k])).frames).toEqual(expected);
  fc.assert(
    fc.property(chunking(wire.length), (how) => {
      const got = run(make(), apply(wire, how));
      expect(got.error).toBeUndefined();
      expect(got.frames).toEqual(expected);
    }),
    { numRuns: 60 },
  );
  return whole.map((f) => f.slice());
}

/** The width of a length field at `at` (varint: its bytes up to the one without the high bit). */
function fieldWidth(preset: LengthFieldPreset, frame: Uint8Array): number {
  if (preset.lengthFieldLength !== 'varint') return preset.lengthFieldLength;
  let i = preset.lengthFieldOffset ?? 0;
  while (frame[i] & 0x80) i++;
  return i + 1 - (preset.lengthFieldOffset ?? 0);
}

/**
 * The encoder, given what the decoder returned (split into prefix and payload when
 * the preset keeps the header), writes the original wire bytes back.
 */
function reencode(preset: LengthFieldPreset, frames: Uint8Array[], wire: Uint8Array): void {
  const encoder = new LengthFieldEncoder(preset);
  const offset = preset.lengthFieldOffset ?? 0;
  const items = frames.map((frame) => {
    if (preset.initialBytesToStrip !== 0) return { prefix: new Uint8Array(0), payload: frame };
    return { prefix: frame.subarray(0, offset), payload: frame.subarray(offset + fieldWidth(preset, frame)) };
  });
  expect(hex(encoder.encodeAll(items))).toBe(hex(wire));
  expect(items.map((i) => hex(encoder.encode(i.payload, offset > 0 ? i.prefix : undefined))).join('')).toBe(hex(wire));
}

/**
 * Decodes the first frame with `first` (maxFrames: 1), hands everything after it
 * to `next` through takeBuffered(), as a protocol that switches framing does.
 * Chunks arrive as given; returns [the first frame, the frames of `next`].
 */
function switchAfterFirst(chunks: Uint8Array[], first: FrameDecoder, next: FrameDecoder): [string, string[]] {
  let preamble: Uint8Array | undefined;
  const rest: string[] = [];
  for (const chunk of chunks) {
    if (preamble === undefined) {
      const got = first.decode(chunk, { maxFrames: 1 });
      if (got.length === 0) continue;
      preamble = got[0].slice();
      rest.push(...next.decode(first.takeBuffered()).map(hex));
    } else {
      rest.push(...next.decode(chunk).map(hex));
    }
  }
  rest.push(...next.end().map(hex));
  return [preamble === undefined ? '' : hex(preamble), rest];
}

describe('dnsTcp: DNS over TCP (RFC 1035 4.2.2)', () => {
  const query = (id: string, qtype: string) =>
    h(`
      001d                          # length: 29 bytes follow
      ${id} 0100 0001 0000 0000 0000  # ID, flags (RD), QDCOUNT 1, ANCOUNT, NSCOUNT, ARCOUNT
      07 6578616d706c65 03 636f6d 00  # QNAME example.com
      ${qtype} 0001                   # QTYPE, QCLASS IN
    `);
  const wire = cat(query('1234', '0001'), query('1235', '001c')); // A then AAAA, sent back to back

  test('two queries in one stream: each DNS message, length stripped', () => {
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.dnsTcp), wire);
    expect(frames.map((f) => f.length)).toEqual([29, 29]);
    expect(hex(frames[0].subarray(0, 2))).toBe('1234');
    expect(hex(frames[1].subarray(-4))).toBe('001c0001');
    reencode(presets.dnsTcp, frames, wire);
  });

  test('the largest DNS message (65535 bytes) fits; the encoder refuses one byte more', () => {
    const big = new LengthFieldEncoder(presets.dnsTcp).encode(new Uint8Array(65535));
    expect(hex(big.subarray(0, 2))).toBe('ffff');
    expect(new LengthFieldDecoder(presets.dnsTcp).decode(big)[0].length).toBe(65535);
    expectError(
      () => new LengthFieldEncoder(presets.dnsTcp).encode(new Uint8Array(65536)),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
    );
  });
});

describe('tlsRecord: TLS records', () => {
  const random = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join('');
  const clientHello = h(`
    16 0301 0036        # record: handshake (22), legacy version TLS 1.0, 54 bytes
    01 000032           # handshake: client_hello, 50 bytes
    0303                # legacy_version TLS 1.2
    ${random}           # random (32 bytes)
    00                  # legacy_session_id: empty
    0002 1301           # cipher_suites: TLS_AES_128_GCM_SHA256
    01 00               # legacy_compression_methods: null
    0007 002b 0003 02 0304  # extensions: supported_versions [TLS 1.3]
  `);
  const alert = h('15 0303 0002 02 28'); // alert record: fatal, handshake_failure

  test('a ClientHello record and an alert record: whole records, header kept', () => {
    const wire = cat(clientHello, alert);
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.tlsRecord), wire);
    expect(frames.map(hex)).toEqual([hex(clientHello), hex(alert)]);
    expect(frames[0].length).toBe(5 + 0x36);
    expect(frames[0][5]).toBe(0x01); // client_hello
    reencode(presets.tlsRecord, frames, wire);
  });

  test('a record of 2^14 + 2048 bytes is accepted; one byte more is refused (maxFrameLength 5 + 2^14 + 2048)', () => {
    const biggest = cat(h('17 0303 4800'), new Uint8Array(0x4800)); // application_data, 18432 bytes
    expect(new LengthFieldDecoder(presets.tlsRecord).decode(biggest)[0].length).toBe(5 + 18432);
    expectError(
      () => new LengthFieldDecoder(presets.tlsRecord).decode(h('17 0303 4801')),
      FrameTooLongError,
      'ERR_FRAME_TOO_LONG',
      /^frame of 18438 bytes \(length field 18433\) exceeds maxFrameLength 18437 at offset 0$/,
    );
  });
});

describe('mqtt: MQTT control packets', () => {
  const password = new Uint8Array(177).fill(0x70);
  const connect = cat(
    h(`
      10                    # CONNECT, flags 0
      c8 01                 # Remaining Length 200 (varint: 0x48 | 0x80, then 1 * 128)
      0004 4d515454         # protocol name "MQTT"
      04                    # protocol level 4 (3.1.1)
      c2                    # connect flags: user name, password, clean session
      003c                  # keep alive 60 s
      0003 666331           # client identifier "fc1"
      0004 75736572         # user name "user"
      00b1                  # password: 177 bytes
    `),
    password,
  );
  const pingreq = h('c0 00'); // PINGREQ, Remaining Length 0

  test('a CONNECT with a two-byte remaining length, then a PINGREQ: whole packets', () => {
    expect(connect.length).toBe(3 + 200);
    const wire = cat(connect, pingreq);
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.mqtt), wire);
    expect(frames.map(hex)).toEqual([hex(connect), hex(pingreq)]);
    reencode(presets.mqtt, frames, wire);
  });

  test("the encoder writes MQTT's own example lengths: 321 as c1 02", () => {
    const packet = new LengthFieldEncoder(presets.mqtt).encode(new Uint8Array(321), h('30'));
    expect(hex(packet.subarray(0, 3))).toBe('30c102');
  });
});

describe('postgres and postgresStartup: PostgreSQL', () => {
  const startup = h(`
    00000025                        # length 37, counting itself
    00030000                        # protocol 3.0 (196608)
    75736572 00 706f737467726573 00 # "user" "postgres"
    6461746162617365 00 6d796462 00 # "database" "mydb"
    00                              # end of parameters
  `);
  const sslRequest = h('00000008 04d2162f'); // length 8, code 80877103
  const cancelRequest = h('00000010 04d2162e 00003039 0badcafe'); // length 16, code 80877102, pid 12345, key
  const query = h(`
    51                              # 'Q'
    0000000e                        # length 14: itself and the 10 bytes after it, not the type byte
    53454c45435420313b 00           # "SELECT 1;" and its NUL
  `);
  const terminate = h('58 00000004'); // 'X', length 4 (just the field)
  const authOk = h('52 00000008 00000000'); // 'R' AuthenticationOk
  const ready = h('5a 00000005 49'); // 'Z' ReadyForQuery, idle

  test('postgresStartup: StartupMessage, SSLRequest and CancelRequest, whole', () => {
    for (const message of [startup, sslRequest, cancelRequest]) {
      const frames = decodeEvery(() => new LengthFieldDecoder(presets.postgresStartup), message);
      expect(frames.map(hex)).toEqual([hex(message)]);
      reencode(presets.postgresStartup, frames, message);
    }
  });

  test("postgres: the client's Query and Terminate, the server's AuthenticationOk and ReadyForQuery, whole", () => {
    for (const [wire, types] of [
      [cat(query, terminate), 'QX'],
      [cat(authOk, ready), 'RZ'],
    ] as const) {
      const frames = decodeEvery(() => new LengthFieldDecoder(presets.postgres), wire);
      expect(frames.map((f) => String.fromCharCode(f[0])).join('')).toBe(types);
      expect(frames.map(hex).join('')).toBe(hex(wire));
      reencode(presets.postgres, frames, wire);
    }
    expect(new LengthFieldDecoder(presets.postgres).decode(query)[0].length).toBe(15);
  });

  test('a server switches from postgresStartup to postgres after the StartupMessage, however the bytes arrive', () => {
    const wire = cat(startup, query, terminate); // what a client may send in one segment
    fc.assert(
      fc.property(chunking(wire.length), (how) => {
        const [first, rest] = switchAfterFirst(
          apply(wire, how),
          new LengthFieldDecoder(presets.postgresStartup),
          new LengthFieldDecoder(presets.postgres),
        );
        expect(first).toBe(hex(startup));
        expect(rest).toEqual([hex(query), hex(terminate)]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mongodb: MongoDB wire protocol', () => {
  const opMsg = h(`
    33000000        # messageLength 51, little-endian, the whole message
    01000000        # requestID 1
    00000000        # responseTo 0
    dd070000        # opCode 2013 (OP_MSG)
    00000000        # flagBits
    00              # section kind 0: body
    1e000000        # BSON document, 30 bytes: { ping: 1, $db: "admin" }
    10 70696e6700 01000000
    02 24646200 06000000 61646d696e00
    00
  `);

  test('an OP_MSG ping: the whole message, its header kept', () => {
    expect(opMsg.length).toBe(51);
    const wire = cat(opMsg, opMsg);
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.mongodb), wire);
    expect(frames.map(hex)).toEqual([hex(opMsg), hex(opMsg)]);
    expect(new DataView(frames[0].buffer, frames[0].byteOffset).getInt32(12, true)).toBe(2013);
    reencode(presets.mongodb, frames, wire);
  });
});

describe('grpc: gRPC length-prefixed messages', () => {
  const hello = h('00 00000007 0a05776f726c64'); // not compressed, 7 bytes: HelloRequest { name: "world" }
  const compressed = h('01 00000003 aabbcc'); // compressed flag set, 3 bytes
  const empty = h('00 00000000'); // google.protobuf.Empty

  test('three messages: flag, length and message, kept whole', () => {
    const wire = cat(hello, compressed, empty);
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.grpc), wire);
    expect(frames.map(hex)).toEqual([hex(hello), hex(compressed), hex(empty)]);
    reencode(presets.grpc, frames, wire);
  });
});

describe('kafka: Kafka requests and responses', () => {
  const request = (correlation: string) =>
    h(`
      0000000c      # size 12
      0012 0000     # api_key 18 (ApiVersions), api_version 0
      ${correlation} # correlation_id
      0002 6663     # client_id "fc"
    `);
  const response = h(`
    00000010        # size 16
    00000001        # correlation_id 1
    0000            # error_code 0
    00000001        # api_versions: 1 entry
    0012 0000 0003  # ApiVersions, versions 0 to 3
  `);

  test('two requests, then a response: the size stripped', () => {
    const wire = cat(request('00000001'), request('00000002'));
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.kafka), wire);
    expect(frames.map((f) => hex(f.subarray(0, 2)))).toEqual(['0012', '0012']);
    expect(frames.map((f) => hex(f.subarray(4, 8)))).toEqual(['00000001', '00000002']);
    reencode(presets.kafka, frames, wire);
    const [r] = decodeEvery(() => new LengthFieldDecoder(presets.kafka), response);
    expect(hex(r)).toBe(hex(response.subarray(4)));
  });
});

describe('amqp091: AMQP 0-9-1 frames', () => {
  const protocolHeader = h('414d5150 00 00 09 01'); // "AMQP" 0 0-9-1
  const tuneOk = h(`
    01 0000 0000000c   # method frame, channel 0, payload 12 bytes
    000a 001f          # connection.tune-ok (class 10, method 31)
    07ff 00020000 003c # channel-max 2047, frame-max 131072, heartbeat 60 s
    ce                 # frame-end
  `);
  const channelOpen = h('01 0001 00000005 0014 000a 00 ce'); // channel.open on channel 1
  const heartbeat = h('08 0000 00000000 ce');

  test('frames end with the frame-end octet 0xCE, which the size does not count', () => {
    const wire = cat(tuneOk, channelOpen, heartbeat);
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.amqp091), wire);
    expect(frames.map(hex)).toEqual([hex(tuneOk), hex(channelOpen), hex(heartbeat)]);
    for (const f of frames) expect(f[f.length - 1]).toBe(0xce);
    reencode(presets.amqp091, frames, wire); // the payloads given to the encoder end with 0xCE
  });

  test('after the 8-byte protocol header: a FixedLengthDecoder, then amqp091, however the bytes arrive', () => {
    const wire = cat(protocolHeader, tuneOk, heartbeat);
    fc.assert(
      fc.property(chunking(wire.length), (how) => {
        const [first, rest] = switchAfterFirst(
          apply(wire, how),
          new FixedLengthDecoder({ frameLength: 8 }),
          new LengthFieldDecoder(presets.amqp091),
        );
        expect(first).toBe(hex(protocolHeader));
        expect(rest).toEqual([hex(tuneOk), hex(heartbeat)]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('protobufDelimited: protobuf writeDelimitedTo streams', () => {
  const small = h('0a05776f726c64'); // field 1, "world"
  const large = cat(h('0a a902'), new Uint8Array(297).fill(0x41)); // field 1, 297 bytes: 300 in all
  const wire = cat(h('07'), small, h('ac02'), large, h('00')); // 7, then 300 (varint ac 02), then an empty message

  test('varint lengths of one and two bytes, and an empty message: the messages, length stripped', () => {
    const frames = decodeEvery(() => new LengthFieldDecoder(presets.protobufDelimited), wire);
    expect(frames.map(hex)).toEqual([hex(small), hex(large), '']);
    reencode(presets.protobufDelimited, frames, wire);
  });
});

describe('PROXY protocol v1, then TLS records', () => {
  test('the PROXY line through a LineDecoder (maxFrames: 1), the rest through tlsRecord', () => {
    const proxy = bytes('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
    const record = h('16 0301 0004 01 000000'); // a (truncated) handshake record: 4 bytes
    const wire = cat(proxy, record);
    fc.assert(
      fc.property(chunking(wire.length), (how) => {
        const [first, rest] = switchAfterFirst(
          apply(wire, how),
          new LineDecoder({ maxFrameLength: 105 }), // 107 bytes at most, CRLF included
          new LengthFieldDecoder(presets.tlsRecord),
        );
        expect(Buffer.from(first, 'hex').toString()).toBe('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443');
        expect(rest).toEqual([hex(record)]);
      }),
      { numRuns: 200 },
    );
  });
});
