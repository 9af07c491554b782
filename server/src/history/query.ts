import type { EndedSessionInfo, HistoryEvent, HistoryEventType, RollupMinute } from '@session-tracker/shared';
import { HISTORY_LIMITS } from '@session-tracker/shared';
import type { EndedRecord, HistoryStore, RollupRow, StoredEvent } from './store.js';
import { literalKey, type TextKey } from './literal.js';

/** A bad param, named; the RPC layer turns it into -32602. */
export class HistoryParamError extends Error {}

/** Rows looked at per call at most: a selective filter over a long history answers a short page and a cursor. */
export const SCAN_BUDGET = 50_000;
const CHUNK_MAX = 2_000;

/** `from`/`to`: ISO 8601 times or epoch ms. */
export function parseTime(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0)
    throw new HistoryParamError(`${name}: not an ISO 8601 time or epoch ms: ${String(value).slice(0, 64)}`);
  return ms;
}

/** Cursors are opaque to clients: a version, the kind of list, and the keyset position. */
function encodeCursor(kind: 'h' | 'e', key: readonly [number, string | number]): string {
  return Buffer.from(JSON.stringify([1, kind, key[0], key[1]])).toString('base64url');
}

function decodeCursor<K extends string | number>(
  kind: 'h' | 'e',
  cursor: string | null | undefined,
  second: 'string' | 'number',
): readonly [number, K] | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 4 || v[0] !== 1 || v[1] !== kind || typeof v[2] !== 'number' || typeof v[3] !== second) {
    throw new HistoryParamError('cursor: not a cursor this method returned');
  }
  return [v[2] as number, v[3] as K];
}

interface Scan<R, K> {
  fetch: (after: K | undefined, limit: number) => Promise<R[]>;
  key: (r: R) => K;
  match: ((r: R) => boolean) | undefined;
  limit: number;
  after: K | undefined;
  /** The store already narrowed the rows to a filter's literal start: most will match, read about a page at first. */
  dense?: boolean | undefined;
}

/**
 * Keyset paging with filters the store cannot run (RE2): reads chunks in order, keeps the
 * matches, stops at `limit` or at the scan budget, and says where to go on from.
 */
export async function scan<R, K>(s: Scan<R, K>): Promise<{ items: R[]; next: K | undefined }> {
  const items: R[] = [];
  let after = s.after;
  let scanned = 0;
  // A filter that matches little reads ever bigger chunks: with a store across the network
  // (PostgreSQL) the round trips, not the rows, are what a long scan costs.
  let grow = 1;
  for (;;) {
    const want = s.limit - items.length;
    const first = s.dense ? want + 1 : Math.max(want * 4, 100);
    const n = Math.min(CHUNK_MAX, s.match ? first * grow : want + 1);
    grow *= 2;
    const rows = await s.fetch(after, n);
    let i = 0;
    for (; i < rows.length && items.length < s.limit; i++) {
      const r = rows[i] as R;
      scanned++;
      after = s.key(r);
      if (s.match === undefined || s.match(r)) items.push(r);
    }
    if (items.length === s.limit) {
      if (i < rows.length) return { items, next: after };
      // The page ends with a full chunk: whether anything follows takes one more row (else the
      // last page of exactly `limit` rows, past CHUNK_MAX, would point to an empty one).
      const more = rows.length === n && (await s.fetch(after, 1)).length > 0;
      return { items, next: more ? after : undefined };
    }
    if (rows.length < n) return { items, next: undefined };
    if (scanned >= SCAN_BUDGET) return { items, next: after };
  }
}

export interface HistoryQuery {
  from?: string | number | undefined;
  to?: string | number | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

/**
 * A filter as the queries use it: `test` is the exact check (RE2, run here); `key`, when the
 * pattern has a literal start, lets the store's index narrow the rows first.
 */
export interface ValueFilter {
  test: (value: string) => boolean;
  key: TextKey | undefined;
}

type Match = ValueFilter | undefined;

/** A compiled filter and its pattern as a ValueFilter (undefined: matches everything). */
export function valueFilter(test: ((value: string) => boolean) | undefined, pattern: string | null | undefined): Match {
  if (test === undefined) return undefined;
  return { test, key: pattern ? literalKey(pattern) : undefined };
}

/** The exact check left after the store applied the key: none when the key says it all. */
const rest = (m: Match): ((value: string) => boolean) | undefined => (m === undefined || m.key?.kind === 'exact' ? undefined : m.test);

export async function endedSessions(
  store: HistoryStore,
  q: HistoryQuery,
  user: Match,
  project: Match,
): Promise<{ sessions: EndedSessionInfo[]; next: string | null }> {
  const from = parseTime('from', q.from, 0);
  const to = parseTime('to', q.to, Number.MAX_SAFE_INTEGER);
  if (from > to) throw new HistoryParamError('from: after to');
  const u = rest(user);
  const p = rest(project);
  const match = u || p ? (r: EndedRecord) => (!u || u(r.username)) && (!p || p(r.project)) : undefined;
  const { items, next } = await scan<EndedRecord, readonly [number, string]>({
    fetch: (after, limit) => store.ended({ from, to, after, limit, username: user?.key, project: project?.key }),
    dense: (user === undefined || user.key !== undefined) && (project === undefined || project.key !== undefined),
    key: (r) => [r.endedAt, r.id],
    match,
    limit: q.limit ?? HISTORY_LIMITS.defaultLimit,
    after: decodeCursor<string>('h', q.cursor, 'string'),
  });
  return { sessions: items.map((r) => JSON.parse(r.info) as EndedSessionInfo), next: next ? encodeCursor('h', next) : null };
}

export interface EventsParams extends HistoryQuery {
  sessionId?: string | undefined;
  types?: HistoryEventType[] | undefined;
}

export async function events(store: HistoryStore, q: EventsParams, user: Match): Promise<{ events: HistoryEvent[]; next: string | null }> {
  const from = parseTime('from', q.from, 0);
  const to = parseTime('to', q.to, Number.MAX_SAFE_INTEGER);
  if (from > to) throw new HistoryParamError('from: after to');
  const u = rest(user);
  const { items, next } = await scan<StoredEvent, readonly [number, number]>({
    fetch: (after, limit) => store.events({ from, to, after, limit, sessionId: q.sessionId, types: q.types, username: user?.key }),
    key: (r) => [r.at, r.seq],
    match: u ? (r) => u(r.username) : undefined,
    dense: user?.key !== undefined,
    limit: q.limit ?? HISTORY_LIMITS.defaultLimit,
    after: decodeCursor<number>('e', q.cursor, 'number'),
  });
  const out = items.map((r) => ({
    at: new Date(r.at).toISOString(),
    type: r.type,
    sessionId: r.sessionId,
    username: r.username,
    project: r.project,
    clientAddress: r.clientAddress,
    detail: r.detail,
  }));
  return { events: out, next: next ? encodeCursor('e', next) : null };
}

export interface RollupParams {
  from?: string | number | undefined;
  to?: string | number | undefined;
}

/** The rollup of a window (default: the 24 hours before `to`), oldest minute first, at most rollupMaxRows rows (the newest). */
export async function rollup(
  store: HistoryStore,
  q: RollupParams,
  project: Match,
  now = Date.now(),
): Promise<{ minutes: RollupMinute[]; truncated: boolean }> {
  const to = parseTime('to', q.to, now);
  const from = parseTime('from', q.from, Math.max(0, to - HISTORY_LIMITS.rollupDefaultWindowMs));
  if (from > to) throw new HistoryParamError('from: after to');
  // A minute counts when it starts inside the window, or the window starts inside it.
  const first = from - (from % 60_000);
  // One row past the bound: truncated means a matching row was left out, not that rows of
  // other projects follow (or the scan budget ran out before the window's start).
  const max = HISTORY_LIMITS.rollupMaxRows;
  const { items, next } = await scan<RollupRow, readonly [number, string]>({
    fetch: (after, limit) => store.rollup({ from: first, to, after, limit }),
    key: (r) => [r.minute, r.project],
    match: project ? (r) => project.test(r.project) : undefined,
    limit: max + 1,
    after: undefined,
  });
  const truncated = items.length > max || next !== undefined;
  const minutes = items
    .slice(0, max)
    .reverse()
    .map((r) => ({
      at: new Date(r.minute).toISOString(),
      project: r.project,
      sessions: r.sessions,
      users: r.users,
      pages: r.pages,
      bytesFromClients: r.bytesFromClients,
      bytesToClients: r.bytesToClients,
    }));
  return { minutes, truncated };
}
