import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import type { WebSocket } from 'ws';
import type { AppContract } from '@session-tracker/shared';
import type { RpcServices } from '../rpc/context.js';
import type { MethodHandler } from '../rpc/router.js';
import { AppHandlers } from './handlers.js';
import { deliver, pushText, selectSockets } from './push.js';
import { Tickets } from './tickets.js';
import { trackSocket } from './tracked.js';
import { instrumentSocketIO, type SocketIOServerLike } from './socketio.js';
import { AppStats } from './stats.js';
import type { ActionReply, ClusterAction } from '../cluster/types.js';
import type { AppHandler, AppSession, HandleOptions, PushTarget, TrackedSocket } from './types.js';

/** The target as plain strings, for the wire between nodes. */
function plainTarget(t: PushTarget): Record<string, string | null | undefined> {
  const out: Record<string, string | null | undefined> = {};
  for (const key of ['sessionId', 'pageId', 'usernameFilter', 'projectFilter'] as const) {
    const v = (t as Record<string, unknown>)[key];
    if (typeof v === 'string' || v === null) out[key] = v;
  }
  return out;
}

/** The app's own traffic on one tracker (contract 1.1): handlers, pushes, tickets, tracked sockets. */
export class AppHub {
  readonly handlers: AppHandlers;
  readonly stats: AppStats;
  readonly tickets: Tickets;

  constructor(
    private readonly ctx: RpcServices,
    private readonly trusted: BlockList | undefined,
  ) {
    this.stats = new AppStats((name) => this.handlers.has(name));
    this.handlers = new AppHandlers(ctx.log, this.stats);
    this.tickets = new Tickets(ctx.options.appTicketTtlMs);
  }

  handle<P, R>(name: string, handler: AppHandler<P, R>, options?: HandleOptions<P>): () => void {
    return this.handlers.handle(name, handler, options);
  }

  /**
   * Sends `app.<name>` to every socket the target selects; resolves to the sockets reached. In
   * cluster mode the other nodes get it over the existing request bus (the nodes holding the
   * session, or every live node for filters) and their counts add up.
   */
  async push(target: PushTarget, name: string, params?: unknown): Promise<number> {
    const text = pushText(name, params);
    const here = deliver(this.ctx, selectSockets(this.ctx, target), name, text, this.stats);
    const { cluster, options } = this.ctx;
    const sid = typeof target.sessionId === 'string' ? target.sessionId : '';
    const replies = await cluster.act({ kind: 'push', sid, target: plainTarget(target), name, text }, options.clusterTimeoutMs);
    return replies.reduce((n, r) => n + r.delivered, here);
  }

  /** Another node's push, delivered to this node's sockets. */
  runLocalPush(action: Extract<ClusterAction, { kind: 'push' }>): ActionReply {
    let delivered = 0;
    try {
      delivered = deliver(this.ctx, selectSockets(this.ctx, action.target as PushTarget), action.name, action.text, this.stats);
    } catch (err) {
      this.ctx.log.warn({ err, event: 'app.push' }, 'a push from another node could not be delivered');
    }
    return { node: this.ctx.cluster.nodeId, found: delivered > 0, delivered };
  }

  track(ws: WebSocket, req: IncomingMessage): TrackedSocket {
    return trackSocket(this.ctx, this.tickets, this.trusted, ws, req);
  }

  instrumentSocketIO(io: SocketIOServerLike): () => void {
    return instrumentSocketIO(this.ctx, this.tickets, this.trusted, io);
  }

  /** The router's handler of `session.ticket`. */
  readonly ticketHandler: MethodHandler<'session.ticket'> = (call) => this.tickets.issue(call.session.id);
}

/** The calls of an app's declared contract, as a handler of each expects them. */
export interface TypedApp<A extends AppContract> {
  handle<N extends keyof A['calls'] & string>(
    name: N,
    handler: (params: A['calls'][N]['params'], session: AppSession) => A['calls'][N]['result'] | Promise<A['calls'][N]['result']>,
    options?: HandleOptions<A['calls'][N]['params']>,
  ): () => void;
  /** Notifications (no answer) are served by handlers too; their result is dropped. */
  handleNotification<N extends keyof A['notifications'] & string>(
    name: N,
    handler: (params: A['notifications'][N], session: AppSession) => void | Promise<void>,
    options?: HandleOptions<A['notifications'][N]>,
  ): () => void;
  push<N extends keyof A['pushes'] & string>(target: PushTarget, name: N, params: A['pushes'][N]): Promise<number>;
}

export function typedApp<A extends AppContract>(hub: AppHub): TypedApp<A> {
  return {
    handle: (name, handler, options) => hub.handle(name, handler, options),
    handleNotification: (name, handler, options) => hub.handle(name, handler, options),
    push: (target, name, params) => hub.push(target, name, params),
  };
}
