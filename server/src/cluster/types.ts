import type { AppMethodTraffic, SessionState } from '@session-tracker/shared';
import type { SessionSeed } from '../sessions/registry.js';

/**
 * One node's part of a session, as stored in Redis and sent between nodes. A session may
 * have parts on several nodes (tabs behind a load balancer without sticky sessions); its
 * view is the merge of its parts (merge.ts). It is the seed a joining node needs (identity
 * and login, sessions/registry.ts) plus the part's own counters, pages and state.
 */
export interface PartRecord extends SessionSeed {
  recentBytesSent: number;
  recentAt: number;
  totalBytesSent: number;
  totalBytesReceived: number;
  messagesSent: number;
  /** 1.1: per app method traffic of this part (absent in records from older nodes). */
  traffic?: Record<string, AppMethodTraffic>;
  lastCommAt: number;
  /** Bumped by every change other than counters (pages, login, state): feeds report it. */
  rev: number;
  /** `retired`: its node let it go while the session lived on elsewhere; it keeps the counters. */
  state: SessionState | 'retired';
  disconnectedAt: number;
  pages: { id: string; path: string; title: string; openedAt: number }[];
  /** When its node last wrote it: a part nobody refreshes belongs to a dead node. */
  flushedAt: number;
}

/** What a merge needs of a part besides its SessionInfo: whose it is and when things happened. */
export interface PartFacts {
  node: string;
  createdAt: number;
  loginAt: number;
  recentAt: number;
  lastCommAt: number;
  state: PartRecord['state'];
  /** The part came from its node itself, not from what Redis holds of it. */
  confirmed: boolean;
  /** Its node beats (this node, a node that answered, or one whose key has not expired). */
  beating: boolean;
}

/**
 * One node's part of a session as a cluster query carries it: the part's ClusterSessionInfo
 * as JSON text (as if it were the session's only part), with the facts a merge, a filter,
 * the stats and the dataset need. Most sessions have one part: their JSON goes to the admin
 * as it came; only sessions with parts on several nodes are parsed and merged.
 */
export interface PartView extends PartFacts {
  sid: string;
  username: string;
  project: string;
  loggedIn: boolean;
  pages: number;
  clientAddress: string;
  scope: string;
  json: string;
}

export interface ClusterFilters {
  usernameFilter?: string | null | undefined;
  projectFilter?: string | null | undefined;
  /** sessions.list's `state` addition: only parts in this state (queries never set it). */
  state?: SessionState | undefined;
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

/** What other nodes and Redis contributed to a query, as part views (see views.ts). */
export interface RemoteViews {
  views: PartView[];
  unconfirmedNodes: string[];
  degraded: boolean;
  answered: string[];
}

/** How a query's parts travel: as views (queries) or as records (a feed's mirror). */
export type PartForm = 'views' | 'parts';

/** An admin action sent to the nodes that hold a session's sockets. */
export type ClusterAction =
  | { kind: 'close'; sid: string; message: string }
  | { kind: 'closePage'; sid: string; pageId: string; message: string }
  | { kind: 'send'; sid: string; type: string; payload?: unknown; pageId?: string | undefined }
  /** 1.1: an app push (server/src/app/push.ts); `sid` is "" for a push by filters (every node). */
  | { kind: 'push'; sid: string; target: Record<string, string | null | undefined>; name: string; text: string };

/** A node's answer to an action: how many sockets it reached, or that it had nothing. */
export interface ActionReply {
  node: string;
  found: boolean;
  delivered: number;
}

/**
 * What the cluster tells a node's live feeds (only while it listens): other nodes' parts as
 * they are written, sessions ended cluster-wide, and the set of beating nodes when it moves.
 * `resync`: the stream may have missed events (Redis was away): rebuild from a query.
 */
export type ClusterChange =
  | { kind: 'parts'; parts: PartRecord[] }
  | { kind: 'ended'; sids: string[] }
  | { kind: 'nodes'; alive: ReadonlySet<string> }
  | { kind: 'resync' };
