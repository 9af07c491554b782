/**
 * Admin dashboard: the session whose details are open, followed with the SDK's SessionFeed
 * (selected.ts): filtered to its user and project, its changes, its end seen live or after a
 * reconnect, and a feed refused meanwhile made again once logged in.
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo, SessionsChanged } from '@session-tracker/client';
import { SessionFeed } from '../../client-sdk/src/feed.js';
import { FOLLOW_FEED_MAX, SelectedFollower, followFilters, type FollowHandlers } from '../../server/dashboard/src/selected.js';
import type { Entry } from '../../server/dashboard/src/model.js';

function info(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    userAgent: '',
    username: 'billy',
    project: 'Plant',
    uptime: 1_000,
    clientAddress: '127.0.0.1',
    lastComm: 100,
    sessionScope: 'browser',
    activePages: 0,
    recentBytesSent: 0,
    totalBytesSent: 0,
    pageIds: [],
    authorized: true,
    totalBytesReceived: 0,
    messagesSent: 0,
    creationTime: '2026-11-21T23:00:00.000Z',
    state: 'connected',
    pages: [],
    device: { browser: '', os: '', type: 'desktop' },
    roles: [],
    ...over,
  };
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A client for the SDK's real SessionFeed: answers watches from a list, delivers diffs and welcomes. */
class FakeHost {
  state = 'connected';
  sessions: SessionInfo[] = [];
  refuse = false;
  watched: unknown[] = [];
  private n = 0;
  private readonly diffFns: ((d: SessionsChanged) => void)[] = [];
  private readonly welcomeFns: ((w: { resumed: boolean }) => void)[] = [];

  watchSessions(filters: unknown): Promise<{ subscription: string; sessions: SessionInfo[] }> {
    this.watched.push(filters);
    if (this.refuse) return Promise.reject(new Error('Unauthenticated'));
    return Promise.resolve({ subscription: `s${++this.n}`, sessions: [...this.sessions] });
  }

  unwatchSessions(): Promise<unknown> {
    return Promise.resolve({});
  }

  on(event: 'sessionsChanged' | 'welcome', fn: (payload: never) => void): () => void {
    const list = (event === 'sessionsChanged' ? this.diffFns : this.welcomeFns) as ((p: never) => void)[];
    list.push(fn);
    return () => list.splice(list.indexOf(fn), 1);
  }

  diff(d: Omit<SessionsChanged, 'subscription'>): void {
    for (const fn of [...this.diffFns]) fn({ subscription: `s${this.n}`, ...d });
  }

  welcome(): void {
    for (const fn of [...this.welcomeFns]) fn({ resumed: false });
  }
}

function follower(host: FakeHost): { f: SelectedFollower; seen: Entry[]; ended: boolean[] } {
  const seen: Entry[] = [];
  const ended: boolean[] = [];
  const handlers: FollowHandlers = { changed: (e) => seen.push(e), ended: (gap) => ended.push(gap) };
  let t = 0;
  const f = new SelectedFollower(
    { feed: (filters) => new SessionFeed(host, filters, silent), count: () => Promise.resolve(host.sessions.length) },
    handlers,
    () => (t += 100),
  );
  return { f, seen, ended };
}

describe('following the selected session', () => {
  it('watches only its user and project, with patterns that match them exactly', async () => {
    expect(followFilters({ username: 'a.b', project: 'Plant (2)' })).toEqual({ usernameFilter: 'a\\.b', projectFilter: 'Plant \\(2\\)' });
    const host = new FakeHost();
    const { f } = follower(host);
    await f.follow(info('a', { username: 'dana', project: 'Alarms' }));
    expect(host.watched).toEqual([{ usernameFilter: 'dana', projectFilter: 'Alarms' }]);
  });

  it('reports its changes as they are pushed, with since when its state holds', async () => {
    const host = new FakeHost();
    host.sessions = [info('a'), info('b')];
    const { f, seen, ended } = follower(host);
    await f.follow(info('a'));
    await flush();
    expect(seen.map((e) => e.info.id)).toEqual(['a']);
    host.diff({ added: [], updated: [info('a', { state: 'disconnected' })], removed: [] });
    expect(seen.at(-1)?.info.state).toBe('disconnected');
    expect(seen.at(-1)?.stateAt).toBeDefined();
    // Another session of the same user: nothing for these details.
    host.diff({ added: [], updated: [info('b', { activePages: 3 })], removed: [] });
    expect(seen).toHaveLength(2);
    host.diff({ added: [], updated: [], removed: ['a'] });
    expect(ended).toEqual([false]);
    // Ended is final.
    host.diff({ added: [info('a')], updated: [], removed: [] });
    expect(seen).toHaveLength(2);
  });

  it('a session already gone when the feed starts has ended', async () => {
    const host = new FakeHost();
    const { f, ended } = follower(host);
    await f.follow(info('a'));
    await flush();
    expect(ended).toEqual([false]);
  });

  it('missing from the snapshot after a reconnect: it ended during the gap', async () => {
    const host = new FakeHost();
    host.sessions = [info('a')];
    const { f, ended } = follower(host);
    await f.follow(info('a'));
    await flush();
    host.sessions = [];
    host.welcome(); // the SDK subscribes again on its own
    await flush();
    expect(ended).toEqual([true]);
  });

  it('a re-subscription refused before the new login: made again once logged in, still a gap', async () => {
    const host = new FakeHost();
    host.sessions = [info('a')];
    const { f, seen, ended } = follower(host);
    await f.follow(info('a'));
    await flush();
    host.refuse = true;
    host.welcome();
    await flush();
    host.refuse = false;
    host.sessions = [info('a', { activePages: 2 })];
    f.retry();
    await flush();
    expect(seen.at(-1)?.info.activePages).toBe(2);
    host.sessions = [];
    host.refuse = true;
    host.welcome();
    await flush();
    host.refuse = false;
    f.retry();
    await flush();
    expect(ended).toEqual([true]);
  });

  it('following another session stops the first feed; stop stops all', async () => {
    const host = new FakeHost();
    host.sessions = [info('a'), info('b', { username: 'olga' })];
    const { f, seen } = follower(host);
    await f.follow(info('a'));
    await flush();
    await f.follow(info('b', { username: 'olga' }));
    await flush();
    expect(f.id).toBe('b');
    host.diff({ added: [], updated: [info('a', { activePages: 5 })], removed: [] });
    expect(seen.filter((e) => e.info.id === 'a')).toHaveLength(1);
    f.stop();
    expect(f.id).toBeNull();
    host.diff({ added: [], updated: [info('b', { activePages: 5 })], removed: [] });
    expect(seen.filter((e) => e.info.id === 'b')).toHaveLength(1);
  });

  it('no feed when the group is large (it would carry the whole list): the details follow the window', async () => {
    const host = new FakeHost();
    host.sessions = Array.from({ length: FOLLOW_FEED_MAX + 1 }, (_, i) => info(`s${i}`, { username: 'Unauthenticated' }));
    const { f, seen } = follower(host);
    await f.follow(info('s0', { username: 'Unauthenticated' }));
    await flush();
    expect(host.watched).toEqual([]);
    expect(f.feeding).toBe(false);
    expect(seen).toEqual([]);
    // A small group: a feed.
    host.sessions = host.sessions.slice(0, FOLLOW_FEED_MAX);
    await f.follow(info('s1', { username: 'Unauthenticated' }));
    await flush();
    expect(f.feeding).toBe(true);
    expect(seen.map((e) => e.info.id)).toEqual(['s1']);
  });
});
