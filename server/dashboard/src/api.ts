/**
 * The dashboard's wiring to the server, through our own client SDK (the global
 * `SessionTracker` from /sdk.js): one client on this origin's /ws, sign-in with
 * `login(token)`, a `sessions.watch` subscription (snapshot, then diffs) that is made
 * again after every reconnect or filter change, and the admin actions.
 */
import type { LoginResult, MethodResults, ParamsOf, SessionInfo, SessionsChanged, SessionTrackerClient, StateChange } from '@session-tracker/client';
import type { FilterValues } from './filters.js';

/** The project the dashboard's own session is listed under. */
export const ADMIN_PROJECT = 'session-tracker-admin';
/** Where the token is kept: this tab's sessionStorage, nowhere else. */
export const TOKEN_KEY = 'session-tracker-admin:token';
/**
 * How often the clocks are re-read from the server. The feed reports a session when its
 * data changes, not when it only answers pings, so an idle session's "last comm" would
 * otherwise grow until its next message.
 */
export const RESYNC_MS = 30_000;

const E_TOKEN = -32001;
const E_FORBIDDEN = -32003;

export interface ApiHandlers {
  state(change: StateChange): void;
  /** A connection was made (or remade); `sessionId` is the dashboard's own session. */
  welcome(sessionId: string): void;
  /** A new subscription's snapshot: replace the whole list. */
  snapshot(sessions: SessionInfo[]): void;
  changes(diff: SessionsChanged): void;
  /** Fresh uptime / last comm for the sessions listed. */
  timing(sessions: SessionInfo[]): void;
  /** The sign-in was lost (token refused after a reconnect); the message says why. */
  signedOut(reason: string): void;
  /** An admin terminated this dashboard's own session. */
  terminated(message: string): void;
}

/** A valid login that does not make an admin. */
export class NotAdminError extends Error {
  override readonly name = 'NotAdminError';
}

function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function storedToken(): string | null {
  try {
    return tabStorage()?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

function storeToken(token: string | null): void {
  try {
    const s = tabStorage();
    if (token === null) s?.removeItem(TOKEN_KEY);
    else s?.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the sign-in just will not survive a reload.
  }
}

const toParams = (f: FilterValues): { usernameFilter?: string; projectFilter?: string } => ({
  ...(f.usernameFilter === '' ? {} : { usernameFilter: f.usernameFilter }),
  ...(f.projectFilter === '' ? {} : { projectFilter: f.projectFilter }),
});

const ignore = (): void => undefined;

export class DashboardApi {
  readonly client: SessionTrackerClient;
  private token: string | null = null;
  private filters: FilterValues = { usernameFilter: '', projectFilter: '' };
  private subscription: string | null = null;
  /** Bumped by every watch request: only the latest one's answer counts. */
  private watchSeq = 0;
  /** Bumped on every welcome and sign-out: answers from before are stale. */
  private epoch = 0;
  /** Diffs that arrived for a subscription before its watch answer (kept briefly). */
  private early: SessionsChanged[] = [];
  private resyncTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly handlers: ApiHandlers) {
    const storage = tabStorage();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.client = SessionTracker.createClient({
      url: `${scheme}//${location.host}/ws`,
      project: ADMIN_PROJECT,
      trackPages: true,
      // The resume token in this tab only: a second dashboard tab is a session of its own.
      ...(storage === null ? {} : { storage }),
    });
    this.client.on('state', (change) => handlers.state(change));
    this.client.on('welcome', (w) => this.onWelcome(w.sessionId));
    this.client.on('sessionsChanged', (diff) => this.onChanged(diff));
    this.client.on('sessionClosing', ({ message }) => handlers.terminated(message));
  }

  get sessionId(): string | null {
    return this.client.sessionId;
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  /** Connected now: a call made otherwise waits in the SDK's queue until it times out. */
  get connected(): boolean {
    return this.client.state === 'connected';
  }

  get currentFilters(): FilterValues {
    return { ...this.filters };
  }

  /**
   * Logs in and subscribes. Rejects with the SDK's RpcError (-32001: token refused),
   * NotAdminError (a login without admin rights), or a ClientError (no connection).
   */
  async signIn(token: string, filters: FilterValues = this.filters): Promise<LoginResult> {
    await this.client.ready(10_000);
    const who = await this.client.login(token);
    try {
      await this.watch(filters);
    } catch (err) {
      if (SessionTracker.isRpcError(err, E_FORBIDDEN)) {
        this.client.logout().catch(ignore);
        throw new NotAdminError(`Signed in as ${who.username}, but that account is not an admin (roles: ${who.roles.join(', ') || 'none'}).`);
      }
      throw err;
    }
    this.token = token;
    storeToken(token);
    this.startResync();
    return who;
  }

  /** Stops the feed, logs the session out and forgets the token. */
  async signOut(): Promise<void> {
    const sub = this.subscription;
    this.forget();
    if (sub !== null) await this.client.unwatchSessions(sub).catch(ignore);
    await this.client.logout().catch(ignore);
  }

  /**
   * Subscribes again with new filters; the old subscription stays until the new one is in
   * place. Rejects with the server's RpcError (-32602 names the filter) when refused.
   * Resolves false when a newer change overtook this one.
   */
  async setFilters(filters: FilterValues): Promise<boolean> {
    if (!this.signedIn) {
      this.filters = { ...filters };
      return true;
    }
    return this.watch(filters);
  }

  closeSession(sessionId: string, message: string): Promise<unknown> {
    return this.client.closeSession(sessionId, message === '' ? undefined : message);
  }

  closePage(sessionId: string, pageId: string, message: string): Promise<unknown> {
    return this.client.closeRemotePage(sessionId, pageId, message === '' ? undefined : message);
  }

  /** One page of ended sessions, newest end first (admins only; -32602 names a bad param). */
  history(query: NonNullable<ParamsOf<'sessions.history'>>): Promise<MethodResults['sessions.history']> {
    return this.client.sessionHistory(query);
  }

  /** One page of events, newest first. */
  events(query: NonNullable<ParamsOf<'sessions.events'>>): Promise<MethodResults['sessions.events']> {
    return this.client.sessionEvents(query);
  }

  /** The per-minute rollup per project of a window, oldest minute first (the History charts). */
  rollup(query: NonNullable<ParamsOf<'sessions.rollup'>>): Promise<MethodResults['sessions.rollup']> {
    return this.client.sessionRollup(query);
  }

  /** Re-reads uptime and last comm of the listed sessions (see RESYNC_MS). */
  async resyncTiming(): Promise<void> {
    if (!this.signedIn || this.subscription === null || this.client.state !== 'connected') return;
    const epoch = this.epoch;
    const seq = this.watchSeq;
    const list = await this.client.getSessionInfo(toParams(this.filters));
    if (epoch === this.epoch && seq === this.watchSeq) this.handlers.timing(list);
  }

  private async watch(filters: FilterValues): Promise<boolean> {
    const seq = ++this.watchSeq;
    const epoch = this.epoch;
    let result: { subscription: string; sessions: SessionInfo[] };
    try {
      result = await this.client.watchSessions(toParams(filters));
    } catch (err) {
      if (seq !== this.watchSeq || epoch !== this.epoch) return false;
      throw err;
    }
    if (seq !== this.watchSeq || epoch !== this.epoch) {
      // Overtaken by a newer watch on this connection: drop this one.
      if (epoch === this.epoch) this.client.unwatchSessions(result.subscription).catch(ignore);
      return false;
    }
    const old = this.subscription;
    this.subscription = result.subscription;
    this.filters = { ...filters };
    if (old !== null && old !== result.subscription) this.client.unwatchSessions(old).catch(ignore);
    this.handlers.snapshot(result.sessions);
    const early = this.early.filter((d) => d.subscription === result.subscription);
    this.early = [];
    for (const diff of early) this.handlers.changes(diff);
    return true;
  }

  private onChanged(diff: SessionsChanged): void {
    if (diff.subscription === this.subscription) {
      this.handlers.changes(diff);
    } else if (this.early.length < 32) {
      // Possibly a subscription whose watch answer is still on its way.
      this.early.push(diff);
    }
  }

  private onWelcome(sessionId: string): void {
    // Subscriptions belong to a connection: the old one is gone.
    this.epoch++;
    this.subscription = null;
    this.early = [];
    this.handlers.welcome(sessionId);
    if (this.token !== null) void this.reestablish(this.token);
  }

  private async reestablish(token: string): Promise<void> {
    const epoch = this.epoch;
    try {
      await this.client.login(token);
      await this.watch(this.filters);
    } catch (err) {
      if (epoch !== this.epoch) return;
      if (SessionTracker.isRpcError(err, E_TOKEN) || SessionTracker.isRpcError(err, E_FORBIDDEN)) {
        this.forget();
        this.client.logout().catch(ignore);
        this.handlers.signedOut(`The server no longer accepts the token: ${err instanceof Error ? err.message : String(err)}`);
      }
      // Anything else (a drop, a timeout): the next welcome tries again.
    }
  }

  private forget(): void {
    this.token = null;
    this.subscription = null;
    this.epoch++;
    this.early = [];
    storeToken(null);
    clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
  }

  private startResync(): void {
    clearInterval(this.resyncTimer);
    this.resyncTimer = setInterval(() => {
      if (!document.hidden) this.resyncTiming().catch(ignore);
    }, RESYNC_MS);
  }
}
