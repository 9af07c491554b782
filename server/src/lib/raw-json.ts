import type { ByteWriter } from './byte-writer.js';

/**
 * A result given as JSON text: a head, one piece per item joined by commas, a tail. Large
 * lists go out as one WebSocket message in fragments, built a slice at a time so the event
 * loop keeps serving everyone else while a 15,000-session answer is written. Items that can
 * write themselves as bytes (`writeAt`) are never made into strings on the way out.
 */
export class RawJson {
  private constructor(
    readonly head: string,
    readonly count: number,
    readonly renderAt: (index: number) => string,
    readonly tail: string,
    private readonly writeAt: ((index: number, w: ByteWriter) => void) | undefined,
  ) {}

  /** `write`, when given, must write exactly the bytes of `render`'s text (it is the fast path). */
  static of<T>(
    head: string,
    items: readonly T[],
    render: (item: T) => string,
    tail: string,
    write?: (item: T, w: ByteWriter) => void,
  ): RawJson {
    return new RawJson(head, items.length, (i) => render(items[i] as T), tail, write && ((i, w) => write(items[i] as T, w)));
  }

  /** The same items inside another head and tail. */
  wrap(head: string, tail: string): RawJson {
    return new RawJson(head + this.head, this.count, this.renderAt, this.tail + tail, this.writeAt);
  }

  /** Items [from, to) rendered and comma-joined. */
  slice(from: number, to: number): string {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(this.renderAt(i));
    return parts.join(',');
  }

  /** Items [from, to) comma-joined, as UTF-8 into `w`. */
  writeSlice(from: number, to: number, w: ByteWriter): void {
    const write = this.writeAt;
    for (let i = from; i < to; i++) {
      if (i > from) w.byte(0x2c);
      if (write) write(i, w);
      else w.text(this.renderAt(i));
    }
  }

  /** The whole text at once (batches, small answers). */
  text(): string {
    return this.head + this.slice(0, this.count) + this.tail;
  }
}
