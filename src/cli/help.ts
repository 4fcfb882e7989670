// Private (CLI): the --help texts.

export const MAIN_HELP = `Usage: framecodec <command> [flags]

Restore message boundaries in byte streams (length-field, fixed-length and
delimiter framing).

Commands:
  decode    framed bytes in, one frame per line out
  encode    one payload per line in, framed bytes out
  demo      sticky and split packets on a loopback TCP connection, restored
  sockets   TCP sockets per state on this machine (Linux)

Flags:
  -h, --help      this text
  -V, --version   print the version (from package.json) and exit

Run "framecodec <command> --help" for a command's flags.
Errors: one line on stderr, "framecodec: <message> (<code>)"; exit status 2 for
bad flags (ERR_INVALID_OPTION), 1 for bad input.
`;

/**
 * The framing flags as `command` takes them. Most are shared; the decoder's
 * --keep-line-ending, --offset and --strip appear only in decode's help,
 * --padding only in encode's (args.ts refuses them on the other command).
 */
function framing(command: 'decode' | 'encode'): string {
  const decode = command === 'decode';
  const lines = [
    'Framing (choose one):',
    decode
      ? '  --lines                    lines ending in \\n or \\r\\n'
      : '  --lines                    each payload followed by \\n',
    decode
      ? '    --allow-cr               a lone \\r also ends a line'
      : '    --allow-cr               also refuse payloads holding a \\r (a decoder\n' +
        '                             with --allow-cr would split them there)',
    decode && '    --keep-line-ending       keep the line ending in each frame',
    '  --length-field 1|2|3|4|8   a big-endian length field of that many bytes',
    '  --varint                   an unsigned LEB128 length (protobuf delimited)',
    '    --byte-order big|little  byte order of the field (default big)',
    "    --adjust N               added to the field's value to get the bytes after",
    '                             the field; may be negative (default 0)',
    decode && '    --offset N               bytes before the length field (default 0)',
    decode && '    --strip N                bytes cut from the start of each frame',
    decode && '                             (default: the whole header; 0 keeps it)',
    decode
      ? '  --delimiter STR            frames end with STR; escapes \\r \\n \\t \\0 \\xHH \\\\;\n' +
        '                             repeat for several delimiters'
      : '  --delimiter STR            each payload followed by STR; escapes \\r \\n \\t\n' +
        '                             \\0 \\xHH \\\\; repeated, the first is written and\n' +
        '                             payloads holding any of them are refused',
    '  --fixed N                  records of exactly N bytes',
    !decode && '    --padding N              byte value 0-255 that fills short payloads',
    !decode && '                             (default 0)',
  ];
  return `${lines.filter((l) => l !== false).join('\n')}\n`;
}

export const DECODE_HELP = `Usage: framecodec decode <framing> [flags] [file]

Reads framed bytes from file (or standard input, also as "-") and writes one
frame per line.

${framing('decode')}
Output:
  --format text|hex|base64|jsonl|raw
                             text: the frame's bytes then \\n (default)
                             hex, base64: one encoded frame per line
                             jsonl: {"index":0,"length":5,"text":"hello"}, or
                             "base64" instead of "text" when not UTF-8
                             raw: frames back to back, nothing between
Limits:
  --max-frame-length N       longest frame (default 8388608); for length
                             fields it counts the header, for delimiters not
                             the delimiter
  --on-too-long error|skip   fail, or drop too-long frames and go on
  --trailing error|emit|drop what to do with an incomplete last frame
                             (default: error for length/fixed, emit for
                             lines/delimiters)
Other:
  --stats                    print frames, bytes, discarded, MB/s on stderr
  -h, --help                 this text

Examples:
  printf 'a\\nb\\r\\nc' | framecodec decode --lines --format jsonl
  framecodec decode --length-field 2 --format hex capture.bin
  framecodec decode --delimiter '\\r\\n' --delimiter '\\n' log.txt
`;

export const ENCODE_HELP = `Usage: framecodec encode <framing> [flags] [file]

Reads one payload per line from file (or standard input, also as "-"); lines end
with \\n or \\r\\n, an empty line is an empty payload. Writes the framed bytes.

${framing('encode')}
Input:
  --input-format text|hex|base64
                             text: the line's bytes (default)
                             hex: two digits per byte, spaces allowed
                             base64: standard alphabet, padding optional
Limits:
  --max-frame-length N       refuse payloads a decoder with this limit would
                             refuse (length fields count the header)
Other:
  --stats                    print frames, bytes, output bytes, MB/s on stderr
  -h, --help                 this text

Examples:
  printf 'hello\\nworld\\n' | framecodec encode --varint | framecodec decode --varint
  printf '00ff\\n\\n' | framecodec encode --length-field 4 --input-format hex > frames.bin
`;

export const DEMO_HELP = `Usage: framecodec demo

Starts a TCP server and client on 127.0.0.1 (an ephemeral port) and makes TCP
show what it does to messages:
  1. sticky packets: many small writes with Nagle's algorithm on arrive glued
     together in a few reads;
  2. split packets: large frames arrive in many reads.
For each scheme (lines, length field, delimiter, fixed) it shows what code that
takes one 'data' event for one message would have seen, and what the decoder
restores. It ends with throughput figures. Takes a few seconds.

  -h, --help   this text
`;

export const SOCKETS_HELP = `Usage: framecodec sockets [--port N] [--json]

Prints the number of TCP sockets in each state (from /proc/net/tcp and
/proc/net/tcp6), orphaned sockets and the orphan limit: the numbers to watch
when FIN_WAIT1 sockets pile up. Linux only.

  --port N     only sockets whose local or remote port is N
  --json       one JSON object instead of the table
  -h, --help   this text
`;
