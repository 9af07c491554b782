/**
 * The live table's data: the window of rows around the viewport, asked of the server
 * (`sessions.list`: its sort, its filters, `offset`/`limit` around the rows in view), again
 * about once a second, soon after a scroll, and at once on a sort or filter change; and the
 * counts over every matching session (`total`, `getSessionStats`, and how many are
 * connected). One request at a time; an answer made stale by a newer sort or filter is dropped.
 */
import type { MethodResults, ParamsOf, SessionStats } from '@session-tracker/client';
import type { FilterValues } from './filters.js';
import { SessionStore, type Entry, type SortState } from './model.js';
import {
  WINDOW_FIELDS,
  asSessionInfo,
  covers,
  fetchRange,
  filterParams,
  serverSort,
  widen,
  type Range,
  type WindowPage,
} from './window.js';

export type ListQuery = NonNullable<ParamsOf<'sessions.list'>>;
export type ListPage = MethodResults['sessions.list'];

/** What the live list needs of the server (DashboardApi). */
export interface ListSource {
  /** Connected and logged in: calls are answered now. */
  readonly ready: boolean;
  list(query: ListQuery): Promise<ListPage>;
  stats(filters: FilterValues): Promise<SessionStats>;
}

/** What it needs of the table (TableView): where the viewport is. */
export interface WindowView {
  /** The rows in view, were there `total` rows (Infinity: as many as fit). */
  rowsInView(total: number): Range;
  scrollToTop(): void;
}

/** A window as the table draws it: entries from row `offset`, of `total`, in the order `sort`. */
export interface LivePage {
  offset: number;
  entries: readonly Entry[];
  total: number;
  sort: SortState;
}

/** How often the window and the counts are read again. */
export const REFRESH_MS = 1_000;
/** How long a scroll must rest before the rows it shows are asked for (when not at hand yet: at once). */
export const SCROLL_DEBOUNCE_MS = 120;
/** Rows asked for beyond the viewport, each way. */
export const FETCH_MARGIN = 60;
/** The most rows one window holds. */
export const MAX_WINDOW = 500;
/** The query that counts the connected sessions (with the filters): its `total` is the count. */
export const CONNECTED_COUNT = { state: 'connected', limit: 1, fields: ['id'] } as const satisfies ListQuery;

export interface LiveTotals {
  sessions: number;
  /** Connected sessions, counted by the server (exact at any size). */
  connected: number;
  users: number;
  pages: number;
}

export interface LiveHandlers {
  /** A window arrived (the view is live). */
  page(page: LivePage): void;
  totals(totals: LiveTotals): void;
  /** A refresh failed (not a filter or sort change: those reject to their caller). */
  error(err: unknown): void;
}

export class LiveList {
  private filters: FilterValues = { usernameFilter: '', projectFilter: '' };
  private sort: SortState = { key: 'username', direction: 'ascending' };
  /** The rows held: only the window (entries keep when each arrived, for the clocks). */
  private readonly store = new SessionStore();
  private page: WindowPage | null = null;
  /** Bumped by every sort or filter change: answers to older queries are dropped. */
  private generation = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private scrollTimer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly api: ListSource,
    private readonly table: WindowView,
    private readonly handlers: LiveHandlers,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get currentFilters(): FilterValues {
    return { ...this.filters };
  }

  /** The rows held now (the window). */
  entry(id: string): ReturnType<SessionStore['get']> {
    return this.store.get(id);
  }

  /** Starts with the first window; rejects as the server refuses it (e.g. -32003 not an admin). */
  async start(filters: FilterValues): Promise<void> {
    this.filters = { ...filters };
    this.generation++;
    this.running = true;
    await this.fetch(true);
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (!document.hidden) this.refresh();
    }, REFRESH_MS);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearInterval(this.timer);
    clearTimeout(this.scrollTimer);
    this.store.clear();
    this.page = null;
  }

  /** A read of the window and the counts, unless one is under way (then one follows it). */
  refresh(): void {
    if (!this.running || !this.api.ready) return;
    if (this.inFlight !== null) {
      this.again = true;
      return;
    }
    this.fetch(true).catch((err: unknown) => this.handlers.error(err));
  }

  /** The viewport moved: the rows now in view are asked for soon, or at once when not held. */
  viewportChanged(): void {
    clearTimeout(this.scrollTimer);
    const wanted = widen(this.table.rowsInView(this.page?.total ?? 0), 0, this.page?.total ?? 0);
    const delay = covers(this.page, wanted) ? SCROLL_DEBOUNCE_MS : 0;
    this.scrollTimer = setTimeout(() => {
      if (!this.running || !this.api.ready) return;
      if (this.inFlight !== null) this.again = true;
      else this.fetch(false).catch((err: unknown) => this.handlers.error(err));
    }, delay);
  }

  /** Another order: asked for at once. */
  setSort(sort: SortState): void {
    this.sort = sort;
    this.generation++;
    this.again = false;
    this.fetch(false).catch((err: unknown) => this.handlers.error(err));
  }

  /**
   * Other filters: asked for at once; the rows change only once the server took them.
   * Rejects with the server's RpcError (-32602 names the filter); resolves false when a
   * newer change overtook this one.
   */
  async setFilters(filters: FilterValues): Promise<boolean> {
    if (!this.running) {
      this.filters = { ...filters };
      return true;
    }
    const generation = ++this.generation;
    const answer = await this.read(filters, this.sort, { offset: 0, limit: this.windowSize() });
    if (generation !== this.generation) return false;
    this.filters = { ...filters };
    this.table.scrollToTop();
    this.show(answer, 0);
    this.refresh();
    return true;
  }

  private windowSize(): number {
    return fetchRange(this.table.rowsInView(Infinity), FETCH_MARGIN, MAX_WINDOW).limit;
  }

  private fetch(withTotals: boolean): Promise<void> {
    const generation = this.generation;
    const filters = this.filters;
    const sort = this.sort;
    const { offset, limit } = fetchRange(this.table.rowsInView(Infinity), FETCH_MARGIN, MAX_WINDOW);
    const work = (async () => {
      const [answer] = await Promise.all([this.read(filters, sort, { offset, limit }), withTotals ? this.readTotals(filters) : undefined]);
      // Filters change only once the server took them (setFilters): a read with the old ones
      // that ends after that is stale too.
      if (generation === this.generation && filters === this.filters && this.running) this.show(answer, offset);
    })();
    this.inFlight = work;
    return work.finally(() => {
      if (this.inFlight === work) this.inFlight = null;
      if (this.again && this.running) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private read(filters: FilterValues, sort: SortState, range: { offset: number; limit: number }): Promise<ListPage & { sort: SortState }> {
    return this.api
      .list({ ...filterParams(filters), sort: serverSort(sort), fields: [...WINDOW_FIELDS], ...range })
      .then((answer) => ({ ...answer, sort }));
  }

  private show(answer: ListPage & { sort: SortState }, offset: number): void {
    const sessions = answer.sessions.map(asSessionInfo);
    const now = this.now();
    this.store.reset(sessions, now, true);
    this.page = { offset, entries: sessions, total: answer.total };
    const entries = sessions.map((s) => this.store.get(s.id)).filter((e) => e !== undefined);
    this.handlers.page({ offset, entries, total: answer.total, sort: answer.sort });
    // The list shrank under the viewport: the rows now in view are further up.
    if (sessions.length === 0 && answer.total > 0 && offset >= answer.total) this.viewportChanged();
  }

  private async readTotals(filters: FilterValues): Promise<void> {
    const [stats, connected] = await Promise.all([
      this.api.stats(filters),
      // The server counts them (sessions.list's `state` addition): one id and the total.
      this.api.list({ ...filterParams(filters), ...CONNECTED_COUNT }),
    ]);
    this.handlers.totals({ sessions: stats.sessions, connected: connected.total, users: stats.users, pages: stats.pages });
  }
}
