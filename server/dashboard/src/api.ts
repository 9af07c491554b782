/**
 * The dashboard's wiring to the server, through our own client SDK (the global
 * `SessionTracker` from /sdk.js): one client on this origin's /ws, sign-in with
 * `login(token)` (made again after every reconnect), the pages of the live list
 * (`sessions.list`), the counts (`getSessionStats`), a live feed of one session for its
 * details (the SDK's `sessionFeed`), history and the admin actions.
 */
import type {
  LoginResult,
  MethodResults,
  ParamsOf,
  SessionFeed,
  SessionFilters,
  SessionStats,
  SessionTrackerClient,
  StateChange,
} from '@session-tracker/client';
import type { FilterValues } from './filters.js';
import type { ListPage, ListQuery } from './live.js';
import { filterParams } from './window.js';

/** The project the dashboard's own session is listed under. */
export const ADMIN_PROJECT = 'session-tracker-admin';
/** Where the token is kept: this tab's sessionStorage, nowhere else. */
export const TOKEN_KEY = 'session-tracker-admin:token';

export interface ApiHandlers {
  state(change: StateChange): void;
  /** A connection was made (or remade); `sessionId` is the dashboard's own session. */
  welcome(sessionId: string): void;
  /** Signed in again after a reconnect: the server answers this dashboard's calls again. */
  reauthenticated(): void;
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

const ignore = (): void => undefined;

export class DashboardApi {
  readonly client: SessionTrackerClient;
  private token: string | null = null;
  /** Bumped on every welcome and sign-out: answers from before are stale. */
  private epoch = 0;
  /** Logged in on the current connection (false from a welcome until the login is answered). */
  private authenticated = false;

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

  /** Connected and logged in: the admin calls are answered now. */
  get ready(): boolean {
    return this.signedIn && this.authenticated && this.connected;
  }

  /**
   * Logs in, then runs `probe` (the first page of the list): an account that is not an admin
   * finds out there. Rejects with the SDK's RpcError (-32001: token refused), NotAdminError,
   * a ClientError (no connection), or what `probe` rejects with.
   */
  async signIn(token: string, probe: () => Promise<unknown>): Promise<LoginResult> {
    await this.client.ready(10_000);
    const who = await this.client.login(token);
    this.token = token;
    this.authenticated = true;
    try {
      await probe();
    } catch (err) {
      this.forget();
      if (SessionTracker.isRpcError(err, SessionTracker.ErrorCode.Forbidden)) {
        this.client.logout().catch(ignore);
        throw new NotAdminError(
          `Signed in as ${who.username}, but that account is not an admin (roles: ${who.roles.join(', ') || 'none'}).`,
        );
      }
      throw err;
    }
    storeToken(token);
    return who;
  }

  /** Logs the session out and forgets the token. */
  async signOut(): Promise<void> {
    this.forget();
    await this.client.logout().catch(ignore);
  }

  /** One window of the live list, sorted and filtered by the server. */
  list(query: ListQuery): Promise<ListPage> {
    return this.client.call('sessions.list', query);
  }

  /** Counts over every session the filters match. */
  stats(filters: FilterValues): Promise<SessionStats> {
    return this.client.getSessionStats(filterParams(filters));
  }

  /** A live feed of the sessions the filters match (subscribed again by the SDK after a reconnect). */
  feed(filters: SessionFilters): SessionFeed<SessionFilters> {
    return this.client.sessionFeed(filters);
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

  private onWelcome(sessionId: string): void {
    // A new socket: its login is gone until made again.
    this.epoch++;
    this.authenticated = false;
    this.handlers.welcome(sessionId);
    if (this.token !== null) void this.reestablish(this.token);
  }

  private async reestablish(token: string): Promise<void> {
    const epoch = this.epoch;
    try {
      await this.client.login(token);
      if (epoch !== this.epoch) return;
      this.authenticated = true;
      this.handlers.reauthenticated();
    } catch (err) {
      if (epoch !== this.epoch) return;
      const { BadToken, Forbidden } = SessionTracker.ErrorCode;
      if (SessionTracker.isRpcError(err, BadToken) || SessionTracker.isRpcError(err, Forbidden)) {
        this.forget();
        this.client.logout().catch(ignore);
        this.handlers.signedOut(`The server no longer accepts the token: ${err instanceof Error ? err.message : String(err)}`);
      }
      // Anything else (a drop, a timeout): the next welcome tries again.
    }
  }

  private forget(): void {
    this.token = null;
    this.authenticated = false;
    this.epoch++;
    storeToken(null);
  }
}
