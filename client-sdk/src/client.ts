import {
  ErrorCode,
  type MethodName,
  type Dataset,
  type LoginResult,
  type MethodResults,
  type ParamsOf,
  type SessionInfo,
  type SessionInfoField,
  type SessionStats,
  type ListSessionsParams,
  type SessionsPage,
} from '@session-tracker/shared';
import { ClientCore } from './core.js';
import { ClientError, RpcError, isClientError } from './errors.js';
import { SessionFeed } from './feed.js';
import { randomId } from './ids.js';
import type { ClientOptions } from './options.js';
import { PageTracker, type PageTrackerHandle, type TrackPageOptions } from './pages/tracker.js';
import { isContractMethod, isDataset } from '@session-tracker/shared';
import type { CallArgs } from './core.js';
import type {
  AnyApp,
  AppCallName,
  AppCallOptions,
  AppCallParams,
  AppCallResult,
  AppContract,
  AppNotificationName,
  AppPushName,
} from './app/types.js';
import { checkAppName, checkCallOptions } from './app/checks.js';

export interface OpenPageOptions {
  /** Default: a random UUID. The same ID is re-announced after every reconnect. */
  pageId?: string;
  path?: string;
  title?: string;
}

export interface SessionFilters {
  /** A whole-value RE2 pattern on the username; omitted, null or "" matches all. */
  usernameFilter?: string | null;
  /** A whole-value RE2 pattern on the project; omitted, null or "" matches all. */
  projectFilter?: string | null;
}

export interface SessionInfoQuery extends SessionFilters {
  format?: 'list' | 'dataset';
}

/** `call()` arguments for an app method: params may be left out when they may be undefined. */
export type AppCallArgs<P> = undefined extends P ? [params?: P, options?: AppCallOptions] : [params: P, options?: AppCallOptions];

/**
 * The session-tracker client: one session (shared by tabs through the resume token), typed calls,
 * events. `A` is the app's own contract (1.1), declared once: it types `call`, `notify` and `onPush`.
 */
export class SessionTrackerClient<A extends AppContract = AnyApp> extends ClientCore {
  private tracker: PageTracker | null = null;

  constructor(options: ClientOptions) {
    super(options);
    if (this.options.trackPages !== null) this.trackPage(this.options.trackPages);
    if (this.options.autoConnect) this.connect();
  }

  /** Opens a page (or updates it, if that ID is open). Resolves with its ID once the server has it. */
  openPage(options: OpenPageOptions = {}): Promise<string> {
    const pageId = options.pageId ?? randomId();
    this.pages.set({ pageId, path: options.path, title: options.title });
    return this.syncPage(pageId, 'page.open').then(
      () => pageId,
      (err: unknown) => {
        if (err instanceof RpcError && err.code !== ErrorCode.RateLimited) this.pages.remove(pageId);
        throw err;
      },
    );
  }

  /** Changes a page's path and/or title. */
  updatePage(pageId: string, patch: { path?: string; title?: string }): Promise<void> {
    if (this.pages.update(pageId, patch)) return this.syncPage(pageId, 'page.update');
    return this.request('page.update', { pageId, ...patch }).then(() => undefined);
  }

  /**
   * Closes a page. When not connected there is nothing to send: the server closed the
   * socket's pages with the socket, and this page will not be announced again.
   */
  closePage(pageId: string): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new ClientError('CLOSED', 'page.close: the client was closed'));
    const known = this.pages.remove(pageId);
    if (known && !this.isConnected) return Promise.resolve();
    return this.request('page.close', { pageId }).then(
      () => undefined,
      (err: unknown) => {
        if (known && isClientError(err, 'DISCONNECTED')) return; // closed with its socket
        throw err;
      },
    );
  }

  /** Any contract method, typed from `@session-tracker/shared`. */
  override call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResults[M]>;
  /**
   * 1.1: the app method `app.<name>`, typed by the app's contract. Made while reconnecting, it
   * waits in the bounded queue (`maxQueuedCalls`, else `QUEUE_FULL`) and goes out after the
   * resume, in order; if its socket dies before the answer it rejects with `DISCONNECTED` and is
   * never resent. A contract method name (`session.self`...) always means the contract method.
   */
  override call<N extends AppCallName<A>>(name: N, ...args: AppCallArgs<AppCallParams<A, N>>): Promise<AppCallResult<A, N>>;
  override call(name: string, params?: unknown, options?: AppCallOptions): Promise<unknown> {
    if (isContractMethod(name)) return super.call(name, ...([params] as CallArgs<typeof name>));
    try {
      checkAppName(name, 'call');
      return this.requestApp(name, params, checkCallOptions(options, name), false);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** 1.1: the app notification `app.<name>` (no answer). Resolves once written; queued like calls. */
  notify<N extends AppNotificationName<A>>(
    name: N,
    ...args: undefined extends A['notifications'][N] ? [params?: A['notifications'][N]] : [params: A['notifications'][N]]
  ): Promise<void> {
    try {
      checkAppName(name, 'notify');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.requestApp(name, args[0], undefined, true) as Promise<void>;
  }

  /** 1.1: runs `handler` for every `app.<name>` push; returns the function that stops it. */
  onPush<N extends AppPushName<A>>(name: N, handler: (params: A['pushes'][N]) => void): () => void {
    return this.appPushes.on(name, handler as (params: unknown) => void);
  }

  /**
   * 1.1: a single-use ticket naming this session (valid `expiresInMs`, 60 s by default), for a
   * socket your app opens to its own server as `?sessionTicket=<ticket>` (see `tracker.track`).
   */
  ticket(): Promise<MethodResults['session.ticket']> {
    return this.request('session.ticket', undefined);
  }

  /** Logs the session in with a JWT or the server's admin token (`-32001` when refused). */
  login(token: string): Promise<LoginResult> {
    return this.request('auth.login', { token });
  }

  logout(): Promise<MethodResults['auth.logout']> {
    return this.request('auth.logout', undefined);
  }

  /** This session's SessionInfo. */
  self(): Promise<SessionInfo> {
    return this.request('session.self', undefined);
  }

  /** Admin only (`-32003` otherwise). Positional form on the wire: `[usernameFilter, projectFilter]`. */
  getSessionInfo(usernameFilter?: string | null, projectFilter?: string | null): Promise<SessionInfo[]>;
  /** Admin only. Named form on the wire, answered as a Dataset. */
  getSessionInfo(query: SessionFilters & { format: 'dataset' }): Promise<Dataset>;
  /** Admin only. Named form on the wire, answered as a list. */
  getSessionInfo(query: SessionFilters & { format?: 'list' }): Promise<SessionInfo[]>;
  getSessionInfo(query: SessionInfoQuery): Promise<SessionInfo[] | Dataset>;
  getSessionInfo(first?: string | null | SessionInfoQuery, projectFilter?: string | null): Promise<SessionInfo[] | Dataset> {
    if (first !== null && typeof first === 'object') {
      const params: Record<string, unknown> = {};
      if (first.usernameFilter !== undefined) params.usernameFilter = first.usernameFilter;
      if (first.projectFilter !== undefined) params.projectFilter = first.projectFilter;
      if (first.format !== undefined) params.format = first.format;
      const wantDataset = first.format === 'dataset';
      return this.request('getSessionInfo', params).then((result) => {
        if (wantDataset !== isDataset(result)) {
          throw new ClientError('INVALID_RESPONSE', `getSessionInfo: asked for a ${first.format ?? 'list'}, got something else`, result);
        }
        return result;
      });
    }
    const positional: (string | null)[] = [];
    if (projectFilter !== undefined) positional.push(first ?? null, projectFilter);
    else if (first !== undefined) positional.push(first);
    return this.request('getSessionInfo', positional).then((result) => {
      if (!Array.isArray(result)) throw new ClientError('INVALID_RESPONSE', 'getSessionInfo: expected a list', result);
      return result;
    });
  }

  /** Admin only: counts without the list. */
  getSessionStats(filters: SessionFilters = {}): Promise<SessionStats> {
    return this.request('getSessionStats', filters);
  }

  /**
   * Admin only: a snapshot now, then `sessionsChanged` events for this subscription.
   * A subscription belongs to one connection: watch again after a reconnect (on `welcome`).
   */
  watchSessions(filters: SessionFilters = {}): Promise<MethodResults['sessions.watch']> {
    return this.request('sessions.watch', filters);
  }

  /**
   * A live list of the sessions the filters match (admins only): the snapshot, kept current
   * from the server's diffs and subscribed again after every reconnect. `feed.ready` resolves
   * with the first snapshot; `change` events say what moved (`reset` after a re-subscription).
   */
  sessionFeed(filters: SessionFilters = {}): SessionFeed<SessionFilters> {
    return new SessionFeed<SessionFilters>(this, filters, this.logger);
  }

  unwatchSessions(subscription: string): Promise<MethodResults['sessions.unwatch']> {
    return this.request('sessions.unwatch', { subscription });
  }

  /** Admin only: ends a session (its sockets get `session.closing` and a 4000 close). */
  closeSession(sessionId: string, message?: string): Promise<MethodResults['sessions.close']> {
    return this.request('sessions.close', message === undefined ? { sessionId } : { sessionId, message });
  }

  /** Admin only: closes another session's page (its socket gets `page.closing`). */
  closeRemotePage(sessionId: string, pageId: string, message?: string): Promise<MethodResults['pages.close']> {
    return this.request('pages.close', message === undefined ? { sessionId, pageId } : { sessionId, pageId, message });
  }

  /** Admin only: sends `session.message` to a session (or to the socket owning `pageId`). */
  sendMessage(params: ParamsOf<'session.sendMessage'>): Promise<MethodResults['session.sendMessage']> {
    return this.request('session.sendMessage', params);
  }

  /** Admin only: one page of ended sessions, newest end first (`next` is null on the last page). */
  sessionHistory(query: ParamsOf<'sessions.history'> = {}): Promise<MethodResults['sessions.history']> {
    return this.request('sessions.history', query ?? {});
  }

  /** Admin only: one page of events, newest first. */
  sessionEvents(query: ParamsOf<'sessions.events'> = {}): Promise<MethodResults['sessions.events']> {
    return this.request('sessions.events', query ?? {});
  }

  /**
   * Admin only: live sessions a page at a time (`sessions.list`), as an async iterator over
   * pages: each is `{sessions, total, next}`, and the iterator follows `next` until it is null.
   * `fields` narrows the sessions' type; `sort` is a field, `-field` for descending.
   *
   *     for await (const page of client.listSessions({ sort: '-lastComm', fields: ['username'], limit: 500 })) ...
   */
  async *listSessions<F extends SessionInfoField = SessionInfoField>(
    params: ListSessionsParams<F> = {},
  ): AsyncGenerator<SessionsPage<F>, void, undefined> {
    const { fields, ...rest } = params;
    const base = fields === undefined ? rest : { ...rest, fields: [...fields] };
    let cursor = params.cursor ?? null;
    let first = true;
    do {
      // An offset places the first page only; the pages after it follow the cursor.
      const query = first ? { ...base, cursor } : { ...base, offset: undefined, cursor };
      const page = (await this.request('sessions.list', query)) as SessionsPage<F>;
      first = false;
      yield page;
      cursor = page.next;
    } while (cursor !== null);
  }

  /**
   * Admin only: the per-minute rollup per project (sessions, users, pages, bytes each way) of a
   * window (default the last 24 hours), oldest minute first, for charts.
   */
  sessionRollup(query: ParamsOf<'sessions.rollup'> = {}): Promise<MethodResults['sessions.rollup']> {
    return this.request('sessions.rollup', query ?? {});
  }

  /** Admin only: every ended session the query matches, page after page (`for await`). */
  async *allSessionHistory(
    query: ParamsOf<'sessions.history'> = {},
  ): AsyncGenerator<MethodResults['sessions.history']['sessions'][number]> {
    let cursor: string | null | undefined = query?.cursor;
    do {
      const page = await this.sessionHistory({ ...query, cursor });
      yield* page.sessions;
      cursor = page.next;
    } while (cursor !== null);
  }

  /** Admin only: every event the query matches, page after page (`for await`). */
  async *allSessionEvents(query: ParamsOf<'sessions.events'> = {}): AsyncGenerator<MethodResults['sessions.events']['events'][number]> {
    let cursor: string | null | undefined = query?.cursor;
    do {
      const page = await this.sessionEvents({ ...query, cursor });
      yield* page.events;
      cursor = page.next;
    } while (cursor !== null);
  }

  /**
   * Tracks this browser tab as one page (see `PageTracker`). Calling it again returns the
   * running tracker. Throws `NOT_SUPPORTED` outside a browser.
   */
  trackPage(options: TrackPageOptions = {}): PageTrackerHandle {
    if (this.tracker !== null) return this.tracker;
    if (this.state === 'closed') throw new ClientError('CLOSED', 'trackPage: the client was closed');
    const tracker = new PageTracker(this, this.options.storageProject, options, this.logger, () => {
      if (this.tracker === tracker) this.tracker = null;
    });
    this.tracker = tracker;
    return tracker;
  }

  protected override beforeClose(): void {
    this.tracker?.stop();
  }
}

/**
 * Creates a client; it connects at once unless `autoConnect: false`. `createClient<MyApp>(...)`
 * types the app's own calls, notifications and pushes by its contract (see `AppContract`).
 */
export function createClient<A extends AppContract = AnyApp>(options: ClientOptions): SessionTrackerClient<A> {
  return new SessionTrackerClient<A>(options);
}
