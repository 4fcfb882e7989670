// A Vite application that uses framecodec the plain way: installed from npm,
// imported by name, no plugin and no WebAssembly configuration. The browser
// suite builds it with `vite build` and runs the output in Chromium.
import { DecoderStream, LengthFieldDecoder, LengthFieldEncoder, LineDecoder, backend, frames } from 'framecodec';

const text = (frame) => new TextDecoder().decode(frame);
const utf8 = (s) => new TextEncoder().encode(s);

async function run() {
  const lines = new LineDecoder().decode(utf8('one\r\ntwo\nthr')).map(text);

  const wire = new LengthFieldEncoder({ lengthFieldLength: 'varint' }).encodeAll(['a', 'bc', ''].map(utf8));
  const viaFrames = [];
  for await (const frame of frames(new Response(wire).body, new LengthFieldDecoder({ lengthFieldLength: 'varint' }))) {
    viaFrames.push(text(frame));
  }

  const reader = new Response('x\ny').body.pipeThrough(new DecoderStream(new LineDecoder())).getReader();
  const viaStream = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) viaStream.push(text(r.value));

  return { backend: backend(), lines, viaFrames, viaStream };
}

window.__result = run();
