// How the echo benchmark drives a payload size: the client writes bursts of about
// 16 KiB (one socket write each) and keeps about 128 KiB of frames in flight, at
// least 8 bursts deep, so that a server never waits for the client and never holds
// more than its read side's high-water mark (framed(): 256 KiB).

/** `burstFrames` frames per client write, `depth` bursts in flight. */
export function plan(size) {
  const burstFrames = Math.max(1, Math.floor(16384 / (4 + size)));
  const depth = Math.max(8, Math.round(131072 / (burstFrames * (4 + size))));
  return { burstFrames, depth };
}
