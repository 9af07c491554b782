/**
 * The live set of sessions and how it is ordered. Pure (no DOM): the table and the tests
 * share it. Times are local monotonic ms (`performance.now()` in the page): a row's uptime
 * and last comm tick from the values received plus the time since they arrived.
 */
import type { SessionInfo, SessionsChanged } from '@session-tracker/client';
import { formatDevice } from './format.js';

export interface Entry {
  info: SessionInfo;
  /** Local ms at which `info` arrived. */
  at: number;
  /**
   * Local ms at which this dashboard saw `info.state` change (a diff turned connected into
   * disconnected or back); absent when it has shown that state since it first saw the session.
   */
  stateAt?: number;
}

/** What a cluster-mode server adds to each SessionInfo (absent on a single node). */
export interface ClusterFields {
  node?: string;
  nodes?: string[];
  confirmed?: boolean;
}

export function clusterOf(info: SessionInfo): ClusterFields {
  const c = info as SessionInfo & ClusterFields;
  return { node: typeof c.node === 'string' ? c.node : undefined, nodes: Array.isArray(c.nodes) ? c.nodes : undefined, confirmed: typeof c.confirmed === 'boolean' ? c.confirmed : undefined };
}

export interface StoreChanges {
  added: Entry[];
  updated: Entry[];
  removed: string[];
}

export type Diff = Pick<SessionsChanged, 'added' | 'updated' | 'removed'>;

/** The sessions a subscription sees, by ID. */
export class SessionStore {
  private readonly map = new Map<string, Entry>();

  get size(): number {
    return this.map.size;
  }

  get(id: string): Entry | undefined {
    return this.map.get(id);
  }

  values(): IterableIterator<Entry> {
    return this.map.values();
  }

  /** Replaces everything with a snapshot; reports what that changed. */
  reset(sessions: readonly SessionInfo[], now: number): StoreChanges {
    const out: StoreChanges = { added: [], updated: [], removed: [] };
    const seen = new Set<string>();
    for (const info of sessions) {
      seen.add(info.id);
      // A snapshot cannot tell when a state changed (it may be after a gap): no "since".
      this.put(info, now, out, false);
    }
    for (const id of [...this.map.keys()]) {
      if (!seen.has(id)) {
        this.map.delete(id);
        out.removed.push(id);
      }
    }
    return out;
  }

  /** Applies a `sessions.changed` diff. Tolerant: an update of an unknown ID adds it, an add of a known one updates it. */
  apply(diff: Diff, now: number): StoreChanges {
    const out: StoreChanges = { added: [], updated: [], removed: [] };
    for (const id of diff.removed) {
      if (this.map.delete(id)) out.removed.push(id);
    }
    for (const info of diff.added) this.put(info, now, out, true);
    for (const info of diff.updated) this.put(info, now, out, true);
    return out;
  }

  /** Refreshes only the clocks (uptime, last comm) of sessions already known; returns those. */
  refreshTiming(sessions: readonly SessionInfo[], now: number): Entry[] {
    const out: Entry[] = [];
    for (const fresh of sessions) {
      const entry = this.map.get(fresh.id);
      if (entry === undefined) continue;
      const info: SessionInfo = { ...entry.info, uptime: fresh.uptime, lastComm: fresh.lastComm };
      const next: Entry = { ...entry, info, at: now };
      this.map.set(fresh.id, next);
      out.push(next);
    }
    return out;
  }

  clear(): string[] {
    const ids = [...this.map.keys()];
    this.map.clear();
    return ids;
  }

  /** `live`: the change is seen as it happens (a diff), so a new state starts now. */
  private put(info: SessionInfo, now: number, out: StoreChanges, live: boolean): void {
    const prev = this.map.get(info.id);
    const entry: Entry = { info, at: now };
    const changed = prev !== undefined && prev.info.state !== info.state;
    const stateAt = changed ? (live ? now : undefined) : prev?.stateAt;
    if (stateAt !== undefined) entry.stateAt = stateAt;
    this.map.set(info.id, entry);
    (prev === undefined ? out.added : out.updated).push(entry);
  }
}

/** Uptime at local time `now`. */
export function uptimeAt(entry: Entry, now: number): number {
  return entry.info.uptime + Math.max(0, now - entry.at);
}

/** Time since the last frame from the session, at local time `now`. */
export function lastCommAt(entry: Entry, now: number): number {
  return entry.info.lastComm + Math.max(0, now - entry.at);
}

export const SORT_KEYS = [
  'username',
  'project',
  'scope',
  'device',
  'address',
  'uptime',
  'lastComm',
  'pages',
  'bytes',
  'authorized',
  'state',
  'node',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export function isSortKey(value: string): value is SortKey {
  return (SORT_KEYS as readonly string[]).includes(value);
}

/** Numbers sort numerically, words naturally ("10.0.0.9" before "10.0.0.10"), case-insensitively. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * What a row sorts by. Clocks sort by a value that does not move as they tick (the
 * creation or last-comm instant, in local time, negated), so a sorted table stays sorted.
 */
export function sortValue(entry: Entry, key: SortKey): string | number {
  const s = entry.info;
  switch (key) {
    case 'username':
      return s.username;
    case 'project':
      return s.project;
    case 'scope':
      return s.sessionScope;
    case 'device':
      return formatDevice(s.device);
    case 'address':
      return s.clientAddress;
    case 'uptime':
      return s.uptime - entry.at;
    case 'lastComm':
      return s.lastComm - entry.at;
    case 'pages':
      return s.activePages;
    case 'bytes':
      return s.totalBytesSent;
    case 'authorized':
      return s.authorized ? 1 : 0;
    case 'state':
      return s.state;
    case 'node':
      return clusterOf(s).node ?? '';
  }
}

/** Compares two values of one column. */
export function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return collator.compare(String(a), String(b));
}

/** What the table keeps per row to order it: the session ID and its sort column's value. */
export interface Sortable {
  readonly id: string;
  readonly sortVal: string | number;
}

/** The table order: the column in its direction, then the session ID, so equal rows never swap. */
export function compareSortable(a: Sortable, b: Sortable, direction: SortDirection): number {
  const c = compareValues(a.sortVal, b.sortVal);
  if (c !== 0) return direction === 'ascending' ? c : -c;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where `item` goes in `sorted` (binary search; after any equal ones). The table places its rows with it. */
export function insertionIndexOf<T extends Sortable>(sorted: readonly T[], item: T, direction: SortDirection): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareSortable(sorted[mid] as T, item, direction) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const sortable = (e: Entry, key: SortKey): Sortable => ({ id: e.info.id, sortVal: sortValue(e, key) });

/** compareSortable for two entries, reading the sort column from each. */
export function compareEntries(a: Entry, b: Entry, sort: SortState): number {
  return compareSortable(sortable(a, sort.key), sortable(b, sort.key), sort.direction);
}

export function sortEntries(entries: Iterable<Entry>, sort: SortState): Entry[] {
  return [...entries].sort((a, b) => compareEntries(a, b, sort));
}

/** insertionIndexOf for entries (computes each sort value; the table caches them instead). */
export function insertionIndex(sorted: readonly Entry[], entry: Entry, sort: SortState): number {
  return insertionIndexOf(
    sorted.map((e) => sortable(e, sort.key)),
    sortable(entry, sort.key),
    sort.direction,
  );
}

/** The sort after a click on a column header: the same column flips; a new one starts ascending (counts and uptime: largest first). */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: key === 'uptime' || key === 'bytes' || key === 'pages' ? 'descending' : 'ascending' };
}

export interface Totals {
  sessions: number;
  connected: number;
  users: number;
  pages: number;
}

/** Counts for the summary line. Distinct users leave out "Unauthenticated". */
export function totals(entries: Iterable<Entry>): Totals {
  const users = new Set<string>();
  let sessions = 0;
  let connected = 0;
  let pages = 0;
  for (const { info } of entries) {
    sessions++;
    if (info.state === 'connected') connected++;
    pages += info.activePages;
    if (info.username !== 'Unauthenticated') users.add(info.username);
  }
  return { sessions, connected, users: users.size, pages };
}

/** Which filter field a server `-32602` message is about (it names the filter first). */
export function filterErrorField(message: string): 'username' | 'project' | null {
  const u = message.indexOf('usernameFilter');
  const p = message.indexOf('projectFilter');
  if (u === -1 && p === -1) return null;
  if (p === -1) return 'username';
  if (u === -1) return 'project';
  return u < p ? 'username' : 'project';
}
