// MQTT through a framecodec relay: a real mosquitto broker (127.0.0.1, a free port,
// its own config in a temp folder) and the real mosquitto_sub / mosquitto_pub
// clients, MQTT 3.1.1 and 5, QoS 0, 1 and 2, a 200 kB payload, many messages on one
// connection, a retained message.
//
// Framing: a control-packet byte, then the remaining length as a variable byte
// integer (LEB128, at most 4 bytes), nothing stripped.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LengthFieldDecoder, presets } from '../../src/index.js';
import { assertAccounted, describeTotals, type Protocol, type Relay, type Side, startRelay } from './_relay.js';
import { freePort, missing, removeDir, run, type Server, skipUnless, startServer, tempDir, which } from './_procs.js';
import { Reader } from './_wire.js';

const notInstalled = missing(['mosquitto', 'mosquitto_pub', 'mosquitto_sub'], 'mosquitto mosquitto-clients');

/** MQTT's fixed header: type and flags, then the remaining length (varint), nothing stripped. */
const mqttFraming = presets.mqtt;

const TYPES = [
  '',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];
const FROM_CLIENT_ONLY = new Set([1, 8, 10, 12]);
const FROM_SERVER_ONLY = new Set([2, 9, 11, 13]);

interface MqttState {
  /** Protocol level from CONNECT: 4 (3.1.1) or 5. */
  level: number;
}

/** A variable byte integer: at most 4 bytes, minimally encoded. */
function varint(r: Reader): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8();
    value += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) r.fail('remaining length not minimally encoded');
      return value;
    }
  }
  return r.fail('variable byte integer longer than 4 bytes');
}

const utf8 = (r: Reader) => r.utf8(r.u16());

/** MQTT 5 properties: a varint length, then identifier/value pairs that fill it exactly. */
function properties(r: Reader): void {
  const end = varint(r) + r.offset;
  if (end > r.bytes.length) r.fail('properties longer than the packet');
  while (r.offset < end) {
    const id = varint(r);
    if ([1, 23, 25, 36, 37, 40, 41, 42].includes(id)) r.u8();
    else if ([19, 33, 34, 35].includes(id)) r.u16();
    else if ([2, 17, 24, 39].includes(id)) r.u32();
    else if (id === 11) varint(r);
    else if ([3, 8, 18, 21, 26, 28, 31].includes(id)) utf8(r);
    else if (id === 9 || id === 22) r.skip(r.u16());
    else if (id === 38) {
      utf8(r);
      utf8(r);
    } else r.fail(`unknown property ${id}`);
  }
  if (r.offset !== end) r.fail('a property runs past the properties length');
}

function check(frame: Uint8Array, from: Side, state: MqttState): string {
  const type = frame[0] >> 4;
  const flags = frame[0] & 0x0f;
  const r = new Reader(frame, `MQTT ${TYPES[type] || 'reserved type 0'} from the ${from}`, 1);
  if (type === 0) r.fail('reserved packet type 0');
  if (varint(r) !== frame.length - r.offset) r.fail('remaining length differs from the frame');
  if (from === 'server' && FROM_CLIENT_ONLY.has(type)) r.fail('a client packet sent by the server');
  if (from === 'client' && FROM_SERVER_ONLY.has(type)) r.fail('a server packet sent by the client');
  const v5 = state.level === 5;
  const expectFlags = type === 6 || type === 8 || type === 10 ? 2 : 0;
  if (type !== 3 && flags !== expectFlags) r.fail(`flags ${flags}, expected ${expectFlags}`);
  let name = TYPES[type];
  switch (type) {
    case 1: {
      if (utf8(r) !== 'MQTT') r.fail('protocol name is not MQTT');
      state.level = r.u8();
      if (state.level !== 4 && state.level !== 5) r.fail(`protocol level ${state.level}`);
      const connectFlags = r.u8();
      if (connectFlags & 1) r.fail('reserved connect flag set');
      r.u16(); // keep alive
      if (state.level === 5) properties(r);
      utf8(r); // client id
      if (connectFlags & 0x04) {
        if (state.level === 5) properties(r);
        utf8(r);
        r.skip(r.u16());
      }
      if (connectFlags & 0x80) utf8(r);
      if (connectFlags & 0x40) r.skip(r.u16());
      name += state.level === 5 ? ' v5' : ' v3.1.1';
      break;
    }
    case 2:
      if (r.u8() & 0xfe) r.fail('reserved CONNACK flags set');
      r.u8(); // return code / reason code
      if (v5) properties(r);
      break;
    case 3: {
      const qos = (flags >> 1) & 3;
      if (qos === 3) r.fail('QoS 3');
      const topic = utf8(r);
      if (/[#+]/.test(topic)) r.fail(`wildcard in a PUBLISH topic: ${topic}`);
      if (qos > 0 && r.u16() === 0) r.fail('packet identifier 0');
      if (v5) properties(r);
      r.skip(r.left); // the payload
      name += ` QoS ${qos}`;
      break;
    }
    case 4:
    case 5:
    case 6:
    case 7:
    case 11:
      if (r.u16() === 0) r.fail('packet identifier 0');
      if (v5 && r.left > 0) {
        if (type !== 11) r.u8(); // reason code
        if (r.left > 0) properties(r);
        if (type === 11) r.skip(r.left); // reason codes
      }
      break;
    case 8:
    case 10:
      if (r.u16() === 0) r.fail('packet identifier 0');
      if (v5) properties(r);
      if (r.left === 0) r.fail('no topic filter');
      while (r.left > 0) {
        utf8(r);
        if (type === 8) r.u8(); // subscription options
      }
      break;
    case 9:
      if (r.u16() === 0) r.fail('packet identifier 0');
      if (v5) properties(r);
      if (r.left === 0) r.fail('no return code');
      r.skip(r.left);
      break;
    case 12:
    case 13:
      break;
    case 14:
      if (v5 && r.left > 0) {
        r.u8();
        if (r.left > 0) properties(r);
      }
      break;
    case 15:
      if (!v5) r.fail('AUTH before MQTT 5');
      if (r.left > 0) {
        r.u8();
        properties(r);
      }
      break;
  }
  r.end();
  return name;
}

const mqtt: Protocol<MqttState> = {
  name: 'MQTT',
  state: () => ({ level: 0 }),
  clientDecoder: () => new LengthFieldDecoder(mqttFraming),
  serverDecoder: () => new LengthFieldDecoder(mqttFraming),
  check: (frame, from, conn) => check(frame, from, conn.state),
};

const LINES = 200;
const BIG = 200_000;

describe('MQTT: mosquitto_sub and mosquitto_pub through a framecodec relay to mosquitto', () => {
  test.skipIf(skipUnless(notInstalled))(
    'QoS 0/1/2, MQTT 3.1.1 and 5, a 200 kB payload, 200 messages on one connection, a retained message: delivered, checked frame by frame, every byte accounted for',
    async () => {
      const dir = tempDir('mqtt');
      let broker: Server | undefined;
      let sub: Server | undefined;
      let relay: Relay | undefined;
      try {
        const port = await freePort();
        const conf = path.join(dir, 'mosquitto.conf');
        writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
        broker = startServer(which('mosquitto')!, ['-c', conf], { cwd: dir });
        await broker.waitForPort(port, 10_000);

        relay = await startRelay(mqtt, port);
        const started = performance.now();
        const target = ['-h', '127.0.0.1', '-p', String(relay.port)];
        const total = 4 + LINES;
        sub = startServer(
          which('mosquitto_sub')!,
          [...target, '-V', '5', '-q', '2', '-t', 'interop/#', '-C', String(total), '-v', '-i', 'interop-sub'],
          { cwd: dir, keepOutput: 4 << 20 },
        );
        // Subscribed once the broker's SUBACK has crossed the relay.
        const deadline = Date.now() + 10_000;
        while (!relay.sessions.some((s) => s.down.types.SUBACK)) {
          if (Date.now() > deadline) throw new Error(`no SUBACK within 10 s; mosquitto_sub: ${sub.output()}`);
          await new Promise((r) => setTimeout(r, 20));
        }

        const bigFile = path.join(dir, 'big.txt');
        const big = 'B'.repeat(BIG);
        writeFileSync(bigFile, big);
        const lines = Array.from({ length: LINES }, (_, i) => `line ${i} ${'l'.repeat(i)}`);
        const pub = which('mosquitto_pub')!;
        const pubs: [string[], string?][] = [
          [['-V', '311', '-q', '0', '-t', 'interop/a', '-m', 'hello qos0']],
          [['-V', '5', '-q', '1', '-t', 'interop/b', '-m', 'hello qos1', '-D', 'publish', 'user-property', 'k', 'v']],
          [['-V', '5', '-q', '2', '-t', 'interop/big', '-f', bigFile]],
          [['-V', '311', '-q', '1', '-t', 'interop/lines', '-l'], `${lines.join('\n')}\n`],
          [['-V', '5', '-q', '2', '-r', '-t', 'interop/retained', '-m', 'kept']],
        ];
        for (const [args, input] of pubs) {
          const result = await run(pub, [...target, ...args], { input, timeoutMs: 15_000 });
          expect(result.code, `mosquitto_pub ${args.join(' ')}: ${result.stderr}`).toBe(0);
        }
        const exit = await sub.waitForExit(15_000);
        const sessions = await relay.close();
        const ms = performance.now() - started;

        console.log(describeTotals('MQTT', sessions, relay.seed, ms));
        assertAccounted(sessions, 'MQTT', relay.seed);
        expect(exit.code, sub.output()).toBe(0);
        const received = sub.output().split('\n').filter(Boolean);
        expect(received).toHaveLength(total);
        expect(received).toContain('interop/a hello qos0');
        expect(received).toContain('interop/b hello qos1');
        expect(received).toContain(`interop/big ${big}`);
        expect(received).toContain('interop/retained kept');
        expect(received.filter((l) => l.startsWith('interop/lines '))).toEqual(lines.map((l) => `interop/lines ${l}`));

        expect(sessions).toHaveLength(1 + pubs.length);
        const { up, down } = {
          up: (t: string) => sessions.reduce((n, s) => n + (s.up.types[t] ?? 0), 0),
          down: (t: string) => sessions.reduce((n, s) => n + (s.down.types[t] ?? 0), 0),
        };
        expect(up('CONNECT v5') + up('CONNECT v3.1.1')).toBe(sessions.length);
        expect(up('PUBLISH QoS 1')).toBe(1 + LINES);
        expect(up('PUBLISH QoS 2')).toBe(2);
        expect(down('PUBLISH QoS 2')).toBe(2); // to the subscriber
        for (const t of ['PUBREC', 'PUBCOMP', 'PUBACK', 'CONNACK', 'SUBACK']) expect(down(t), t).toBeGreaterThan(0);
        expect(up('PUBREL')).toBeGreaterThan(0);
      } finally {
        await sub?.stop();
        await relay?.close();
        await broker?.stop();
        removeDir(dir);
      }
    },
    60_000,
  );
});
