// The contenders: framecodec on each engine, the peer packages, the framing layers
// of two drivers, hand-written loops and the memcpy ceiling. Each is loaded inside
// its own worker thread (see run.mjs) and turned, per scenario, into
// `run(chunks, sink)`: feed every chunk the way a user of that package would, call
// `sink(frame)` once per frame, in order. `run` may return a Promise (stream-based
// peers). `group` (framecodec, peer, driver, hand-written, ceiling) is what the
// targets and the charts sort them by; `package` names the npm package raced, whose
// installed version the results record.
//
// How each one is driven, i.e. what is timed:
//   framecodec        new decoder; decode(chunk) per chunk; every returned frame
//                     to sink; end(). ("decodeEach": decodeEach(chunk, sink);
//                     "decodeRanges": decodeRanges(chunk, onFrames), each
//                     (start, end) pair to range(): no object per frame.)
//   stream peers      new Transform; on('data', sink); write(chunk) per chunk,
//                     waiting for 'drain' when write() says so; end(); resolved on
//                     'end'. This is what piping a socket into the parser costs.
//   it-length-prefixed  decode(chunks) over a synchronous iterable (its fastest
//                     form; libp2p users usually run the async one, which adds a
//                     promise per frame); sink(list.subarray()) per frame.
//   hand-written      see hand.mjs; frames to sink directly.
//   memcpy            copies every chunk into one preallocated buffer; no frames.
//
// The framing layers of real drivers (schemes `grpc` and `mongo`; where their code
// lives and what it returns: drivers.mjs). Each hands out whole messages, header
// included, so framecodec and the hand loop are set to do the same:
//   @grpc/grpc-js StreamDecoder   new StreamDecoder(4 MiB) per run, write(chunk) per
//                                 chunk, every returned message to sink: what the
//                                 HTTP/2 call does on each 'data' event
//   mongodb SizedMessageTransform the driver's Transform, fed like the stream peers
//                                 above (write per chunk, 'data' events): what
//                                 piping the socket into it does
//   framecodec (grpc)             LengthFieldDecoder({ lengthFieldOffset: 1,
//                                 lengthFieldLength: 4, initialBytesToStrip: 0 })
//   framecodec (mongo)            LengthFieldDecoder({ byteOrder: 'little',
//                                 lengthAdjustment: -4, initialBytesToStrip: 0 })
//   DataView loop                 DataViewLoop with the same layout (hand.mjs)
//
// Text lines (scheme `text`, strings out), each as its users write it:
//   framecodec (wasm-simd)        TextLineDecoder, decode(chunk) per chunk as above
//   framecodec frames()           for await (const line of frames(Readable.from(chunks),
//                                 new TextLineDecoder())): one promise per line
//   LineDecoder + TextDecoder     LineDecoder.decode(chunk), then textDecoder.decode(line)
//                                 per line: the plain way before TextLineDecoder
//   readline (for await)          for await (const line of readline.createInterface(
//                                 { input: Readable.from(chunks), crlfDelay: Infinity }))
//   readline ('line' events)      the same interface, rl.on('line'), done at 'close'
//   split2                        as above (it emits strings)
// The two that iterate take the chunks through Readable.from(), as a file or socket
// stream would hand them over. Deno's TextLineStream (@std/streams) is not raced:
// it is published on jsr only, which this machine cannot reach, and nothing of it
// is ported here.

import readline from 'node:readline';
import { Readable } from 'node:stream';
import { grpcStreamDecoder, mongoSizedMessageTransform } from './drivers.mjs';
import { IndexOfSplitter, DataViewLoop, VarintLoop, SubarrayLoop } from './hand.mjs';
import { SCHEMES } from './scenarios.mjs';

const DELIMITED = ['lines', 'byte', 'crlf', 'token'];
const LENGTH = ['len4', 'varint'];
const DRIVER = ['grpc', 'mongo'];
const ALL = [...DELIMITED, ...LENGTH, 'fixed', ...DRIVER];
const TEXT = ['text'];

/** How the DataView loop reads each 4-byte length scheme (see DataViewLoop). */
const DATAVIEW_LAYOUT = {
  len4: {},
  grpc: { offset: 1, strip: 0 },
  mongo: { littleEndian: true, adjust: -4, strip: 0 },
};

function delimiterOf(scheme) {
  return SCHEMES[scheme].delimiter;
}

/** Feeds chunks to a Transform as a piped socket would, collecting 'data' events. */
function streamRun(makeStream) {
  return (chunks, sink) =>
    new Promise((resolve, reject) => {
      const s = makeStream();
      s.on('data', sink);
      s.on('error', reject);
      s.on('end', resolve);
      let i = 0;
      const writeMore = () => {
        while (i < chunks.length) {
          if (!s.write(chunks[i++])) {
            s.once('drain', writeMore);
            return;
          }
        }
        s.end();
      };
      writeMore();
    });
}

function framecodecDecoder(fc, scheme, frameSize) {
  switch (scheme) {
    case 'lines':
      return () => new fc.LineDecoder();
    case 'text':
      return () => new fc.TextLineDecoder();
    case 'byte':
    case 'crlf':
    case 'token': {
      const delimiter = delimiterOf(scheme);
      return () => new fc.DelimiterDecoder({ delimiter });
    }
    case 'len4':
      return () => new fc.LengthFieldDecoder();
    case 'varint':
      return () => new fc.LengthFieldDecoder({ lengthFieldLength: 'varint' });
    case 'fixed':
      return () => new fc.FixedLengthDecoder({ frameLength: frameSize });
    case 'grpc':
      return () => new fc.LengthFieldDecoder({ lengthFieldOffset: 1, lengthFieldLength: 4, initialBytesToStrip: 0 });
    case 'mongo':
      return () => new fc.LengthFieldDecoder({ byteOrder: 'little', lengthAdjustment: -4, initialBytesToStrip: 0 });
  }
  throw new Error(`no framecodec decoder for ${scheme}`);
}

function framecodec(engine, mode) {
  return {
    group: 'framecodec',
    engine,
    schemes: ALL,
    async load({ dist }) {
      const fc = await import(dist);
      if (fc.backend() !== engine) throw new Error(`FRAMECODEC_BACKEND=${engine} but backend() is ${fc.backend()}`);
      if (mode === 'ranges' && typeof fc.LineDecoder.prototype.decodeRanges !== 'function') return null; // older build
      return (scn) => {
        const make = framecodecDecoder(fc, scn.scheme, scn.frameSize);
        if (mode === 'ranges') {
          return (chunks, sink, range) => {
            const d = make();
            const onFrames = (bytes, offsets, count) => {
              for (let k = 0; k < count; k++) range(bytes, offsets[2 * k], offsets[2 * k + 1]);
            };
            for (let i = 0; i < chunks.length; i++) d.decodeRanges(chunks[i], onFrames);
            const rest = d.end();
            for (let k = 0; k < rest.length; k++) sink(rest[k]);
          };
        }
        if (mode === 'each') {
          return (chunks, sink) => {
            const d = make();
            for (let i = 0; i < chunks.length; i++) d.decodeEach(chunks[i], sink);
            const rest = d.end();
            for (let k = 0; k < rest.length; k++) sink(rest[k]);
          };
        }
        return (chunks, sink) => {
          const d = make();
          for (let i = 0; i < chunks.length; i++) {
            const frames = d.decode(chunks[i]);
            for (let k = 0; k < frames.length; k++) sink(frames[k]);
          }
          const rest = d.end();
          for (let k = 0; k < rest.length; k++) sink(rest[k]);
        };
      };
    },
  };
}

/** framecodec on the wasm-simd engine, driven by `drive(fc)`, which returns what `load` returns. */
function framecodecText(drive, extra = false) {
  return {
    group: 'framecodec',
    engine: 'wasm-simd',
    schemes: TEXT,
    extra,
    async load({ dist }) {
      const fc = await import(dist);
      if (fc.backend() !== 'wasm-simd')
        throw new Error(`FRAMECODEC_BACKEND=wasm-simd but backend() is ${fc.backend()}`);
      return drive(fc);
    },
  };
}

function handLoop(schemes, make) {
  return {
    group: 'hand-written',
    schemes,
    async load() {
      return (scn) => (chunks, sink) => {
        const d = make(scn);
        for (let i = 0; i < chunks.length; i++) d.push(chunks[i], sink);
        d.end(sink);
      };
    },
  };
}

/**
 * id -> contender. Order is the display order. `fixedEngine` contenders only run
 * the fixed-length scheme once: FixedLengthDecoder uses no engine.
 */
export const CONTENDERS = {
  'framecodec (wasm-simd)': { ...framecodec('wasm-simd', 'decode'), schemes: [...ALL, ...TEXT] },
  'framecodec frames() (wasm-simd)': framecodecText((fc) => () => async (chunks, sink) => {
    for await (const line of fc.frames(Readable.from(chunks), new fc.TextLineDecoder())) sink(line);
  }),
  'LineDecoder + TextDecoder (wasm-simd)': framecodecText((fc) => () => (chunks, sink) => {
    const d = new fc.LineDecoder();
    const text = new TextDecoder();
    for (let i = 0; i < chunks.length; i++) {
      const lines = d.decode(chunks[i]);
      for (let k = 0; k < lines.length; k++) sink(text.decode(lines[k]));
    }
    const rest = d.end();
    for (let k = 0; k < rest.length; k++) sink(text.decode(rest[k]));
  }),
  'framecodec (wasm)': { ...framecodec('wasm', 'decode'), schemes: [...DELIMITED, ...LENGTH, ...DRIVER] },
  'framecodec (js)': { ...framecodec('js', 'decode'), schemes: [...DELIMITED, ...LENGTH, ...DRIVER] },
  'framecodec decodeEach (wasm-simd)': { ...framecodec('wasm-simd', 'each'), extra: true },
  'framecodec decodeRanges (wasm-simd)': { ...framecodec('wasm-simd', 'ranges'), extra: true },

  'Buffer.indexOf loop': handLoop(
    DELIMITED,
    (scn) => new IndexOfSplitter(delimiterOf(scn.scheme), scn.scheme === 'lines'),
  ),
  'DataView loop': handLoop(['len4', ...DRIVER], (scn) => new DataViewLoop(DATAVIEW_LAYOUT[scn.scheme])),
  'varint loop': handLoop(['varint'], () => new VarintLoop()),
  'subarray loop': handLoop(['fixed'], (scn) => new SubarrayLoop(scn.frameSize)),

  'readline (for await)': {
    group: 'peer',
    schemes: TEXT,
    async load() {
      return () => async (chunks, sink) => {
        const rl = readline.createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
        for await (const line of rl) sink(line);
      };
    },
  },
  "readline ('line' events)": {
    group: 'peer',
    schemes: TEXT,
    extra: true,
    async load() {
      return () => (chunks, sink) =>
        new Promise((resolve, reject) => {
          const input = Readable.from(chunks);
          input.on('error', reject);
          const rl = readline.createInterface({ input, crlfDelay: Infinity });
          rl.on('line', sink);
          rl.on('close', resolve);
        });
    },
  },
  split2: {
    group: 'peer',
    package: 'split2',
    schemes: [...DELIMITED, ...TEXT],
    async load() {
      const split2 = (await import('split2')).default;
      return (scn) => {
        const matcher = scn.scheme === 'lines' || scn.scheme === 'text' ? undefined : delimiterOf(scn.scheme);
        return streamRun(() => (matcher === undefined ? split2() : split2(matcher)));
      };
    },
  },
  'binary-split': {
    group: 'peer',
    package: 'binary-split',
    schemes: DELIMITED,
    async load() {
      const binarySplit = (await import('binary-split')).default;
      return (scn) => streamRun(() => binarySplit(delimiterOf(scn.scheme)));
    },
  },
  '@serialport/parser-delimiter': {
    group: 'peer',
    package: '@serialport/parser-delimiter',
    schemes: DELIMITED,
    async load() {
      const { DelimiterParser } = await import('@serialport/parser-delimiter');
      return (scn) => streamRun(() => new DelimiterParser({ delimiter: delimiterOf(scn.scheme) }));
    },
  },
  '@serialport/parser-readline': {
    group: 'peer',
    package: '@serialport/parser-readline',
    schemes: ['lines', 'crlf'],
    async load() {
      const { ReadlineParser } = await import('@serialport/parser-readline');
      return (scn) => streamRun(() => new ReadlineParser({ delimiter: delimiterOf(scn.scheme) }));
    },
  },
  '@serialport/parser-byte-length': {
    group: 'peer',
    package: '@serialport/parser-byte-length',
    schemes: ['fixed'],
    async load() {
      const { ByteLengthParser } = await import('@serialport/parser-byte-length');
      return (scn) => streamRun(() => new ByteLengthParser({ length: scn.frameSize }));
    },
  },
  'it-length-prefixed': {
    group: 'peer',
    package: 'it-length-prefixed',
    schemes: LENGTH,
    async load() {
      const lp = await import('it-length-prefixed');
      const u32 = (list) => {
        if (list.byteLength < 4) throw new RangeError('need 4 bytes');
        return list.getUint32(0);
      };
      u32.bytes = 4;
      return (scn) => {
        const options = scn.scheme === 'len4' ? { lengthDecoder: u32 } : undefined;
        return (chunks, sink) => {
          for (const list of lp.decode(chunks, options)) sink(list.subarray());
        };
      };
    },
  },
  'length-prefixed-stream': {
    group: 'peer',
    package: 'length-prefixed-stream',
    schemes: ['varint'],
    async load() {
      const lps = (await import('length-prefixed-stream')).default;
      return () => streamRun(() => lps.decode());
    },
  },
  'frame-stream': {
    group: 'peer',
    package: 'frame-stream',
    schemes: ['len4'],
    async load() {
      const fs = (await import('frame-stream')).default;
      return () => streamRun(() => fs.decode({ lengthSize: 4 }));
    },
  },

  '@grpc/grpc-js StreamDecoder': {
    group: 'driver',
    package: '@grpc/grpc-js',
    schemes: ['grpc'],
    async load() {
      const make = grpcStreamDecoder();
      return () => (chunks, sink) => {
        const d = make();
        for (let i = 0; i < chunks.length; i++) {
          const messages = d.write(chunks[i]);
          for (let k = 0; k < messages.length; k++) sink(messages[k]);
        }
      };
    },
  },
  'mongodb SizedMessageTransform': {
    group: 'driver',
    package: 'mongodb',
    schemes: ['mongo'],
    async load() {
      return () => streamRun(mongoSizedMessageTransform());
    },
  },

  'memcpy (ceiling)': {
    group: 'ceiling',
    schemes: ALL,
    noFrames: true,
    async load() {
      return () => {
        let dst = null;
        return (chunks) => {
          let total = 0;
          for (let i = 0; i < chunks.length; i++) total += chunks[i].length;
          if (dst === null || dst.length !== total) dst = new Uint8Array(total);
          let at = 0;
          for (let i = 0; i < chunks.length; i++) {
            dst.set(chunks[i], at);
            at += chunks[i].length;
          }
          return dst;
        };
      };
    },
  },
};

/** Contenders that race in a scenario of `scheme`. */
export function contendersFor(scheme) {
  return Object.keys(CONTENDERS).filter((id) => CONTENDERS[id].schemes.includes(scheme));
}
