/**
 * The live table's window onto the server's sorted list. The server sorts and filters
 * (`sessions.list`); the dashboard holds only the rows around the viewport: which rows are
 * in view, which to ask for (`offset`/`limit`), which to draw, and when a new request is due.
 * Pure (no DOM): the table and the tests share it.
 */
import type { SessionInfo } from '@session-tracker/client';
import type { SessionFilters } from '@session-tracker/client';
import type { FilterValues } from './filters.js';
import type { SortKey, SortState } from './model.js';

/** Rows [start, end) of the whole sorted list. */
export interface Range {
  start: number;
  end: number;
}

/** A page of the sorted list as the server answered it: rows from `offset`, of `total`. */
export interface WindowPage<T = SessionInfo> {
  offset: number;
  entries: readonly T[];
  total: number;
}

/** The SessionInfo field the server sorts a column by; null: the server cannot sort by it. */
export const SERVER_SORT_FIELDS: Readonly<Record<SortKey, string | null>> = {
  username: 'username',
  project: 'project',
  scope: 'sessionScope',
  // The Device column is read from the user agent: rows with one agent sort together.
  device: 'userAgent',
  address: 'clientAddress',
  uptime: 'uptime',
  lastComm: 'lastComm',
  pages: 'activePages',
  bytes: 'totalBytesSent',
  authorized: 'authorized',
  state: 'state',
  // Cluster mode's node is not a SessionInfo field: `sessions.list` does not sort by it.
  node: null,
};

/** The filters as the server takes them (an empty field filters nothing). */
export function filterParams(f: FilterValues): SessionFilters {
  return {
    ...(f.usernameFilter === '' ? {} : { usernameFilter: f.usernameFilter }),
    ...(f.projectFilter === '' ? {} : { projectFilter: f.projectFilter }),
  };
}

/** `sessions.list`'s `sort`: the field, `-` before it for descending. */
export function serverSort(sort: SortState): string {
  return `${sort.direction === 'descending' ? '-' : ''}${SERVER_SORT_FIELDS[sort.key] ?? 'id'}`;
}

/**
 * What the window asks for: the table's columns and what the details panel shows on a click
 * before its own feed answers (everything but the per-method `traffic`, which nothing here shows).
 */
export const WINDOW_FIELDS = [
  'username',
  'project',
  'sessionScope',
  'userAgent',
  'device',
  'clientAddress',
  'uptime',
  'lastComm',
  'activePages',
  'pageIds',
  'pages',
  'recentBytesSent',
  'totalBytesSent',
  'totalBytesReceived',
  'messagesSent',
  'authorized',
  'roles',
  'creationTime',
  'state',
] as const satisfies readonly (keyof SessionInfo)[];

/** A listed session with every field the window asked for (missing ones get neutral values). */
export function asSessionInfo(s: Partial<SessionInfo> & { id: string }): SessionInfo {
  return {
    userAgent: '',
    username: '',
    project: '',
    uptime: 0,
    clientAddress: '',
    lastComm: 0,
    sessionScope: 'browser',
    activePages: 0,
    recentBytesSent: 0,
    totalBytesSent: 0,
    pageIds: [],
    authorized: false,
    totalBytesReceived: 0,
    messagesSent: 0,
    creationTime: '',
    state: 'connected',
    pages: [],
    device: { browser: '', os: '', type: 'desktop' },
    roles: [],
    ...s,
  };
}

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));

/**
 * The rows in view: `scrollTop` and `viewport` are the scroller's, `head` the height above the
 * first row (caption and header), `rowHeight` one row's (all rows are as high).
 */
export function visibleRange(scrollTop: number, viewport: number, head: number, rowHeight: number, total: number): Range {
  const h = Math.max(1, rowHeight);
  const start = clamp(Math.floor((scrollTop - head) / h), 0, total);
  const end = clamp(Math.ceil((scrollTop + viewport - head) / h), start, total);
  return { start, end };
}

/** `range` widened by `margin` rows each way, within [0, total). */
export function widen(range: Range, margin: number, total: number): Range {
  return { start: clamp(range.start - margin, 0, total), end: clamp(range.end + margin, 0, total) };
}

/**
 * What to ask the server for around the rows in view: `margin` rows each side (so a scroll
 * of that much needs no new request before the next refresh), at most `maxLimit` rows.
 * `total` is the last one known; the server answers with the true one.
 */
export function fetchRange(visible: Range, margin: number, maxLimit: number): { offset: number; limit: number } {
  const offset = Math.max(0, visible.start - margin);
  const limit = clamp(visible.end + margin - offset, 1, maxLimit);
  return { offset, limit };
}

/** Whether `page` holds every row of `range` (else a request is due now, not at the next refresh). */
export function covers(page: WindowPage<unknown> | null, range: Range): boolean {
  if (page === null) return false;
  if (range.end <= range.start) return true;
  const end = Math.min(page.total, page.offset + page.entries.length);
  return page.offset <= range.start && Math.min(range.end, page.total) <= end;
}

/** The items of `page` at rows [range.start, range.end), each with its row index. */
export function rowsIn<T>(page: { offset: number; entries: readonly T[] } | null, range: Range): { index: number; item: T }[] {
  if (page === null) return [];
  const out: { index: number; item: T }[] = [];
  const from = Math.max(range.start, page.offset);
  const to = Math.min(range.end, page.offset + page.entries.length);
  for (let i = from; i < to; i++) out.push({ index: i, item: page.entries[i - page.offset] as T });
  return out;
}

/** The row a key press moves to from `index`, of `total` rows (`page`: rows a Page Up/Down jumps). */
export function keyTarget(key: string, index: number, total: number, page: number): number | null {
  if (total === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return clamp(index + 1, 0, total - 1);
    case 'ArrowUp':
      return clamp(index - 1, 0, total - 1);
    case 'PageDown':
      return clamp(index + page, 0, total - 1);
    case 'PageUp':
      return clamp(index - page, 0, total - 1);
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}

/**
 * The scroll position that brings row `index` into view (unchanged when it is already in view);
 * `sticky` is the height of the header that stays at the top of the viewport and covers rows.
 */
export function scrollFor(index: number, scrollTop: number, viewport: number, head: number, rowHeight: number, sticky: number): number {
  const top = head + index * rowHeight;
  if (top < scrollTop + sticky) return Math.max(0, top - sticky);
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}

/** Escapes `text` for a full-match RE2 filter that matches it and nothing else. */
export function exactPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
