// The load generator of the echo benchmark: one hand-written client, the same for
// every server, kept cheap so that the server is what limits the rate.
//
// It sends bursts of frames (4-byte big-endian length, then the payload) prepared
// once, and keeps `depth` bursts in flight: each time a whole burst has come back,
// it sends another, until the run's time is up; then it waits for the last echoes.
//
//   sent      [ burst | burst | burst | burst ]  ...   one write each, the same bytes every time
//   received  [ echoes of burst 1 ][ echoes of 2 ...  -> when burst k is back, burst k + depth leaves
//
// The echoed stream must equal the sent one byte for byte (the server frames each
// payload again with the same header), so each read is compared with the bytes
// expected at its stream offset (one memcmp per read, wherever the reads cut the
// frames), and the frames are counted by walking their headers.
import net from 'node:net';
import { cpuNs } from '../experiments/_clock.mjs';

/**
 * `frames` payloads of `size` bytes, each one different (a seeded xorshift, and the
 * frame's number in its first bytes), framed into one buffer.
 */
export function makeBurst(size, frames, seed = 1) {
  const wire = Buffer.allocUnsafe(frames * (4 + size));
  let x = seed >>> 0 || 1;
  for (let f = 0, at = 0; f < frames; f++, at += 4 + size) {
    wire.writeUInt32BE(size, at);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      wire[at + 4 + i] = x;
    }
    if (size >= 4) wire.writeUInt32BE(f, at + 4);
  }
  return wire;
}

/**
 * One timed run against the echo server on `port`. Returns the frames echoed, the
 * wall time from the first write to the last echo, and this process's CPU time
 * over the same span. Rejects if an echoed byte differs, a header is not `size`,
 * or the count does not match what was sent.
 */
export function echoRun({ port, size, burstFrames, depth, durationMs }) {
  const burst = makeBurst(size, burstFrames);
  const burstBytes = burst.length;
  const frameBytes = 4 + size;
  return new Promise((resolve, reject) => {
    let sentBursts = 0;
    let received = 0; // bytes
    let frames = 0;
    // Header walk: `skip` payload bytes left in the current frame, or a header
    // being read (`headerBytes` of it so far, value in `length`).
    let skip = 0;
    let headerBytes = 0;
    let length = 0;
    let failure = null;
    let t0 = 0;
    let cpu0 = 0;
    let deadline = 0;
    let stopped = false;

    const fail = (message) => {
      if (failure !== null) return;
      failure = new Error(message);
      socket.destroy();
    };
    // A server that loses frames would leave the client waiting: give up loudly.
    const watchdog = setTimeout(
      () => fail(`after ${durationMs + 10_000} ms, ${frames} of ${sentBursts * burstFrames} frames came back`),
      durationMs + 10_000,
    );

    const send = () => {
      socket.write(burst);
      sentBursts++;
    };

    /** Compares received bytes with the sent stream at their offset (it wraps around the burst). */
    const verify = (bytes, n) => {
      let at = received % burstBytes;
      let i = 0;
      while (i < n) {
        const take = Math.min(n - i, burstBytes - at);
        if (bytes.compare(burst, at, at + take, i, i + take) !== 0) {
          fail(`echoed bytes differ from the sent ones within stream bytes ${received + i}..${received + i + take}`);
          return false;
        }
        i += take;
        at = 0;
      }
      return true;
    };

    /** Counts the frames whose last byte is in bytes[0, n). */
    const count = (bytes, view, n) => {
      let i = 0;
      while (i < n) {
        if (skip > 0) {
          const take = Math.min(skip, n - i);
          skip -= take;
          i += take;
          if (skip === 0) frames++;
          continue;
        }
        if (headerBytes === 0 && i + 4 <= n) {
          length = view.getUint32(i);
          i += 4;
        } else {
          // A header split between two reads: a byte at a time.
          length = (headerBytes === 0 ? 0 : length * 256) + bytes[i++];
          if (++headerBytes < 4) continue;
          headerBytes = 0;
        }
        if (length !== size) return fail(`an echoed header says ${length} bytes, expected ${size}`);
        if (length === 0) frames++;
        else skip = length;
      }
    };

    const onRead = (n, bytes) => {
      if (failure !== null || !verify(bytes, n)) return;
      count(bytes, readView, n);
      const before = Math.floor(received / burstBytes);
      received += n;
      const after = Math.floor(received / burstBytes);
      if (!stopped && performance.now() >= deadline) stopped = true;
      if (!stopped) for (let k = before; k < after; k++) send();
      if (received === sentBursts * burstBytes && stopped) finish();
    };

    const finish = () => {
      const wallNs = (performance.now() - t0) * 1e6;
      const clientCpuNs = cpuNs() - cpu0;
      if (frames !== sentBursts * burstFrames || received !== frames * frameBytes) {
        return fail(`counted ${frames} frames in ${received} bytes, sent ${sentBursts * burstFrames} frames`);
      }
      clearTimeout(watchdog);
      socket.end();
      resolve({ frames, bytes: received, wallNs, clientCpuNs });
    };

    const readBuffer = Buffer.allocUnsafe(64 * 1024);
    const readView = new DataView(readBuffer.buffer, readBuffer.byteOffset, readBuffer.length);
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      // Each burst leaves at once. With Nagle's algorithm on here too, a burst could
      // wait for the ACK of the last one, delayed up to 40 ms: runs stalled. The
      // servers keep Node's default (Nagle on), as their users' servers do.
      noDelay: true,
      onread: { buffer: readBuffer, callback: onRead },
    });
    socket.on('error', (error) => fail(`socket error: ${error.message}`));
    socket.on('close', () => {
      clearTimeout(watchdog);
      if (failure !== null) reject(failure);
      else if (received !== sentBursts * burstBytes) reject(new Error('the server closed before echoing everything'));
    });
    socket.on('connect', () => {
      t0 = performance.now();
      cpu0 = cpuNs();
      deadline = t0 + durationMs;
      for (let k = 0; k < depth; k++) send();
    });
  });
}
