import { compileFilter } from '../filters/regex.js';
import { endedSessions, events, HistoryParamError, rollup, valueFilter } from '../history/query.js';
import { ErrorCode } from '@session-tracker/shared';
import { invalidParams, RpcError } from './errors.js';
import type { History } from '../history/index.js';
import { StoreUnavailable } from '../history/store.js';
import type { RpcServices } from './context.js';
import type { HandlerTable } from './router.js';

/**
 * A bad time or cursor is the caller's mistake: -32602 naming it. A store that fails (PostgreSQL
 * down, slow or frozen past historyTimeoutMs) is not: -32603 saying so and why (the store's
 * messages never hold a password).
 */
function named<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    if (err instanceof HistoryParamError) throw invalidParams(`Invalid params: ${err.message}`);
    if (err instanceof StoreUnavailable) throw new RpcError(ErrorCode.Internal, `History store unavailable: ${err.message}`);
    throw err;
  });
}

/**
 * A session the cluster ended can come back (its node was cut off while its client stayed) and
 * lives on until it ends again, when its later end replaces the first one in the store. Until
 * then it is live, not history: rows of sessions held here, or with a part in the cluster, are
 * left out of the page (the cursor stays where the store's rows went).
 */
async function notLive<S extends { id: string }>(ctx: RpcServices, sessions: S[]): Promise<S[]> {
  const live = await Promise.all(
    sessions.map(async (s) => ctx.registry.get(s.id) !== undefined || (await ctx.cluster.partsOf(s.id)).parts.length > 0),
  );
  return sessions.filter((_, i) => !live[i]);
}

/** 1.1 history: ended sessions and events, newest first, in pages. */
export function historyHandlers(history: History): HandlerTable {
  return {
    'sessions.history'(call, p) {
      const q = p ?? {};
      const user = valueFilter(compileFilter('usernameFilter', q.usernameFilter), q.usernameFilter);
      const project = valueFilter(compileFilter('projectFilter', q.projectFilter), q.projectFilter);
      // What happened a moment ago is asked for too: write what is buffered first.
      return named(
        history.journal
          .beforeRead(history.timeoutMs)
          .then(() => endedSessions(history.store, q, user, project))
          .then(async (page) => ({ ...page, sessions: await notLive(call.ctx, page.sessions) })),
      );
    },

    'sessions.events'(_call, p) {
      const q = p ?? {};
      const user = valueFilter(compileFilter('usernameFilter', q.usernameFilter), q.usernameFilter);
      return named(history.journal.beforeRead(history.timeoutMs).then(() => events(history.store, q, user)));
    },

    /** Extension: the per-minute rollup per project, for charts. */
    'sessions.rollup'(_call, p) {
      const q = p ?? {};
      const project = valueFilter(compileFilter('projectFilter', q.projectFilter), q.projectFilter);
      // The minute in progress as it is now.
      history.journal.sampleRollup();
      return named(history.journal.beforeRead(history.timeoutMs).then(() => rollup(history.store, q, project)));
    },
  };
}
