// TLS records through a framecodec relay: a real openssl s_server (127.0.0.1, a free
// port, a self-signed certificate made in a temp folder, serving a 400 kB file with
// -WWW) and the real openssl s_client, in TLS 1.3 and in TLS 1.2.
//
// Framing: content type, legacy version, then a 2-byte length (offset 3), nothing
// stripped. The relay cannot read what is encrypted; it parses the plaintext
// handshake (ClientHello, ServerHello, and in 1.2 Certificate ... ServerHelloDone,
// ClientKeyExchange), and checks every record's type, version and length.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LengthFieldDecoder, presets } from '../../src/index.js';
import { assertAccounted, describeTotals, type Protocol, type Relay, type Side, startRelay } from './_relay.js';
import { freePort, missing, removeDir, run, type Server, skipUnless, startServer, tempDir, which } from './_procs.js';
import { Reader } from './_wire.js';

const notInstalled = missing(['openssl'], 'openssl');

const CONTENT_TYPES: Record<number, string> = {
  20: 'change_cipher_spec',
  21: 'alert',
  22: 'handshake',
  23: 'application_data',
};
const HANDSHAKE_TYPES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
};

interface Direction {
  /** This side's records are encrypted (after its ChangeCipherSpec, or the ServerHello in TLS 1.3). */
  encrypted: boolean;
  /** Plaintext handshake bytes not yet forming a whole message (messages may span records). */
  pending: Uint8Array;
}

interface TlsState {
  client: Direction;
  server: Direction;
  tls13: boolean;
}

function extensions(r: Reader, onExtension: (type: number, data: Reader) => void): void {
  if (r.left === 0) return; // no extensions at all
  const end = r.u16() + r.offset;
  if (end !== r.bytes.length) r.fail('extensions length differs from the message');
  while (r.offset < end) {
    const type = r.u16();
    const data = new Reader(r.bytesOf(r.u16()), `${r.what} extension ${type}`);
    onExtension(type, data);
  }
}

/** One whole plaintext handshake message. */
function handshake(type: number, body: Uint8Array, from: Side, state: TlsState): void {
  const r = new Reader(body, `TLS ${HANDSHAKE_TYPES[type]} from the ${from}`);
  switch (type) {
    case 1: {
      if (from !== 'client') r.fail('sent by the server');
      r.u16(); // legacy_version
      r.skip(32); // random
      const session = r.u8();
      if (session > 32) r.fail(`session id of ${session} bytes`);
      r.skip(session);
      const suites = r.u16();
      if (suites === 0 || suites % 2) r.fail(`cipher suites of ${suites} bytes`);
      r.skip(suites);
      r.skip(r.u8()); // compression methods
      extensions(r, () => undefined);
      break;
    }
    case 2: {
      if (from !== 'server') r.fail('sent by the client');
      r.u16();
      r.skip(32);
      r.skip(r.u8());
      r.u16(); // cipher suite
      r.u8(); // compression
      extensions(r, (ext, data) => {
        if (ext === 43) {
          // supported_versions: the version chosen
          if (data.u16() === 0x0304) state.tls13 = true;
          data.end();
        }
      });
      // TLS 1.3: everything the server sends after its ServerHello is encrypted.
      if (state.tls13) state.server.encrypted = true;
      break;
    }
    case 11: {
      const end = r.u24() + r.offset;
      if (end !== body.length) r.fail('certificate list length differs from the message');
      while (r.offset < end) r.skip(r.u24());
      break;
    }
    case 14:
      break;
    case 12:
    case 16:
    case 4:
    case 13:
      r.skip(r.left);
      break;
    default:
      r.fail(`unexpected plaintext handshake message type ${type}`);
  }
  r.end();
}

function check(frame: Uint8Array, from: Side, state: TlsState): string {
  const dir = state[from];
  const r = new Reader(frame, `TLS record from the ${from}`);
  const type = r.u8();
  const version = r.u16();
  const length = r.u16();
  if (!(type in CONTENT_TYPES)) r.fail(`content type ${type}`);
  if (version < 0x0301 || version > 0x0303) r.fail(`record version ${version.toString(16)}`);
  if (length !== frame.length - 5) r.fail('length field differs from the frame');
  if (length === 0 && type !== 23) r.fail('empty record');
  if (length > (dir.encrypted ? 2 ** 14 + 2048 : 2 ** 14)) r.fail(`record of ${length} bytes`);
  const name = CONTENT_TYPES[type];
  switch (type) {
    case 20:
      if (length !== 1 || r.u8() !== 1) r.fail('ChangeCipherSpec is not the single byte 1');
      dir.encrypted = true;
      return name;
    case 21:
      if (dir.encrypted) return `${name} (encrypted)`;
      if (length !== 2) r.fail('plaintext alert is not 2 bytes');
      if (r.u8() !== 1 && r.bytes[r.offset - 1] !== 2) r.fail('alert level');
      return name;
    case 23:
      if (!dir.encrypted) r.fail('application data before encryption');
      return name;
    default: {
      if (dir.encrypted) return `${name} (encrypted)`;
      // Plaintext handshake: whole messages, possibly across records.
      const bytes = new Uint8Array(dir.pending.length + length);
      bytes.set(dir.pending);
      bytes.set(frame.subarray(5), dir.pending.length);
      const names: string[] = [];
      let at = 0;
      while (bytes.length - at >= 4) {
        const m = new Reader(bytes, `TLS handshake from the ${from}`, at);
        const hsType = m.u8();
        const hsLength = m.u24();
        if (m.left < hsLength) break;
        if (!(hsType in HANDSHAKE_TYPES)) m.fail(`handshake type ${hsType}`);
        handshake(hsType, m.bytesOf(hsLength), from, state);
        names.push(HANDSHAKE_TYPES[hsType]);
        at = m.offset;
      }
      dir.pending = bytes.slice(at);
      return `${name} ${names.join('+') || '(fragment)'}`;
    }
  }
}

const tls: Protocol<TlsState> = {
  name: 'TLS',
  state: () => ({
    client: { encrypted: false, pending: new Uint8Array(0) },
    server: { encrypted: false, pending: new Uint8Array(0) },
    tls13: false,
  }),
  clientDecoder: () => new LengthFieldDecoder(presets.tlsRecord),
  serverDecoder: () => new LengthFieldDecoder(presets.tlsRecord),
  check: (frame, from, conn) => check(frame, from, conn.state),
};

describe('TLS: openssl s_client through a framecodec relay to openssl s_server', () => {
  test.skipIf(skipUnless(notInstalled))(
    'TLS 1.3 and TLS 1.2 handshakes and a 400 kB download: the file arrives whole, every record checked, every byte accounted for',
    async () => {
      const dir = tempDir('tls');
      const openssl = which('openssl')!;
      let server: Server | undefined;
      let relay: Relay | undefined;
      try {
        const cert = await run(
          openssl,
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-subj',
            '/CN=localhost',
            '-days',
            '1',
            '-keyout',
            'key.pem',
            '-out',
            'cert.pem',
          ],
          { cwd: dir, timeoutMs: 15_000 },
        );
        expect(cert.code, cert.stderr).toBe(0);
        const file = randomBytes(300_000)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n');
        writeFileSync(path.join(dir, 'big.txt'), file);

        const port = await freePort();
        server = startServer(
          openssl,
          ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', 'cert.pem', '-key', 'key.pem', '-WWW', '-naccept', '2'],
          { cwd: dir },
        );
        await server.waitForOutput(/ACCEPT/, 10_000);

        relay = await startRelay(tls, port);
        const started = performance.now();
        const results = [];
        for (const version of ['-tls1_3', '-tls1_2']) {
          results.push(
            await run(
              openssl,
              ['s_client', '-connect', `127.0.0.1:${relay.port}`, '-servername', 'localhost', '-quiet', version],
              { cwd: dir, input: 'GET /big.txt HTTP/1.0\r\n\r\n', timeoutMs: 20_000 },
            ),
          );
        }
        const sessions = await relay.close();
        const ms = performance.now() - started;

        console.log(describeTotals('TLS', sessions, relay.seed, ms));
        assertAccounted(sessions, 'TLS', relay.seed);
        const expected = `HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n${readFileSync(path.join(dir, 'big.txt'), 'utf8')}`;
        for (const result of results) {
          expect(result.code, result.stderr).toBe(0);
          expect(result.stdout.toString() === expected, 'the file arrives whole').toBe(true);
        }
        expect(sessions).toHaveLength(2);
        const [v13, v12] = sessions;
        expect(v13.up.types['handshake ClientHello']).toBe(1);
        expect(v13.down.types['handshake ServerHello']).toBe(1);
        expect(v13.down.types['handshake (encrypted)']).toBeUndefined(); // 1.3 hides the rest in application_data
        for (const m of ['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone']) {
          expect(v12.down.types[`handshake ${m}`], m).toBe(1); // openssl sends one message per record
        }
        expect(v12.up.types['handshake ClientKeyExchange']).toBe(1);
        expect(v12.up.types['handshake (encrypted)']).toBe(1); // Finished
        for (const s of sessions) {
          // 400 kB needs records of the full 2^14 bytes and more: at least 25 of them.
          expect(s.down.types.application_data).toBeGreaterThanOrEqual(25);
        }
      } finally {
        await relay?.close();
        await server?.stop();
        removeDir(dir);
      }
    },
    60_000,
  );
});
