import type { ClusterStatus, Dataset, SessionInfo, SessionStats } from '@session-tracker/shared';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import type { ClusterBackend } from './backend.js';
import { compileFilter } from '../filters/regex.js';
import { toSessionInfo } from '../sessions/info.js';
import type { Session } from '../sessions/session.js';
import { mergeParts } from './merge.js';
import { toPart } from './records.js';
import type { ClusterFilters } from './types.js';
import { assemble, viewsOfSessions, type SessionView } from './views.js';

export interface ClusterAnswer {
  sessions: SessionView[];
  status: ClusterStatus;
}

/**
 * A query over the whole cluster: this node's sessions fresh, the others' from their nodes
 * (or, for slow and dead nodes, from Redis, flagged unconfirmed), merged per session.
 */
export async function clusterSessions(
  cluster: ClusterBackend,
  filters: ClusterFilters,
  local: readonly Session[],
  timeoutMs: number,
): Promise<ClusterAnswer> {
  const remote = await cluster.remoteViews(filters, timeoutMs);
  const now = Date.now();
  const node = cluster.nodeId;
  const views = viewsOfSessions(local, node, now);
  for (const v of remote.views) views.push(v);
  const user = compileFilter('usernameFilter', filters.usernameFilter);
  const project = compileFilter('projectFilter', filters.projectFilter);
  const sessions = assemble(views, user, project, now);
  return { sessions, status: { node, nodes: [node, ...remote.answered], unconfirmed: remote.unconfirmedNodes, degraded: remote.degraded } };
}

export function clusterDataset(sessions: readonly SessionView[]): Dataset {
  return {
    columns: SESSION_DATASET_COLUMNS.map((c) => ({ ...c })),
    rows: sessions.map((s) => [s.username, s.project, s.clientAddress, s.scope === 'designer', s.sid, new Date(s.createdAt).toISOString()]),
  };
}

export function clusterStats(answer: ClusterAnswer): SessionStats {
  const users = new Set<string>();
  const byProject: Record<string, number> = {};
  let pages = 0;
  for (const s of answer.sessions) {
    if (s.authorized) users.add(s.username);
    pages += s.pages;
    byProject[s.project] = (byProject[s.project] ?? 0) + 1;
  }
  return { sessions: answer.sessions.length, users: users.size, pages, byProject, cluster: answer.status };
}

/**
 * session.self in cluster mode: this node's part merged with the parts other nodes hold of
 * the same session (other tabs, or before a failover), a dead node's only by its counters.
 */
export async function clusterSelf(cluster: ClusterBackend, session: Session): Promise<SessionInfo> {
  const { parts: others, beating } = await cluster.partsOf(session.id);
  const now = Date.now();
  const self = cluster.nodeId;
  const [merged] = mergeParts([toPart(session, self, now), ...others], new Set(), now, (n) => n === self || beating.has(n));
  return merged ?? toSessionInfo(session, now);
}
