import type { RpcServices } from './rpc/context.js';
import type { RpcRouter } from './rpc/router.js';
import type { AppStats } from './app/stats.js';
import type { History } from './history/index.js';

/**
 * Everything one tracker shares, built once in server.ts: what RPC and app handlers see
 * (RpcServices) plus what only the HTTP routes and the server itself read.
 */
export interface TrackerContext extends RpcServices {
  readonly router: RpcRouter;
  /** The history store and journal, for /metrics (handlers get it by closure, see rpc/history.ts). */
  readonly history: History;
  /** 1.1: per app method totals for /metrics (set once the app hub exists). */
  appStats?: AppStats;
}
