/**
 * A list read page by page with keyset cursors: the first page on `start`, the next one
 * on "Load more" (following `next`, never everything at once), and the states in between:
 * loading, empty, failed. A newer `start` makes the answers of older ones count for nothing.
 */
import { setText } from './dom.js';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PagerOptions<T> {
  /** The status line: "Loading…", the empty text, an error. */
  state: HTMLElement;
  more: HTMLButtonElement;
  /** Shows a page: `append` false replaces what is shown. */
  render(items: readonly T[], append: boolean): void;
  /** The text when the whole window holds nothing. */
  emptyText(): string;
  /** The words for a failure, or null when it was shown elsewhere (next to a field). */
  errorText(err: unknown): string | null;
  /** After every page: the count and whether more is left; null after a failure. */
  after?(result: { count: number; more: boolean } | null): void;
}

export class Pager<T> {
  private seq = 0;
  private fetch: ((cursor: string | null) => Promise<Page<T>>) | null = null;
  private next: string | null = null;
  private count = 0;
  /** The last load failed (its count is not one to show). */
  private failed = false;

  constructor(private readonly options: PagerOptions<T>) {
    options.more.addEventListener('click', () => void this.load(true));
    this.clear();
  }

  get size(): number {
    return this.count;
  }

  /** Reads the first page of a new query. */
  start(fetch: (cursor: string | null) => Promise<Page<T>>): Promise<void> {
    this.fetch = fetch;
    this.next = null;
    return this.load(false);
  }

  /** Shows nothing (signed out, or a query that could not be made). */
  clear(text = ''): void {
    this.seq++;
    this.fetch = null;
    this.next = null;
    this.count = 0;
    this.options.render([], false);
    this.setState(text, text === '' ? null : 'error');
    this.options.more.hidden = true;
    this.options.after?.(null);
  }

  private setState(text: string, kind: 'loading' | 'empty' | 'error' | null): void {
    const { state } = this.options;
    setText(state, text);
    state.hidden = text === '';
    if (kind === null) delete state.dataset.kind;
    else state.dataset.kind = kind;
  }

  private async load(append: boolean): Promise<void> {
    const fetch = this.fetch;
    if (fetch === null || (append && this.next === null)) return;
    const seq = ++this.seq;
    const { more } = this.options;
    more.disabled = true;
    setText(more, 'Loading…');
    if (!append) {
      this.count = 0;
      this.options.render([], false);
      more.hidden = true;
      this.setState('Loading…', 'loading');
    }
    this.failed = false;
    try {
      const page = await fetch(append ? this.next : null);
      if (seq !== this.seq) return;
      this.next = page.next;
      this.count += page.items.length;
      this.options.render(page.items, append);
      if (this.count === 0) {
        // A filtered page may come back empty with more to look at (the server bounds each call).
        this.setState(page.next === null ? this.options.emptyText() : `${this.options.emptyText()} in the rows looked at so far.`, 'empty');
      } else {
        this.setState('', null);
      }
    } catch (err) {
      if (seq !== this.seq) return;
      const text = this.options.errorText(err);
      this.failed = true;
      if (!append) this.options.render([], false);
      // Shown next to a field: the list says where to look.
      this.setState(text ?? 'Correct the field marked above to search.', text === null ? 'empty' : 'error');
      if (!append) this.next = null;
    } finally {
      if (seq === this.seq) {
        more.disabled = false;
        setText(more, 'Load more');
        more.hidden = this.next === null;
        this.options.after?.(this.failed && !append ? null : { count: this.count, more: this.next !== null });
      }
    }
  }
}
