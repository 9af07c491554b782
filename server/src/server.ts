import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { CloseCode, SessionEndCause } from '@session-tracker/shared';
import { Authenticator } from './auth/authenticator.js';
import type { TrackerContext } from './context.js';
import { handleHttp, notFoundResponse } from './http/routes.js';
import { createLogger } from './log.js';
import { DEFAULT_OPTIONS, resolveOptions, type ServerOptions } from './options.js';
import { authHandlers } from './rpc/auth.js';
import { pageHandlers } from './rpc/pages.js';
import { queryHandlers } from './rpc/query.js';
import { adminHandlers } from './rpc/admin.js';
import { historyHandlers } from './rpc/history.js';
import { endHandlers } from './rpc/end.js';
import { listHandlers } from './rpc/list.js';
import { openHistory, type History } from './history/index.js';
import { clusterEnd } from './cluster/history-end.js';
import { RpcRouter } from './rpc/router.js';
import { SessionRegistry } from './sessions/registry.js';
import { FeedEngine } from './feeds/engine.js';
import { Feeds } from './feeds/feeds.js';
import { LocalFeedSource } from './feeds/local.js';
import { TrackerStats } from './stats.js';
import { SingleNode } from './cluster/backend.js';
import { RedisBackend } from './cluster/redis-backend.js';
import { ClusterFeedSource } from './cluster/feed-source.js';
import { runLocalAction } from './rpc/actions.js';
import type { Connection } from './transport/connection.js';
import { trustList } from './transport/address.js';
import { Heartbeat } from './transport/heartbeat.js';
import { refuse, UpgradeHandler } from './transport/upgrade.js';
import type { IncomingMessage as AppRequest } from 'node:http';
import type { WebSocket } from 'ws';
import type { AppContract } from '@session-tracker/shared';
import { AppHub, typedApp, type TypedApp } from './app/hub.js';
import type { AppHandler, HandleOptions, PushTarget, TrackedSocket } from './app/types.js';
import type { SocketIOServerLike } from './app/socketio.js';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** One tracker attached to one HTTP server: the composition root. */
export class SessionTracker {
  readonly options: ServerOptions;
  readonly adminToken: string;
  /** True when the admin token was generated here rather than given. */
  readonly adminTokenGenerated: boolean;
  readonly log: Logger;
  readonly registry: SessionRegistry;
  private readonly ctx: TrackerContext;
  private readonly upgrades: UpgradeHandler;
  private readonly heartbeat: Heartbeat;
  /** Ended sessions and events (1.1 history), and live sessions kept across restarts. */
  private readonly history: History;
  /** This node's name: in the cluster, and on its history rollup rows. */
  private readonly nodeName: string;
  private readonly forwarded: RequestListener[];
  private closing: Promise<void> | undefined;
  /** The app's own traffic (contract 1.1): handle, push, track. */
  private readonly appHub: AppHub;
  /** Resolves once the tracker is fully up (in cluster mode: Redis client created). */
  readonly ready: Promise<void>;

  constructor(
    readonly httpServer: Server,
    partial: Partial<ServerOptions> = {},
  ) {
    const options = resolveOptions(partial);
    this.options = options;
    this.adminTokenGenerated = options.adminToken === undefined;
    this.adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
    this.log = options.logger ?? createLogger(options.logLevel);
    const auth = new Authenticator({
      adminToken: this.adminToken,
      jwtSecret: options.jwtSecret,
      jwtPublicKey: options.jwtPublicKey,
      adminRoles: options.adminRoles,
      clockToleranceSec: options.jwtClockToleranceSec,
    });
    const rateLimit = { perSecond: options.rateLimitPerSecond, burst: options.rateLimitBurst };
    // One name per node: the cluster's, and its rollup rows' (each node writes its own).
    const node =
      options.nodeId ?? (options.redisUrl === undefined ? 'local' : `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    this.nodeName = node;
    const history = (this.history = openHistory({ ...options, keepLive: options.redisUrl === undefined, node }, this.log));
    this.registry = new SessionRegistry(this.log, options.sessionTimeoutMs, rateLimit, history.recorder);
    history.journal.watchLive(() => this.registry.values());
    const router = new RpcRouter(
      {
        ...pageHandlers,
        ...authHandlers(auth),
        ...queryHandlers,
        ...endHandlers,
        ...adminHandlers,
        ...historyHandlers(history),
        ...listHandlers,
        'session.ticket': (call) => this.appHub.ticketHandler(call, undefined),
      },
      this.log,
      options.maxBatch,
    );
    const connections = new Set<Connection>();
    const feedOptions = { highWaterMark: options.feedHighWaterMark, log: this.log };
    const feeds = new Feeds(new FeedEngine(new LocalFeedSource(this.registry), feedOptions));
    this.ctx = {
      options,
      log: this.log,
      registry: this.registry,
      router,
      connections,
      feeds,
      stats: new TrackerStats(),
      rateLimit,
      history,
      cluster: new SingleNode(options.nodeId ?? `${hostname()}-${process.pid}`),
    };
    this.upgrades = new UpgradeHandler(this.ctx, trustList(options.trustProxy));
    this.appHub = new AppHub(this.ctx, trustList(options.trustProxy));
    this.ctx.appStats = this.appHub.stats;
    router.app = this.appHub.handlers;
    this.heartbeat = new Heartbeat(connections, options.heartbeatMs);

    this.log.info({ event: 'history.open', store: history.store.description, keepLive: history.keepsLive }, 'history store open');
    this.ready = options.redisUrl === undefined ? this.restoreLive() : this.startCluster(options.redisUrl);
    // Embedders may never await it: log a failure rather than leave it unhandled.
    this.ready.catch((err: unknown) => this.log.error({ err }, 'cluster mode failed to start'));

    // Like engine.io's attach: our routes first, then the app's own request listeners.
    this.forwarded = httpServer.listeners('request') as RequestListener[];
    httpServer.removeAllListeners('request');
    httpServer.on('request', this.onRequest);
    httpServer.on('upgrade', this.onUpgrade);
  }

  private async startCluster(url: string): Promise<void> {
    const o = this.options;
    const nodeId = this.nodeName;
    // Parts end on each node; the session's end is recorded where the cluster decides it.
    this.history.recorder.clusterEnds = true;
    const backend = await RedisBackend.start({
      url,
      prefix: o.redisPrefix,
      nodeId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      beatMs: o.clusterBeatMs,
      nodeTtlMs: o.clusterBeatMs * 5,
      flushMs: o.clusterFlushMs,
      log: this.log,
      registry: this.registry,
      runLocal: (action) => (action.kind === 'push' ? this.appHub.runLocalPush(action) : runLocalAction(this.ctx, action)),
      sessionEnded: (_sid, parts, reason, now) => {
        const end = clusterEnd(parts, reason, now);
        if (end) this.history.recorder.clusterEnded(end);
      },
    });
    // Together: a cluster-wide feed exactly when there is a cluster behind it.
    this.ctx.feeds.cluster = new FeedEngine(new ClusterFeedSource(this.ctx), {
      highWaterMark: o.feedHighWaterMark,
      log: this.log,
    });
    this.ctx.cluster = backend;
    this.log.info({ event: 'cluster.start', node: nodeId }, 'cluster mode on Redis');
  }

  /** Sessions live when the tracker last stopped come back disconnected, resumable for the session timeout. */
  private async restoreLive(): Promise<void> {
    if (!this.history.keepsLive) return;
    let saved: Awaited<ReturnType<typeof this.history.store.loadLive>>;
    try {
      saved = await this.history.store.loadLive();
    } catch (err) {
      // A database down at start must not keep the tracker from serving: live traffic comes first.
      this.log.error(
        { err, event: 'history.restore_failed' },
        'live sessions of the last run not restored: the history store is unreachable',
      );
      return;
    }
    const now = Date.now();
    let restored = 0;
    for (const s of saved) if (this.registry.restore(s, now)) restored++;
    if (restored > 0) this.log.info({ event: 'history.restored', sessions: restored }, 'sessions restored from the last run');
  }

  /**
   * Serves `app.<name>` (contract 1.1). The handler gets the params (checked by `schema` when
   * given: a failure answers -32602 naming the field) and the calling session. An error thrown
   * with a `code` from -32099 to -32000 (or positive) and a `message` reaches the client as it is;
   * any other throw answers -32603 and is logged. Returns a function that removes the handler.
   */
  handle<P = unknown, R = unknown>(name: string, handler: AppHandler<P, R>, options?: HandleOptions<P>): () => void {
    return this.appHub.handle(name, handler, options);
  }

  /**
   * Sends the notification `app.<name>` to every socket the target selects: `{sessionId}`,
   * `{sessionId, pageId}` (the socket owning the page) or `{usernameFilter?, projectFilter?}`
   * (whole-value RE2; `{}` is everyone). Resolves to the number of sockets reached.
   */
  push(target: PushTarget, name: string, params?: unknown): Promise<number> {
    return this.appHub.push(target, name, params);
  }

  /**
   * Hands a socket the app accepted on its own WebSocket server to the session its
   * `?sessionTicket=` names (else to a session of its own, project from `?project=`): its data
   * messages count for that session both ways, and it keeps the session connected while open.
   */
  track(socket: WebSocket, request: AppRequest): TrackedSocket {
    return this.appHub.track(socket, request);
  }

  /**
   * Counts every engine.io packet of each Socket.IO 4 connection of `io` for the session named by
   * `auth.sessionTicket` in its handshake (else a session of its own). Returns the way to stop.
   */
  instrumentSocketIO(io: SocketIOServerLike): () => void {
    return this.appHub.instrumentSocketIO(io);
  }

  /** `handle` and `push` typed by the app's declared contract (the same map the SDK takes). */
  app<A extends AppContract>(): TypedApp<A> {
    return typedApp<A>(this.appHub);
  }

  /** Sessions listed now, connected or not. */
  get sessionCount(): number {
    return this.registry.size;
  }

  /** Handles the tracker's own HTTP routes; false for anything else. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return handleHttp(this.ctx, req, res);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.handleRequest(req, res)) return;
    if (this.forwarded.length === 0) return notFoundResponse(res);
    for (const listener of this.forwarded) listener.call(this.httpServer, req, res);
  };

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.closing) return refuse(socket, 503, 'server shutting down');
    if (this.upgrades.handle(req, socket, head)) return;
    // Not our path: leave it to the app's other upgrade listeners, if it has any.
    if (this.httpServer.listenerCount('upgrade') === 1) refuse(socket, 404, 'not found');
  };

  /** Graceful stop: every socket gets 1001, every session ends with its audit line. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.heartbeat.stop();
    this.httpServer.off('upgrade', this.onUpgrade);
    const sockets = [...this.ctx.connections];
    const closed = sockets.map(
      (c) => new Promise<void>((resolve) => (c.ws.readyState === 3 ? resolve() : c.ws.once('close', () => resolve()))),
    );
    for (const c of sockets) c.close(CloseCode.GoingAway, 'server shutting down');
    this.ctx.feeds.close();
    // Saved as they are now, before they end with the process: they come back after a restart.
    this.history.journal.captureLive();
    this.registry.endAll(SessionEndCause.Shutdown);
    await this.ready.catch(() => undefined);
    await this.ctx.cluster.stop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs, 'timeout');
    });
    const outcome = await Promise.race([Promise.all(closed), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') for (const c of this.ctx.connections) c.ws.terminate();
    this.upgrades.wss.close();
    await this.history.journal.close().catch((err: unknown) => this.log.error({ err }, 'history close failed'));
    this.httpServer.off('request', this.onRequest);
    for (const l of this.forwarded) this.httpServer.on('request', l);
    this.log.info({ event: 'tracker.closed' }, 'session tracker closed');
  }
}

/** Socket.IO in one line: `instrumentSocketIO(io, tracker)` (see `SessionTracker.instrumentSocketIO`). */
export function instrumentSocketIO(io: SocketIOServerLike, tracker: SessionTracker): () => void {
  return tracker.instrumentSocketIO(io);
}

/** Attaches a tracker to an existing HTTP server (path `/ws`, plus `/healthz` and `/sdk.js`). */
export function attachSessionTracker(httpServer: Server, options: Partial<ServerOptions> = {}): SessionTracker {
  return new SessionTracker(httpServer, options);
}

export interface RunningServer {
  /** http://host:port */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  readonly port: number;
  readonly host: string;
  readonly adminToken: string;
  readonly tracker: SessionTracker;
  close(): Promise<void>;
}

/** Starts a standalone server on its own HTTP port. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const handshakeMs = options.handshakeTimeoutMs ?? DEFAULT_OPTIONS.handshakeTimeoutMs;
  // A client that connects and never finishes its upgrade request is cut off.
  const httpServer = createServer({
    headersTimeout: handshakeMs,
    requestTimeout: handshakeMs,
    connectionsCheckingInterval: Math.min(1_000, handshakeMs),
  });
  httpServer.on('clientError', (err, socket) => refuse(socket, 400, err.message));
  const tracker = new SessionTracker(httpServer, options);
  await tracker.ready;
  const { host, port } = tracker.options;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const addr = httpServer.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${shownHost}:${addr.port}`;
  tracker.log.info({ event: 'server.listening', url, path: tracker.options.path }, 'listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl: `ws://${shownHost}:${addr.port}${tracker.options.path}`,
    port: addr.port,
    host: addr.address,
    adminToken: tracker.adminToken,
    tracker,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await tracker.close();
        httpServer.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
