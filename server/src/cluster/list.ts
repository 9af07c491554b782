import type { ClusterStatus, SessionInfo, SessionState, SortField } from '@session-tracker/shared';
import { RawJson } from '../lib/raw-json.js';
import { listTail, type ListQuery } from '../listing/answer.js';
import { encodeCursor } from '../listing/cursor.js';
import { pickFields } from '../listing/fields.js';
import { mergeInfos } from './merge.js';
import type { ClusterFilters } from './types.js';
import { decodeViews, encodeViews, viewsOfSessions, type PartView } from './views.js';
import { compileFilter, type Filter } from '../filters/regex.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { parseOrder, type Order, type Position, type SortKey } from '../listing/order.js';
import { selectPage, type Page, type PageRequest } from '../listing/select.js';
import { listsOf } from '../listing/sessions.js';

/**
 * sessions.list across a cluster without gathering it: each node answers its own first
 * `offset + limit + 1` parts after the cursor, in the order asked, with its count of matches;
 * the asking node merges those short lists (parts of one session into one, as getSessionInfo
 * merges them) and cuts the page. The first `offset + limit + 1` of the union are right because
 * no node left out anything that comes before its own last answer.
 */

/** What the asking node sends every node. */
export interface ListSpec {
  sort: string;
  after?: Position | undefined;
  /** How many parts each node answers at most: the asker's offset + limit + 1. */
  want: number;
}

/** What the other nodes (and Redis, for silent ones) gave for a list. */
export interface RemoteList {
  views: ListedView[];
  /** Matches the answering nodes counted. */
  count: number;
  /** Sessions counted by more than one node (tabs on several nodes), less one each. */
  duplicates: number;
  unconfirmedNodes: string[];
  degraded: boolean;
  answered: string[];
}

/** A part view with its sort value as its node computed it (absent for parts read from Redis). */
export type ListedView = PartView & { key?: SortKey };

/** A session's sort value from its (merged) SessionInfo: the same values SESSION_KEYS gives. */
const INFO_KEYS: { readonly [F in SortField]: (info: SessionInfo, now: number) => SortKey } = {
  id: (i) => i.id,
  userAgent: (i) => i.userAgent,
  username: (i) => i.username,
  project: (i) => i.project,
  uptime: (i) => -Date.parse(i.creationTime),
  clientAddress: (i) => i.clientAddress,
  // lastComm is now minus the last frame's time: back to minus that time.
  lastComm: (i, now) => i.lastComm - now,
  sessionScope: (i) => i.sessionScope,
  activePages: (i) => i.activePages,
  recentBytesSent: (i) => i.recentBytesSent,
  totalBytesSent: (i) => i.totalBytesSent,
  authorized: (i) => (i.authorized ? 1 : 0),
  totalBytesReceived: (i) => i.totalBytesReceived,
  messagesSent: (i) => i.messagesSent,
  creationTime: (i) => Date.parse(i.creationTime),
  state: (i) => i.state,
};

/** A part's sort value from the facts it carries, or from its JSON for the fields it has no fact for. */
export function viewKey(field: SortField, v: PartView, now: number): SortKey {
  switch (field) {
    case 'id':
      return v.sid;
    case 'creationTime':
      return v.createdAt;
    case 'uptime':
      return -v.createdAt;
    case 'project':
      return v.project;
    case 'clientAddress':
      return v.clientAddress;
    case 'username':
      return v.username;
    case 'sessionScope':
      return v.scope;
    case 'authorized':
      return v.loggedIn ? 1 : 0;
    case 'activePages':
      return v.pages;
    case 'lastComm':
      return -v.lastCommAt;
    case 'state':
      return v.state === 'connected' ? 'connected' : 'disconnected';
    default:
      return INFO_KEYS[field](JSON.parse(v.json) as SessionInfo, now);
  }
}

/** Joined sessions a node names in one answer at most (past that the total may count some twice). */
const JOINED_MAX = 10_000;

/**
 * The sessions of `joined` (joined here from another node: they may have parts elsewhere too)
 * that this node holds and that match the filters.
 */
export function matchingJoined(registry: SessionRegistry, joined: ReadonlySet<string>, user: Filter, project: Filter): string[] {
  const out: string[] = [];
  for (const sid of joined) {
    const s = registry.get(sid);
    if (!s || (user && !user(s.username)) || (project && !project(s.project))) continue;
    out.push(sid);
    if (out.length === JOINED_MAX) break;
  }
  return out;
}

/**
 * This node's answer: a head line `{"count","keys","joined"}`, then its parts as encodeViews
 * lines. `joined` lets the asker count a session with parts on several nodes once.
 */
export function answerList(
  registry: SessionRegistry,
  node: string,
  filters: ClusterFilters,
  spec: ListSpec,
  now: number,
  joined: ReadonlySet<string>,
): string {
  const order = parseOrder(spec.sort);
  const user = compileFilter('usernameFilter', filters.usernameFilter);
  const project = compileFilter('projectFilter', filters.projectFilter);
  const page = listsOf(registry).page(order, user, project, { after: spec.after, skip: 0, limit: spec.want }, filters.state);
  const head = JSON.stringify({
    count: page.total,
    keys: page.items.map((e) => e.key),
    joined: matchingJoined(registry, joined, user, project),
  });
  return `${head}\n${encodeViews(
    viewsOfSessions(
      page.items.map((e) => e.item),
      node,
      now,
    ),
  )}`;
}

/** Reads answerList's text (a malformed answer counts nothing and lists nothing). */
export function decodeList(body: string): { count: number; views: ListedView[]; joined: string[] } {
  const nl = body.indexOf('\n');
  const none = { count: 0, views: [], joined: [] };
  let head: unknown;
  try {
    head = JSON.parse(nl < 0 ? body : body.slice(0, nl));
  } catch {
    return none;
  }
  const { count, keys, joined } = (head ?? {}) as { count?: unknown; keys?: unknown; joined?: unknown };
  if (typeof count !== 'number' || !Array.isArray(keys)) return none;
  const sids = Array.isArray(joined) ? joined.filter((x): x is string => typeof x === 'string') : [];
  const views: ListedView[] = decodeViews(nl < 0 ? '' : body.slice(nl + 1));
  if (views.length !== keys.length) return { count, views: [], joined: sids };
  views.forEach((v, i) => {
    const k: unknown = keys[i];
    if (typeof k === 'number' || typeof k === 'string') v.key = k;
  });
  return { count, views, joined: sids };
}

/** This node's own first parts, with their sort values, for the merge. */
export function localListed(
  registry: SessionRegistry,
  node: string,
  order: Order,
  user: Filter,
  project: Filter,
  spec: ListSpec,
  now: number,
  state?: SessionState,
): { count: number; views: ListedView[] } {
  const page = listsOf(registry).page(order, user, project, { after: spec.after, skip: 0, limit: spec.want }, state);
  const views: ListedView[] = viewsOfSessions(
    page.items.map((e) => e.item),
    node,
    now,
  );
  views.forEach((v, i) => {
    v.key = (page.items[i] as { key: SortKey }).key;
  });
  return { count: page.total, views };
}

export interface MergedRow {
  sid: string;
  key: SortKey;
  /** The ClusterSessionInfo as JSON text, as getSessionInfo gives it. */
  json: string;
}

/**
 * The page out of every node's first parts (with their sort values) and what Redis gave for
 * silent nodes (without). `counted`: the matches the nodes counted (each session once); a
 * session only Redis gave is added here. `state`: nodes chose their parts by their own state;
 * a session is kept by its merged state (a dead node's part shows disconnected).
 */
export function mergeListed(
  views: readonly ListedView[],
  counted: number,
  order: Order,
  user: Filter,
  project: Filter,
  req: PageRequest,
  now: number,
  state?: SessionState,
): Page<MergedRow> & { total: number } {
  const bySid = new Map<string, ListedView[]>();
  for (const v of views) {
    const g = bySid.get(v.sid);
    if (g) g.push(v);
    else bySid.set(v.sid, [v]);
  }
  let total = counted;
  const rows: MergedRow[] = [];
  for (const g of bySid.values()) {
    // Parts with a sort value were counted by their node; parts Redis gave for silent nodes were not.
    const known = g.find((v) => v.key !== undefined)?.key;
    // Only retired parts (counters) came: the session's live parts are in the other state.
    if (state !== undefined && g.every((v) => v.state === 'retired')) continue;
    if (known === undefined) total++;
    const first = g[0] as ListedView;
    if (state !== undefined && g.length === 1 && (first.state === 'connected' ? 'connected' : 'disconnected') !== state) {
      total--;
      continue;
    }
    if (g.length === 1) {
      rows.push({ sid: first.sid, key: known ?? viewKey(order.field, first, now), json: first.json });
      continue;
    }
    const merged = mergeInfos(
      g.map((v) => ({ info: JSON.parse(v.json) as SessionInfo, facts: v })),
      now,
    );
    // The merged login may be another part's: filtered again, as getSessionInfo does.
    if ((user && !user(merged.username)) || (project && !project(merged.project))) {
      if (known === undefined) total--;
      continue;
    }
    if (state !== undefined && merged.state !== state) {
      total--;
      continue;
    }
    const key = order.immutable && known !== undefined ? known : INFO_KEYS[order.field](merged, now);
    rows.push({ sid: first.sid, key, json: JSON.stringify(merged) });
  }
  const page = selectPage(
    rows,
    (r) => r.key,
    (r) => r.sid,
    () => true,
    req,
  );
  return { items: page.items.map((e) => e.item), more: page.more, total };
}

/**
 * One sessions.list page for the whole cluster: this node's first parts and the other nodes'
 * (`remote`), merged per session here; nothing gathers the whole cluster. The answer also says
 * who answered, as getSessionStats does: a list missing a node's sessions says so.
 */
export function clusterPage(
  registry: SessionRegistry,
  node: string,
  remote: RemoteList,
  q: ListQuery,
  user: Filter,
  project: Filter,
  now: number,
): RawJson {
  const spec: ListSpec = { sort: q.order.text, after: q.after, want: q.skip + q.limit + 1 };
  const local = localListed(registry, node, q.order, user, project, spec, now, q.state);
  const page = mergeListed(
    [...local.views, ...remote.views],
    local.count + remote.count - remote.duplicates,
    q.order,
    user,
    project,
    { order: q.order, after: q.after, skip: q.skip, limit: q.limit },
    now,
    q.state,
  );
  const last = page.items[page.items.length - 1];
  const next = page.more && last ? encodeCursor(q.order, { key: last.key, id: last.sid }) : null;
  const fields = q.fields;
  const render = fields === undefined ? (json: string) => json : (json: string) => pickFields(JSON.parse(json) as object, fields);
  const status: ClusterStatus = {
    node,
    nodes: [node, ...remote.answered],
    unconfirmed: remote.unconfirmedNodes,
    degraded: remote.degraded,
  };
  return RawJson.of(
    '{"sessions":[',
    page.items,
    (r) => render(r.json),
    `${listTail(page.total, next).slice(0, -1)},"cluster":${JSON.stringify(status)}}`,
  );
}
