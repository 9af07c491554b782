/**
 * Sessions as the dashboard holds them (the table's window, the followed session) and the
 * columns' sort keys; the order itself is the server's (`sessions.list`). Pure (no DOM): the
 * table and the tests share it. Times are local monotonic ms (`performance.now()` in the
 * page): a row's uptime and last comm tick from the values received plus the time since
 * they arrived.
 */
import type { SessionInfo, SessionsChanged } from '@session-tracker/client';

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

  /**
   * Replaces everything with a snapshot; reports what that changed. `live`: the snapshot
   * follows the last one closely (a window refreshed each second), so a state it changes
   * changed about now; otherwise (after a gap) nobody can tell when.
   */
  reset(sessions: readonly SessionInfo[], now: number, live = false): StoreChanges {
    const out: StoreChanges = { added: [], updated: [], removed: [] };
    const seen = new Set<string>();
    for (const info of sessions) {
      seen.add(info.id);
      this.put(info, now, out, live);
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

/** The sort after a click on a column header: the same column flips; a new one starts ascending (counts and uptime: largest first). */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: key === 'uptime' || key === 'bytes' || key === 'pages' ? 'descending' : 'ascending' };
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
