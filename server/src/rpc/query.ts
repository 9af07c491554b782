import { SESSION_DATASET_COLUMNS, type SessionStats } from '@session-tracker/shared';

const DATASET_COLUMNS_JSON = JSON.stringify(SESSION_DATASET_COLUMNS);
import { compileFilter, type Filter } from '../filters/regex.js';
import { toSessionInfo } from '../sessions/info.js';
import { datasetRowJson, sessionInfoJson } from '../sessions/info-json.js';
import { RawJson } from './raw-json.js';
import { clusterDataset, clusterSelf, clusterSessions, clusterStats } from '../cluster/query.js';
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

/** session.self, session.ping, getSessionInfo (both call forms, both shapes) and getSessionStats. */
export const queryHandlers: HandlerTable = {
  'session.self'({ session, ctx }) {
    if (ctx.cluster.mode === 'single') return toSessionInfo(session, Date.now());
    // Other nodes may hold parts of this session (other tabs, or before a failover).
    return clusterSelf(ctx, session);
  },

  'session.ping'() {
    return { serverTime: Date.now() };
  },

  getSessionInfo({ ctx }, p) {
    const named = Array.isArray(p) ? { usernameFilter: p[0], projectFilter: p[1] } : (p ?? {});
    const found = selectSessions(ctx.registry.values(), named);
    const dataset = !Array.isArray(p) && p?.format === 'dataset';
    if (ctx.cluster.mode !== 'single' && (Array.isArray(p) || p?.scope !== 'node')) {
      return clusterSessions(ctx, named, found).then((a) => (dataset ? clusterDataset(a.sessions) : RawJson.of('[', a.sessions, (s) => s.json, ']')));
    }
    if (!Array.isArray(p) && p?.format === 'dataset') return RawJson.of(`{"columns":${DATASET_COLUMNS_JSON},"rows":[`, found, datasetRowJson, ']}');
    const now = Date.now();
    return RawJson.of('[', found, (s) => sessionInfoJson(s, now), ']');
  },

  getSessionStats({ ctx }, p) {
    const found = selectSessions(ctx.registry.values(), p ?? {});
    if (ctx.cluster.mode !== 'single' && p?.scope !== 'node') return clusterSessions(ctx, p ?? {}, found).then(clusterStats);
    return stats(found);
  },
};
