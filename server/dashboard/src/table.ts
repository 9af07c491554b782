/**
 * The sessions table. One <tr> per session, kept in a Map by ID; a change touches only
 * the cells whose text changed, and all DOM work for a burst of diffs happens in one
 * animation frame (see rows.ts). Rows near the viewport (an IntersectionObserver tells
 * which) are written at once; others catch up a slice per frame, so a diff touching
 * hundreds of rows never stalls a frame. The clocks tick in the rows near the viewport;
 * others show theirs when scrolled to. Rows stay sorted by binary insertion; only a
 * header click (or a big batch) re-sorts everything. Keyboard: a roving tabindex over the rows (arrows, Home,
 * End, Page Up/Down), Enter or Space opens the details, Delete asks to terminate.
 */
import { COLUMNS, type CellContext } from './columns.js';
import { frameBatcher, h, setText } from './dom.js';
import { formatCount } from './format.js';
import {
  clusterOf,
  compareSortable,
  compareValues,
  insertionIndexOf,
  nextSort,
  sortValue,
  type Entry,
  type SortKey,
  type SortState,
  type StoreChanges,
} from './model.js';
import { STALE_AWARE, TICKING, createRow, renderCells, setBadge, setSelected, type Row } from './rows.js';

/** Above this many moved or new rows in one frame, one full sort beats many insertions. */
const BULK = 64;
/** Off-screen rows brought up to date per frame. */
const CATCH_UP_PER_FRAME = 300;

export interface TableOptions {
  /** Enter, Space or a click on a row. */
  onSelect(id: string): void;
  /** Delete on a row. */
  onTerminate(id: string): void;
  /** After each frame that changed rows. */
  afterFlush(): void;
  /** Local monotonic clock; `performance.now` by default. */
  now?: () => number;
}

export class TableView {
  private readonly rows = new Map<string, Row>();
  private order: Row[] = [];
  private readonly pendingUpsert = new Map<string, Entry>();
  private readonly pendingRemove = new Set<string>();
  private sort: SortState = { key: 'username', direction: 'ascending' };
  private readonly tbody: HTMLTableSectionElement;
  private readonly headers = new Map<SortKey, HTMLTableCellElement>();
  private selfId: string | null = null;
  private selectedId: string | null = null;
  /** The row that takes Tab focus (roving tabindex). */
  private activeId: string | null = null;
  private readonly schedule: () => void;
  private readonly now: () => number;
  /** Rows in or near the viewport: the only ones whose clocks tick. */
  private readonly visible = new Set<Row>();
  /** Off-screen rows whose cells lag behind their entry. */
  private readonly behind = new Set<Row>();
  private tickDue = false;
  /** Local ms at which the live feed was lost (the clocks stop there), or null while live. */
  private staleAt: number | null = null;
  /** The stale marking changed: every row's state and clocks are redrawn. */
  private restyleDue = false;
  private readonly observer: IntersectionObserver | null;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly countEl: HTMLElement,
    private readonly emptyEl: HTMLElement,
    private readonly options: TableOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = frameBatcher(() => this.flush());
    this.observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => this.onIntersect(entries), { root: table.closest('.table-wrap'), rootMargin: '240px 0px' })
        : null;
    const headRow = h('tr');
    for (const col of COLUMNS) {
      const button = h('button', { type: 'button', class: 'sort-btn', 'data-sort': col.key }, col.label, h('span', { class: 'sort-icon', 'aria-hidden': 'true' }));
      const th = h('th', { scope: 'col', class: col.cls }, button);
      this.headers.set(col.key, th);
      headRow.append(th);
    }
    const thead = table.tHead ?? table.createTHead();
    thead.replaceChildren(headRow);
    this.tbody = table.tBodies[0] ?? table.createTBody();
    thead.addEventListener('click', (ev) => {
      const button = (ev.target as Element).closest('button[data-sort]');
      const key = button?.getAttribute('data-sort');
      if (key) this.setSort(nextSort(this.sort, key as SortKey));
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
    this.renderSortState();
  }

  get size(): number {
    return this.rows.size;
  }

  get sortState(): SortState {
    return { ...this.sort };
  }

  /** The session IDs in table order (after the last frame). */
  get orderedIds(): string[] {
    return this.order.map((r) => r.id);
  }

  /** Queues store changes for the next frame. */
  apply(changes: StoreChanges): void {
    for (const id of changes.removed) {
      this.pendingUpsert.delete(id);
      this.pendingRemove.add(id);
    }
    for (const e of [...changes.added, ...changes.updated]) {
      this.pendingRemove.delete(e.info.id);
      this.pendingUpsert.set(e.info.id, e);
      // A cluster-mode server names each session's node: show that column from then on.
      if (clusterOf(e.info).node !== undefined) this.table.classList.add('is-cluster');
    }
    if (this.pendingRemove.size + this.pendingUpsert.size > 0) this.schedule();
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

  /** Focuses a row (e.g. when the details panel closes). */
  focusRow(id: string): void {
    if (this.rows.has(id)) this.setActive(id, true);
  }

  setSort(sort: SortState): void {
    this.sort = sort;
    for (const row of this.order) row.sortVal = sortValue(row.entry, sort.key);
    this.resortAll();
    this.renderSortState();
  }

  /**
   * Advances the clocks shown (uptime, last comm) at the next frame, together with any
   * pending diff: only cells whose text changed are written.
   */
  tick(): void {
    this.tickDue = true;
    this.schedule();
  }

  /**
   * Marks every row as the last known state (`at`: local ms the feed was lost; the clocks
   * stop there), or live again (null).
   */
  setStale(at: number | null): void {
    if (at === this.staleAt) return;
    this.staleAt = at;
    this.restyleDue = true;
    this.schedule();
  }

  /** Drops every row at once (sign-out). */
  clear(): void {
    this.pendingUpsert.clear();
    this.pendingRemove.clear();
    this.rows.clear();
    this.order = [];
    this.visible.clear();
    this.behind.clear();
    this.observer?.disconnect();
    this.tbody.replaceChildren();
    this.activeId = null;
    this.renderCount();
  }

  /** What cells are drawn against now. */
  private context(): CellContext {
    const now = this.now();
    return this.staleAt === null ? { now, stale: false } : { now: Math.min(now, this.staleAt), stale: true };
  }

  private flush(): void {
    const ctx = this.context();
    for (const id of this.pendingRemove) this.removeRow(id);
    this.pendingRemove.clear();
    const placed: Row[] = [];
    for (const entry of this.pendingUpsert.values()) {
      let row = this.rows.get(entry.info.id);
      if (row === undefined) {
        row = createRow(entry, ctx, sortValue(entry, this.sort.key));
        if (row.id === this.selfId) setBadge(row, true);
        if (row.id === this.selectedId) setSelected(row, true);
        this.observer?.observe(row.tr);
        this.rows.set(row.id, row);
        placed.push(row);
        continue;
      }
      row.entry = entry;
      if (this.observer === null || this.visible.has(row)) this.renderRow(row, ctx);
      else this.behind.add(row);
      const v = sortValue(entry, this.sort.key);
      if (compareValues(v, row.sortVal) !== 0) {
        row.sortVal = v;
        this.order.splice(this.indexOf(row), 1);
        placed.push(row);
      }
    }
    this.pendingUpsert.clear();
    if (this.restyleDue) {
      this.restyleDue = false;
      for (const row of this.order) {
        if (this.observer === null || this.visible.has(row)) renderCells(row, ctx, STALE_AWARE);
        else this.behind.add(row);
      }
    }
    let budget = CATCH_UP_PER_FRAME;
    for (const row of this.behind) {
      if (budget-- === 0) break;
      this.renderRow(row, ctx);
    }
    if (this.behind.size > 0) this.schedule();
    if (this.tickDue) {
      this.tickDue = false;
      for (const row of this.observer === null ? this.order : this.visible) renderCells(row, ctx, TICKING);
    }
    if (placed.length > BULK || this.order.length === 0) {
      this.order.push(...placed);
      this.resortAll();
    } else {
      for (const row of placed) this.insert(row);
    }
    if (this.activeId === null || !this.rows.has(this.activeId)) {
      const first = this.order[0];
      if (first) this.setActive(first.id, false);
    }
    this.renderCount();
    this.options.afterFlush();
  }

  private renderRow(row: Row, ctx: CellContext): void {
    this.behind.delete(row);
    renderCells(row, ctx);
  }

  /** Index of `row` in the order. */
  private indexOf(row: Row): number {
    const i = this.order.indexOf(row);
    if (i === -1) throw new Error(`row ${row.id} is not in the order`);
    return i;
  }

  private insert(row: Row): void {
    const lo = insertionIndexOf(this.order, row, this.sort.direction);
    const next = this.order[lo];
    this.order.splice(lo, 0, row);
    if (row.tr.nextSibling !== (next?.tr ?? null) || row.tr.parentNode !== this.tbody) {
      const hadFocus = document.activeElement === row.tr;
      this.tbody.insertBefore(row.tr, next?.tr ?? null);
      if (hadFocus) row.tr.focus({ preventScroll: true });
    }
  }

  private resortAll(): void {
    const direction = this.sort.direction;
    this.order.sort((a, b) => compareSortable(a, b, direction));
    const focused = document.activeElement;
    const frag = document.createDocumentFragment();
    for (const row of this.order) frag.append(row.tr);
    this.tbody.append(frag);
    if (focused instanceof HTMLElement && this.tbody.contains(focused)) focused.focus({ preventScroll: true });
  }

  private removeRow(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    const i = this.indexOf(row);
    const hadFocus = document.activeElement === row.tr || row.tr.contains(document.activeElement);
    this.order.splice(i, 1);
    this.rows.delete(id);
    this.visible.delete(row);
    this.behind.delete(row);
    this.observer?.unobserve(row.tr);
    row.tr.remove();
    if (this.activeId === id) {
      const neighbour = this.order[Math.min(i, this.order.length - 1)];
      this.activeId = null;
      if (neighbour) this.setActive(neighbour.id, hadFocus);
    }
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    const ctx = this.context();
    for (const e of entries) {
      const row = this.rows.get(e.target.getAttribute('data-session-id') ?? '');
      if (row === undefined || row.tr !== e.target) continue;
      if (e.isIntersecting) {
        this.visible.add(row);
        if (this.behind.has(row)) this.renderRow(row, ctx);
        else renderCells(row, ctx, TICKING);
      } else {
        this.visible.delete(row);
      }
    }
  }

  private setActive(id: string, focus: boolean): void {
    if (this.activeId !== id) {
      const old = this.activeId === null ? undefined : this.rows.get(this.activeId);
      if (old) old.tr.tabIndex = -1;
      this.activeId = id;
    }
    const row = this.rows.get(id);
    if (!row) return;
    row.tr.tabIndex = 0;
    if (focus) row.tr.focus();
  }

  private onKey(ev: KeyboardEvent): void {
    const tr = (ev.target as Element).closest('tr[data-session-id]');
    const id = tr?.getAttribute('data-session-id');
    if (!id || ev.target !== tr) return;
    const row = this.rows.get(id);
    if (!row) return;
    const i = this.order.indexOf(row);
    const go = (j: number): void => {
      const target = this.order[Math.max(0, Math.min(this.order.length - 1, j))];
      if (target) this.setActive(target.id, true);
    };
    switch (ev.key) {
      case 'ArrowDown':
        go(i + 1);
        break;
      case 'ArrowUp':
        go(i - 1);
        break;
      case 'PageDown':
        go(i + 10);
        break;
      case 'PageUp':
        go(i - 10);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(this.order.length - 1);
        break;
      case 'Enter':
      case ' ':
        this.options.onSelect(id);
        break;
      case 'Delete':
        this.options.onTerminate(id);
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  private renderSortState(): void {
    for (const [key, th] of this.headers) {
      if (key === this.sort.key) th.setAttribute('aria-sort', this.sort.direction);
      else th.removeAttribute('aria-sort');
    }
  }

  private renderCount(): void {
    const n = this.order.length;
    // Only on change: the count sits in the caption, and touching it relays out the table.
    setText(this.countEl, `${formatCount(n)} session${n === 1 ? '' : 's'}`);
    if (this.emptyEl.hidden !== n > 0) this.emptyEl.hidden = n > 0;
  }
}
