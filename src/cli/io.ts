// Private (CLI): streaming input and output with constant memory.
//
//   input ──chunks──> command ──bytes──> Sink ──write()/'drain'──> stdout
//
// - Input is read one chunk at a time (`for await`), so a slow stdout pauses the
//   reads instead of letting data pile up.
// - The Sink collects small writes into one buffer and hands it to the stream
//   when it passes HIGH_WATER; after each input chunk the command awaits
//   `settle()`, which waits for 'drain' if the stream asked for it. A buffer
//   handed over is written again only after the stream's write callback has
//   said it is done with it (a few are kept for reuse).
// - The progress line is drawn on stderr only when stderr is a terminal and the
//   run has lasted more than a second, never wider than the terminal.
import { openSync, fstatSync, createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { usageError } from './args.js';

const HIGH_WATER = 256 * 1024;
const SPARES = 4;

export interface Input {
  readonly stream: AsyncIterable<Buffer>;
  /** Size in bytes when the input is a regular file, else undefined. */
  readonly size: number | undefined;
}

/** The input file named by the positionals, or standard input (none, or '-'). */
export function openInput(positionals: readonly string[], command: string): Input {
  if (positionals.length > 1) {
    throw usageError(
      `framecodec ${command} reads one input, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  const path = positionals[0];
  if (path === undefined || path === '-') {
    // Node reads a directory on standard input as an empty stream; cat(1) refuses it.
    if (isDirectory(0))
      throw Object.assign(new Error('cannot read standard input: is a directory'), { code: 'EISDIR' });
    return { stream: process.stdin as Readable & AsyncIterable<Buffer>, size: regularFileSize(0) };
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw describeFsError(e, path);
  }
  const stream = createReadStream('', { fd, highWaterMark: 256 * 1024 });
  return { stream: withFsErrors(stream, path), size: regularFileSize(fd) };
}

function isDirectory(fd: number): boolean {
  try {
    return fstatSync(fd).isDirectory();
  } catch {
    return false;
  }
}

function regularFileSize(fd: number): number | undefined {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function* withFsErrors(stream: Readable, path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw describeFsError(e, path);
  } finally {
    stream.destroy();
  }
}

/** `ENOENT: no such file or directory, open 'x'` -> `cannot read x: no such file or directory`. */
function describeFsError(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string' || !err.syscall) return e;
  const reason = err.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+( '.*')?$/, '');
  return Object.assign(new Error(`cannot read ${path}: ${reason}`), { code: err.code });
}

/** Buffered, backpressure-aware writes to a stream. */
export class Sink {
  private buf: Buffer = Buffer.allocUnsafeSlow(HIGH_WATER);
  private len = 0;
  private blocked = false;
  /** Buffers the stream has finished with, for reuse. */
  private readonly spare: Buffer[] = [];
  /** Bytes handed to the stream so far. */
  written = 0;

  constructor(private readonly stream: Writable) {}

  /** Makes room for `n` more bytes; returns the buffer and the offset to write at. */
  reserve(n: number): Buffer {
    if (this.len + n > this.buf.length) {
      this.handOver();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafeSlow(n);
    }
    return this.buf;
  }

  get at(): number {
    return this.len;
  }

  /** Marks `n` bytes written at `at` as used. */
  advance(n: number): void {
    this.len += n;
    if (this.len >= HIGH_WATER) this.handOver();
  }

  bytes(b: Uint8Array): void {
    const buf = this.reserve(b.length);
    buf.set(b, this.len);
    this.advance(b.length);
  }

  byte(b: number): void {
    const buf = this.reserve(1);
    buf[this.len] = b;
    this.advance(1);
  }

  /** A string of code points below 256 (hex, base64, ASCII JSON). */
  latin1(s: string): void {
    const buf = this.reserve(s.length);
    buf.write(s, this.len, 'latin1');
    this.advance(s.length);
  }

  utf8(s: string): void {
    const n = Buffer.byteLength(s);
    const buf = this.reserve(n);
    buf.write(s, this.len, 'utf8');
    this.advance(n);
  }

  /** Hands the collected bytes to the stream and waits for 'drain' if asked to. */
  async settle(): Promise<void> {
    this.handOver();
    if (this.blocked) {
      this.blocked = false;
      await once(this.stream, 'drain');
    }
  }

  private handOver(): void {
    if (this.len === 0) return;
    const buf = this.buf;
    const len = this.len;
    this.written += len;
    this.buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(HIGH_WATER);
    this.len = 0;
    // The stream is done with `buf` when the callback runs: keep it for reuse.
    const recycle = (): void => {
      if (buf.length === HIGH_WATER && this.spare.length < SPARES) this.spare.push(buf);
    };
    if (!this.stream.write(buf.subarray(0, len), recycle)) this.blocked = true;
  }
}

/** What the progress line needs of stderr (tests pass a fake). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** The terminal's width; 0 or undefined when unknown. */
  readonly columns?: number;
  write(text: string): unknown;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

/** Moves to the start of the line and erases it (the cursor stays there). */
const CLEAR = '\r\x1b[K';
/** Width assumed when the terminal does not say. */
const DEFAULT_COLUMNS = 80;
const BAR_CELLS = 24;
const MIN_BAR_CELLS = 10;

/**
 * A progress line on stderr for runs longer than a second, when stderr is a
 * terminal. Each redraw is `\r ESC[K line`: back to column 0, erase, draw.
 *
 * The line never fills the terminal's width: it is fitted to `columns - 1`
 * (re-read at every redraw), as a line that reaches the last column makes some
 * terminals wrap, and a wrapped line cannot be erased with `\r`. When the
 * terminal is resized the line is erased at once and drawn again to the new
 * width. A terminal that reflows text on a resize (many do) may already have
 * wrapped a line that no longer fits onto two rows before the erase arrives; the
 * row above is left alone rather than erased blind, since on a terminal that does
 * not reflow it holds earlier output.
 */
export class Progress {
  private done = 0;
  private frames = 0;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  /** Redraws (erasing first, as every draw does) to the new width. */
  private readonly onResize = (): void => {
    if (this.drawn) this.draw();
  };

  constructor(
    private readonly total: number | undefined,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    if (stream.isTTY !== true) return;
    this.timer = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), 200);
      this.timer.unref();
    }, 1000);
    this.timer.unref();
    stream.on('resize', this.onResize);
  }

  update(bytes: number, frames: number): void {
    this.done = bytes;
    this.frames = frames;
  }

  /** Removes the line (before any other output on stderr). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stream.off('resize', this.onResize);
    if (this.drawn) this.stream.write(CLEAR);
    this.drawn = false;
  }

  private draw(): void {
    const columns = this.stream.columns || DEFAULT_COLUMNS;
    this.stream.write(`${CLEAR}${this.line(columns - 1)}`);
    this.drawn = true;
  }

  /**
   * The widest form of the line that fits in `max` characters (all ASCII: one
   * column each). With a known total, the bar gives up cells first (down to 10),
   * then goes; then the figures go from the right. The last resort is cut.
   */
  private line(max: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = `${(this.done / 1e6 / seconds).toFixed(1)} MB/s`;
    const counts = `${mb(this.done)} MB  ${this.frames} frames`;
    const forms: string[] = [];
    if (this.total) {
      const share = Math.min(this.done / this.total, 1);
      const percent = `${(share * 100).toFixed(0).padStart(3)}%`;
      const figures = `${percent}  ${counts}  ${rate} of ${mb(this.total)} MB`;
      const cells = Math.min(BAR_CELLS, max - figures.length - 3);
      if (cells >= MIN_BAR_CELLS) {
        const full = Math.round(share * cells);
        forms.push(`[${'#'.repeat(full)}${'.'.repeat(cells - full)}] ${figures}`);
      }
      forms.push(figures, `${percent}  ${counts}`, percent);
    } else {
      forms.push(`${counts}  ${rate}`, counts);
    }
    return forms.find((f) => f.length <= max) ?? forms[forms.length - 1].slice(0, Math.max(max, 0));
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Throughput in MB/s (10^6 bytes) with a sensible number of digits. */
export function rate(bytes: number, ms: number): string {
  const r = ms > 0 ? bytes / 1e3 / ms : 0;
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2);
}
