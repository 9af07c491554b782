/**
 * The sessions table, virtual: the scroller is as high as every matching session's row
 * (`total`), but only the rows in view plus a small margin exist as <tr>s. The table's top
 * and bottom margins stand in for the rows above and below, so the sticky header and the
 * fixed column layout work as for a plain table. The rows come from the window the live
 * controller fetched (window.ts: the server sorts and filters); a new window touches only
 * the rows drawn: a row is kept by session ID, its cells written only where their text
 * changed, and moved only when its place changed. Keyboard: a roving tabindex over the rows
 * (arrows, Home, End, Page Up/Down scroll to rows not drawn yet), Enter or Space opens the
 * details, Delete asks to terminate.
 */
import type { CellContext } from './columns.js';
import type { LivePage } from './live.js';
import { frameBatcher, setText } from './dom.js';
import { formatCount } from './format.js';
import { nextSort, type Entry, type SortKey, type SortState } from './model.js';
import { STALE_AWARE, TICKING, createHeaderRow, createRow, rebind, renderCells, setBadge, setSelected, type Row } from './rows.js';
import { keyTarget, rowsIn, scrollFor, visibleRange, widen, type Range } from './window.js';

/** Rows drawn above and below the viewport (a small scroll shows them at once). */
const DRAW_MARGIN = 8;
/** A row's height until one is measured (dashboard.css: 19 px line, 2 × 6 px padding, 1 px border). */
const DEFAULT_ROW_HEIGHT = 32;

/** What the table draws: a window of the sorted list, as entries, from row `offset`, of `total`, in the order `sort`. */
export type TablePage = LivePage;

export interface TableOptions {
  /** Enter, Space or a click on a row. */
  onSelect(id: string): void;
  /** Delete on a row. */
  onTerminate(id: string): void;
  /** The rows in view changed (scroll, resize): the window may need other rows. */
  onViewport(): void;
  /** A header click asked for another order. */
  onSort(sort: SortState): void;
  /** Local monotonic clock; `performance.now` by default. */
  now?: () => number;
}

export class TableView {
  /** The rows drawn, by session ID, and their row index in the whole list. */
  private readonly rows = new Map<string, Row>();
  private readonly indexes = new Map<string, number>();
  /** The IDs drawn, in order from row `firstIndex`: as window.ts's tested `rowsIn` gave them (the server's order). */
  private drawn: string[] = [];
  private firstIndex = 0;
  private page: TablePage | null = null;
  private sort: SortState = { key: 'username', direction: 'ascending' };
  private readonly wrap: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly headers = new Map<SortKey, HTMLTableCellElement>();
  private selfId: string | null = null;
  private selectedId: string | null = null;
  /** The row that takes Tab focus (roving tabindex), by ID and by index. */
  private activeId: string | null = null;
  private activeIndex = 0;
  /** A key press moved to a row not drawn yet: focus it once it is. */
  private focusIndex: number | null = null;
  private rowHeight = DEFAULT_ROW_HEIGHT;
  private rowMeasured = false;
  private readonly schedule: () => void;
  private readonly now: () => number;
  private tickDue = false;
  /** Local ms at which the live feed was lost (the clocks stop there), or null while live. */
  private staleAt: number | null = null;
  private restyleDue = false;
  private drawDue = false;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly countEl: HTMLElement,
    private readonly emptyEl: HTMLElement,
    private readonly options: TableOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = frameBatcher(() => this.flush());
    this.wrap = (table.closest('.table-wrap') as HTMLElement | null) ?? (table.parentElement as HTMLElement);
    this.thead = table.tHead ?? table.createTHead();
    this.thead.replaceChildren(createHeaderRow(this.headers));
    this.tbody = table.tBodies[0] ?? table.createTBody();
    this.thead.addEventListener('click', (ev) => {
      const button = (ev.target as Element).closest('button[data-sort]');
      const key = button?.getAttribute('data-sort');
      if (!key) return;
      const sort = nextSort(this.sort, key as SortKey);
      // At once, a sign that the click was taken; aria-sort follows when the rows are in that order.
      for (const th of this.headers.values()) th.classList.remove('is-sorting');
      this.headers.get(sort.key)?.classList.add('is-sorting');
      this.sort = sort;
      this.wrap.scrollTop = 0;
      options.onSort(sort);
    });
    this.tbody.addEventListener('click', (ev) => {
      const tr = (ev.target as Element).closest('tr[data-session-id]');
      const id = tr?.getAttribute('data-session-id');
      if (id) {
        this.setActive(id, true);
        options.onSelect(id);
      }
    });
    this.tbody.addEventListener('keydown', (ev) => this.onKey(ev));
    this.wrap.addEventListener('scroll', () => this.viewportChanged(), { passive: true });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        // Narrower, cells may wrap differently: measure a row again.
        this.rowMeasured = false;
        this.viewportChanged();
      }).observe(this.wrap);
    }
    this.renderSortState();
  }

  /** Sessions that match (every row, drawn or not). */
  get size(): number {
    return this.page?.total ?? 0;
  }

  /** The order asked for (the rows may still be in the previous one until its window comes). */
  get sortState(): SortState {
    return { ...this.sort };
  }

  /** The rows in view now, of the last total known. */
  get visible(): Range {
    return this.rowsInView(this.size);
  }

  /** The rows in view now, were there `total` rows (Infinity: as many as fit). */
  rowsInView(total: number): Range {
    return visibleRange(this.wrap.scrollTop, this.wrap.clientHeight, this.headHeight(), this.rowHeight, total);
  }

  /** Back to the first row (new filters show their first rows). */
  scrollToTop(): void {
    if (this.wrap.scrollTop !== 0) this.wrap.scrollTop = 0;
  }

  /** A new window: drawn at the next frame. */
  setPage(page: TablePage): void {
    this.page = page;
    for (const e of page.entries) {
      // A cluster-mode server names each session's node: show that column from then on.
      if (SessionTracker.clusterFieldsOf(e.info).node !== undefined) {
        this.table.classList.add('is-cluster');
        break;
      }
    }
    this.drawDue = true;
    this.schedule();
  }

  /** The entry drawn for a session, if it is in the window. */
  entry(id: string): Entry | undefined {
    return this.rows.get(id)?.entry ?? this.page?.entries.find((e) => e.info.id === id);
  }

  /** Marks this dashboard's own session. */
  setSelf(id: string | null): void {
    if (id === this.selfId) return;
    const old = this.selfId === null ? undefined : this.rows.get(this.selfId);
    this.selfId = id;
    if (old) setBadge(old, false);
    const row = id === null ? undefined : this.rows.get(id);
    if (row) setBadge(row, true);
  }

  setSelected(id: string | null): void {
    const old = this.selectedId === null ? undefined : this.rows.get(this.selectedId);
    if (old) setSelected(old, false);
    this.selectedId = id;
    const row = id === null ? undefined : this.rows.get(id);
    if (row) setSelected(row, true);
  }

  /** Focuses a row (e.g. when the details panel closes), if it is drawn. */
  focusRow(id: string): void {
    if (this.rows.has(id)) this.setActive(id, true);
  }

  /** Advances the clocks shown (uptime, last comm) in the rows drawn, at the next frame. */
  tick(): void {
    this.tickDue = true;
    this.schedule();
  }

  /** Marks every row as the last known state (`at`: local ms the feed was lost), or live again (null). */
  setStale(at: number | null): void {
    if (at === this.staleAt) return;
    this.staleAt = at;
    this.restyleDue = true;
    this.schedule();
  }

  /** Drops every row at once (sign-out). */
  clear(): void {
    this.page = null;
    this.rows.clear();
    this.indexes.clear();
    this.drawn = [];
    this.firstIndex = 0;
    this.tbody.replaceChildren();
    this.table.style.marginTop = '';
    this.table.style.marginBottom = '';
    this.activeId = null;
    this.activeIndex = 0;
    this.focusIndex = null;
    this.renderCount();
  }

  private context(): CellContext {
    const now = this.now();
    return this.staleAt === null ? { now, stale: false } : { now: Math.min(now, this.staleAt), stale: true };
  }

  /** Caption and header: the height above the first row. */
  private headHeight(): number {
    return this.tbody.offsetTop;
  }

  private viewportChanged(): void {
    this.drawDue = true;
    this.schedule();
    this.options.onViewport();
  }

  private flush(): void {
    const ctx = this.context();
    if (this.drawDue) {
      this.drawDue = false;
      this.draw(ctx);
    }
    if (this.restyleDue) {
      this.restyleDue = false;
      for (const row of this.rows.values()) renderCells(row, ctx, STALE_AWARE);
    }
    if (this.tickDue) {
      this.tickDue = false;
      for (const row of this.rows.values()) renderCells(row, ctx, TICKING);
    }
  }

  /** Draws the window's rows that are in view (plus the margin); only those exist. */
  private draw(ctx: CellContext): void {
    const page = this.page;
    const total = page?.total ?? 0;
    const want = widen(this.visible, DRAW_MARGIN, total);
    const wanted = rowsIn(page, want);
    const keep = new Set(wanted.map((w) => w.item.info.id));
    const focused = document.activeElement;
    let hadFocus: string | null = null;
    // Rows that left the view are drawn again for sessions that came into it: a new session
    // costs a few text writes, not new elements to style (a sort or a long scroll replaces them all).
    const spare: Row[] = [];
    for (const [id, row] of this.rows) {
      if (keep.has(id)) continue;
      this.rows.delete(id);
      this.indexes.delete(id);
      if (row.tr === focused || row.tr.contains(focused)) {
        hadFocus = id;
        row.tr.remove();
      } else {
        spare.push(row);
      }
    }
    // Walk the rows in order; a row already in its place stays where it is.
    let cursor: ChildNode | null = this.tbody.firstChild;
    for (const { index, item: entry } of wanted) {
      const id = entry.info.id;
      let row = this.rows.get(id);
      if (row === undefined) {
        row = spare.pop();
        if (row === undefined) {
          row = createRow(entry, ctx);
        } else {
          rebind(row, entry, ctx);
        }
        setBadge(row, id === this.selfId);
        setSelected(row, id === this.selectedId);
        this.rows.set(id, row);
      } else if (row.entry !== entry) {
        row.entry = entry;
        renderCells(row, ctx);
      }
      row.tr.tabIndex = id === this.activeId ? 0 : -1;
      this.indexes.set(id, index);
      if (row.tr === cursor) {
        cursor = cursor.nextSibling;
      } else {
        if (row.tr === focused) hadFocus = id;
        this.tbody.insertBefore(row.tr, cursor);
      }
    }
    for (const row of spare) row.tr.remove();
    const first = wanted[0]?.index ?? 0;
    this.drawn = wanted.map((w) => w.item.info.id);
    this.firstIndex = first;
    const end = first + wanted.length;
    // Every row is as high (dashboard.css): measured once (a forced layout), again on a resize.
    const firstRow = wanted[0] === undefined ? undefined : this.rows.get(wanted[0].item.info.id);
    if (firstRow !== undefined && !this.rowMeasured) {
      const measured = firstRow.tr.getBoundingClientRect().height;
      if (measured > 0) {
        this.rowHeight = measured;
        this.rowMeasured = true;
      }
    }
    // The rows not drawn, as margins: the scroller keeps the height of every row.
    this.table.style.marginTop = `${first * this.rowHeight}px`;
    this.table.style.marginBottom = `${Math.max(0, total - end) * this.rowHeight}px`;
    if (hadFocus !== null && this.rows.has(hadFocus)) this.rows.get(hadFocus)?.tr.focus({ preventScroll: true });
    if (page !== null && this.sortMatches(page.sort)) this.renderSortState();
    this.settleActive();
    this.renderCount();
  }

  private sortMatches(sort: SortState): boolean {
    return sort.key === this.sort.key && sort.direction === this.sort.direction;
  }

  /** Keeps the roving tabindex on a drawn row; takes a focus a key press left pending. */
  private settleActive(): void {
    if (this.focusIndex !== null) {
      const id = this.idAt(this.focusIndex);
      if (id !== null) {
        this.focusIndex = null;
        this.setActive(id, true);
        return;
      }
    }
    if (this.activeId !== null && this.rows.has(this.activeId)) return;
    // The active row scrolled away (or left): Tab enters the table at the first row drawn.
    const first = this.drawn[0];
    if (first !== undefined) this.setActive(first, false);
  }

  /** The ID drawn at row `index` (rowsIn gives consecutive rows), or null when it is not drawn. */
  private idAt(index: number): string | null {
    return this.drawn[index - this.firstIndex] ?? null;
  }

  private setActive(id: string, focus: boolean): void {
    if (this.activeId !== id) {
      const old = this.activeId === null ? undefined : this.rows.get(this.activeId);
      if (old) old.tr.tabIndex = -1;
      this.activeId = id;
    }
    this.activeIndex = this.indexes.get(id) ?? this.activeIndex;
    const row = this.rows.get(id);
    if (!row) return;
    row.tr.tabIndex = 0;
    if (focus) row.tr.focus();
  }

  private onKey(ev: KeyboardEvent): void {
    const tr = (ev.target as Element).closest('tr[data-session-id]');
    const id = tr?.getAttribute('data-session-id');
    if (!id || ev.target !== tr) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      this.options.onSelect(id);
    } else if (ev.key === 'Delete') {
      this.options.onTerminate(id);
    } else {
      const index = this.indexes.get(id) ?? this.activeIndex;
      const perPage = Math.max(1, Math.floor((this.wrap.clientHeight - this.thead.offsetHeight) / this.rowHeight) - 1);
      const target = keyTarget(ev.key, index, this.size, perPage);
      if (target === null) return;
      this.moveTo(target);
    }
    ev.preventDefault();
  }

  /** Scrolls row `index` into view and focuses it (now if drawn, else once its window is drawn). */
  private moveTo(index: number): void {
    const top = scrollFor(index, this.wrap.scrollTop, this.wrap.clientHeight, this.headHeight(), this.rowHeight, this.thead.offsetHeight);
    if (top !== this.wrap.scrollTop) this.wrap.scrollTop = top;
    const id = this.idAt(index);
    if (id !== null) {
      this.setActive(id, true);
    } else {
      this.focusIndex = index;
      this.viewportChanged();
    }
  }

  private renderSortState(): void {
    for (const [key, th] of this.headers) {
      th.classList.remove('is-sorting');
      if (key === this.sort.key) th.setAttribute('aria-sort', this.sort.direction);
      else th.removeAttribute('aria-sort');
    }
  }

  private renderCount(): void {
    const n = this.size;
    // Only on change: the count sits in the caption, and touching it relays out the table.
    setText(this.countEl, `${formatCount(n)} session${n === 1 ? '' : 's'}`);
    if (this.emptyEl.hidden !== n > 0) this.emptyEl.hidden = n > 0;
  }
}
