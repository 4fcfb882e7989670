// Reading protocol messages for the relay's checks: a cursor over one frame that
// throws, naming the protocol and the offset, on anything out of bounds.

export class WireError extends Error {
  override name = 'WireError';
}

export class Reader {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get left(): number {
    return this.bytes.length - this.offset;
  }

  fail(message: string): never {
    throw new WireError(`${this.what}: ${message} (at byte ${this.offset} of ${this.bytes.length})`);
  }

  need(n: number): void {
    if (n < 0 || this.offset + n > this.bytes.length) this.fail(`needs ${n} more bytes, ${this.left} left`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const v = (b[this.offset] << 8) | b[this.offset + 1];
    this.offset += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const v = (b[this.offset] << 16) | (b[this.offset + 1] << 8) | b[this.offset + 2];
    this.offset += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const v =
      (b[this.offset] * 2 ** 24 + ((b[this.offset + 1] << 16) | (b[this.offset + 2] << 8) | b[this.offset + 3])) >>> 0;
    this.offset += 4;
    return v;
  }

  i16(): number {
    const v = this.u16();
    return v >= 0x8000 ? v - 0x10000 : v;
  }

  i32(): number {
    return this.u32() | 0;
  }

  bytesOf(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  /** A NUL-terminated string (PostgreSQL's String). */
  cstring(): string {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0) this.fail('string without its NUL terminator');
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.offset, end));
    this.offset = end + 1;
    return s;
  }

  /** A string of `n` bytes that must be valid UTF-8. */
  utf8(n: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytesOf(n));
    } catch (e) {
      if (e instanceof WireError) throw e;
      this.fail('invalid UTF-8');
    }
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.left !== 0) this.fail(`${this.left} unexpected bytes at the end`);
  }
}

export function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
