import type { Logger } from 'pino';
import type { ServerOptions } from './options.js';
import type { RpcRouter } from './rpc/router.js';
import type { SessionRegistry } from './sessions/registry.js';
import type { TrackerStats } from './stats.js';
import type { RateLimit } from './sessions/rate-limit.js';
import type { ClusterBackend } from './cluster/backend.js';
import type { Feeds } from './feeds.js';
import type { Connection } from './transport/connection.js';
import type { AppStats } from './app/stats.js';

/** What every part of one tracker shares; built once in server.ts. */
export interface TrackerContext {
  readonly options: ServerOptions;
  readonly log: Logger;
  readonly registry: SessionRegistry;
  readonly router: RpcRouter;
  readonly connections: Set<Connection>;
  /** Live `sessions.watch` feeds, this node's and cluster-wide. */
  readonly feeds: Feeds;
  readonly stats: TrackerStats;
  readonly rateLimit: RateLimit;
  /** The rest of the cluster: SingleNode until (and unless) Redis is up. */
  cluster: ClusterBackend;
  /** 1.1: per app method totals for /metrics (set once the app hub exists). */
  appStats?: AppStats;
}
