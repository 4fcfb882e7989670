// socketStates(): the /proc parser on fixture text, then the live numbers for a
// loopback server, and the error on other platforms.
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, test } from 'vitest';
import { FramingError, InvalidOptionError } from '../../src/index.js';
import { parseSocketStates, socketStates } from '../../src/node/index.js';
import { HOST, pair, pollUntil } from './_tcp.js';

// /proc/net/tcp as Linux prints it (trailing columns shortened). Ports: 1F90 = 8080,
// D431 = 54321, 0016 = 22, C350 = 50000.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1001 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 04 0002A000:00000000 01:00000014 00000000  1000        0 0 3 0000000000000000 20 4 0 10 -1
   3: 0100007F:D431 0100007F:1F90 01 00000000:00100000 00:00000000 00000000  1000        0 1004 1 0000000000000000 20 4 30 10 -1
   4: 0100007F:C350 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   5: 0A00020F:0016 0A000201:C350 01 00000000:00000000 02:000AF8B5 00000000     0        0 1006 1 0000000000000000 20 4 31 10 -1
   6: 0100007F:1F90 0100007F:E000 0C 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:9C40 08 00000000:00000000 00:00000000 00000000  1000        0 2002 1 0000000000000000 20 4 0 10 -1
   2: 00000000000000000000000001000000:9C40 00000000000000000000000001000000:1F90 05 00000000:00000000 00:00000000 00000000  1000        0 0 1 0000000000000000 20 4 0 10 -1
`;

const SOCKSTAT = `sockets: used 213
TCP: inuse 9 orphan 2 tw 1 alloc 12 mem 5
UDP: inuse 3 mem 2
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
`;

const zero = {
  ESTABLISHED: 0,
  SYN_SENT: 0,
  SYN_RECV: 0,
  FIN_WAIT1: 0,
  FIN_WAIT2: 0,
  TIME_WAIT: 0,
  CLOSE: 0,
  CLOSE_WAIT: 0,
  LAST_ACK: 0,
  LISTEN: 0,
  CLOSING: 0,
};

describe('parseSocketStates', () => {
  test('counts every socket line of tcp and tcp6 by state; skips the headers and unknown codes (0C)', () => {
    expect(parseSocketStates({ tcp: TCP, tcp6: TCP6, sockstat: SOCKSTAT, maxOrphans: '65536\n' })).toEqual({
      ...zero,
      LISTEN: 3,
      ESTABLISHED: 2,
      FIN_WAIT1: 1,
      TIME_WAIT: 1,
      CLOSE_WAIT: 1,
      FIN_WAIT2: 1,
      orphans: 2,
      maxOrphans: 65536,
    });
  });

  test('a port matches the local or the remote port; orphans stay host-wide', () => {
    expect(
      parseSocketStates({ tcp: TCP, tcp6: TCP6, sockstat: SOCKSTAT, maxOrphans: '65536' }, { port: 8080 }),
    ).toEqual({
      ...zero,
      LISTEN: 2,
      FIN_WAIT1: 1,
      ESTABLISHED: 1,
      TIME_WAIT: 1,
      CLOSE_WAIT: 1,
      FIN_WAIT2: 1,
      orphans: 2,
      maxOrphans: 65536,
    });
    expect(parseSocketStates({ tcp: TCP }, { port: 22 })).toEqual({
      ...zero,
      LISTEN: 1,
      ESTABLISHED: 1,
      orphans: 0,
      maxOrphans: 0,
    });
    expect(parseSocketStates({ tcp: TCP }, { port: 50000 })).toEqual({
      ...zero,
      TIME_WAIT: 1,
      ESTABLISHED: 1,
      orphans: 0,
      maxOrphans: 0,
    });
    expect(parseSocketStates({ tcp: TCP }, { port: 1 })).toEqual({ ...zero, orphans: 0, maxOrphans: 0 });
  });

  test('every key is present on empty input', () => {
    expect(parseSocketStates({ tcp: '' })).toEqual({ ...zero, orphans: 0, maxOrphans: 0 });
  });

  test('an invalid port is an InvalidOptionError naming it', () => {
    for (const port of [0, 65536, 1.5, '80']) {
      expect(() => parseSocketStates({ tcp: TCP }, { port: port as number })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', option: 'port' }),
      );
      expect(() => socketStates({ port: port as number })).toThrow(InvalidOptionError);
    }
  });
});

describe.runIf(process.platform === 'linux')('socketStates on this host', () => {
  test('sees a listening server, then both ends of a connection', async () => {
    const server = net.createServer();
    server.listen(0, HOST);
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(socketStates({ port })).toMatchObject({ LISTEN: 1, ESTABLISHED: 0 });
      const p = await pair();
      try {
        const both = await pollUntil(() => socketStates({ port: p.port }).ESTABLISHED === 2, 5000);
        expect(both).toBe(true);
        const all = socketStates();
        expect(all.ESTABLISHED).toBeGreaterThanOrEqual(2);
        expect(all.maxOrphans).toBeGreaterThan(0);
        expect(Object.keys(all).sort()).toEqual([...Object.keys(zero), 'orphans', 'maxOrphans'].sort());
      } finally {
        await p.dispose();
      }
    } finally {
      server.close();
    }
  });
});

test('other platforms: FramingError ERR_UNSUPPORTED_PLATFORM', () => {
  const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { ...real, value: 'darwin' });
  try {
    expect(() => socketStates()).toThrow(FramingError);
    expect(() => socketStates()).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_PLATFORM' }));
  } finally {
    Object.defineProperty(process, 'platform', real);
  }
});
