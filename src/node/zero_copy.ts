/**
 * Zero-copy receive: the socket reads straight into the engine's receive area in
 * WebAssembly memory (Node's `onread` option), and the decoder scans the bytes
 * where they landed.
 *
 * ```
 * 'data' path:  kernel --read(2)--> new Buffer --copy--> staging area --scan--> frames (views on the Buffer)
 * zero-copy:    kernel --read(2)--> receive area ------------------------scan--> frames (one slab copy out)
 * ```
 *
 * Why sharing one receive area is safe: libuv reads one socket and calls its
 * `onread` callback synchronously, before it reads any other socket, and the
 * callback decodes at once, before any user code runs. Decoding copies completed
 * frames out (`decode()` frames are stable) and the partial frame into the
 * decoder's own buffer, so the area holds nothing once the callback returns.
 *
 * Node asks `onread.buffer()` for the next buffer right after each callback, and
 * libuv keeps that address until the next read. In between, user code may move or
 * grow linear memory; {@link ZeroCopyReceiver.locate} copes with each case.
 * @module
 */
import type { OnReadOpts } from 'node:net';
import { type Engine, engine, useEngine } from '../engine/index.js';
import { InvalidOptionError } from '../codec/errors.js';
import { describe } from '../codec/options.js';

/** Consumes the bytes of one read; called synchronously in the read callback. */
export type ReadSink = (bytes: Uint8Array) => void;

/** @internal The state behind one `zeroCopyOnread()` object. */
export class ZeroCopyReceiver {
  #sink: ReadSink | null = null;
  /** Reads that arrived before a sink was attached (copies). */
  #early: Uint8Array[] = [];
  /** The engine and address of the buffer handed out for the next read. */
  #engine: Engine | null = null;
  #offset = 0;
  /** Reads seen, and how many of them were scanned where they landed. */
  reads = 0;
  inPlace = 0;

  constructor(readonly onread: OnReadOpts) {}

  /** onread.buffer: a fresh view each time (an older one may have been detached). */
  issue(): Uint8Array {
    const e = useEngine(); // a live binding: init() may have replaced the engine
    const area = e.receiveArea();
    this.#engine = e;
    this.#offset = area.byteOffset;
    return area;
  }

  /** onread.callback. Must not throw: it runs inside Node's read handler. */
  received(nread: number, buf: Uint8Array): boolean {
    this.reads++;
    const bytes = this.locate(nread, buf);
    if (engine.holds(bytes)) this.inPlace++;
    const sink = this.#sink;
    if (sink === null) {
      // No framed() attached yet: keep a copy and stop reading until one is.
      this.#early.push(bytes.slice());
      return false;
    }
    sink(bytes);
    return true;
  }

  /**
   * Where the bytes of this read are: normally `buf[0, nread)`, the receive area,
   * scanned in place. If linear memory grew after the area was handed out, `buf`
   * is detached and the engine finds the bytes in the grown memory; if the area
   * moved (the engine made room for a larger delimiter table) or `init()` replaced
   * the engine, the bytes are copied out (see {@link Engine.landed}).
   */
  locate(nread: number, buf: Uint8Array): Uint8Array {
    const e = this.#engine ?? engine;
    return e.landed(this.#offset, nread, buf, e === engine);
  }

  /** A consumer is attached. */
  get attached(): boolean {
    return this.#sink !== null;
  }

  /** Attaches the consumer; hands it the reads that came first. */
  attach(sink: ReadSink): void {
    if (this.#sink !== null) {
      throw new InvalidOptionError(
        'onread',
        'this zeroCopyOnread() object is already used by another connection: create one per socket',
      );
    }
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const bytes of early) sink(bytes);
  }
}

const receivers = new WeakMap<object, ZeroCopyReceiver>();

/** @internal The receiver behind an object made by {@link zeroCopyOnread}. */
export function receiverOf(onread: unknown): ZeroCopyReceiver {
  const r = typeof onread === 'object' && onread !== null ? receivers.get(onread) : undefined;
  if (!r)
    throw new InvalidOptionError(
      'onread',
      `onread must be an object made by zeroCopyOnread(), got ${describe(onread)}`,
    );
  return r;
}

/**
 * Options for Node's `onread` (`net.connect({ onread })`, `new net.Socket({ onread })`)
 * that read the socket straight into framecodec's WebAssembly memory. Create one
 * per socket. Node accepts `onread` only for sockets it creates for you
 * (`net.connect`, `new net.Socket`), not for a server's accepted sockets. With
 * `onread`, the socket emits no `'data'` events; `'end'`, `'close'` and `'error'`
 * work as usual.
 *
 * Either pass the same object to `framed()`, which decodes each read where it
 * landed, or give `onRead`: it receives each read's bytes, a view valid **only
 * during the call** (the next read overwrites them). Decode them at once; frames
 * from `decode()` are copies and stay valid, `decodeRanges()` offsets do not.
 *
 * @example
 * ```ts
 * import net, { type AddressInfo } from 'node:net';
 * import { LengthFieldDecoder, LengthFieldEncoder } from 'framecodec';
 * import { framed, zeroCopyOnread } from 'framecodec/node';
 * // A server that sends two frames, of 10 and 100,000 bytes, to each client.
 * const wire = new LengthFieldEncoder().encodeAll([new Uint8Array(10), new Uint8Array(100_000)]);
 * const server = net.createServer((socket) => socket.end(wire));
 * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
 * const { port } = server.address() as AddressInfo;
 *
 * const onread = zeroCopyOnread();
 * const socket = net.connect({ host: '127.0.0.1', port, onread });
 * const conn = framed(socket, { decoder: new LengthFieldDecoder(), onread });
 * const lengths: number[] = [];
 * for await (const frame of conn) lengths.push(frame.length);
 * console.log(lengths); // => [10,100000]
 *
 * // Or consume the frames during the read, with no copy at all:
 * const decoder = new LengthFieldDecoder();
 * let bytes = 0;
 * const raw = net.connect({ host: '127.0.0.1', port, onread: zeroCopyOnread((chunk) => {
 *   decoder.decodeRanges(chunk, (source, offsets, count) => {
 *     for (let i = 0; i < count; i++) bytes += offsets[2 * i + 1] - offsets[2 * i];
 *   });
 * }) });
 * await new Promise((resolve) => raw.once('close', resolve));
 * console.log(bytes); // => 100010
 * server.close();
 * ```
 */
export function zeroCopyOnread(onRead?: (bytes: Uint8Array) => void): OnReadOpts {
  if (onRead !== undefined && typeof onRead !== 'function') {
    throw new InvalidOptionError('onRead', `onRead must be a function, got ${describe(onRead)}`);
  }
  let receiver: ZeroCopyReceiver;
  const onread: OnReadOpts = {
    buffer: () => receiver.issue(),
    callback: (nread, buf) => receiver.received(nread, buf),
  };
  receiver = new ZeroCopyReceiver(onread);
  receivers.set(onread, receiver);
  if (onRead) receiver.attach(onRead);
  return onread;
}
