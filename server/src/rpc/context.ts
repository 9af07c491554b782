import type { ClusterBackend } from '../cluster/backend.js';
import type { ConnectionServices } from '../transport/connection.js';

/**
 * What RPC handlers (and the app's handlers) use of the tracker: a connection's services plus
 * the cluster. Built once in server.ts; a connection carries it, so each call reads it as
 * `call.ctx` without anything allocated per call.
 */
export interface RpcServices extends ConnectionServices {
  /** The rest of the cluster: SingleNode until (and unless) Redis is up; read at each use. */
  cluster: ClusterBackend;
}
