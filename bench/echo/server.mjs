// The echo servers of the loopback benchmark, one per variant, each run in its own
// child process (forked by run.mjs with the variant's name as its argument). Every
// server reads frames with a 4-byte big-endian length header and writes each one
// back, framed again the same way; the bytes it sends therefore equal the bytes it
// received, which is what the client checks.
//
// The child listens on 127.0.0.1, reports { port } over IPC, and after each
// connection closes reports { frames, cpuUs } (frames echoed, and the CPU time of
// this process from the accept to the close). It exits when run.mjs disconnects.
import net from 'node:net';

// FRAMECODEC_DIST: another build's dist/ directory (default: this repository's).
const dist = process.env.FRAMECODEC_DIST
  ? new URL(`file://${process.env.FRAMECODEC_DIST.replace(/\/?$/, '/')}`)
  : new URL('../../dist/', import.meta.url);
const { LengthFieldDecoder, LengthFieldEncoder } = await import(new URL('index.js', dist).href);
const { framed, Framed } = await import(new URL('node.js', dist).href);

/** Header and payload in one fresh buffer: what LengthFieldEncoder.encode() returns, by hand. */
function encodeFrame(payload) {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/**
 * The hand-written reader: a 4-byte big-endian length, then that many bytes, read
 * with a DataView over each 'data' chunk (as bench/lib/hand.mjs DataViewLoop). A
 * frame inside the chunk is a view on it; a header or frame cut by the chunk's end
 * is finished from the next ones (a header byte by byte, a frame copied once into
 * a buffer of its length).
 */
class LengthLoop {
  head = 0; // header bytes read so far of a header cut by a chunk's end
  length = 0;
  body = null; // a frame cut by a chunk's end, `filled` bytes of it so far
  filled = 0;

  push(chunk, onFrame) {
    const n = chunk.length;
    let i = 0;
    while (this.head > 0 && i < n) {
      this.length = this.length * 256 + chunk[i++];
      if (++this.head < 4) continue;
      this.head = 0;
      i = this.begin(chunk, i, onFrame);
    }
    if (this.body !== null) {
      const take = Math.min(this.body.length - this.filled, n - i);
      chunk.copy(this.body, this.filled, i, i + take);
      this.filled += take;
      i += take;
      if (this.filled < this.body.length) return;
      onFrame(this.body);
      this.body = null;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, n);
    while (i + 4 <= n) {
      this.length = view.getUint32(i);
      i = this.begin(chunk, i + 4, onFrame);
    }
    for (; i < n; i++, this.head++) this.length = this.head === 0 ? chunk[i] : this.length * 256 + chunk[i];
  }

  /** The header is read, the payload starts at chunk[i]: hands it out if it is all here, else starts a copy. */
  begin(chunk, i, onFrame) {
    const end = i + this.length;
    if (end <= chunk.length) {
      onFrame(chunk.subarray(i, end));
      return end;
    }
    this.body = Buffer.allocUnsafe(this.length);
    this.filled = chunk.copy(this.body, 0, i);
    return chunk.length;
  }

  end() {
    if (this.head > 0 || this.body !== null) throw new Error('the stream ended inside a frame');
  }
}

/**
 * Each server takes an accepted socket and returns a promise of the number of
 * frames it echoed, settled when the client has ended the connection. None waits
 * for 'drain': the client keeps a bounded window of frames in flight, so what a
 * server buffers for writing is bounded too.
 */
export const VARIANTS = {
  /**
   * What a competent developer writes: 'data' + a DataView length loop, each
   * frame framed again into one buffer, and each read's echoes corked into one
   * writev.
   */
  hand(socket) {
    return new Promise((resolve, reject) => {
      const loop = new LengthLoop();
      let frames = 0;
      const echo = (payload) => {
        socket.write(encodeFrame(payload));
        frames++;
      };
      socket.on('data', (chunk) => {
        socket.cork();
        loop.push(chunk, echo);
        socket.uncork();
      });
      socket.on('end', () => {
        loop.end();
        socket.end();
      });
      socket.on('close', () => resolve(frames));
      socket.on('error', reject);
    });
  },

  /** As `hand`, without cork(): one socket write per frame (what the framed() loop does). */
  'hand-nocork'(socket) {
    return new Promise((resolve, reject) => {
      const loop = new LengthLoop();
      let frames = 0;
      const echo = (payload) => {
        socket.write(encodeFrame(payload));
        frames++;
      };
      socket.on('data', (chunk) => loop.push(chunk, echo));
      socket.on('end', () => {
        loop.end();
        socket.end();
      });
      socket.on('close', () => resolve(frames));
      socket.on('error', reject);
    });
  },

  /** framed() as its docs show it: for await over the frames, conn.write() each. */
  async framed(socket) {
    const conn = framed(socket, { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
    let frames = 0;
    for await (const frame of conn) {
      conn.write(frame);
      frames++;
    }
    await conn.close({ timeoutMs: 5000 });
    return frames;
  },

  /**
   * The same loop, its writes corked until the frames already received are all
   * taken (`conn.readableLength` is 0): one writev per burst of frames, as `hand`.
   */
  async 'framed-cork'(socket) {
    const conn = framed(socket, { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
    let frames = 0;
    let corked = false;
    for await (const frame of conn) {
      if (!corked) {
        socket.cork();
        corked = true;
      }
      conn.write(frame);
      frames++;
      if (conn.readableLength === 0) {
        socket.uncork();
        corked = false;
      }
    }
    if (corked) socket.uncork();
    await conn.close({ timeoutMs: 5000 });
    return frames;
  },

  /** framed() with conn.batches() (where the build has it): one writeAll() per batch. */
  async 'framed-batches'(socket) {
    const conn = framed(socket, { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() });
    let frames = 0;
    for await (const batch of conn.batches()) {
      conn.writeAll(batch);
      frames += batch.length;
    }
    await conn.close({ timeoutMs: 5000 });
    return frames;
  },
};

/** The variants this build supports. */
export function available() {
  const names = Object.keys(VARIANTS);
  return typeof Framed.prototype.batches === 'function' ? names : names.filter((n) => n !== 'framed-batches');
}

async function serve(name) {
  const variant = VARIANTS[name];
  if (variant === undefined) throw new Error(`unknown variant ${name}; known: ${available().join(', ')}`);
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const before = process.cpuUsage();
    variant(socket).then(
      (frames) => {
        const cpu = process.cpuUsage(before);
        process.send({ frames, cpuUs: cpu.user + cpu.system });
      },
      (error) => {
        process.send({ error: String(error?.stack ?? error) });
        socket.destroy();
      },
    );
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => {
    server.close();
    process.exit(0);
  });
}

if (process.send !== undefined && process.argv[2] !== undefined) await serve(process.argv[2]);
