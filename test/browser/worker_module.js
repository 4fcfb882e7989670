// Runs in a module worker. Import maps do not reach workers, so it imports the
// built file by path, as a worker script served next to it would.
import { DecoderStream, LengthFieldDecoder, LineDecoder, backend } from '/dist/index.js';

const text = (frame) => new TextDecoder().decode(frame);

const decoder = new LineDecoder();
const lines = [...decoder.decode(new TextEncoder().encode('a\r\nb\nc')), ...decoder.end()].map(text);
const reader = new Response(new Uint8Array([0, 0, 0, 2, 104, 105, 0, 0, 0, 0])).body
  .pipeThrough(new DecoderStream(new LengthFieldDecoder()))
  .getReader();
const streamed = [];
for (let r = await reader.read(); !r.done; r = await reader.read()) streamed.push(text(r.value));
postMessage({ backend: backend(), lines, streamed });
