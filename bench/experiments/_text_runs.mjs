// The ways the text-line experiments drive TextLineDecoder over one input:
// decode() per chunk, for await over frames(Readable.from(chunks)), and for await
// over frames(chunks). `count()` is the number of lines the last run gave.
import { Readable } from 'node:stream';

export function textRuns(fc, chunks) {
  let n = 0;
  const runs = {
    decode: async () => {
      const d = new fc.TextLineDecoder();
      for (let i = 0; i < chunks.length; i++) n += d.decode(chunks[i]).length;
      n += d.end().length;
    },
    frames: async () => {
      for await (const _ of fc.frames(Readable.from(chunks), new fc.TextLineDecoder())) n++;
    },
    array: async () => {
      for await (const _ of fc.frames(chunks, new fc.TextLineDecoder())) n++;
    },
  };
  const wrap = (run) => async () => {
    n = 0;
    await run();
  };
  return {
    decode: wrap(runs.decode),
    frames: wrap(runs.frames),
    array: wrap(runs.array),
    count: () => n,
  };
}
