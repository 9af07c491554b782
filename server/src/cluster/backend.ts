import type { Logger } from 'pino';
import type { Dataset, SessionInfo, SessionStats } from '@session-tracker/shared';
import type { RawJson } from '../lib/raw-json.js';
import type { ServerOptions } from '../options.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Filter } from '../filters/regex.js';
import { localPage, type ListQuery } from '../listing/answer.js';
import { datasetJson, localStats, sessionsJson } from '../sessions/answers.js';
import { toSessionInfo } from '../sessions/info.js';
import type { Session } from '../sessions/session.js';
import type { ActionReply, ClusterAction, ClusterChange, ClusterFilters, PartRecord, RemoteParts, RemoteViews } from './types.js';

/**
 * The one seam between a node and the rest of the cluster: code outside cluster/ calls it the
 * same way on one node or many. The single-node default (SingleNode, in memory) answers from
 * this node alone; cluster mode (Redis) shares parts, finds sessions for resumes on any node,
 * answers queries for the whole cluster and carries admin actions to the right node.
 */
export interface ClusterBackend {
  readonly nodeId: string;
  /**
   * Finds the session a token names on other nodes (or left by a dead one), to join it here.
   * Undefined at once when no other node can hold one: the upgrade need not wait.
   */
  claim(tokenHash: string, project: string): Promise<PartRecord | undefined> | undefined;
  /** session.self: the session as its client sees it, with every part other nodes hold of it. */
  self(session: Session): SessionInfo | Promise<SessionInfo>;
  /** getSessionInfo over every node: `local` is this node's sessions, already filtered. */
  sessionList(
    filters: ClusterFilters,
    local: readonly Session[],
    dataset: boolean,
    timeoutMs: number,
  ): RawJson | Dataset | Promise<RawJson | Dataset>;
  /** getSessionStats over every node (`local` as for sessionList). */
  sessionStats(filters: ClusterFilters, local: readonly Session[], timeoutMs: number): SessionStats | Promise<SessionStats>;
  /** Parts held by the other nodes (and Redis) that a query needs, as views ready to print. */
  remoteViews(filters: ClusterFilters, timeoutMs: number): Promise<RemoteViews>;
  /** The same as part records (a live feed's mirror keeps and re-merges them). */
  remoteParts(filters: ClusterFilters, timeoutMs: number): Promise<RemoteParts>;
  /** sessions.list: one page over every node (`registry` is this node's sessions). */
  sessionPage(
    registry: SessionRegistry,
    filters: ClusterFilters,
    q: ListQuery,
    user: Filter,
    project: Filter,
    timeoutMs: number,
  ): RawJson | Promise<RawJson>;
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

/**
 * What cluster queries and feeds use of the tracker. `cluster` is read at each use: the
 * tracker's backend is replaced once Redis is up.
 */
export interface ClusterServices {
  readonly options: ServerOptions;
  readonly log: Logger;
  readonly registry: SessionRegistry;
  readonly cluster: ClusterBackend;
}

/** One node alone, the default: every answer is this node's own; there is nobody to tell. */
export class SingleNode implements ClusterBackend {
  constructor(readonly nodeId: string) {}
  claim(): undefined {
    return undefined;
  }
  self(session: Session): SessionInfo {
    return toSessionInfo(session, Date.now());
  }
  sessionList(_filters: ClusterFilters, local: readonly Session[], dataset: boolean): RawJson {
    return dataset ? datasetJson(local) : sessionsJson(local, Date.now());
  }
  sessionStats(_filters: ClusterFilters, local: readonly Session[]): SessionStats {
    return localStats(local);
  }
  sessionPage(registry: SessionRegistry, _filters: ClusterFilters, q: ListQuery, user: Filter, project: Filter): RawJson {
    return localPage(registry, q, user, project);
  }
  async remoteViews(): Promise<RemoteViews> {
    return { views: [], unconfirmedNodes: [], degraded: false, answered: [] };
  }
  async remoteParts(): Promise<RemoteParts> {
    return { parts: [], unconfirmedNodes: [], degraded: false, answered: [] };
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
