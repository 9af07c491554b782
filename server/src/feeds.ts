import type { ClusterWatch } from './cluster/watch.js';
import type { WatchHub } from './sessions/watch-hub.js';
import type { Peer, Session } from './sessions/session.js';

/**
 * Every `sessions.watch` feed of this tracker: this node's (event-driven from the registry)
 * and, in cluster mode, the cluster-wide ones. Sockets and sessions leave both through here.
 */
export class Feeds {
  /** Cluster-wide feeds: set once cluster mode is up. */
  cluster: ClusterWatch | undefined;

  constructor(readonly local: WatchHub) {}

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
