import type { ClusterFilters } from './cluster/types.js';
import type { ClusterWatch } from './cluster/watch.js';
import { compileFilter } from './filters/regex.js';
import { RawJson } from './lib/raw-json.js';
import { sessionInfoJson } from './sessions/info-json.js';
import type { WatchHub } from './sessions/watch-hub.js';
import type { Peer, Session } from './sessions/session.js';

/**
 * Every `sessions.watch` feed of this tracker: this node's (event-driven from the registry)
 * and, in cluster mode, the cluster-wide ones. Sockets and sessions leave both through here.
 */
export class Feeds {
  /** Cluster-wide feeds: set once the cluster backend is up (never on a single node). */
  cluster: ClusterWatch | undefined;

  constructor(readonly local: WatchHub) {}

  /**
   * sessions.watch: subscribes `conn`; the answer is the subscription and the snapshot. `wide`:
   * every node's sessions (where there is a cluster), else this node's `sessions`.
   */
  watch(conn: Peer, filters: ClusterFilters, sessions: Iterable<Session>, wide: boolean): RawJson | Promise<RawJson> {
    const user = compileFilter('usernameFilter', filters.usernameFilter);
    const project = compileFilter('projectFilter', filters.projectFilter);
    if (wide && this.cluster) {
      return this.cluster
        .watch(conn, filters)
        .then(({ subscription, sessions: json }) =>
          RawJson.of(`{"subscription":${JSON.stringify(subscription)},"sessions":[`, json, (j) => j, ']}'),
        );
    }
    const { subscription, snapshot } = this.local.watch(conn, user, project, sessions);
    const now = Date.now();
    return RawJson.of(`{"subscription":${JSON.stringify(subscription)},"sessions":[`, snapshot, (s) => sessionInfoJson(s, now), ']}');
  }

  /** Ends a subscription of this socket, whichever kind; false when it has none by that ID. */
  unwatch(conn: Peer, id: string): boolean {
    return this.local.unwatch(conn, id) || (this.cluster?.unwatch(conn, id) ?? false);
  }

  /** A socket closed: its feeds end. */
  dropConnection(conn: Peer): void {
    this.local.dropConnection(conn);
    this.cluster?.dropConnection(conn);
  }

  /** A session stopped being an admin (logout, a non-admin login): its feeds end. */
  dropSession(session: Session): void {
    this.local.dropSession(session);
    this.cluster?.dropSession(session);
  }

  close(): void {
    this.local.close();
    this.cluster?.close();
  }

  get size(): number {
    return this.local.size + (this.cluster?.size ?? 0);
  }
}
