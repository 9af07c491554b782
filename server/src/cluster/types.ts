import type { DeviceInfo, SessionScope, SessionState } from '@session-tracker/shared';

/**
 * One node's part of a session, as stored in Redis and sent between nodes. A session may
 * have parts on several nodes (tabs behind a load balancer without sticky sessions); its
 * view is the merge of its parts (merge.ts).
 */
export interface PartRecord {
  sid: string;
  node: string;
  tokenHash: string;
  project: string;
  scope: SessionScope;
  userAgent: string;
  clientAddress: string;
  device: DeviceInfo;
  createdAt: number;
  username: string;
  roles: string[];
  loggedIn: boolean;
  isAdmin: boolean;
  loginAt: number;
  recentBytesSent: number;
  recentAt: number;
  totalBytesSent: number;
  totalBytesReceived: number;
  messagesSent: number;
  lastCommAt: number;
  /** `retired`: its node let it go while the session lived on elsewhere; it keeps the counters. */
  state: SessionState | 'retired';
  disconnectedAt: number;
  pages: { id: string; path: string; title: string; openedAt: number }[];
  /** When its node last wrote it: a part nobody refreshes belongs to a dead node. */
  flushedAt: number;
}

export interface ClusterFilters {
  usernameFilter?: string | null | undefined;
  projectFilter?: string | null | undefined;
}

/** What other nodes and Redis contributed to a query. */
export interface RemoteParts {
  parts: PartRecord[];
  /** Nodes whose parts came from Redis rather than from the node itself (slow, dead). */
  unconfirmedNodes: string[];
  /** Redis was out of reach: only this node's sessions are in the answer. */
  degraded: boolean;
  /** Nodes that answered live. */
  answered: string[];
}

/** An admin action sent to the nodes that hold a session's sockets. */
export type ClusterAction =
  | { kind: 'close'; sid: string; message: string }
  | { kind: 'closePage'; sid: string; pageId: string; message: string }
  | { kind: 'send'; sid: string; type: string; payload: unknown; pageId?: string | undefined };

/** A node's answer to an action: how many sockets it reached, or that it had nothing. */
export interface ActionReply {
  node: string;
  found: boolean;
  delivered: number;
}
