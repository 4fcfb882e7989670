/**
 * framecodec/node: Node-only adapters around the universal decoders and encoders.
 *
 * - {@link decoderTransform} / {@link encoderTransform}: `stream.Transform`s for `pipeline()`;
 * - {@link framed}: a framed full-duplex connection over a `net.Socket`, with
 *   half-close, graceful close with a reset deadline, explicit (typed) states, a
 *   decoder switch mid-stream, frames in batches (`batches()`, answered with one
 *   `writeAll()` each), `writeRaw()` and an abort signal;
 * - {@link zeroCopyOnread}: read a socket straight into WebAssembly memory;
 * - {@link socketStates}: TCP sockets per state on Linux (FIN_WAIT1, orphans...).
 *
 * @example
 * ```ts
 * import net, { type AddressInfo } from 'node:net';
 * import { LengthFieldDecoder, LengthFieldEncoder } from 'framecodec';
 * import { framed } from 'framecodec/node';
 * // An echo server: it sends back every byte it reads.
 * const server = net.createServer((socket) => socket.pipe(socket));
 * await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
 *
 * const conn = framed(net.connect((server.address() as AddressInfo).port, '127.0.0.1'), {
 *   decoder: new LengthFieldDecoder(),
 *   encoder: new LengthFieldEncoder(),
 * });
 * conn.write(new TextEncoder().encode('hello'));
 * await conn.end(); // our FIN: the server ends too, after the echo
 * for await (const frame of conn) {
 *   console.log(new TextDecoder().decode(frame)); // => "hello"
 * }
 * server.close();
 * ```
 * @module
 */
export {
  decoderTransform,
  encoderTransform,
  type CodecTransformOptions,
  type FrameTransform,
} from './transform.js';
export {
  framed,
  Framed,
  DEFAULT_CLOSE_TIMEOUT_MS,
  type FramedOptions,
  type FramedState,
  type FramedEvents,
  type CloseOptions,
  type CloseResult,
} from './framed.js';
export { zeroCopyOnread } from './zero_copy.js';
export {
  socketStates,
  parseSocketStates,
  type SocketStates,
  type SocketStatesFilter,
  type ProcNetText,
  type TcpStateName,
} from './socket_states.js';
