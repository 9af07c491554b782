import type { Dataset, PageInfo, SessionInfo } from '@session-tracker/shared';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import type { Session } from './session.js';
import { trafficOf } from './traffic.js';

/** The wire view of a session at time `now` (ms). */
export function toSessionInfo(s: Session, now: number): SessionInfo {
  const pageIds: string[] = [];
  const pages: PageInfo[] = [];
  for (const p of s.pages.values()) {
    pageIds.push(p.id);
    pages.push({ id: p.id, path: p.path, title: p.title, openedAt: new Date(p.openedAt).toISOString() });
  }
  return {
    id: s.id,
    userAgent: s.userAgent,
    username: s.username,
    project: s.project,
    uptime: Math.max(0, now - s.createdAt),
    clientAddress: s.clientAddress,
    lastComm: Math.max(0, now - s.lastCommAt),
    sessionScope: s.scope,
    activePages: pageIds.length,
    recentBytesSent: s.recentBytesSent,
    totalBytesSent: s.totalBytesSent,
    pageIds,
    authorized: s.loggedIn,
    totalBytesReceived: s.totalBytesReceived,
    messagesSent: s.messagesSent,
    creationTime: new Date(s.createdAt).toISOString(),
    state: s.state,
    pages,
    device: s.device,
    roles: s.roles,
    traffic: trafficOf(s),
  };
}

/** The 7.9 `system.util.getSessionInfo` dataset. */
export function toDataset(sessions: Iterable<Session>): Dataset {
  const rows: Dataset['rows'] = [];
  for (const s of sessions) {
    rows.push([s.username, s.project, s.clientAddress, s.scope === 'designer', s.id, new Date(s.createdAt).toISOString()]);
  }
  return { columns: SESSION_DATASET_COLUMNS.map((c) => ({ ...c })), rows };
}
