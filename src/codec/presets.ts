/**
 * Length-field options for well-known wire formats (SPEC section 11). Each preset
 * is a frozen object that `LengthFieldDecoder` and `LengthFieldEncoder` both take:
 * it holds only options they share, plus `initialBytesToStrip`, which the decoder
 * applies and the encoder accepts and ignores (what a receiver cuts off is no
 * concern of the sender). Spread one to change a field:
 * `{ ...presets.mqtt, maxFrameLength: 1 << 20 }`.
 *
 * | preset              | header on the wire                                   | frames returned   |
 * | ------------------- | ---------------------------------------------------- | ----------------- |
 * | `dnsTcp`            | u16 length of the message                            | the DNS message   |
 * | `tlsRecord`         | type, version (3 bytes), u16 length of the fragment  | the whole record  |
 * | `mqtt`              | type and flags (1 byte), varint remaining length     | the whole packet  |
 * | `postgres`          | type (1 byte), i32 length counting itself            | the whole message |
 * | `postgresStartup`   | i32 length counting itself                           | the whole message |
 * | `mongodb`           | i32 little-endian messageLength counting itself      | the whole message |
 * | `grpc`              | compressed flag (1 byte), u32 message length         | flag, length, message |
 * | `kafka`             | i32 size of what follows                             | the request or response |
 * | `amqp091`           | type, channel (3 bytes), u32 payload size; 0xCE ends the frame | the whole frame |
 * | `protobufDelimited` | varint length of the message                         | the message       |
 *
 * Wire layouts with byte diagrams, and recipes (a PostgreSQL proxy switching from
 * `postgresStartup` to `postgres`, AMQP's protocol header, PROXY protocol), are in
 * docs/presets.md.
 * @module
 */
import type { ByteOrder, LengthFieldLength } from './length_field.js';

/**
 * What a preset holds: options `LengthFieldDecoder` and `LengthFieldEncoder` both
 * take, meaning the same to both (`initialBytesToStrip` is applied by the decoder
 * and accepted, without effect, by the encoder).
 */
export interface LengthFieldPreset {
  readonly lengthFieldOffset?: number;
  readonly lengthFieldLength: LengthFieldLength;
  readonly byteOrder?: ByteOrder;
  readonly lengthAdjustment?: number;
  readonly initialBytesToStrip?: number;
  readonly maxFrameLength?: number;
}

/**
 * Options for well-known length-prefixed protocols, for `LengthFieldDecoder` and
 * `LengthFieldEncoder` alike. Frozen: spread one to change a field.
 *
 * @example
 * ```ts
 * import { LengthFieldDecoder, LengthFieldEncoder, presets } from 'framecodec';
 *
 * // A PostgreSQL Query message: type 'Q', an int32 length that counts itself, the SQL and a NUL.
 * const sql = new TextEncoder().encode('SELECT 1;\0');
 * const wire = new LengthFieldEncoder(presets.postgres).encode(sql, new TextEncoder().encode('Q'));
 * console.log(Array.from(wire.subarray(0, 5))); // => [81,0,0,0,14]
 * const [message] = new LengthFieldDecoder(presets.postgres).decode(wire); // nothing stripped
 * console.log(message.length); // => 15
 *
 * // Presets are frozen: spread one to change a field.
 * const mqtt = new LengthFieldDecoder({ ...presets.mqtt, maxFrameLength: 1 << 20 });
 * console.log([Object.isFrozen(presets.mqtt), mqtt.buffered]); // => [true,0]
 * ```
 */
export const presets = Object.freeze({
  /** DNS over TCP (RFC 1035 4.2.2): a 2-byte length, stripped; at most 2 + 65535 bytes. */
  dnsTcp: Object.freeze({ lengthFieldLength: 2, maxFrameLength: 65537 }),
  /**
   * TLS records: content type (1 byte) and legacy version (2) before a 2-byte
   * length of the fragment; the whole record is returned. At most a 5-byte header
   * and 2^14 + 2048 bytes (TLSCiphertext).
   */
  tlsRecord: Object.freeze({
    lengthFieldOffset: 3,
    lengthFieldLength: 2,
    initialBytesToStrip: 0,
    maxFrameLength: 5 + 2 ** 14 + 2048,
  }),
  /** MQTT 3.1.1 / 5 control packets: a type-and-flags byte, then the Remaining Length varint; the whole packet is returned. */
  mqtt: Object.freeze({ lengthFieldOffset: 1, lengthFieldLength: 'varint', initialBytesToStrip: 0 }),
  /**
   * PostgreSQL messages after startup: a type byte, then an int32 length that
   * counts itself but not the type byte; the whole message is returned.
   */
  postgres: Object.freeze({ lengthFieldOffset: 1, lengthFieldLength: 4, lengthAdjustment: -4, initialBytesToStrip: 0 }),
  /**
   * PostgreSQL's untyped first messages (StartupMessage, SSLRequest,
   * CancelRequest, GSSENCRequest): an int32 length that counts itself; the whole
   * message is returned.
   */
  postgresStartup: Object.freeze({ lengthFieldLength: 4, lengthAdjustment: -4, initialBytesToStrip: 0 }),
  /** MongoDB wire protocol: a little-endian int32 messageLength that counts the whole message; the whole message is returned. */
  mongodb: Object.freeze({
    lengthFieldLength: 4,
    byteOrder: 'little',
    lengthAdjustment: -4,
    initialBytesToStrip: 0,
  }),
  /** gRPC length-prefixed messages: the compressed flag (1 byte), then a 4-byte length; the whole message is returned. */
  grpc: Object.freeze({ lengthFieldOffset: 1, lengthFieldLength: 4, initialBytesToStrip: 0 }),
  /** Kafka requests and responses: a 4-byte size of what follows, stripped. */
  kafka: Object.freeze({ lengthFieldLength: 4 }),
  /**
   * AMQP 0-9-1 frames, after the 8-byte protocol header: type (1 byte) and channel
   * (2), a 4-byte payload size, the payload and the frame-end octet 0xCE, which the
   * size does not count (adjustment +1); the whole frame is returned. The decoder
   * does not check the 0xCE; the encoder's payload must end with it.
   */
  amqp091: Object.freeze({ lengthFieldOffset: 3, lengthFieldLength: 4, lengthAdjustment: 1, initialBytesToStrip: 0 }),
  /** protobuf `writeDelimitedTo` streams: a varint length, stripped. */
  protobufDelimited: Object.freeze({ lengthFieldLength: 'varint' }),
} as const) satisfies Readonly<Record<string, LengthFieldPreset>>;

/** The name of a preset: `'dnsTcp'`, `'tlsRecord'`, … */
export type PresetName = keyof typeof presets;
