import type { Session } from '../sessions/session.js';
import type { ListSpec, RemoteList } from './list.js';
import type { ActionReply, ClusterAction, ClusterChange, ClusterFilters, PartRecord, RemoteParts, RemoteViews } from './types.js';

/**
 * The one seam between a node and the rest of the cluster. The single-node default does
 * nothing; cluster mode (Redis) shares parts, finds sessions for resumes on any node,
 * answers queries for the whole cluster and carries admin actions to the right node.
 */
export interface ClusterBackend {
  /** `single` (no cluster) or `redis`. */
  readonly mode: 'single' | 'redis';
  readonly nodeId: string;
  /** Finds the session a token names on other nodes (or left by a dead one), to join it here. */
  claim(tokenHash: string, project: string): Promise<PartRecord | undefined>;
  /** Parts held by the other nodes (and Redis) that a query needs, as views ready to print. */
  remoteViews(filters: ClusterFilters, timeoutMs: number): Promise<RemoteViews>;
  /** The same as part records (a live feed's mirror keeps and re-merges them). */
  remoteParts(filters: ClusterFilters, timeoutMs: number): Promise<RemoteParts>;
  /** sessions.list: each other node's first parts after a cursor and its count (cluster/list.ts). */
  remoteList(filters: ClusterFilters, spec: ListSpec, timeoutMs: number): Promise<RemoteList>;
  /** Other nodes' parts of one session (from Redis, as seen now), and which nodes beat. */
  partsOf(sid: string): Promise<{ parts: PartRecord[]; beating: ReadonlySet<string> }>;
  /** What Redis holds of one node's parts of `sids` (undefined: Redis out of reach). */
  storedParts(node: string, sids: readonly string[]): Promise<(PartRecord | undefined)[] | undefined>;
  /** Runs an admin action on the other nodes that hold parts of a session. */
  act(action: ClusterAction, timeoutMs: number): Promise<ActionReply[]>;
  /** An admin ended a session: forget it everywhere. */
  forget(sid: string): Promise<void>;
  /** A local login changed: other nodes with parts of the session take it too. */
  loginChanged(session: Session): void;
  /**
   * Streams other nodes' part writes and cluster-wide session ends to this node's live feeds
   * (it costs the cluster nothing while nobody listens). Returns the way to stop listening.
   */
  listen(listener: (change: ClusterChange) => void): Promise<() => void>;
  stop(): Promise<void>;
}

export class SingleNode implements ClusterBackend {
  readonly mode = 'single' as const;
  constructor(readonly nodeId: string) {}
  async claim(): Promise<undefined> {
    return undefined;
  }
  async remoteViews(): Promise<RemoteViews> {
    return { views: [], unconfirmedNodes: [], degraded: false, answered: [] };
  }
  async remoteParts(): Promise<RemoteParts> {
    return { parts: [], unconfirmedNodes: [], degraded: false, answered: [] };
  }
  async remoteList(): Promise<RemoteList> {
    return { views: [], count: 0, duplicates: 0, unconfirmedNodes: [], degraded: false, answered: [] };
  }
  async partsOf(): Promise<{ parts: PartRecord[]; beating: ReadonlySet<string> }> {
    return { parts: [], beating: new Set([this.nodeId]) };
  }
  async storedParts(): Promise<undefined> {
    return undefined;
  }
  async act(): Promise<ActionReply[]> {
    return [];
  }
  async forget(): Promise<void> {}
  loginChanged(): void {}
  async listen(): Promise<() => void> {
    return () => undefined;
  }
  async stop(): Promise<void> {}
}
