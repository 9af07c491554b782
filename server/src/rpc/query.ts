import { compileFilter, type Filter } from '../filters/regex.js';
import { datasetJson, localStats, sessionsJson } from '../sessions/answers.js';
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

/** getSessionStats over these sessions (now in sessions/answers.ts, where the backends use it). */
export const stats = localStats;

/**
 * session.self, session.ping, getSessionInfo (both call forms, both shapes) and getSessionStats.
 * Queries cover every node (the cluster backend answers; on one node that is this node's
 * sessions) unless the caller asks for this node's alone (`scope: "node"`).
 */
export const queryHandlers: HandlerTable = {
  'session.self'({ session, ctx }) {
    // Other nodes may hold parts of this session (other tabs, or before a failover).
    return ctx.cluster.self(session);
  },

  'session.ping'() {
    return { serverTime: Date.now() };
  },

  getSessionInfo({ ctx }, p) {
    const named = Array.isArray(p) ? { usernameFilter: p[0], projectFilter: p[1] } : (p ?? {});
    const found = selectSessions(ctx.registry.values(), named);
    const dataset = !Array.isArray(p) && p?.format === 'dataset';
    if (Array.isArray(p) || p?.scope !== 'node') return ctx.cluster.sessionList(named, found, dataset, ctx.options.clusterTimeoutMs);
    return dataset ? datasetJson(found) : sessionsJson(found, Date.now());
  },

  getSessionStats({ ctx }, p) {
    const found = selectSessions(ctx.registry.values(), p ?? {});
    if (p?.scope !== 'node') return ctx.cluster.sessionStats(p ?? {}, found, ctx.options.clusterTimeoutMs);
    return localStats(found);
  },
};
