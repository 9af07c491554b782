import type { PageInfo, SessionInfo } from '@session-tracker/shared';
import type { PartRecord } from './types.js';
import { mergeTraffic } from '../app/traffic.js';

/** SessionInfo plus where it lives, in cluster mode. */
export interface ClusterSessionInfo extends SessionInfo {
  /** The node holding the session's most recently active sockets. */
  node: string;
  /** Every node holding a part of it. */
  nodes: string[];
  /** False when some part came from Redis instead of its live node (slow or dead node). */
  confirmed: boolean;
}

/** What a merge needs of a part besides its SessionInfo: whose it is and when things happened. */
export interface PartFacts {
  node: string;
  createdAt: number;
  loginAt: number;
  recentAt: number;
  lastCommAt: number;
  state: PartRecord['state'];
}

/** One part alone as a SessionInfo (a retired part shows as disconnected). */
export function partInfo(p: PartRecord, now: number): SessionInfo {
  const pages: PageInfo[] = p.pages.map((pg) => ({ id: pg.id, path: pg.path, title: pg.title, openedAt: new Date(pg.openedAt).toISOString() }));
  return {
    id: p.sid,
    userAgent: p.userAgent,
    username: p.username,
    project: p.project,
    uptime: Math.max(0, now - p.createdAt),
    clientAddress: p.clientAddress,
    lastComm: Math.max(0, now - p.lastCommAt),
    sessionScope: p.scope,
    activePages: pages.length,
    recentBytesSent: p.recentBytesSent,
    totalBytesSent: p.totalBytesSent,
    pageIds: pages.map((pg) => pg.id),
    authorized: p.loggedIn,
    totalBytesReceived: p.totalBytesReceived,
    messagesSent: p.messagesSent,
    creationTime: new Date(p.createdAt).toISOString(),
    state: p.state === 'connected' ? 'connected' : 'disconnected',
    pages,
    device: p.device,
    roles: p.roles,
    traffic: p.traffic ?? {},
  };
}

/**
 * One session's parts merged into one view: counters add up, pages join, the latest login
 * wins, connected if any part is, `node` is the part most recently heard from. Pure.
 */
export function mergeInfos(group: readonly { info: SessionInfo; facts: PartFacts }[], confirmed: boolean, now: number): ClusterSessionInfo {
  const first = group[0];
  if (!first) throw new RangeError('mergeInfos: no parts');
  let login = first;
  let recent = first;
  let active = first;
  let totalBytesSent = 0;
  let totalBytesReceived = 0;
  let messagesSent = 0;
  let connected = false;
  const pages = new Map<string, PageInfo>();
  for (const part of group) {
    const { info, facts } = part;
    totalBytesSent += info.totalBytesSent;
    totalBytesReceived += info.totalBytesReceived;
    messagesSent += info.messagesSent;
    if (facts.loginAt > login.facts.loginAt) login = part;
    if (facts.recentAt > recent.facts.recentAt) recent = part;
    if (facts.lastCommAt > active.facts.lastCommAt) active = part;
    if (facts.state === 'connected') connected = true;
    for (const pg of info.pages) pages.set(pg.id, pg);
  }
  const pageList = [...pages.values()];
  const f = first.info;
  return {
    ...f,
    username: login.info.username,
    uptime: Math.max(0, now - first.facts.createdAt),
    lastComm: Math.max(0, now - active.facts.lastCommAt),
    activePages: pageList.length,
    recentBytesSent: recent.info.recentBytesSent,
    totalBytesSent,
    pageIds: pageList.map((p) => p.id),
    authorized: login.info.authorized,
    totalBytesReceived,
    messagesSent,
    state: connected ? 'connected' : 'disconnected',
    pages: pageList,
    roles: login.info.roles,
    traffic: mergeTraffic(group.map((p) => p.info.traffic)),
    node: active.facts.node,
    nodes: [...new Set(group.map((p) => p.facts.node))],
    confirmed,
  };
}

/**
 * Merges part records into views, one per session, in creation order. Parts of nodes in
 * `unconfirmed` make their session unconfirmed.
 */
export function mergeParts(parts: readonly PartRecord[], unconfirmed: ReadonlySet<string>, now: number): ClusterSessionInfo[] {
  const bySid = new Map<string, PartRecord[]>();
  for (const p of parts) {
    const list = bySid.get(p.sid);
    if (list) list.push(p);
    else bySid.set(p.sid, [p]);
  }
  const out: ClusterSessionInfo[] = [];
  for (const group of bySid.values()) {
    const confirmed = group.every((p) => !unconfirmed.has(p.node));
    out.push(mergeInfos(group.map((p) => ({ info: partInfo(p, now), facts: p })), confirmed, now));
  }
  out.sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.id.localeCompare(b.id));
  return out;
}
