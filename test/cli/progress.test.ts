// The progress line (Progress in src/cli/io.ts) drawn on a fake terminal: it
// never reaches the terminal's last column, whatever the width; it follows a
// resize at once; and it leaves nothing behind when it stops.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Progress } from '../../src/cli/io.js';

/**
 * A terminal that does not reflow (xterm): rows of text, a cursor, `\r`, `\n`,
 * ESC[K (erase from the cursor to the end of the row) and auto-wrap: a character
 * written when the cursor is past the last column goes to a new row.
 */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  rows: string[] = [''];
  col = 0;
  /** Set when a character landed in the last column (the cursor then waits to wrap). */
  reachedLastColumn = false;
  wrapped = false;
  written = '';

  constructor(public columns: number) {
    super();
  }

  write(text: string): boolean {
    this.written += text;
    for (let i = 0; i < text.length; i++) {
      const last = this.rows.length - 1;
      if (text[i] === '\r') {
        this.col = 0;
      } else if (text[i] === '\n') {
        this.rows.push('');
        this.col = 0;
      } else if (text.startsWith('\x1b[K', i)) {
        this.rows[last] = this.rows[last].slice(0, this.col);
        i += 2;
      } else {
        if (this.col >= this.columns) {
          this.wrapped = true;
          this.rows.push('');
          this.col = 0;
        }
        const row = this.rows[this.rows.length - 1].padEnd(this.col);
        this.rows[this.rows.length - 1] = row.slice(0, this.col) + text[i] + row.slice(this.col + 1);
        this.col++;
        if (this.col === this.columns) this.reachedLastColumn = true;
      }
    }
    return true;
  }

  /** A new width, as the user drags the window: what no longer fits is cut off. */
  resize(columns: number): void {
    this.columns = columns;
    this.rows = this.rows.map((r) => r.slice(0, columns));
    this.col = Math.min(this.col, columns);
    this.emit('resize');
  }

  /** Everything on the screen, trailing spaces removed. */
  get screen(): string {
    return this.rows.map((r) => r.trimEnd()).join('\n');
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const TB = 1e12;

/** A progress line for a 1 TB input, half done, drawn once (after its first second). */
function drawnOn(terminal: FakeTerminal, total: number | undefined = TB): Progress {
  const progress = new Progress(total, terminal);
  progress.update(TB / 2, 9_876_543_210);
  vi.advanceTimersByTime(1000);
  return progress;
}

describe('the line fits the terminal', () => {
  test('at 80 columns: the bar takes the room the figures leave, up to column 79', () => {
    const terminal = new FakeTerminal(80);
    const progress = new Progress(1e9, terminal);
    progress.update(5e8, 1_234_567);
    vi.advanceTimersByTime(1000);
    // 0.5 GB in the first second; 21 of the 24 cells fit.
    expect(terminal.screen).toBe('[###########..........]  50%  500.0 MB  1234567 frames  500.0 MB/s of 1000.0 MB');
    expect(terminal.screen).toHaveLength(79);
    expect(terminal.reachedLastColumn).toBe(false);
  });

  test('with room, the bar has 24 cells', () => {
    const terminal = new FakeTerminal(200);
    const progress = new Progress(1000, terminal);
    progress.update(500, 3);
    vi.advanceTimersByTime(1000);
    expect(terminal.screen).toMatch(/^\[#{12}\.{12}\] {2}50% {2}0\.0 MB {2}3 frames {2}0\.0 MB\/s of 0\.0 MB$/);
  });

  test('at every width from 1 to 160 columns it stays out of the last column and never wraps', () => {
    for (let columns = 1; columns <= 160; columns++) {
      for (const total of [TB, undefined]) {
        const terminal = new FakeTerminal(columns);
        const progress = drawnOn(terminal, total);
        vi.advanceTimersByTime(400); // and two redraws
        expect({ columns, total, line: terminal.screen.length <= columns - 1 }).toEqual({ columns, total, line: true });
        expect(terminal.reachedLastColumn || terminal.wrapped).toBe(false);
        expect(terminal.rows).toHaveLength(1);
        progress.stop();
      }
    }
  });

  test('narrower: the bar shrinks, then goes, then the figures go from the right', () => {
    const at = (columns: number): string => {
      const terminal = new FakeTerminal(columns);
      drawnOn(terminal).stop();
      return terminal.written.split('\r\x1b[K')[1];
    };
    const full = at(200);
    expect(full).toMatch(/^\[[#.]{24}\] /);
    // Exactly fits in columns - 1; one column less and the bar loses a cell.
    expect(at(full.length + 1)).toBe(full);
    expect(at(full.length)).toMatch(/^\[[#.]{23}\] /);
    expect(at(full.length + 1 - 14)).toMatch(/^\[[#.]{10}\] /);
    // Fewer than 10 cells: no bar.
    expect(at(full.length - 14)).toBe(full.slice(full.indexOf(']') + 2));
    expect(at(full.length - 14)).toMatch(
      /^ 50% {2}500000\.0 MB {2}9876543210 frames {2}[\d.]+ MB\/s of 1000000\.0 MB$/,
    );
    expect(at(50)).toBe(' 50%  500000.0 MB  9876543210 frames');
    expect(at(20)).toBe(' 50%');
    expect(at(4)).toBe(' 50');
  });

  test('the width is read again at every redraw', () => {
    const terminal = new FakeTerminal(200);
    drawnOn(terminal);
    expect(terminal.screen).toMatch(/^\[[#.]{24}\]/);
    terminal.columns = 30; // no 'resize' event: the next redraw still sees it
    terminal.rows = [terminal.rows[0].slice(0, 30)];
    vi.advanceTimersByTime(200);
    expect(terminal.screen).toBe(' 50%');
  });

  test('a terminal that gives no width is taken for 80 columns', () => {
    const terminal = new FakeTerminal(0);
    terminal.columns = 0;
    const progress = new Progress(TB, terminal);
    progress.update(TB / 2, 1);
    vi.advanceTimersByTime(1000);
    const line = terminal.written.split('\r\x1b[K')[1];
    expect(line.length).toBeLessThanOrEqual(79);
    expect(line.length).toBeGreaterThan(60);
  });
});

describe('a resize', () => {
  test('narrower: the line is erased and drawn to the new width at once, nothing of the old one is left', () => {
    const terminal = new FakeTerminal(120);
    drawnOn(terminal);
    const before = terminal.screen;
    expect(before.length).toBeGreaterThan(40);
    const mark = terminal.written.length;
    terminal.resize(40); // no timer runs: the redraw comes from the event
    const after = terminal.written.slice(mark);
    expect(after.startsWith('\r\x1b[K')).toBe(true);
    expect(terminal.screen).toBe(' 50%  500000.0 MB  9876543210 frames');
    expect(terminal.screen.length).toBeLessThanOrEqual(39);
    expect(terminal.reachedLastColumn || terminal.wrapped).toBe(false);
  });

  test('wider: the bar comes back', () => {
    const terminal = new FakeTerminal(40);
    drawnOn(terminal);
    expect(terminal.screen).not.toContain('[');
    terminal.resize(200);
    expect(terminal.screen).toMatch(/^\[[#.]{24}\] /);
  });

  test('before the first draw: nothing is drawn early', () => {
    const terminal = new FakeTerminal(80);
    const progress = new Progress(TB, terminal);
    terminal.resize(40);
    expect(terminal.written).toBe('');
    progress.stop();
  });
});

describe('the end', () => {
  test('stop() erases the line, stops the timer and stops listening for resizes', () => {
    const terminal = new FakeTerminal(80);
    const progress = drawnOn(terminal);
    expect(terminal.screen).not.toBe('');
    expect(terminal.listenerCount('resize')).toBe(1);
    progress.stop();
    expect(terminal.written.endsWith('\r\x1b[K')).toBe(true);
    expect(terminal.screen).toBe('');
    expect(terminal.listenerCount('resize')).toBe(0);
    const mark = terminal.written.length;
    vi.advanceTimersByTime(5000);
    terminal.resize(30);
    expect(terminal.written.length).toBe(mark);
  });

  test('stop() before the first draw writes nothing', () => {
    const terminal = new FakeTerminal(80);
    new Progress(TB, terminal).stop();
    vi.advanceTimersByTime(5000);
    expect(terminal.written).toBe('');
  });

  test('not a terminal: nothing is drawn and nothing listened to', () => {
    const terminal = new FakeTerminal(80);
    terminal.isTTY = false;
    const progress = new Progress(TB, terminal);
    vi.advanceTimersByTime(5000);
    expect(terminal.written).toBe('');
    expect(terminal.listenerCount('resize')).toBe(0);
    progress.stop();
    expect(terminal.written).toBe('');
  });
});
