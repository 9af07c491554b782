import { LIST_LIMITS } from '@session-tracker/shared';
import { compileFilter } from '../filters/regex.js';
import { CursorError, decodeCursor, encodeCursor } from '../listing/cursor.js';
import { FieldsError, parseFields, pickFields, type FieldSet } from '../listing/fields.js';
import { OrderError, parseOrder, type Order, type Position } from '../listing/order.js';
import { listsOf } from '../listing/sessions.js';
import { localListed, mergeListed, type ListSpec } from '../cluster/list.js';
import type { Filter } from '../filters/regex.js';
import type { TrackerContext } from '../context.js';
import { toSessionInfo } from '../sessions/info.js';
import { sessionInfoJson } from '../sessions/info-json.js';
import type { Session } from '../sessions/session.js';
import { invalidParams } from './errors.js';
import { RawJson } from './raw-json.js';
import type { HandlerTable } from './router.js';

/** What a `sessions.list` call asks for, checked: every mistake is -32602 naming what was wrong. */
export interface ListQuery {
  order: Order;
  fields: FieldSet;
  after: Position | undefined;
  skip: number;
  limit: number;
}

export function readListQuery(p: { fields?: string[] | undefined; sort?: string | undefined; limit?: number | undefined; cursor?: string | null | undefined; offset?: number | undefined }): ListQuery {
  try {
    const cursor = p.cursor ?? undefined;
    if (cursor !== undefined && p.offset !== undefined) {
      throw new CursorError('offset and cursor cannot be combined: a cursor already says where the page starts');
    }
    const order = parseOrder(p.sort);
    return {
      order,
      fields: parseFields(p.fields),
      after: cursor === undefined ? undefined : decodeCursor(order, cursor),
      skip: p.offset ?? 0,
      limit: p.limit ?? LIST_LIMITS.defaultLimit,
    };
  } catch (err) {
    if (err instanceof OrderError || err instanceof FieldsError || err instanceof CursorError) throw invalidParams(`Invalid params: ${err.message}`);
    throw err;
  }
}

/** The answer's text after the sessions: the count and the next page's cursor. */
export function listTail(total: number, next: string | null): string {
  return `],"total":${total},"next":${JSON.stringify(next)}}`;
}

/**
 * 1.1 `sessions.list`: live sessions a page at a time. Each listed session is what
 * getSessionInfo gives for it (the same renderers), cut to `fields`.
 */
export const listHandlers: HandlerTable = {
  'sessions.list'({ ctx }, p) {
    const params = p ?? {};
    const q = readListQuery(params);
    const user = compileFilter('usernameFilter', params.usernameFilter);
    const project = compileFilter('projectFilter', params.projectFilter);
    if (ctx.cluster.mode !== 'single') return clusterList(ctx, params, q, user, project);
    const page = listsOf(ctx.registry).page(q.order, user, project, { after: q.after, skip: q.skip, limit: q.limit });
    const last = page.items[page.items.length - 1];
    const next = page.more && last ? encodeCursor(q.order, last) : null;
    const now = Date.now();
    const fields = q.fields;
    const render = fields === undefined ? (s: Session) => sessionInfoJson(s, now) : (s: Session) => pickFields(toSessionInfo(s, now), fields);
    return RawJson.of('{"sessions":[', page.items, (e) => render(e.item), listTail(page.total, next));
  },
};

/**
 * In cluster mode: every node's first `offset + limit + 1` parts after the cursor and its count,
 * merged per session here (cluster/list.ts); nothing gathers the whole cluster.
 */
async function clusterList(ctx: TrackerContext, filters: { usernameFilter?: string | null | undefined; projectFilter?: string | null | undefined }, q: ListQuery, user: Filter, project: Filter): Promise<RawJson> {
  const spec: ListSpec = { sort: q.order.text, after: q.after, want: q.skip + q.limit + 1 };
  const { usernameFilter, projectFilter } = filters;
  const remote = await ctx.cluster.remoteList({ usernameFilter, projectFilter }, spec, ctx.options.clusterTimeoutMs);
  const now = Date.now();
  const local = localListed(ctx.registry, ctx.cluster.nodeId, q.order, user, project, spec, now);
  const page = mergeListed([...local.views, ...remote.views], local.count + remote.count - remote.duplicates, q.order, user, project, { order: q.order, after: q.after, skip: q.skip, limit: q.limit }, now);
  const last = page.items[page.items.length - 1];
  const next = page.more && last ? encodeCursor(q.order, { key: last.key, id: last.sid }) : null;
  const fields = q.fields;
  const render = fields === undefined ? (json: string) => json : (json: string) => pickFields(JSON.parse(json) as object, fields);
  return RawJson.of('{"sessions":[', page.items, (r) => render(r.json), listTail(page.total, next));
}
