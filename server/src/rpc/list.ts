import { LIST_LIMITS, type SessionState } from '@session-tracker/shared';
import { compileFilter } from '../filters/regex.js';
import type { ListQuery } from '../listing/answer.js';
import { CursorError, decodeCursor } from '../listing/cursor.js';
import { FieldsError, parseFields } from '../listing/fields.js';
import { OrderError, parseOrder } from '../listing/order.js';
import { invalidParams } from './errors.js';
import type { HandlerTable } from './router.js';

/** A `sessions.list` call's params, checked: every mistake is -32602 naming what was wrong. */
export function readListQuery(p: {
  fields?: string[] | undefined;
  sort?: string | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
  offset?: number | undefined;
  state?: SessionState | undefined;
}): ListQuery {
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
      state: p.state,
    };
  } catch (err) {
    if (err instanceof OrderError || err instanceof FieldsError || err instanceof CursorError)
      throw invalidParams(`Invalid params: ${err.message}`);
    throw err;
  }
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
    // One node or many, the backend answers (cluster/backend.ts): this layer never asks which.
    // `state` travels with the filters: each node selects its own sessions by it (cluster/list.ts).
    const { usernameFilter, projectFilter, state } = params;
    const filters = { usernameFilter, projectFilter, state };
    return ctx.cluster.sessionPage(ctx.registry, filters, q, user, project, ctx.options.clusterTimeoutMs);
  },
};
