// The CLI's "did you mean" arithmetic (src/cli/args.ts), without the program.
import { describe, expect, test } from 'vitest';
import { alternatives, closest, editDistance } from '../../src/cli/args.js';

describe('editDistance counts each slip of the keys as one edit', () => {
  test.each([
    ['length', 'length', 0],
    ['lenght', 'length', 1], // two neighbours swapped
    ['delimeter', 'delimiter', 1], // one substituted
    ['line', 'lines', 1], // one missing
    ['liness', 'lines', 1], // one extra
    ['', 'fixed', 5],
    ['fixed', '', 5],
    ['bogus', 'lines', 4],
    ['ca', 'abc', 3], // a swap is not followed by further edits of the same characters
  ])('%s -> %s: %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const FLAGS = ['lines', 'length-field', 'delimiter', 'max-frame-length', 'padding', 'port'];

  test('finds the one flag a slip away', () => {
    expect(closest('lenght-field', FLAGS)).toEqual(['length-field']);
    expect(closest('max-frame-lenght', FLAGS)).toEqual(['max-frame-length']);
  });

  test('ignores case', () => {
    expect(closest('LINES', FLAGS)).toEqual(['lines']);
  });

  test('allows one edit per three characters, and always one', () => {
    expect(closest('prot', FLAGS)).toEqual(['port']); // 1 edit in 4 characters
    expect(closest('dlimter', FLAGS)).toEqual(['delimiter']); // 2 edits in 7
    expect(closest('delim', FLAGS)).toEqual([]); // 4 edits in 5
    expect(closest('x', ['y'])).toEqual(['y']);
    expect(closest('xy', ['ab'])).toEqual([]);
  });

  test('returns every candidate at the smallest distance, in their order', () => {
    expect(closest('ecode', ['decode', 'encode', 'demo'])).toEqual(['decode', 'encode']);
  });
});

test('alternatives joins with commas and a final "or"', () => {
  expect(alternatives([])).toBe('');
  expect(alternatives(['a'])).toBe('a');
  expect(alternatives(['a', 'b'])).toBe('a or b');
  expect(alternatives(['a', 'b', 'c'])).toBe('a, b or c');
});
