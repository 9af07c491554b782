import { compileFilter } from '../filters/regex.js';
import { endedSessions, events, HistoryParamError, rollup, valueFilter } from '../history/query.js';
import { invalidParams } from './errors.js';
import type { History } from '../history/index.js';
import type { HandlerTable } from './router.js';

/** A bad time or cursor is the caller's mistake: -32602 naming it. */
function named<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw err instanceof HistoryParamError ? invalidParams(`Invalid params: ${err.message}`) : err;
  });
}

/** 1.1 history: ended sessions and events, newest first, in pages. */
export function historyHandlers(history: History): HandlerTable {
  return {
    'sessions.history'(_call, p) {
      const q = p ?? {};
      const user = valueFilter(compileFilter('usernameFilter', q.usernameFilter), q.usernameFilter);
      const project = valueFilter(compileFilter('projectFilter', q.projectFilter), q.projectFilter);
      // What happened a moment ago is asked for too: write what is buffered first.
      return named(history.journal.flush().then(() => endedSessions(history.store, q, user, project)));
    },

    'sessions.events'(_call, p) {
      const q = p ?? {};
      const user = valueFilter(compileFilter('usernameFilter', q.usernameFilter), q.usernameFilter);
      return named(history.journal.flush().then(() => events(history.store, q, user)));
    },

    /** Extension: the per-minute rollup per project, for charts. */
    'sessions.rollup'(_call, p) {
      const q = p ?? {};
      const project = valueFilter(compileFilter('projectFilter', q.projectFilter), q.projectFilter);
      // The minute in progress as it is now.
      history.journal.sampleRollup();
      return named(history.journal.flush().then(() => rollup(history.store, q, project)));
    },
  };
}
