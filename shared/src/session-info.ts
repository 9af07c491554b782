import type { AppMethodTraffic } from './app.js';
import type { SessionScope } from './limits.js';

export const SESSION_STATES = ['connected', 'disconnected'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface PageInfo {
  id: string;
  path: string;
  title: string;
  /** ISO 8601 time the page was opened. */
  openedAt: string;
}

export interface DeviceInfo {
  /** e.g. "Chrome 126", or "" when unknown. */
  browser: string;
  /** e.g. "Windows 10", or "" when unknown. */
  os: string;
  /** "desktop", "mobile", "tablet", "smarttv", "wearable", "console", "embedded" or "bot". */
  type: string;
}

/** The Perspective shape, then our additions. */
export interface SessionInfo {
  id: string;
  userAgent: string;
  username: string;
  project: string;
  uptime: number;
  clientAddress: string;
  lastComm: number;
  sessionScope: SessionScope;
  activePages: number;
  recentBytesSent: number;
  totalBytesSent: number;
  pageIds: string[];
  authorized: boolean;
  // Additions beyond Ignition.
  totalBytesReceived: number;
  messagesSent: number;
  creationTime: string;
  state: SessionState;
  pages: PageInfo[];
  device: DeviceInfo;
  roles: string[];
  /**
   * 1.1: messages and bytes each way per app method (at most 32 names, the rest under `_other`).
   * A 1.1 server always sends it; optional here so readers of older servers keep compiling.
   */
  traffic?: Record<string, AppMethodTraffic>;
}

/**
 * What a cluster-mode server adds to each SessionInfo (PROTOCOL.md, cluster mode); a single
 * node sends none of them.
 */
export interface ClusterFields {
  /** The node with the session's most recent activity. */
  node: string;
  /** Every node holding a live part of it (tabs may sit on different nodes). */
  nodes: string[];
  /** False when some part of it came from Redis instead of its live node (a slow or dead node). */
  confirmed: boolean;
}

/** A SessionInfo as a cluster-mode server sends it. */
export type ClusterSessionInfo = SessionInfo & ClusterFields;

export type DatasetColumnType = 'String' | 'Boolean' | 'Date' | 'Integer';

export interface DatasetColumn {
  name: string;
  type: DatasetColumnType;
}

export interface Dataset {
  columns: DatasetColumn[];
  rows: (string | boolean | number | null)[][];
}

/** The 7.9 `system.util.getSessionInfo` columns, in order. */
export const SESSION_DATASET_COLUMNS: readonly DatasetColumn[] = [
  { name: 'username', type: 'String' },
  { name: 'project', type: 'String' },
  { name: 'address', type: 'String' },
  { name: 'isDesigner', type: 'Boolean' },
  { name: 'clientId', type: 'String' },
  { name: 'creationTime', type: 'Date' },
];

/** Who answered a query in cluster mode (getSessionStats, sessions.list). */
export interface ClusterStatus {
  /** The node that answered the query. */
  node: string;
  /** Nodes whose sessions are in the answer live. */
  nodes: string[];
  /** Nodes whose sessions came from Redis instead (slow or dead): not confirmed live. */
  unconfirmed: string[];
  /** Redis was out of reach: only the answering node's sessions are in. */
  degraded: boolean;
}
