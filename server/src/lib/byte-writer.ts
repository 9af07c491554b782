/**
 * Builds UTF-8 bytes in one growing buffer: big answers are written as bytes from pieces
 * encoded once (a session's fixed fields, its pages) instead of joined into one string and
 * encoded again on every query. Reused by its owner: `take()` copies what was written out.
 */
export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  get length(): number {
    return this.at;
  }

  /** Forgets what was written; keeps the memory. */
  reset(): this {
    this.at = 0;
    return this;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  /** Bytes [from, to) of `src`. */
  bytes(src: Buffer, from = 0, to = src.length): void {
    const n = to - from;
    this.room(n);
    const buf = this.buf;
    // Buffer#copy makes a view of the source on every call (Node 20): for the short constant
    // pieces a loop is faster; longer ones (a user agent, the pages) go through it.
    if (n <= 48) {
      let at = this.at;
      for (let i = from; i < to; i++) buf[at++] = src[i] as number;
    } else src.copy(buf, this.at, from, to);
    this.at += n;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  /** Text as UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** A number as JSON writes it: the digits of a non-negative safe integer directly, anything else through JSON. */
  number(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.text(JSON.stringify(n));
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    this.room(digits);
    const buf = this.buf;
    let at = this.at + digits;
    this.at = at;
    let v = n;
    do {
      buf[--at] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
  }

  /** A copy of what was written, the writer's memory kept for reuse. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.at);
    this.buf.copy(out, 0, 0, this.at);
    return out;
  }

  /** What was written, as text (small pieces). */
  toString(): string {
    return this.buf.toString('utf8', 0, this.at);
  }
}
