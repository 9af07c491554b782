import type { ClusterSessionInfo, PageInfo, SessionInfo } from '@session-tracker/shared';
import type { PartFacts, PartRecord } from './types.js';
import { renderInfo } from '../sessions/info.js';
import { mergeTraffic } from '../sessions/traffic.js';

/**
 * The parts a session's state, pages, node, nodes and confirmed come from: its live parts
 * (not retired, on a beating node). A dead node's part only adds its counters while the
 * session lives on elsewhere, whether or not the reaper has retired it yet. A session with
 * no live part (its only node died) shows its unretired parts: disconnected, unconfirmed,
 * still naming the dead node until it resumes or times out.
 */
export function liveParts<T extends { facts: PartFacts }>(group: readonly T[]): readonly T[] {
  const kept = group.filter((p) => p.facts.state !== 'retired');
  const live = kept.filter((p) => p.facts.beating);
  return live.length > 0 ? live : kept.length > 0 ? kept : group;
}

/** One part alone as a SessionInfo (a retired part shows as disconnected). */
export function partInfo(p: PartRecord, now: number): SessionInfo {
  return renderInfo({ ...p, id: p.sid, state: p.state === 'connected' ? 'connected' : 'disconnected', traffic: p.traffic ?? {} }, now);
}

/**
 * One session's parts merged into one view: counters of every part add up (totals never
 * drop when a part retires), the latest login wins; pages join, state, node, nodes and
 * confirmed come from the live parts only (liveParts). Pure.
 */
export function mergeInfos(group: readonly { info: SessionInfo; facts: PartFacts }[], now: number): ClusterSessionInfo {
  const first = group[0];
  if (!first) throw new RangeError('mergeInfos: no parts');
  let login = first;
  let recent = first;
  let totalBytesSent = 0;
  let totalBytesReceived = 0;
  let messagesSent = 0;
  for (const part of group) {
    const { info, facts } = part;
    totalBytesSent += info.totalBytesSent;
    totalBytesReceived += info.totalBytesReceived;
    messagesSent += info.messagesSent;
    if (facts.loginAt > login.facts.loginAt) login = part;
    if (facts.recentAt > recent.facts.recentAt) recent = part;
  }
  const live = liveParts(group);
  let active = live[0] ?? first;
  let connected = false;
  let confirmed = true;
  const pages = new Map<string, PageInfo>();
  for (const part of live) {
    const { info, facts } = part;
    if (facts.lastCommAt > active.facts.lastCommAt) active = part;
    if (facts.state === 'connected') connected = true;
    if (!facts.confirmed) confirmed = false;
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
    nodes: [...new Set(live.map((p) => p.facts.node))],
    confirmed,
  };
}

/**
 * Merges part records into views, one per session, in creation order. Parts of nodes in
 * `unconfirmed` came from Redis; parts of nodes that are not `beating` are dead ones.
 */
export function mergeParts(
  parts: readonly PartRecord[],
  unconfirmed: ReadonlySet<string>,
  now: number,
  beating: (node: string) => boolean = () => true,
): ClusterSessionInfo[] {
  const bySid = new Map<string, PartRecord[]>();
  for (const p of parts) {
    const list = bySid.get(p.sid);
    if (list) list.push(p);
    else bySid.set(p.sid, [p]);
  }
  const out: ClusterSessionInfo[] = [];
  for (const group of bySid.values()) {
    const facts = (p: PartRecord): PartFacts => ({ ...p, confirmed: !unconfirmed.has(p.node), beating: beating(p.node) });
    out.push(
      mergeInfos(
        group.map((p) => ({ info: partInfo(p, now), facts: facts(p) })),
        now,
      ),
    );
  }
  out.sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.id.localeCompare(b.id));
  return out;
}
