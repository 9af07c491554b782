import type { SessionInfo, SessionsChanged } from '@session-tracker/shared';
import { Emitter } from './events.js';
import type { Logger } from './logger.js';

/** What a feed's `change` event carries. `reset`: a fresh snapshot replaced everything (first one, or after a reconnect). */
export interface FeedChange {
  reset: boolean;
  added: SessionInfo[];
  updated: SessionInfo[];
  removed: string[];
}

export interface SessionFeedEvents {
  change: FeedChange;
  /** Subscribing failed (after a reconnect, say: no longer an admin). The feed stops. */
  error: Error;
}

/** What the feed needs of the client: subscribe, unsubscribe, and its events. */
export interface FeedHost<F> {
  watchSessions(filters: F): Promise<{ subscription: string; sessions: SessionInfo[] }>;
  unwatchSessions(subscription: string): Promise<unknown>;
  on(event: 'sessionsChanged', fn: (diff: SessionsChanged) => void): () => void;
  on(event: 'welcome', fn: (w: { resumed: boolean }) => void): () => void;
  readonly state: string;
}

/** At most this many diffs wait for the subscription answer they belong to. */
const EARLY_MAX = 64;

/**
 * A live list of sessions: `sessions.watch`'s snapshot kept current from its diffs, and
 * subscribed again after every reconnect (the server forgets a socket's subscriptions when
 * it closes), with a `reset` change carrying the new snapshot.
 */
export class SessionFeed<F = unknown> {
  private readonly map = new Map<string, SessionInfo>();
  private readonly emitter: Emitter<SessionFeedEvents>;
  private subscription: string | null = null;
  private early: SessionsChanged[] = [];
  private closed = false;
  private seq = 0;
  private readonly offs: (() => void)[] = [];
  /** Resolves with the first snapshot; rejects if the first subscription is refused. */
  readonly ready: Promise<void>;

  constructor(
    private readonly host: FeedHost<F>,
    private readonly filters: F,
    logger: Logger,
  ) {
    this.emitter = new Emitter(logger);
    this.offs.push(host.on('sessionsChanged', (d) => this.onDiff(d)));
    // Every welcome means a new socket: its subscriptions start empty.
    this.offs.push(host.on('welcome', () => void this.subscribe().catch((err: unknown) => this.fail(err))));
    this.ready =
      host.state === 'connected'
        ? this.subscribe().catch((err: unknown) => this.failFirst(err))
        : new Promise((resolve, reject) => {
            const off = this.emitter.on('change', () => {
              off();
              offErr();
              resolve();
            });
            const offErr = this.emitter.on('error', (err) => {
              off();
              offErr();
              reject(err);
            });
          });
    // Awaiting `ready` is optional: its rejection must never go unhandled.
    this.ready.catch(() => undefined);
  }

  /** The sessions now, by ID. */
  get sessions(): ReadonlyMap<string, SessionInfo> {
    return this.map;
  }

  on<E extends keyof SessionFeedEvents>(event: E, fn: (payload: SessionFeedEvents[E]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /** Stops the feed and unsubscribes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    const sub = this.subscription;
    this.subscription = null;
    this.emitter.clear();
    if (sub !== null && this.host.state === 'connected') await this.host.unwatchSessions(sub).catch(() => undefined);
  }

  private async subscribe(): Promise<void> {
    if (this.closed) return;
    const seq = ++this.seq;
    const { subscription, sessions } = await this.host.watchSessions(this.filters);
    if (this.closed || seq !== this.seq) {
      // Closed, or overtaken by a newer subscription: this one is not wanted.
      await this.host.unwatchSessions(subscription).catch(() => undefined);
      return;
    }
    this.subscription = subscription;
    this.map.clear();
    for (const s of sessions) this.map.set(s.id, s);
    this.emitter.emit('change', { reset: true, added: sessions, updated: [], removed: [] });
    const early = this.early.filter((d) => d.subscription === subscription);
    this.early = [];
    for (const d of early) this.apply(d);
  }

  private onDiff(d: SessionsChanged): void {
    if (d.subscription === this.subscription) this.apply(d);
    // A diff may overtake its subscription's answer: keep a few until it arrives.
    else if (this.early.length < EARLY_MAX) this.early.push(d);
  }

  private apply(d: SessionsChanged): void {
    for (const s of d.added) this.map.set(s.id, s);
    for (const s of d.updated) this.map.set(s.id, s);
    for (const id of d.removed) this.map.delete(id);
    this.emitter.emit('change', { reset: false, added: d.added, updated: d.updated, removed: d.removed });
  }

  private failFirst(err: unknown): never {
    this.fail(err);
    throw err;
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
    void this.close();
  }
}
