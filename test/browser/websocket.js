// Page script: receives framed data over a real WebSocket and decodes it, as the
// README shows. Frames share messages and span several. Query: port=<ws port>,
// scheme=length|lines. Publishes { direct, streamed } (frames as hex) as
// window.__result: `direct` feeds each message to decoder.decode(), `streamed`
// pipes the messages through a DecoderStream (a second connection, same data).
import { DecoderStream, LengthFieldDecoder, LineDecoder } from 'framecodec';

const params = new URLSearchParams(location.search);
const url = `ws://127.0.0.1:${params.get('port')}/${params.get('scheme')}`;
const newDecoder = () => (params.get('scheme') === 'length' ? new LengthFieldDecoder() : new LineDecoder());
const hex = (frame) => Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join('');
const TIMEOUT_MS = 15_000;

/** Each message goes to decode(); end() when the server closes. */
function direct() {
  return new Promise((resolve, reject) => {
    const decoder = newDecoder();
    const frames = [];
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) => {
      for (const frame of decoder.decode(event.data)) frames.push(frame);
    };
    ws.onclose = (event) => {
      if (event.code !== 1000) return reject(new Error(`closed with ${event.code}`));
      try {
        frames.push(...decoder.end());
        resolve(frames.map(hex));
      } catch (e) {
        reject(e);
      }
    };
    ws.onerror = () => reject(new Error('WebSocket error'));
    setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS);
  });
}

/** The messages as a ReadableStream, through a DecoderStream. */
async function streamed() {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const messages = new ReadableStream({
    start(controller) {
      ws.onmessage = (event) => controller.enqueue(event.data);
      ws.onclose = (event) =>
        event.code === 1000 ? controller.close() : controller.error(new Error(`closed with ${event.code}`));
      ws.onerror = () => controller.error(new Error('WebSocket error'));
    },
  });
  const reader = messages.pipeThrough(new DecoderStream(newDecoder())).getReader();
  const frames = [];
  const timer = setTimeout(() => reader.cancel(new Error('timed out')), TIMEOUT_MS);
  for (let r = await reader.read(); !r.done; r = await reader.read()) frames.push(hex(r.value));
  clearTimeout(timer);
  return frames;
}

window.__result = Promise.all([direct(), streamed()]).then(([d, s]) => ({ direct: d, streamed: s }));
