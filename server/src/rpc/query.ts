import type { SessionStats } from '@session-tracker/shared';
import { compileFilter, type Filter } from '../filters/regex.js';
import { toDataset, toSessionInfo } from '../sessions/info.js';
import type { Session } from '../sessions/session.js';
import type { HandlerTable } from './router.js';

interface Filters {
  usernameFilter?: string | null | undefined;
  projectFilter?: string | null | undefined;
}

/** Compiles both filters once for the whole query. */
export function selectSessions(all: Iterable<Session>, f: Filters): Session[] {
  const user: Filter = compileFilter('usernameFilter', f.usernameFilter);
  const project: Filter = compileFilter('projectFilter', f.projectFilter);
  const out: Session[] = [];
  for (const s of all) {
    if (user && !user(s.username)) continue;
    if (project && !project(s.project)) continue;
    out.push(s);
  }
  return out;
}

export function stats(sessions: readonly Session[]): SessionStats {
  const users = new Set<string>();
  const byProject: Record<string, number> = {};
  let pages = 0;
  for (const s of sessions) {
    if (s.loggedIn) users.add(s.username); // "Unauthenticated" is nobody
    pages += s.pages.size;
    byProject[s.project] = (byProject[s.project] ?? 0) + 1;
  }
  return { sessions: sessions.length, users: users.size, pages, byProject };
}

/** session.self, getSessionInfo (both call forms, both shapes) and getSessionStats. */
export const queryHandlers: HandlerTable = {
  'session.self'({ session }) {
    return toSessionInfo(session, Date.now());
  },

  getSessionInfo({ ctx }, p) {
    const named = Array.isArray(p) ? { usernameFilter: p[0], projectFilter: p[1] } : (p ?? {});
    const found = selectSessions(ctx.registry.values(), named);
    if (!Array.isArray(p) && p?.format === 'dataset') return toDataset(found);
    const now = Date.now();
    return found.map((s) => toSessionInfo(s, now));
  },

  getSessionStats({ ctx }, p) {
    return stats(selectSessions(ctx.registry.values(), p ?? {}));
  },
};
