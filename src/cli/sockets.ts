// Private (CLI): `framecodec sockets [--port N] [--json]` — socketStates() as a table.
import { InvalidOptionError } from '../index.js';
import { socketStates, type SocketStates, type TcpStateName } from '../node/index.js';
import { has, integerFlag, parseArgs, usageError } from './args.js';
import { SOCKETS_HELP } from './help.js';

/** What each state means, in the order a connection goes through them. */
const MEANING: [TcpStateName, string][] = [
  ['LISTEN', 'waiting for connections'],
  ['SYN_SENT', 'connecting: SYN sent, no answer yet'],
  ['SYN_RECV', 'a connection request received, handshake not done'],
  ['ESTABLISHED', 'open'],
  ['FIN_WAIT1', 'this side closed; its FIN not yet acknowledged'],
  ['FIN_WAIT2', 'this side closed; waiting for the peer to close'],
  ['CLOSING', 'both sides closed at once; waiting for the ACK'],
  ['TIME_WAIT', 'closed here first; kept 2*MSL so late segments die'],
  ['CLOSE_WAIT', 'the peer closed; this side has not closed yet'],
  ['LAST_ACK', 'the peer closed, then this side; waiting for the ACK'],
  ['CLOSE', 'closed'],
];

export async function socketsCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(
    argv,
    [
      { name: 'port', kind: 'value' },
      { name: 'json', kind: 'switch' },
      { name: 'help', kind: 'switch' },
    ],
    'sockets',
  );
  if (has(args, 'help')) {
    process.stdout.write(SOCKETS_HELP);
    return;
  }
  if (args.positionals.length > 0)
    throw usageError(`framecodec sockets takes no arguments, got ${JSON.stringify(args.positionals[0])}`);
  const port = integerFlag(args, 'port');
  let states: SocketStates;
  try {
    states = socketStates(port === undefined ? undefined : { port });
  } catch (e) {
    if (e instanceof InvalidOptionError && e.option === 'port') throw usageError(`--${e.message}`);
    throw e;
  }
  if (has(args, 'json')) {
    process.stdout.write(`${JSON.stringify(states)}\n`);
    return;
  }
  const lines = [port === undefined ? 'TCP sockets on this host' : `TCP sockets with local or remote port ${port}`, ''];
  lines.push(`  ${'state'.padEnd(12)}${'count'.padStart(7)}  meaning`);
  for (const [name, meaning] of MEANING)
    lines.push(`  ${name.padEnd(12)}${String(states[name]).padStart(7)}  ${meaning}`);
  lines.push('');
  lines.push(
    `  ${'orphans'.padEnd(12)}${String(states.orphans).padStart(7)}  closed by their process, still closing in the kernel (host-wide)`,
  );
  lines.push(
    `  ${'maxOrphans'.padEnd(12)}${String(states.maxOrphans).padStart(7)}  net.ipv4.tcp_max_orphans: beyond it the kernel resets orphans`,
  );
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}
