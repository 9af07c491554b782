import type { RpcServices } from './rpc/context.js';
import type { RpcRouter } from './rpc/router.js';
import type { AppStats } from './app/stats.js';

/**
 * Everything one tracker shares, built once in server.ts: what RPC and app handlers see
 * (RpcServices) plus what only the HTTP routes and the server itself read.
 */
export interface TrackerContext extends RpcServices {
  readonly router: RpcRouter;
  /** 1.1: per app method totals for /metrics (set once the app hub exists). */
  appStats?: AppStats;
}
