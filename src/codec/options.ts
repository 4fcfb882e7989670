// Private: option validation shared by the constructors. Each helper names the
// option in its InvalidOptionError. Options left undefined take their default;
// keys a constructor does not know are ignored (so one options object can be
// shared by a matching decoder and encoder).
import { InvalidOptionError } from './errors.js';

export type Trailing = 'error' | 'emit' | 'drop';
export type OnTooLong = 'error' | 'skip';

/** Passed to `onDiscard` when `onTooLong: 'skip'` drops a frame. */
export interface DiscardInfo {
  reason: 'too-long';
  /** Number of stream bytes dropped (header or delimiter included). */
  bytes: number;
  /** Stream offset where the dropped frame began. */
  offset: number;
}

/** Options every decoder with a frame-length limit takes. */
export interface LimitOptions {
  /**
   * Longest accepted frame, in bytes; a frame of exactly this length is accepted.
   * @default 8 * 1024 * 1024
   */
  maxFrameLength?: number;
  /**
   * Raise (or start discarding) as soon as a frame is known to be too long,
   * instead of after its bytes have arrived. Only the timing changes.
   * @default true
   */
  failFast?: boolean;
  /**
   * `'error'` throws `FrameTooLongError` and fails the decoder; `'skip'` drops the
   * frame, counts it in `stats` and goes on.
   * @default 'error'
   */
  onTooLong?: OnTooLong;
  /** Called for each frame dropped by `onTooLong: 'skip'`, before `decode` returns. */
  onDiscard?: (info: DiscardInfo) => void;
}

export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

export function objectOption<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== 'object')
    throw new InvalidOptionError(name, `${name} must be an object, got ${describe(value)}`);
  return value;
}

export function integer(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new InvalidOptionError(name, `${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

export function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidOptionError(name, `${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function oneOf<T extends string | number>(name: string, value: unknown, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InvalidOptionError(
      name,
      `${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

export function callback<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new InvalidOptionError(name, `${name} must be a function, got ${describe(value)}`);
  return value as F;
}

/** Limit options, validated and with defaults applied. */
export interface Limits {
  max: number;
  failFast: boolean;
  skip: boolean;
  onDiscard: ((info: DiscardInfo) => void) | undefined;
}

export function limits(o: LimitOptions): Limits {
  return {
    max: maxFrameLength(o.maxFrameLength),
    failFast: boolean('failFast', o.failFast, true),
    skip: oneOf<OnTooLong>('onTooLong', o.onTooLong, 'error', ['error', 'skip']) === 'skip',
    onDiscard: callback('onDiscard', o.onDiscard),
  };
}

export function maxFrameLength(value: unknown): number {
  return integer('maxFrameLength', value, DEFAULT_MAX_FRAME_LENGTH, 0);
}

export function trailing(value: unknown, fallback: Trailing): Trailing {
  return oneOf<Trailing>('trailing', value, fallback, ['error', 'emit', 'drop']);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  return typeof value === 'function' ? 'a function' : `an ${typeof value}`;
}

/** "1 byte", "2 bytes": for messages. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The decoder an adapter was given: anything with decode() and end(). @internal */
export function requireDecoder<D extends { decode: unknown; end: unknown }>(value: D, name = 'decoder'): D {
  const d = value as Partial<Record<'decode' | 'end', unknown>> | null;
  if (typeof d !== 'object' || d === null || typeof d.decode !== 'function' || typeof d.end !== 'function') {
    throw new InvalidOptionError(
      name,
      `${name} must be an object with a decode() method and an end() method (a framecodec decoder), got ${describe(value)}`,
    );
  }
  return value;
}

/** The encoder an adapter was given: anything with encode(). @internal */
export function requireEncoder<E extends { encode: unknown }>(value: E, name = 'encoder'): E {
  const e = value as Partial<Record<'encode', unknown>> | null;
  if (typeof e !== 'object' || e === null || typeof e.encode !== 'function') {
    throw new InvalidOptionError(name, `${name} must be an object with an encode() method, got ${describe(value)}`);
  }
  return value;
}

/** A `signal` option: an AbortSignal, or undefined. @internal */
export function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const s = value as Partial<AbortSignal> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.aborted !== 'boolean' ||
    typeof s.addEventListener !== 'function'
  ) {
    throw new InvalidOptionError('signal', `signal must be an AbortSignal, got ${describe(value)}`);
  }
  return value as AbortSignal;
}
