/**
 * The session whose details are open, followed live with the SDK's `sessionFeed`: the
 * window of the table may scroll away from it or refresh only once a second, but the
 * details hear its changes as the server pushes them (a page opened, a state changed, the
 * session gone). The feed is filtered to the session's own username and project (exact
 * patterns), so it carries that handful of sessions, not the whole list; when that group is
 * large (thousands of "Unauthenticated" sessions of one project, say) a feed would carry the
 * whole list again, so there is none: the details follow the table's window instead.
 */
import type { FeedChange, SessionFeed, SessionFilters, SessionInfo } from '@session-tracker/client';
import { SessionStore, type Entry } from './model.js';
import { exactPattern } from './window.js';

export interface FollowHandlers {
  /** The followed session changed (or its first snapshot came). */
  changed(entry: Entry): void;
  /** It left the list: seen live (`afterGap` false), or missing from the snapshot after a reconnect. */
  ended(afterGap: boolean): void;
}

export interface FeedSource {
  feed(filters: SessionFilters): SessionFeed<SessionFilters>;
  /** How many sessions the filters match now. */
  count(filters: SessionFilters): Promise<number>;
}

/** The most sessions a followed session's feed may carry (its user's, in its project). */
export const FOLLOW_FEED_MAX = 50;

/** The filters that let through the sessions of this one's user and project. */
export function followFilters(info: Pick<SessionInfo, 'username' | 'project'>): SessionFilters {
  return { usernameFilter: exactPattern(info.username), projectFilter: exactPattern(info.project) };
}

export class SelectedFollower {
  private feed: SessionFeed<SessionFilters> | null = null;
  private followed: { id: string; filters: SessionFilters } | null = null;
  private readonly store = new SessionStore();
  private snapshots = 0;
  /** The next snapshot ends a stretch without the feed (a reconnect). */
  private afterGap = false;
  /** `ended` was reported: the feed has nothing more to say. */
  private over = false;
  /** The feed stopped (its re-subscription was refused before the new login): start again on `retry`. */
  private failed = false;

  constructor(
    private readonly source: FeedSource,
    private readonly handlers: FollowHandlers,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get id(): string | null {
    return this.followed?.id ?? null;
  }

  /** Whether a feed follows the session now (else the details follow the table's window). */
  get feeding(): boolean {
    return this.feed !== null;
  }

  /**
   * Follows `info`'s session (stops following any other) with a feed, once the server says
   * its group is small enough (FOLLOW_FEED_MAX); resolves when that is decided.
   */
  async follow(info: SessionInfo): Promise<void> {
    if (this.followed?.id === info.id) return;
    this.stop();
    const followed = { id: info.id, filters: followFilters(info) };
    this.followed = followed;
    let n: number;
    try {
      n = await this.source.count(followed.filters);
    } catch {
      return; // Not answered (a drop): the window it is.
    }
    if (this.followed !== followed || n > FOLLOW_FEED_MAX) return;
    this.open();
  }

  stop(): void {
    this.followed = null;
    this.failed = false;
    this.afterGap = false;
    this.over = false;
    this.close();
  }

  /** Logged in again after a reconnect: a feed refused meanwhile subscribes again. */
  retry(): void {
    if (this.followed === null || this.over || !this.failed) return;
    this.open();
    this.afterGap = true;
  }

  private open(): void {
    const followed = this.followed;
    if (followed === null) return;
    this.close();
    this.failed = false;
    const feed = this.source.feed(followed.filters);
    this.feed = feed;
    feed.on('change', (change) => {
      if (this.feed === feed) this.onChange(followed.id, change);
    });
    feed.on('error', () => {
      if (this.feed !== feed) return;
      this.feed = null;
      this.failed = true;
    });
  }

  private close(): void {
    const feed = this.feed;
    this.feed = null;
    this.snapshots = 0;
    this.store.clear();
    if (feed !== null) void feed.close();
  }

  private onChange(id: string, change: FeedChange): void {
    if (this.over) return;
    const now = this.now();
    let gap = false;
    if (change.reset) {
      // The SDK subscribes again after a reconnect: that snapshot ends a gap.
      gap = this.afterGap || this.snapshots > 0;
      this.afterGap = false;
      this.snapshots++;
      this.store.reset(change.added, now);
    } else {
      this.store.apply(change, now);
      // The same user's other sessions: nothing for these details.
      const touches = (list: readonly SessionInfo[]): boolean => list.some((s) => s.id === id);
      if (!touches(change.added) && !touches(change.updated) && !change.removed.includes(id)) return;
    }
    const entry = this.store.get(id);
    if (entry !== undefined) {
      this.handlers.changed(entry);
      return;
    }
    // Gone (a first snapshot without it: it ended between the table's window and the feed).
    this.over = true;
    this.handlers.ended(gap);
  }
}
