import type { PageInfo, SessionInfo } from '@session-tracker/shared';
import type { PartRecord } from './types.js';

/** SessionInfo plus where it lives, in cluster mode. */
export interface ClusterSessionInfo extends SessionInfo {
  /** The node holding the session's most recently active sockets. */
  node: string;
  /** Every node holding a part of it. */
  nodes: string[];
  /** False when some part came from Redis instead of its live node (slow or dead node). */
  confirmed: boolean;
}

/**
 * Merges the parts of each session into one view: counters add up, pages join, the latest
 * login wins, connected if any part is. Pure: the same parts give the same answer.
 */
export function mergeParts(parts: readonly PartRecord[], unconfirmed: ReadonlySet<string>, now: number): ClusterSessionInfo[] {
  const bySid = new Map<string, PartRecord[]>();
  for (const p of parts) {
    const list = bySid.get(p.sid);
    if (list) list.push(p);
    else bySid.set(p.sid, [p]);
  }
  const out: ClusterSessionInfo[] = [];
  for (const group of bySid.values()) out.push(mergeGroup(group, unconfirmed, now));
  out.sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.id.localeCompare(b.id));
  return out;
}

function mergeGroup(group: PartRecord[], unconfirmed: ReadonlySet<string>, now: number): ClusterSessionInfo {
  const first = group[0] as PartRecord;
  let login = first;
  let recent = first;
  let active = first;
  let totalBytesSent = 0;
  let totalBytesReceived = 0;
  let messagesSent = 0;
  let lastCommAt = 0;
  let connected = false;
  const pages = new Map<string, PageInfo>();
  for (const p of group) {
    totalBytesSent += p.totalBytesSent;
    totalBytesReceived += p.totalBytesReceived;
    messagesSent += p.messagesSent;
    lastCommAt = Math.max(lastCommAt, p.lastCommAt);
    if (p.loginAt > login.loginAt) login = p;
    if (p.recentAt > recent.recentAt) recent = p;
    if (p.lastCommAt > active.lastCommAt) active = p;
    if (p.state === 'connected') connected = true;
    for (const pg of p.pages) pages.set(pg.id, { id: pg.id, path: pg.path, title: pg.title, openedAt: new Date(pg.openedAt).toISOString() });
  }
  const pageList = [...pages.values()];
  return {
    id: first.sid,
    userAgent: first.userAgent,
    username: login.username,
    project: first.project,
    uptime: Math.max(0, now - first.createdAt),
    clientAddress: first.clientAddress,
    lastComm: Math.max(0, now - lastCommAt),
    sessionScope: first.scope,
    activePages: pageList.length,
    recentBytesSent: recent.recentBytesSent,
    totalBytesSent,
    pageIds: pageList.map((p) => p.id),
    authorized: login.loggedIn,
    totalBytesReceived,
    messagesSent,
    creationTime: new Date(first.createdAt).toISOString(),
    state: connected ? 'connected' : 'disconnected',
    pages: pageList,
    device: first.device,
    roles: login.roles,
    node: active.node,
    nodes: [...new Set(group.map((p) => p.node))],
    confirmed: group.every((p) => !unconfirmed.has(p.node)),
  };
}
