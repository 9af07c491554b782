import {
  CloseCode,
  ErrorCode,
  type MethodName,
  type MethodResults,
  type ParamsOf,
  type ServerNotifications,
  type SessionsChanged,
  type WelcomeParams,
} from '@session-tracker/shared';
import { ConnectionManager } from './connection/manager.js';
import { ResumeToken, connectProtocols } from './connection/resume.js';
import { isSharedStorage, watchStorageKey, webLocksGate } from './connection/tabs.js';
import type { ConnectionState, StateChange } from './connection/state.js';
import { ClientError, RpcError, isClientError } from './errors.js';
import { Emitter } from './events.js';
import type { Logger } from './logger.js';
import { connectUrl, resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { PageRegistry, type PageState } from './pages/registry.js';
import { RpcChannel } from './rpc/channel.js';
import { parseFrame, type ServerMessage } from './rpc/frames.js';
import { readNotification, type TypedNotification } from './rpc/notifications.js';
import { SafeStore, resumeTokenKey } from './storage.js';
import { TimerSlot } from './timers.js';
import { APP_PREFIX, AppPushes } from './app/pushes.js';

/** Events, with their payloads. Subscribe with `client.on(name, fn)`. */
export interface ClientEvents {
  /** The connection state changed (only on a real change). */
  state: StateChange;
  /** `session.welcome`: the server assigned (or restored) the session. */
  welcome: WelcomeParams;
  /** Transport and protocol trouble, refused page re-announcements, unsolicited RPC errors. */
  error: Error;
  /** `session.closing`: an admin is ending the session; a close with 4000 follows. */
  sessionClosing: ServerNotifications['session.closing'];
  /** `page.closing`: an admin closed one of this client's pages. */
  pageClosing: ServerNotifications['page.closing'];
  /** `session.message`: a message an admin sent to this session. */
  message: ServerNotifications['session.message'];
  /** `sessions.changed`: news for a `watchSessions` subscription. */
  sessionsChanged: SessionsChanged;
}

/** `call()` arguments: the params may be left out when the method takes none. */
export type CallArgs<M extends MethodName> = undefined extends ParamsOf<M> ? [params?: ParamsOf<M>] : [params: ParamsOf<M>];

/** Connection, session, RPC and page bookkeeping; `SessionTrackerClient` adds the typed API on top. */
export class ClientCore {
  protected readonly options: ResolvedOptions;
  protected readonly logger: Logger;
  protected readonly emitter: Emitter<ClientEvents>;
  protected readonly pages: PageRegistry;
  private readonly conn: ConnectionManager;
  private readonly channel: RpcChannel;
  private readonly token: ResumeToken;
  private readonly unwatchToken: (() => void) | null;
  private welcomeParams: WelcomeParams | null = null;
  /** 1.1: handlers of the app's pushes (`client.onPush`). */
  protected readonly appPushes = new AppPushes();
  private closing = false;

  constructor(clientOptions: ClientOptions) {
    const options = resolveOptions(clientOptions);
    this.options = options;
    this.logger = options.logger;
    this.emitter = new Emitter<ClientEvents>(options.logger);
    this.pages = new PageRegistry(options.timers);
    const tokenKey = resumeTokenKey(options.storageProject);
    this.token = new ResumeToken(new SafeStore(options.storage), tokenKey);
    // Tabs meet only through localStorage: lock and listen only when that is the store.
    const shared = isSharedStorage(options.storage);
    this.unwatchToken = shared ? watchStorageKey(tokenKey, () => this.recheckToken()) : null;
    this.channel = new RpcChannel({
      timers: options.timers,
      callTimeoutMs: options.callTimeoutMs,
      maxQueued: options.maxQueuedCalls,
      send: (text) => this.conn.send(text),
      logger: options.logger,
    });
    this.conn = new ConnectionManager(
      {
        WebSocket: options.WebSocket,
        endpoint: () => ({
          url: connectUrl(options.url, options.project, options.scope),
          protocols: connectProtocols(this.token.offer()),
        }),
        gate: shared ? webLocksGate(`session-tracker:connect:${options.storageProject}`, options.timers) : null,
        backoff: options.backoff,
        minUptimeMs: options.minUptimeMs,
        connectTimeoutMs: options.connectTimeoutMs,
        timers: options.timers,
        random: options.random,
        logger: options.logger,
        network: options.network,
      },
      {
        state: (change) => this.emitter.emit('state', change),
        message: (text) => this.handleFrame(text),
        ping: (heartbeatMs) => {
          // Only the arrival of a frame matters (the liveness timer decides); the call's own
          // timeout just cleans up, and a drop rejects it with the other in-flight calls.
          this.channel.call('session.ping', undefined, true, { timeoutMs: 2 * heartbeatMs, queue: false }).catch(() => undefined);
        },
        disconnected: (info) => this.handleDisconnected(info),
        error: (error) => this.emitter.emit('error', error),
      },
    );
  }

  /** `connecting`, `connected`, `disconnected` or `closed`. */
  get state(): ConnectionState {
    return this.conn.state;
  }

  /** The session ID from the latest welcome, or null before the first one. */
  get sessionId(): string | null {
    return this.welcomeParams?.sessionId ?? null;
  }

  /** Whether the latest welcome restored an existing session. */
  get resumed(): boolean {
    return this.welcomeParams?.resumed ?? false;
  }

  /** The latest welcome's params, or null. */
  get welcome(): WelcomeParams | null {
    return this.welcomeParams === null ? null : { ...this.welcomeParams };
  }

  /** Pages this client has open (and re-announces after each reconnect). */
  get openPages(): PageState[] {
    return this.pages.list();
  }

  on<E extends keyof ClientEvents>(event: E, fn: (payload: ClientEvents[E]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  once<E extends keyof ClientEvents>(event: E, fn: (payload: ClientEvents[E]) => void): () => void {
    return this.emitter.once(event, fn);
  }

  /** Starts connecting (needed only with `autoConnect: false` or after `disconnect()`). */
  connect(): void {
    this.conn.connect();
  }

  /** Drops the connection and stays disconnected until `connect()`. Pending calls are rejected. */
  disconnect(): void {
    this.conn.disconnect(CloseCode.Normal, 'client disconnect', false);
  }

  /** Final: closes the connection, rejects everything pending with `CLOSED`, never reconnects. */
  close(): void {
    if (this.conn.state === 'closed') return;
    this.closing = true;
    this.beforeClose();
    this.unwatchToken?.();
    this.conn.close(); // the funnel rejects everything pending with CLOSED
  }

  /** Resolves once connected; rejects on `disconnected`/`closed` or after `timeoutMs` (`TIMEOUT`). */
  ready(timeoutMs?: number): Promise<void> {
    if (this.conn.state === 'connected') return Promise.resolve();
    if (this.conn.state === 'closed') return Promise.reject(new ClientError('CLOSED', 'the client was closed'));
    return new Promise<void>((resolve, reject) => {
      const timer = new TimerSlot(this.options.timers);
      const off = this.emitter.on('state', ({ newState, code, reason }) => {
        if (newState === 'connected') done(null);
        else if (newState === 'closed') done(new ClientError('CLOSED', 'the client was closed'));
        else if (newState === 'disconnected')
          done(new ClientError('DISCONNECTED', `disconnected (${code ?? ''} ${reason ?? ''})`.trim(), { code, reason }));
      });
      const done = (error: Error | null): void => {
        off();
        timer.clear();
        if (error === null) resolve();
        else reject(error);
      };
      if (timeoutMs !== undefined) {
        timer.set(() => done(new ClientError('TIMEOUT', `not connected within ${timeoutMs} ms`)), timeoutMs);
      }
    });
  }

  /** Any contract method, typed from `@session-tracker/shared`. RPC errors reject with `RpcError`. */
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResults[M]> {
    return this.request(method, args[0]);
  }

  /** Sends now when connected, queues otherwise, rejects with `CLOSED` after `close()`. */
  protected request<M extends MethodName>(method: M, params: unknown): Promise<MethodResults[M]> {
    if (this.conn.state === 'closed') {
      return Promise.reject(new ClientError('CLOSED', `${method}: the client was closed`));
    }
    return this.channel.call(method, params, this.conn.state === 'connected');
  }

  /** 1.1: an app call or notification (`app.<name>`), in the same bounded queue as every call. */
  protected requestApp(name: string, params: unknown, timeoutMs: number | undefined, notify: boolean): Promise<unknown> {
    const method = `${APP_PREFIX}${name}`;
    if (this.conn.state === 'closed') return Promise.reject(new ClientError('CLOSED', `${method}: the client was closed`));
    const now = this.conn.state === 'connected';
    return notify ? this.channel.notify(method, params, now, timeoutMs) : this.channel.callApp(method, params, now, timeoutMs);
  }

  /**
   * Tells the server about a page in the registry: now when connected, else at the next
   * welcome. A drop mid-call waits for the re-announcement instead of failing.
   */
  protected syncPage(pageId: string, method: 'page.open' | 'page.update'): Promise<void> {
    if (this.conn.state === 'closed') return Promise.reject(new ClientError('CLOSED', `${method}: the client was closed`));
    const page = this.pages.get(pageId);
    if (page === undefined) return Promise.resolve();
    if (this.conn.state !== 'connected') return this.pages.waitForAnnounce(pageId, this.options.callTimeoutMs);
    return this.channel.call(method, page, true).then(
      () => undefined,
      (err: unknown) => {
        if (isClientError(err, 'DISCONNECTED') && this.pages.has(pageId) && this.conn.state === 'connecting') {
          return this.pages.waitForAnnounce(pageId, this.options.callTimeoutMs);
        }
        throw err;
      },
    );
  }

  /** True when calls go out at once. */
  protected get isConnected(): boolean {
    return this.conn.state === 'connected';
  }

  /** Hook for subclasses (the page tracker stops here). */
  protected beforeClose(): void {}

  private handleDisconnected({ code, reason, reconnect }: { code: number; reason: string; reconnect: boolean }): void {
    const makeError = (): ClientError =>
      this.closing
        ? new ClientError('CLOSED', 'the client was closed')
        : new ClientError('DISCONNECTED', `connection lost before the answer (${code}${reason === '' ? '' : ` ${reason}`})`, {
            code,
            reason,
          });
    this.channel.rejectInFlight(makeError);
    if (!reconnect) {
      // Nothing will connect by itself: do not leave queued calls or page waits hanging.
      this.channel.rejectQueued(makeError);
      this.pages.rejectAll(makeError);
    }
    if (code === CloseCode.TerminatedByAdmin) {
      // The session ended for good; its token cannot resume it.
      this.token.forget();
    }
  }

  private handleFrame(text: string): void {
    const { messages, problems } = parseFrame(text);
    for (const problem of problems) this.emitter.emit('error', new ClientError('PROTOCOL_ERROR', problem, text.slice(0, 200)));
    for (const message of messages) this.handleMessage(message);
  }

  private handleMessage(message: ServerMessage): void {
    if (message.kind === 'notification') {
      if (message.method.startsWith(APP_PREFIX)) return this.appPushes.emit(message.method, message.params, this.logger);
      const notification = readNotification(message.method, message.params);
      if (notification === undefined) this.logger.debug('session-tracker: unknown notification', { method: message.method });
      else if (notification === null)
        this.emitter.emit('error', new ClientError('PROTOCOL_ERROR', `${message.method}: params do not fit the contract`, message.params));
      else this.handleNotification(notification);
      return;
    }
    const outcome = message.kind === 'result' ? { result: message.result } : { error: message.error };
    if (this.channel.settle(message.id, outcome)) return;
    if (message.kind === 'error') {
      const { code, message: text, data } = message.error;
      this.emitter.emit('error', new RpcError(code, text, data, null));
    } else {
      this.logger.debug('session-tracker: a response for no pending call (timed out?)', { id: message.id });
    }
  }

  private handleNotification(n: TypedNotification): void {
    switch (n.method) {
      case 'session.welcome':
        this.handleWelcome(n.params);
        return;
      case 'session.closing':
        this.emitter.emit('sessionClosing', n.params);
        return;
      case 'page.closing':
        this.pages.remove(n.params.pageId);
        this.emitter.emit('pageClosing', n.params);
        return;
      case 'session.message':
        this.emitter.emit('message', n.params);
        return;
      case 'sessions.changed':
        this.emitter.emit('sessionsChanged', n.params);
        return;
    }
  }

  private handleWelcome(params: WelcomeParams): void {
    if (this.token.welcomed(params.sessionId, params.resumeToken, params.resumed) === 'switch') {
      // A session this tab has just created and never stored: no other tab knows its token,
      // so it would only sit empty until the timeout. End it on the way out. (With Web Locks
      // this happens when another tab's token had not reached this tab's localStorage yet:
      // browsers pass storage between tabs' processes asynchronously, the lock does not wait.)
      if (!params.resumed) this.conn.send(JSON.stringify({ jsonrpc: '2.0', method: 'session.end' }));
      this.switchSession();
      return;
    }
    const previous = this.welcomeParams;
    this.welcomeParams = params;
    if (previous !== null && previous.sessionId !== params.sessionId) {
      this.logger.info('session-tracker: the old session is gone; a new one started', { sessionId: params.sessionId });
    } else {
      this.logger.debug('session-tracker: welcome', { sessionId: params.sessionId, resumed: params.resumed });
    }
    this.reannouncePages();
    this.channel.flush();
    this.conn.established(params.heartbeatMs);
    this.emitter.emit('welcome', { ...params });
  }

  /** Another tab changed the stored token: follow it if `converge()` says so. */
  private recheckToken(): void {
    const welcome = this.welcomeParams;
    if (this.conn.state !== 'connected' || welcome === null) return;
    if (this.token.recheck(welcome.sessionId, welcome.resumeToken) === 'switch') this.switchSession();
  }

  /**
   * Leaves this session for the one whose token another tab stored. The reconnect goes
   * through the backoff like any other, so even a bug here could not become a storm.
   */
  private switchSession(): void {
    this.logger.info('session-tracker: another tab holds the session; joining it');
    this.conn.disconnect(CloseCode.Normal, 'joining the session of another tab', true);
  }

  /** The server closed this client's pages with its last socket: open them again, same IDs. */
  private reannouncePages(): void {
    for (const page of this.pages.list()) {
      this.channel.call('page.open', page, true).then(
        () => this.pages.announced(page.pageId),
        (err: unknown) => {
          if (isClientError(err, 'DISCONNECTED') || isClientError(err, 'CLOSED')) return; // the next welcome retries
          const error = err instanceof Error ? err : new Error(String(err));
          this.pages.announceFailed(page.pageId, error);
          // A refused page (bad params, say) would be refused again: forget it. Rate limits pass.
          if (err instanceof RpcError && err.code !== ErrorCode.RateLimited) this.pages.remove(page.pageId);
          this.emitter.emit('error', error);
        },
      );
    }
  }
}
