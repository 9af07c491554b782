/**
 * A result given as JSON text: a head, one piece per item joined by commas, a tail. Large
 * lists go out as one WebSocket message in fragments, built a slice at a time so the event
 * loop keeps serving everyone else while a 15,000-session answer is written.
 */
export class RawJson {
  private constructor(
    readonly head: string,
    readonly count: number,
    readonly renderAt: (index: number) => string,
    readonly tail: string,
  ) {}

  static of<T>(head: string, items: readonly T[], render: (item: T) => string, tail: string): RawJson {
    return new RawJson(head, items.length, (i) => render(items[i] as T), tail);
  }

  /** The same items inside another head and tail. */
  wrap(head: string, tail: string): RawJson {
    return new RawJson(head + this.head, this.count, this.renderAt, this.tail + tail);
  }

  /** Items [from, to) rendered and comma-joined. */
  slice(from: number, to: number): string {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(this.renderAt(i));
    return parts.join(',');
  }

  /** The whole text at once (batches, small answers). */
  text(): string {
    return this.head + this.slice(0, this.count) + this.tail;
  }
}
