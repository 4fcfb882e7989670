// The framing layers of two real drivers, loaded from the installed packages and
// driven on their own, without a server or a socket: the code that turns the bytes
// a connection receives into messages, exactly as the driver calls it.
//
//   @grpc/grpc-js  build/src/stream-decoder.js: class StreamDecoder
//     new StreamDecoder(maxReadMessageLength); write(chunk) -> Buffer[]
//     The HTTP/2 call (build/src/subchannel-call.js, and server-interceptors.js on
//     the server side) creates one per call with the default limit of 4 MiB
//     (DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH) and calls write(data) on every 'data'
//     event of its HTTP/2 stream. Each message comes back whole: flag byte, length
//     and payload, copied into a new Buffer (Buffer.concat), also when it lay inside
//     one chunk. The header is stripped later, by the decompression filter.
//
//   mongodb        lib/cmap/connection.js: class SizedMessageTransform
//     new SizedMessageTransform({ connection }), a Transform (readable side in
//     object mode). Connection pipes its socket into it and reads messages with
//     'data' events (utils onData()). _transform appends the chunk to a BufferPool,
//     reads the int32 LE size at the front and pushes BufferPool.read(size): each
//     message whole, length included, always a copy. It reads only
//     `connection.delayedTimeoutId` (a socket-timeout timer) from its connection.
//
// Neither package has an `exports` map today; the files are still found from the
// package's root (located through its main entry), so that one added later does not
// stop the benchmark.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Root directory of an installed package: the nearest package.json above its main entry that names it. */
function packageRoot(name) {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
    dir = up;
  }
}

/** The installed version of a package. */
export function versionOf(name) {
  return JSON.parse(readFileSync(join(packageRoot(name), 'package.json'), 'utf8')).version;
}

/** A file of an installed package, loaded by its path (CommonJS). */
function load(name, file) {
  return require(join(packageRoot(name), file));
}

/** grpc-js's message decoder, as its HTTP/2 call creates it. */
export function grpcStreamDecoder() {
  const { StreamDecoder } = load('@grpc/grpc-js', 'build/src/stream-decoder.js');
  const { DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH } = load('@grpc/grpc-js', 'build/src/constants.js');
  return () => new StreamDecoder(DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH);
}

/** The MongoDB driver's message splitter, with the one field of the connection it reads. */
export function mongoSizedMessageTransform() {
  const { SizedMessageTransform } = load('mongodb', 'lib/cmap/connection.js');
  return () => new SizedMessageTransform({ connection: { delayedTimeoutId: null } });
}
