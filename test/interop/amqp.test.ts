// AMQP 0-9-1 through a framecodec relay: a real RabbitMQ node (127.0.0.1, free
// ports, its own data folder and Erlang port mapper) and the real amqp-tools
// clients (librabbitmq): declare a queue, publish three messages (one of 300 kB,
// beyond the negotiated frame_max, so its body spans several frames), consume two,
// get the third, delete the queue.
//
// Framing changes once, on the client's side: the 8-byte protocol header
// "AMQP\0\0\x09\x01", then frames (type, channel, a 4-byte size, the payload and
// the frame-end octet 0xCE: offset 3, adjustment +1, nothing stripped). The
// server sends frames from the start.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { FixedLengthDecoder, LengthFieldDecoder, presets } from '../../src/index.js';
import {
  assertAccounted,
  describeTotals,
  type Protocol,
  type Relay,
  type RelayConn,
  type Side,
  startRelay,
} from './_relay.js';
import { freePorts, missing, removeDir, run, type Server, skipUnless, startServer, tempDir, which } from './_procs.js';
import { Reader } from './_wire.js';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const notInstalled = missing(
  [RABBITMQ_SERVER, 'epmd', 'amqp-publish', 'amqp-consume', 'amqp-get', 'amqp-declare-queue', 'amqp-delete-queue'],
  'rabbitmq-server amqp-tools',
);

const PROTOCOL_HEADER = 'AMQP\x00\x00\x09\x01';

const METHODS: Record<number, [string, Record<number, string>]> = {
  10: [
    'connection',
    {
      10: 'start',
      11: 'start-ok',
      20: 'secure',
      21: 'secure-ok',
      30: 'tune',
      31: 'tune-ok',
      40: 'open',
      41: 'open-ok',
    },
  ],
  20: ['channel', { 10: 'open', 11: 'open-ok', 20: 'flow', 21: 'flow-ok', 40: 'close', 41: 'close-ok' }],
  40: ['exchange', { 10: 'declare', 11: 'declare-ok', 20: 'delete', 21: 'delete-ok' }],
  50: [
    'queue',
    {
      10: 'declare',
      11: 'declare-ok',
      20: 'bind',
      21: 'bind-ok',
      30: 'purge',
      31: 'purge-ok',
      40: 'delete',
      41: 'delete-ok',
    },
  ],
  60: [
    'basic',
    {
      10: 'qos',
      11: 'qos-ok',
      20: 'consume',
      21: 'consume-ok',
      30: 'cancel',
      31: 'cancel-ok',
      40: 'publish',
      50: 'return',
      60: 'deliver',
      70: 'get',
      71: 'get-ok',
      72: 'get-empty',
      80: 'ack',
      90: 'reject',
      120: 'nack',
    },
  ],
};
// connection.close and close-ok share ids 50/51 with nothing else in class 10.
METHODS[10][1][50] = 'close';
METHODS[10][1][51] = 'close-ok';

/** Methods followed by content (a header frame, then body frames) on their channel. */
const WITH_CONTENT = new Set(['basic.publish', 'basic.return', 'basic.deliver', 'basic.get-ok']);

interface AmqpState {
  headerSeen: boolean;
  /** connection.close-ok crossed: the closing handshake is complete. */
  closed: boolean;
  /** frame_max from connection.tune-ok (0: not yet negotiated). */
  frameMax: number;
  /** Per channel and direction: content expected after a content method. */
  content: Map<string, { header: boolean; left: bigint }>;
}

function check(frame: Uint8Array, from: Side, conn: RelayConn<AmqpState>): string {
  const state = conn.state;
  if (from === 'client' && !state.headerSeen) {
    state.headerSeen = true;
    if (String.fromCharCode(...frame) !== PROTOCOL_HEADER) {
      throw new Error(`AMQP: the client's first 8 bytes are not the 0-9-1 protocol header: ${frame}`);
    }
    // Frames from here on: switch right after the header.
    conn.client.decoder = new LengthFieldDecoder(presets.amqp091);
    return 'protocol header';
  }
  const r = new Reader(frame, `AMQP frame from the ${from}`);
  const type = r.u8();
  const channel = r.u16();
  const size = r.u32();
  if (size !== frame.length - 8) r.fail('size differs from the frame');
  if (frame[frame.length - 1] !== 0xce) r.fail('no frame-end octet 0xCE');
  if (state.frameMax > 0 && frame.length > state.frameMax) r.fail(`frame longer than frame_max ${state.frameMax}`);
  const body = new Reader(frame.subarray(7, frame.length - 1), `AMQP frame from the ${from}`);
  const key = `${from} ${channel}`;
  const content = state.content.get(key);
  switch (type) {
    case 1: {
      if (content) body.fail(`method frame while content is due on channel ${channel}`);
      const classId = body.u16();
      const methodId = body.u16();
      const [className, methods] = METHODS[classId] ?? body.fail(`class ${classId}`);
      const name = `${className}.${methods[methodId] ?? body.fail(`method ${classId}.${methodId}`)}`;
      if (classId === 10 && channel !== 0) body.fail('connection method on a channel other than 0');
      if (name === 'connection.start') {
        if (body.u8() !== 0 || body.u8() !== 9) body.fail('connection.start is not for 0-9');
      }
      if (name === 'connection.tune-ok') {
        body.u16(); // channel-max
        state.frameMax = body.u32();
        body.u16(); // heartbeat
        body.end();
      }
      if (WITH_CONTENT.has(name)) state.content.set(key, { header: true, left: 0n });
      if (name === 'connection.close-ok') state.closed = true;
      return name;
    }
    case 2: {
      if (!content?.header) return body.fail(`content header without a content method on channel ${channel}`);
      if (body.u16() !== 60) body.fail('content header of a class other than basic');
      if (body.u16() !== 0) body.fail('weight is not 0');
      const high = body.u32();
      const low = body.u32();
      content.header = false;
      content.left = (BigInt(high) << 32n) | BigInt(low);
      if (content.left === 0n) state.content.delete(key);
      return 'content header';
    }
    case 3:
      if (!content || content.header) return body.fail(`content body without its header on channel ${channel}`);
      content.left -= BigInt(size);
      if (content.left < 0n) body.fail('content body longer than the header said');
      if (content.left === 0n) state.content.delete(key);
      return 'content body';
    case 8:
      if (channel !== 0 || size !== 0) r.fail('heartbeat not on channel 0 or not empty');
      return 'heartbeat';
    default:
      return r.fail(`frame type ${type}`);
  }
}

const amqp: Protocol<AmqpState> = {
  name: 'AMQP 0-9-1',
  state: () => ({ headerSeen: false, closed: false, frameMax: 0, content: new Map() }),
  // The 8-byte protocol header, then frames (check switches the client's side).
  clientDecoder: () => new FixedLengthDecoder({ frameLength: 8 }),
  serverDecoder: () => new LengthFieldDecoder(presets.amqp091),
  check,
  // RabbitMQ closes its sockets with SO_LINGER 0 (its default tcp_listen_options):
  // after connection.close-ok, a reset is its way of closing.
  resetEnds: (from, conn) => from === 'server' && conn.state.closed,
};

const BIG = 300_000;

describe('AMQP 0-9-1: amqp-tools through a framecodec relay to RabbitMQ', () => {
  test.skipIf(skipUnless(notInstalled))(
    'declare, publish three messages (one of 300 kB over several body frames), consume two, get one, delete: all delivered, every frame checked, every byte accounted for',
    async () => {
      const dir = tempDir('amqp');
      let epmd: Server | undefined;
      let rabbit: Server | undefined;
      let relay: Relay | undefined;
      try {
        const [port, distPort, epmdPort] = await freePorts(3);
        writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
        const env = {
          ...process.env,
          HOME: dir, // the Erlang cookie
          ERL_EPMD_PORT: String(epmdPort),
          RABBITMQ_NODENAME: `interop${port}@localhost`,
          RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
          RABBITMQ_NODE_PORT: String(port),
          RABBITMQ_DIST_PORT: String(distPort),
          RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
          RABBITMQ_LOG_BASE: path.join(dir, 'log'),
          RABBITMQ_LOGS: '-',
          RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
          RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq'),
          RABBITMQ_PLUGINS_EXPAND_DIR: path.join(dir, 'plugins-expand'),
          RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
          // Our own port mapper (below), stopped by PID; the VM must not start a daemon.
          RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-start_epmd false',
        };
        epmd = startServer(which('epmd')!, ['-port', String(epmdPort)], { cwd: dir, env });
        await epmd.waitForPort(epmdPort, 10_000);
        rabbit = startServer(RABBITMQ_SERVER, [], { cwd: dir, env });
        await rabbit.waitForOutput(/Server startup complete/, 60_000);
        await rabbit.waitForPort(port, 10_000);

        relay = await startRelay(amqp, port);
        const started = performance.now();
        const url = `--url=amqp://guest:guest@127.0.0.1:${relay.port}`;
        const tool = async (name: string, args: string[], input?: string) => {
          const result = await run(which(name)!, [url, ...args], { input, timeoutMs: 15_000 });
          expect(result.code, `${name} ${args.join(' ')}: ${result.stderr}`).toBe(0);
          return result.stdout.toString();
        };
        const big = 'A'.repeat(BIG);
        expect(await tool('amqp-declare-queue', ['-q', 'interop'])).toBe('interop\n');
        await tool('amqp-publish', ['-r', 'interop', '-b', 'hello amqp\n']);
        await tool('amqp-publish', ['-r', 'interop', '-p', '-C', 'text/plain'], big); // the body from stdin
        await tool('amqp-publish', ['-r', 'interop', '-b', 'last one']);
        const consumed = await tool('amqp-consume', ['-q', 'interop', '--count=2', 'cat']);
        const got = await tool('amqp-get', ['-q', 'interop']);
        await tool('amqp-delete-queue', ['-q', 'interop']);
        const sessions = await relay.close();
        const ms = performance.now() - started;

        console.log(describeTotals('AMQP 0-9-1', sessions, relay.seed, ms));
        assertAccounted(sessions, 'AMQP 0-9-1', relay.seed);
        expect(consumed === `hello amqp\n${big}`, 'consumed the first two messages, whole').toBe(true);
        expect(got).toBe('last one');
        expect(sessions).toHaveLength(7);
        const count = (dir: 'up' | 'down', t: string) => sessions.reduce((n, s) => n + (s[dir].types[t] ?? 0), 0);
        expect(count('up', 'protocol header')).toBe(7);
        expect(count('up', 'basic.publish')).toBe(3);
        expect(count('down', 'basic.deliver')).toBeGreaterThanOrEqual(2); // a third may come before the cancel
        expect(count('down', 'basic.get-ok')).toBe(1);
        // 300 kB over frame_max (128 kB): three body frames or more, each way.
        expect(count('up', 'content body')).toBeGreaterThanOrEqual(2 + 3);
        expect(count('down', 'content body')).toBeGreaterThanOrEqual(2 + 3);
      } finally {
        await relay?.close();
        await rabbit?.stop('SIGTERM', 15_000);
        await epmd?.stop();
        removeDir(dir);
      }
    },
    90_000,
  );
});
