/**
 * `socketStates()`: how many TCP sockets of this host (its network namespace) are
 * in each state, read from Linux's `/proc`. These are the numbers an operator
 * watches when connections do not close cleanly: FIN_WAIT1 sockets and orphans
 * piling up after a server closed connections whose peers stopped reading.
 *
 * The counts come from `/proc/net/tcp` and `/proc/net/tcp6`, one line per socket:
 * ```
 *   sl  local_address rem_address   st tx_queue rx_queue ...
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 ...     127.0.0.1:8080, LISTEN
 *    1: 0100007F:1F90 0100007F:D431 04 00000000:00000000 ...     to :54321, FIN_WAIT1
 *       `-- address:port in hex     `-- state code (01..0B)
 * ```
 * `orphans` comes from `/proc/net/sockstat` (`TCP: inuse 5 orphan 2 tw 0 ...`): sockets
 * no process holds any more, that the kernel is still closing. `maxOrphans` is
 * `/proc/sys/net/ipv4/tcp_max_orphans`: past it the kernel resets orphans at once.
 * Both are host-wide, whatever the port filter.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { FramingError } from '../codec/errors.js';
import { integer, objectOption } from '../codec/options.js';

/** TCP state names, indexed by the kernel's state code (include/net/tcp_states.h). */
const STATE_NAMES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
] as const;

export type TcpStateName = Exclude<(typeof STATE_NAMES)[number], ''>;

/** Sockets per TCP state (0 when none), plus the host's orphan figures. */
export type SocketStates = Record<TcpStateName, number> & {
  /** TCP sockets no process holds any more that the kernel is still closing (host-wide). */
  orphans: number;
  /** `net.ipv4.tcp_max_orphans`: beyond this many orphans the kernel resets them (host-wide). */
  maxOrphans: number;
};

/** Which sockets to count. */
export interface SocketStatesFilter {
  /** Count only sockets whose local or remote port is this one. @default every socket */
  port?: number;
}

/** The text of the `/proc` files {@link parseSocketStates} reads. */
export interface ProcNetText {
  /** `/proc/net/tcp`. */
  tcp: string;
  /** `/proc/net/tcp6` (absent when IPv6 is disabled). @default '' */
  tcp6?: string;
  /** `/proc/net/sockstat`. @default '' (orphans: 0) */
  sockstat?: string;
  /** `/proc/sys/net/ipv4/tcp_max_orphans`. @default '' (maxOrphans: 0) */
  maxOrphans?: string;
}

// "  12: 0100007F:1F90 0100007F:D431 04 ..." — slot, local addr:port, remote addr:port, state.
const SOCKET_LINE = /^\s*\d+:\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s/;
const ORPHANS = /^TCP:.*\borphan\s+(\d+)/m;

function emptyStates(): SocketStates {
  return {
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
    orphans: 0,
    maxOrphans: 0,
  };
}

function validPort(filter: SocketStatesFilter | undefined): number {
  const f = objectOption('filter', filter);
  return integer('port', f.port, -1, 1, 65535);
}

/**
 * Counts sockets per state in the text of `/proc/net/tcp{,6}` and reads the orphan
 * figures: the pure part of {@link socketStates}, usable on text captured elsewhere.
 * Lines that are not socket lines (the header) and state codes outside 01..0B are
 * skipped.
 *
 * @example
 * ```ts
 * import { parseSocketStates } from 'framecodec/node';
 * const tcp = [
 *   '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
 *   '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1',
 *   '   1: 0100007F:1F90 0100007F:D431 04 00000000:00000000 00:00000000 00000000  1000        0 0 1',
 * ].join('\n');
 * const states = parseSocketStates(
 *   { tcp, sockstat: 'TCP: inuse 2 orphan 1 tw 0 alloc 2 mem 1\n', maxOrphans: '4096\n' },
 *   { port: 8080 },
 * );
 * console.log([states.LISTEN, states.FIN_WAIT1, states.orphans, states.maxOrphans]); // => [1,1,1,4096]
 * ```
 */
export function parseSocketStates(text: ProcNetText, filter?: SocketStatesFilter): SocketStates {
  const port = validPort(filter);
  const states = emptyStates();
  for (const table of [text.tcp, text.tcp6 ?? '']) {
    for (const line of table.split('\n')) {
      const m = SOCKET_LINE.exec(line);
      if (!m) continue;
      if (port >= 0 && parseInt(m[1], 16) !== port && parseInt(m[2], 16) !== port) continue;
      const name = STATE_NAMES[parseInt(m[3], 16)];
      if (name) states[name]++;
    }
  }
  const orphans = ORPHANS.exec(text.sockstat ?? '');
  if (orphans) states.orphans = Number(orphans[1]);
  const max = parseInt((text.maxOrphans ?? '').trim(), 10);
  if (Number.isFinite(max)) states.maxOrphans = max;
  return states;
}

function read(path: string, required: boolean): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (cause) {
    if (!required) return '';
    throw new FramingError(
      'ERR_UNSUPPORTED_PLATFORM',
      `socketStates() cannot read ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Counts this host's TCP sockets per state (Linux only), optionally only those whose
 * local or remote port is `port`. Every state is present (0 when none). Reads
 * `/proc` synchronously; on other platforms, or without `/proc/net/tcp`, throws
 * `FramingError` with code `ERR_UNSUPPORTED_PLATFORM`.
 *
 * @example
 * ```ts
 * import net, { type AddressInfo } from 'node:net';
 * import { socketStates } from 'framecodec/node';
 * const server = net.createServer();
 * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
 * const s = socketStates({ port: (server.address() as AddressInfo).port });
 * console.log([s.LISTEN, s.ESTABLISHED]); // => [1,0]
 * if (s.FIN_WAIT1 > 100) console.warn(`${s.FIN_WAIT1} sockets in FIN_WAIT1, ${s.orphans}/${s.maxOrphans} orphans`);
 * server.close();
 * ```
 */
export function socketStates(filter?: SocketStatesFilter): SocketStates {
  validPort(filter);
  if (process.platform !== 'linux') {
    throw new FramingError(
      'ERR_UNSUPPORTED_PLATFORM',
      `socketStates() reads Linux's /proc and is not available on ${process.platform}`,
    );
  }
  return parseSocketStates(
    {
      tcp: read('/proc/net/tcp', true),
      tcp6: read('/proc/net/tcp6', false),
      sockstat: read('/proc/net/sockstat', false),
      maxOrphans: read('/proc/sys/net/ipv4/tcp_max_orphans', false),
    },
    filter,
  );
}
