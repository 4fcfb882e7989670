// PostgreSQL through a framecodec relay: a real postgres server (its own initdb in a
// temp folder, 127.0.0.1, a free port) and a real psql session through framed().
//
// Framing changes mid-stream, in both directions:
//   client: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest are untyped
//           (int32 length counting itself, then an int32 code); after the
//           StartupMessage every message is typed (type byte, then that length).
//   server: typed from the start, except the single byte 'S' or 'N' that answers
//           an SSLRequest or a GSSENCRequest.
import { readdirSync, writeFileSync, chownSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { FixedLengthDecoder, type FrameDecoder, LengthFieldDecoder, presets } from '../../src/index.js';
import { assertAccounted, describeTotals, type Protocol, type Relay, type RelayConn, startRelay } from './_relay.js';
import {
  missing,
  removeDir,
  run,
  type Server,
  skipUnless,
  startServer,
  tempDir,
  unprivileged,
  which,
  freePort,
} from './_procs.js';
import { Reader } from './_wire.js';

/** The newest server found: Debian's /usr/lib/postgresql/N/bin, else initdb on PATH. */
function findPostgres(): string | null {
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = `/usr/lib/postgresql/${v}/bin`;
      if (which(`${bin}/initdb`) && which(`${bin}/postgres`)) return bin;
    }
  } catch {
    // Not Debian's layout.
  }
  const initdb = which('initdb');
  return initdb && which('postgres') ? path.dirname(initdb) : null;
}

const bin = findPostgres();
const psql = (bin && which(`${bin}/psql`)) || which('psql');
const notInstalled =
  bin === null
    ? 'not installed: postgres, initdb (Debian: apt-get install postgresql)'
    : missing([psql ?? 'psql'], 'postgresql-client');

// --- framing ---------------------------------------------------------------------

/** StartupMessage, SSLRequest, GSSENCRequest, CancelRequest: int32 length counting itself, nothing stripped. */
const startupFraming = { ...presets.postgresStartup, maxFrameLength: 10_000 };
/** Every later message: a type byte, then an int32 length counting itself (not the type), nothing stripped. */
const typedFraming = presets.postgres;

const PROTOCOL_3_0 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

interface PgState {
  /** The client's StartupMessage has crossed: its side is typed from then on. */
  started: boolean;
  /** SSLRequest/GSSENCRequest forwarded whose one-byte answer has not come yet. */
  answersDue: number;
  /** What the client's next 'p' message is, from the server's last authentication request. */
  password: 'password' | 'sasl-initial' | 'sasl' | null;
}

const clientNames: Record<string, string> = {
  Q: 'Query',
  X: 'Terminate',
  P: 'Parse',
  B: 'Bind',
  D: 'Describe',
  E: 'Execute',
  S: 'Sync',
  H: 'Flush',
  C: 'Close',
  d: 'CopyData',
  c: 'CopyDone',
  f: 'CopyFail',
};

const serverNames: Record<string, string> = {
  S: 'ParameterStatus',
  K: 'BackendKeyData',
  Z: 'ReadyForQuery',
  T: 'RowDescription',
  D: 'DataRow',
  C: 'CommandComplete',
  E: 'ErrorResponse',
  N: 'NoticeResponse',
  A: 'NotificationResponse',
  G: 'CopyInResponse',
  H: 'CopyOutResponse',
  W: 'CopyBothResponse',
  d: 'CopyData',
  c: 'CopyDone',
  '1': 'ParseComplete',
  '2': 'BindComplete',
  '3': 'CloseComplete',
  n: 'NoData',
  I: 'EmptyQueryResponse',
  s: 'PortalSuspended',
  t: 'ParameterDescription',
  v: 'NegotiateProtocolVersion',
  V: 'FunctionCallResponse',
};

const authNames: Record<number, string> = {
  0: 'AuthenticationOk',
  3: 'AuthenticationCleartextPassword',
  5: 'AuthenticationMD5Password',
  10: 'AuthenticationSASL',
  11: 'AuthenticationSASLContinue',
  12: 'AuthenticationSASLFinal',
};

/** An untyped message: the length must be the frame's, the code one of the four. */
function checkUntyped(frame: Uint8Array, conn: RelayConn<PgState>): string {
  const state = conn.state;
  const r = new Reader(frame, 'PostgreSQL startup message');
  if (r.u32() !== frame.length) r.fail('length field differs from the frame length');
  const code = r.u32();
  switch (code) {
    case PROTOCOL_3_0: {
      let user = false;
      for (;;) {
        const key = r.cstring();
        if (key === '') break;
        const value = r.cstring();
        if (key === 'user' && value !== '') user = true;
      }
      r.end();
      if (!user) r.fail('StartupMessage without a user');
      // Every later message of the client is typed: switch right after this frame.
      state.started = true;
      conn.client.decoder = new LengthFieldDecoder(typedFraming);
      return 'StartupMessage';
    }
    case SSL_REQUEST:
    case GSSENC_REQUEST:
      r.end();
      // The server answers with one unframed byte. It has said nothing before this
      // request reaches it (the relay forwards it after this check), so its side
      // switches now, from its first byte.
      state.answersDue++;
      conn.server.decoder = new FixedLengthDecoder({ frameLength: 1 });
      return code === SSL_REQUEST ? 'SSLRequest' : 'GSSENCRequest';
    case CANCEL_REQUEST:
      r.skip(8);
      r.end();
      return 'CancelRequest';
    default:
      return r.fail(`unknown startup code ${code}`);
  }
}

function typedReader(frame: Uint8Array, from: string): Reader {
  const r = new Reader(frame, `PostgreSQL ${from} message '${String.fromCharCode(frame[0])}'`, 1);
  if (r.u32() !== frame.length - 1) r.fail('length field differs from the frame length');
  return r;
}

function checkClientTyped(frame: Uint8Array, state: PgState): string {
  const type = String.fromCharCode(frame[0]);
  const r = typedReader(frame, 'client');
  switch (type) {
    case 'Q':
    case 'f':
      r.cstring();
      break;
    case 'X':
    case 'S':
    case 'H':
    case 'c':
      break;
    case 'P': {
      r.cstring();
      r.cstring();
      for (let n = r.i16(); n > 0; n--) r.u32();
      break;
    }
    case 'B': {
      r.cstring();
      r.cstring();
      for (let n = r.i16(); n > 0; n--) r.i16();
      for (let n = r.i16(); n > 0; n--) {
        const len = r.i32();
        if (len >= 0) r.skip(len);
      }
      for (let n = r.i16(); n > 0; n--) r.i16();
      break;
    }
    case 'D':
    case 'C': {
      const what = String.fromCharCode(r.u8());
      if (what !== 'S' && what !== 'P') r.fail(`target '${what}' is neither S nor P`);
      r.cstring();
      break;
    }
    case 'E':
      r.cstring();
      r.i32();
      break;
    case 'd':
      r.skip(r.left);
      break;
    case 'p': {
      const kind = state.password;
      if (kind === 'sasl-initial') {
        r.cstring(); // mechanism
        const len = r.i32();
        if (len >= 0) r.skip(len);
        state.password = 'sasl';
        r.end();
        return 'SASLInitialResponse';
      }
      if (kind === 'sasl') {
        r.skip(r.left);
        return 'SASLResponse';
      }
      if (kind === 'password') {
        r.cstring();
        r.end();
        return 'PasswordMessage';
      }
      return r.fail('password message the server did not ask for');
    }
    default:
      return r.fail('unknown frontend message type');
  }
  r.end();
  return clientNames[type];
}

function checkServer(frame: Uint8Array, conn: RelayConn<PgState>): string {
  const state = conn.state;
  if (state.answersDue > 0) {
    state.answersDue--;
    // Typed messages again after the answer (a StartupMessage or another request follows).
    conn.server.decoder = new LengthFieldDecoder(typedFraming);
    if (frame.length !== 1 || (frame[0] !== 0x4e && frame[0] !== 0x53)) {
      throw new Error(`expected the one-byte answer 'N' or 'S' to an SSLRequest, got ${frame.length} bytes`);
    }
    if (frame[0] === 0x53) throw new Error("the server accepted SSL ('S'): this test's server has ssl off");
    return "'N' (no SSL)";
  }
  const type = String.fromCharCode(frame[0]);
  const r = typedReader(frame, 'server');
  switch (type) {
    case 'R': {
      const code = r.i32();
      if (code === 5) r.skip(4);
      else if (code === 10) {
        let mechanisms = 0;
        while (r.cstring() !== '') mechanisms++;
        if (mechanisms === 0) r.fail('AuthenticationSASL without a mechanism');
        state.password = 'sasl-initial';
      } else if (code === 11 || code === 12) r.skip(r.left);
      else if (code === 3) state.password = 'password';
      else if (code !== 0) r.fail(`unknown authentication request ${code}`);
      if (code === 5) state.password = 'password';
      r.end();
      return authNames[code];
    }
    case 'S':
      r.cstring();
      r.cstring();
      break;
    case 'K':
      r.skip(8);
      break;
    case 'Z': {
      const status = String.fromCharCode(r.u8());
      if (!'ITE'.includes(status)) r.fail(`transaction status '${status}'`);
      break;
    }
    case 'T':
      for (let n = r.i16(); n > 0; n--) {
        r.cstring();
        r.skip(18);
      }
      break;
    case 'D':
      for (let n = r.i16(); n > 0; n--) {
        const len = r.i32();
        if (len >= 0) r.skip(len);
        else if (len !== -1) r.fail(`column length ${len}`);
      }
      break;
    case 'C':
      r.cstring();
      break;
    case 'E':
    case 'N': {
      const fields = new Set<string>();
      for (let code = r.u8(); code !== 0; code = r.u8()) {
        fields.add(String.fromCharCode(code));
        r.cstring();
      }
      for (const f of 'SCM') if (!fields.has(f)) r.fail(`no '${f}' field`);
      break;
    }
    case 'A':
      r.i32();
      r.cstring();
      r.cstring();
      break;
    case 'G':
    case 'H':
    case 'W':
      r.u8();
      for (let n = r.i16(); n > 0; n--) r.i16();
      break;
    case 'd':
      r.skip(r.left);
      break;
    case 'c':
    case '1':
    case '2':
    case '3':
    case 'n':
    case 'I':
    case 's':
      break;
    case 't':
      for (let n = r.i16(); n > 0; n--) r.u32();
      break;
    case 'v':
      r.i32();
      for (let n = r.i32(); n > 0; n--) r.cstring();
      break;
    case 'V': {
      const len = r.i32();
      if (len >= 0) r.skip(len);
      break;
    }
    default:
      return r.fail('unknown backend message type');
  }
  r.end();
  return serverNames[type];
}

const postgres: Protocol<PgState> = {
  name: 'PostgreSQL',
  state: () => ({ started: false, answersDue: 0, password: null }),
  // Untyped until the StartupMessage (checkUntyped switches the client's side).
  clientDecoder: (): FrameDecoder => new LengthFieldDecoder(startupFraming),
  serverDecoder: (): FrameDecoder => new LengthFieldDecoder(typedFraming),
  check(frame, from, conn) {
    if (from === 'server') return checkServer(frame, conn);
    return conn.state.started ? checkClientTyped(frame, conn.state) : checkUntyped(frame, conn);
  },
};

// --- the session -----------------------------------------------------------------

const ROWS = 3000;
const COPY_IN_ROWS = 2000;
const BIG = 300_000;

/** md5 hex is 32 characters: body of row g is that repeated 1 + g % 40 times. */
const expectedBodyLength = (() => {
  let sum = 0;
  for (let g = 1; g <= ROWS; g++) sum += 32 * (1 + (g % 40));
  return sum;
})();

const copyInLines = Array.from({ length: COPY_IN_ROWS }, (_, i) => `${i}\tline ${i} ${'y'.repeat(i % 97)}`);

const script = `
SELECT 'startup ok';
CREATE TEMP TABLE t (id int PRIMARY KEY, body text);
INSERT INTO t SELECT g, repeat(md5(g::text), 1 + g % 40) FROM generate_series(1, ${ROWS}) g;
SELECT count(*), sum(length(body)) FROM t;
SELECT id, length(body) FROM t WHERE id % 500 = 0 ORDER BY id;
SELECT length(repeat('x', ${BIG})), repeat('x', ${BIG}) AS big;
COPY t TO STDOUT;
CREATE TEMP TABLE u (a int, b text);
COPY u FROM STDIN;
${copyInLines.join('\n')}
\\.
SELECT 'copied', count(*), sum(length(b)) FROM u;
DO $$ BEGIN RAISE NOTICE 'notice through the relay'; END $$;
LISTEN interop;
NOTIFY interop, 'hello through the relay';
SELECT 42 AS answer, 'text'::text AS label \\gdesc
\\set ON_ERROR_STOP 0
SELECT 1/0;
\\set ON_ERROR_STOP 1
SELECT 'done';
`;

describe('PostgreSQL: psql through a framecodec relay', () => {
  test.skipIf(skipUnless(notInstalled))(
    'a psql session (SCRAM login, queries, a 300 kB row, COPY both ways, notice, notification, \\gdesc, an error) relays frame by frame, every byte accounted for',
    async () => {
      const account = unprivileged(['postgres', 'nobody']); // initdb and postgres refuse root
      const dir = tempDir('pg', account);
      let server: Server | undefined;
      let relay: Relay | undefined;
      try {
        const pwfile = path.join(dir, 'pw');
        writeFileSync(pwfile, 'relay-secret\n');
        if (account) chownSync(pwfile, account.uid, account.gid);
        const data = path.join(dir, 'data');
        const init = await run(
          `${bin}/initdb`,
          ['-D', data, '-U', 'relay', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-N', '-E', 'UTF8', '--locale=C'],
          { as: account, cwd: dir, timeoutMs: 60_000 },
        );
        expect(init.code, init.stderr).toBe(0);

        const port = await freePort();
        server = startServer(
          `${bin}/postgres`,
          ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
          { as: account, cwd: dir },
        );
        await server.waitForOutput(/database system is ready to accept connections/, 30_000);

        relay = await startRelay(postgres, port);
        const started = performance.now();
        const env = {
          ...process.env,
          PGPASSWORD: 'relay-secret',
          PGSSLMODE: 'prefer', // asks for SSL first: the server's one-byte 'N' crosses the relay
          PGGSSENCMODE: 'disable',
          PGCONNECT_TIMEOUT: '10',
        };
        const args = ['-X', '-h', '127.0.0.1', '-p', String(relay.port), '-U', 'relay', '-d', 'postgres', '-At'];
        const session = await run(psql!, [...args, '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
          env,
          input: script,
          timeoutMs: 30_000,
        });
        // A second connection that starts with the StartupMessage (no SSLRequest).
        const plain = await run(psql!, [...args, '-c', 'SELECT 6 * 7'], {
          env: { ...env, PGSSLMODE: 'disable' },
          timeoutMs: 15_000,
        });
        const sessions = await relay.close();
        const ms = performance.now() - started;

        console.log(describeTotals('PostgreSQL', sessions, relay.seed, ms));
        assertAccounted(sessions, 'PostgreSQL', relay.seed);
        expect(session.code, session.stderr).toBe(0);
        const out = session.stdout.toString();
        const lines = out.split('\n');
        expect(lines).toContain('startup ok');
        expect(lines).toContain(`${ROWS}|${expectedBodyLength}`);
        expect(lines).toContain(`${BIG}|${'x'.repeat(BIG)}`);
        expect(lines.filter((l) => /^\d+\t[0-9a-f]+$/.test(l))).toHaveLength(ROWS); // COPY TO STDOUT
        const copiedBytes = copyInLines.reduce((n, l) => n + l.length - l.indexOf('\t') - 1, 0);
        expect(lines).toContain(`copied|${COPY_IN_ROWS}|${copiedBytes}`);
        expect(out).toMatch(/Asynchronous notification "interop" with payload "hello through the relay" received/);
        expect(lines).toContain('answer|integer');
        expect(lines[lines.length - 2]).toBe('done');
        expect(session.stderr).toContain('NOTICE:  notice through the relay');
        expect(session.stderr).toContain('ERROR:  division by zero');
        expect(plain.code, plain.stderr).toBe(0);
        expect(plain.stdout.toString()).toBe('42\n');

        const [first, second] = sessions;
        for (const name of ['SSLRequest', 'StartupMessage', 'SASLInitialResponse', 'SASLResponse', 'CopyData']) {
          expect(first.up.types[name], name).toBeGreaterThan(0);
        }
        for (const name of [
          "'N' (no SSL)",
          'AuthenticationSASL',
          'AuthenticationSASLFinal',
          'DataRow',
          'CopyOutResponse',
          'CopyInResponse',
          'NoticeResponse',
          'NotificationResponse',
          'ErrorResponse',
          'ParseComplete',
        ]) {
          expect(first.down.types[name], name).toBeGreaterThan(0);
        }
        expect(second.up.types.SSLRequest).toBeUndefined();
        expect(second.up.types.StartupMessage).toBe(1);
      } finally {
        await relay?.close();
        await server?.stop('SIGINT'); // fast shutdown
        removeDir(dir);
      }
    },
    90_000,
  );
});
