// @ts-check
// The few assertions the portable suite needs. Plain JavaScript with no imports,
// so that the same file runs in Deno and, unchanged, in a browser page.

/**
 * A readable rendering for failure messages; bytes as hex.
 * @param {unknown} value
 * @returns {string}
 */
export function show(value) {
  if (value instanceof Uint8Array) return `<${[...value].map((b) => b.toString(16).padStart(2, '0')).join(' ')}>`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Deep equality of plain data: primitives, arrays, Uint8Arrays, plain objects.
 * @param {any} a
 * @param {any} b
 * @returns {boolean}
 */
function equal(a, b) {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

/**
 * @param {unknown} actual
 * @param {unknown} expected
 * @param {string} [what]
 */
export function assertEquals(actual, expected, what = 'value') {
  if (!equal(actual, expected)) throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * Checks that `error` is an instance of `cls` with the given `code`.
 * @template {Error} E
 * @param {unknown} error
 * @param {new (...args: any[]) => E} cls
 * @param {string} [code]
 * @returns {E}
 */
export function assertError(error, cls, code) {
  if (!(error instanceof cls)) {
    const got = error instanceof Error ? `${error.name}: ${error.message}` : show(error);
    throw new Error(`expected ${cls.name}${code ? ` (${code})` : ''}, got ${got}`);
  }
  const actual = /** @type {{ code?: unknown }} */ (error).code;
  if (code !== undefined && actual !== code) throw new Error(`expected code ${code}, got ${show(actual)}`);
  return error;
}

/**
 * Runs `fn`, which must throw an instance of `cls` with `code`; returns the error.
 * @template {Error} E
 * @param {() => unknown} fn
 * @param {new (...args: any[]) => E} cls
 * @param {string} [code]
 * @returns {E}
 */
export function assertThrows(fn, cls, code) {
  try {
    fn();
  } catch (e) {
    return assertError(e, cls, code);
  }
  throw new Error(`expected ${cls.name}${code ? ` (${code})` : ''}, nothing was thrown`);
}

/**
 * Awaits `promise`, which must reject with an instance of `cls` with `code`.
 * @template {Error} E
 * @param {Promise<unknown>} promise
 * @param {new (...args: any[]) => E} cls
 * @param {string} [code]
 * @returns {Promise<E>}
 */
export async function assertRejects(promise, cls, code) {
  try {
    await promise;
  } catch (e) {
    return assertError(e, cls, code);
  }
  throw new Error(`expected a rejection with ${cls.name}${code ? ` (${code})` : ''}, it resolved`);
}
