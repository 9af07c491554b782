import type { ClusterStatus, Dataset, SessionStats } from '@session-tracker/shared';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import type { TrackerContext } from '../context.js';
import { compileFilter } from '../filters/regex.js';
import type { Session } from '../sessions/session.js';
import { mergeParts, type ClusterSessionInfo } from './merge.js';
import { toPart } from './records.js';
import type { ClusterFilters } from './types.js';

export interface ClusterAnswer {
  sessions: ClusterSessionInfo[];
  status: ClusterStatus;
}

/**
 * A query over the whole cluster: this node's sessions fresh, the others' from their nodes
 * (or, for slow and dead nodes, from Redis, flagged unconfirmed), merged per session.
 */
export async function clusterSessions(ctx: TrackerContext, filters: ClusterFilters, local: readonly Session[]): Promise<ClusterAnswer> {
  const remote = await ctx.cluster.remoteParts(filters, ctx.options.clusterTimeoutMs);
  const now = Date.now();
  const node = ctx.cluster.nodeId;
  const parts = [...local.map((s) => toPart(s, node, now)), ...remote.parts];
  const user = compileFilter('usernameFilter', filters.usernameFilter);
  const project = compileFilter('projectFilter', filters.projectFilter);
  // A merged view takes the newest login of its parts: filter it again.
  const sessions = mergeParts(parts, new Set(remote.unconfirmedNodes), now).filter((s) => (!user || user(s.username)) && (!project || project(s.project)));
  return { sessions, status: { node, nodes: [node, ...remote.answered], unconfirmed: remote.unconfirmedNodes, degraded: remote.degraded } };
}

export function clusterDataset(sessions: readonly ClusterSessionInfo[]): Dataset {
  return {
    columns: SESSION_DATASET_COLUMNS.map((c) => ({ ...c })),
    rows: sessions.map((s) => [s.username, s.project, s.clientAddress, s.sessionScope === 'designer', s.id, s.creationTime]),
  };
}

export function clusterStats(answer: ClusterAnswer): SessionStats {
  const users = new Set<string>();
  const byProject: Record<string, number> = {};
  let pages = 0;
  for (const s of answer.sessions) {
    if (s.authorized) users.add(s.username);
    pages += s.activePages;
    byProject[s.project] = (byProject[s.project] ?? 0) + 1;
  }
  return { sessions: answer.sessions.length, users: users.size, pages, byProject, cluster: answer.status };
}
