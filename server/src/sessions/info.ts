import type { AppMethodTraffic, Dataset, DeviceInfo, PageInfo, SessionInfo, SessionScope, SessionState } from '@session-tracker/shared';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import type { Session } from './session.js';
import { trafficOf } from './traffic.js';

/** A page as its owner keeps it (openedAt in ms). */
export interface PageFacts {
  id: string;
  path: string;
  title: string;
  openedAt: number;
}

/**
 * What a SessionInfo is made of: a live Session's fields (toSessionInfo) or a cluster part
 * record's (cluster/merge.ts partInfo). One renderer for both, so a new field is added once.
 */
export interface InfoFields {
  id: string;
  userAgent: string;
  username: string;
  project: string;
  createdAt: number;
  clientAddress: string;
  lastCommAt: number;
  scope: SessionScope;
  recentBytesSent: number;
  totalBytesSent: number;
  loggedIn: boolean;
  totalBytesReceived: number;
  messagesSent: number;
  state: SessionState;
  pages: Iterable<PageFacts>;
  device: DeviceInfo;
  roles: string[];
  traffic: Record<string, AppMethodTraffic>;
}

/** A page on the wire. info-json.ts writes the same as text, field for field. */
export function pageInfo(p: PageFacts): PageInfo {
  return { id: p.id, path: p.path, title: p.title, openedAt: new Date(p.openedAt).toISOString() };
}

/**
 * The wire view of a session at time `now` (ms): the one SessionInfo renderer.
 * info-json.ts's sessionInfoJson is its cached-text twin, held equal to it by a test.
 */
export function renderInfo(f: InfoFields, now: number): SessionInfo {
  const pageIds: string[] = [];
  const pages: PageInfo[] = [];
  for (const p of f.pages) {
    pageIds.push(p.id);
    pages.push(pageInfo(p));
  }
  return {
    id: f.id,
    userAgent: f.userAgent,
    username: f.username,
    project: f.project,
    uptime: Math.max(0, now - f.createdAt),
    clientAddress: f.clientAddress,
    lastComm: Math.max(0, now - f.lastCommAt),
    sessionScope: f.scope,
    activePages: pageIds.length,
    recentBytesSent: f.recentBytesSent,
    totalBytesSent: f.totalBytesSent,
    pageIds,
    authorized: f.loggedIn,
    totalBytesReceived: f.totalBytesReceived,
    messagesSent: f.messagesSent,
    creationTime: new Date(f.createdAt).toISOString(),
    state: f.state,
    pages,
    device: f.device,
    roles: f.roles,
    traffic: f.traffic,
  };
}

/** A live session of this node as SessionInfo at time `now` (ms). */
export function toSessionInfo(s: Session, now: number): SessionInfo {
  return renderInfo(
    {
      id: s.id,
      userAgent: s.userAgent,
      username: s.username,
      project: s.project,
      createdAt: s.createdAt,
      clientAddress: s.clientAddress,
      lastCommAt: s.lastCommAt,
      scope: s.scope,
      recentBytesSent: s.recentBytesSent,
      totalBytesSent: s.totalBytesSent,
      loggedIn: s.loggedIn,
      totalBytesReceived: s.totalBytesReceived,
      messagesSent: s.messagesSent,
      state: s.state,
      pages: s.pages.values(),
      device: s.device,
      roles: s.roles,
      traffic: trafficOf(s),
    },
    now,
  );
}

/** The 7.9 `system.util.getSessionInfo` dataset. */
export function toDataset(sessions: Iterable<Session>): Dataset {
  const rows: Dataset['rows'] = [];
  for (const s of sessions) {
    rows.push([s.username, s.project, s.clientAddress, s.scope === 'designer', s.id, new Date(s.createdAt).toISOString()]);
  }
  return { columns: SESSION_DATASET_COLUMNS.map((c) => ({ ...c })), rows };
}
