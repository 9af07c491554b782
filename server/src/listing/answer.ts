import type { SessionState } from '@session-tracker/shared';
import type { ByteWriter } from '../lib/byte-writer.js';
import { RawJson } from '../lib/raw-json.js';
import type { Filter } from '../filters/regex.js';
import { toSessionInfo } from '../sessions/info.js';
import { sessionInfoJson, writeSessionInfo } from '../sessions/info-json.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import { encodeCursor } from './cursor.js';
import { pickFields, type FieldSet } from './fields.js';
import type { Order, Position } from './order.js';
import { listsOf } from './sessions.js';

/** What a `sessions.list` call asks for, once checked (rpc/list.ts readListQuery). */
export interface ListQuery {
  order: Order;
  fields: FieldSet;
  after: Position | undefined;
  skip: number;
  limit: number;
  /** Only sessions in this state (the `state` addition); undefined: every session. */
  state: SessionState | undefined;
}

/** The answer's text after the sessions: the count and the next page's cursor. */
export function listTail(total: number, next: string | null): string {
  return `],"total":${total},"next":${JSON.stringify(next)}}`;
}

/**
 * One page of this node's sessions: each listed session is what getSessionInfo gives for it
 * (the same renderers), cut to `fields`.
 */
export function localPage(registry: SessionRegistry, q: ListQuery, user: Filter, project: Filter): RawJson {
  const page = listsOf(registry).page(q.order, user, project, { after: q.after, skip: q.skip, limit: q.limit }, q.state);
  const last = page.items[page.items.length - 1];
  const next = page.more && last ? encodeCursor(q.order, last) : null;
  const now = Date.now();
  const fields = q.fields;
  const render = fields === undefined ? (s: Session) => sessionInfoJson(s, now) : (s: Session) => pickFields(toSessionInfo(s, now), fields);
  // Every field: the bytes the session's cached pieces write, as getSessionInfo sends them.
  const write = fields === undefined ? (e: { item: Session }, w: ByteWriter) => writeSessionInfo(e.item, now, w) : undefined;
  return RawJson.of('{"sessions":[', page.items, (e) => render(e.item), listTail(page.total, next), write);
}
