// Page script: framedStream() over a real WebSocketStream connection to a local
// `ws` server. Query: port=<ws port>, scheme=length|lines|switch|truncated.
//
//   length, lines: the server's messages glue and split frames; each frame is
//                  echoed with conn.write() (one message each), and the server
//                  checks the echoes, then closes;
//   switch:        a CRLF greeting line, then length-field frames in the same
//                  messages: the page switches conn.decoder after the line;
//   truncated:     the server closes inside a frame: TruncatedFrameError;
//   end:           the page calls conn.end() after two frames: the loop ends when
//                  the closing handshake completes.
//
// Publishes { frames (hex), error, closeCode } as window.__result.
import {
  DelimiterEncoder,
  framedStream,
  LengthFieldDecoder,
  LengthFieldEncoder,
  LineDecoder,
  TruncatedFrameError,
} from 'framecodec';

const params = new URLSearchParams(location.search);
const scheme = params.get('scheme');
const url = `ws://127.0.0.1:${params.get('port')}/framed-${scheme}`;
const hex = (frame) => Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join('');
const TIMEOUT_MS = 20_000;

const codec =
  scheme === 'lines' || scheme === 'switch'
    ? { decoder: new LineDecoder(), encoder: new DelimiterEncoder({ delimiter: '\r\n' }) }
    : { decoder: new LengthFieldDecoder(), encoder: new LengthFieldEncoder() };

async function run() {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const wss = new WebSocketStream(url, { signal });
  const { readable, writable } = await wss.opened;
  const conn = framedStream({ readable, writable }, { ...codec, signal });
  const frames = [];
  let error = null;
  let ending;
  try {
    for await (const frame of conn) {
      frames.push(hex(frame));
      if (scheme === 'switch' && frames.length === 1) {
        // The greeting is a line; everything after it is length-field framed,
        // including the bytes that came in the greeting's message.
        conn.decoder = new LengthFieldDecoder({ lengthFieldLength: 2 });
      }
      if (scheme === 'length' || scheme === 'lines') await conn.write(frame);
      if (scheme === 'end' && frames.length === 2) ending = conn.end(); // WebSocket: the closing handshake
    }
    await ending;
  } catch (e) {
    error = { name: e.name, code: e.code, partial: e instanceof TruncatedFrameError ? hex(e.partial) : undefined };
  }
  const { closeCode } = await wss.closed;
  await conn.close();
  return { frames, error, closeCode };
}

window.__result = run();
