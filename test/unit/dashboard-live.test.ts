/**
 * Admin dashboard: the live table's data (live.ts) against a fake server: what it asks for
 * (sort, filters, fields, the window around the viewport), one request at a time, answers
 * overtaken by a newer sort or filter dropped, refused filters leaving the rows as they were,
 * and the counts (sessions, users and pages from getSessionStats; connected counted by the
 * server: sessions.list's `state: "connected"`, its total).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStats } from '@session-tracker/client';
import {
  CONNECTED_COUNT,
  LiveList,
  type ListPage,
  type ListQuery,
  type LivePage,
  type LiveTotals,
} from '../../server/dashboard/src/live.js';
import type { FilterValues } from '../../server/dashboard/src/filters.js';
import type { Range } from '../../server/dashboard/src/window.js';

interface Call {
  query: ListQuery;
  resolve(page: ListPage): void;
  reject(err: Error): void;
}

/** A server whose answers the test gives, call by call. */
class FakeServer {
  ready = true;
  calls: Call[] = [];
  private statsCalls: ((stats: SessionStats) => void)[] = [];
  stats(_filters: FilterValues): Promise<SessionStats> {
    return new Promise((resolve) => this.statsCalls.push(resolve));
  }
  list(query: ListQuery): Promise<ListPage> {
    return new Promise((resolve, reject) => this.calls.push({ query, resolve, reject }));
  }
  /** The window calls (not the connected counts). */
  windows(): Call[] {
    return this.calls.filter((c) => c.query.state === undefined);
  }
  /** The connected counts asked for. */
  counts(): Call[] {
    return this.calls.filter((c) => c.query.state !== undefined);
  }
  /** Answers the open counts: `total` sessions (getSessionStats), `disconnected` of them not connected. */
  answerStates(total: number, disconnected: number): void {
    for (const resolve of this.statsCalls.splice(0)) resolve({ sessions: total, users: 3, pages: 7, byProject: {} });
    const connected = total - disconnected;
    for (const c of this.counts()) c.resolve({ sessions: connected > 0 ? [{ id: 'c0' }] : [], total: connected, next: null });
    this.calls = this.windows();
  }
}

const page = (ids: string[], total: number): ListPage => ({ sessions: ids.map((id) => ({ id, username: `u-${id}` })), total, next: null });
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function setup(view: Range = { start: 0, end: 20 }): {
  server: FakeServer;
  live: LiveList;
  pages: LivePage[];
  totals: LiveTotals[];
  scrolled: number[];
  setView(r: Range): void;
} {
  const server = new FakeServer();
  const pages: LivePage[] = [];
  const totals: LiveTotals[] = [];
  const scrolled: number[] = [];
  let current = view;
  const live = new LiveList(
    server,
    { rowsInView: () => current, scrollToTop: () => scrolled.push(0) },
    { page: (p) => pages.push(p), totals: (t) => totals.push(t), error: () => undefined },
    () => 0,
  );
  lists.push(live);
  return { server, live, pages, totals, scrolled, setView: (r) => (current = r) };
}
const lists: LiveList[] = [];
afterEach(() => {
  for (const l of lists.splice(0)) l.stop();
});

const none: FilterValues = { usernameFilter: '', projectFilter: '' };

describe('the live window', () => {
  it('asks for the rows in view and a margin, sorted and filtered by the server, with the fields it shows', async () => {
    const { server, live, pages, totals } = setup({ start: 100, end: 125 });
    const started = live.start({ usernameFilter: 'bil.*', projectFilter: '' });
    const [call] = server.windows();
    expect(call?.query).toMatchObject({ usernameFilter: 'bil.*', sort: 'username', offset: 40, limit: 145 });
    expect(call?.query.fields).toEqual(expect.arrayContaining(['username', 'totalBytesSent', 'state', 'pages']));
    expect(call?.query.fields).not.toContain('traffic');
    call?.resolve(page(['b', 'a'], 2_000));
    server.answerStates(2_000, 3);
    await started;
    // In the server's order, made whole, at the offset asked.
    expect(pages).toHaveLength(1);
    expect(pages[0]?.entries.map((e) => e.info.id)).toEqual(['b', 'a']);
    expect(pages[0]?.entries[0]?.info.pages).toEqual([]);
    expect(pages[0]).toMatchObject({ offset: 40, total: 2_000, sort: { key: 'username', direction: 'ascending' } });
    expect(totals).toEqual([{ sessions: 2_000, connected: 1_997, users: 3, pages: 7 }]);
    expect(live.entry('a')?.info.username).toBe('u-a');
  });

  it('a sort change overtakes a refresh under way: the older answer is dropped', async () => {
    const { server, live, pages } = setup();
    const started = live.start(none);
    server.windows()[0]?.resolve(page(['a'], 1));
    server.answerStates(1, 0);
    await started;
    live.refresh();
    live.setSort({ key: 'bytes', direction: 'descending' });
    const [refresh, sorted] = server.windows().slice(1);
    expect(refresh?.query.sort).toBe('username');
    expect(sorted?.query.sort).toBe('-totalBytesSent');
    sorted?.resolve(page(['z'], 1));
    await flush();
    refresh?.resolve(page(['a'], 1));
    server.answerStates(1, 0);
    await flush();
    expect(pages.map((p) => p.entries.map((e) => e.info.id).join())).toEqual(['a', 'z']);
    expect(pages.at(-1)?.sort).toEqual({ key: 'bytes', direction: 'descending' });
  });

  it('one request at a time: refreshes asked meanwhile make one more, after it', async () => {
    const { server, live } = setup();
    const started = live.start(none);
    server.windows()[0]?.resolve(page([], 0));
    server.answerStates(0, 0);
    await started;
    live.refresh();
    live.refresh();
    live.refresh();
    expect(server.windows()).toHaveLength(2);
    server.windows()[1]?.resolve(page([], 0));
    server.answerStates(0, 0);
    await flush();
    expect(server.windows()).toHaveLength(3);
    // Not connected or not logged in: nothing is asked.
    server.windows()[2]?.resolve(page([], 0));
    server.answerStates(0, 0);
    await flush();
    server.ready = false;
    live.refresh();
    expect(server.windows()).toHaveLength(3);
  });

  it('refused filters leave the rows and the filters as they were; taken ones show their first rows', async () => {
    const { server, live, pages, scrolled } = setup();
    const started = live.start(none);
    server.windows()[0]?.resolve(page(['a', 'b'], 2));
    server.answerStates(2, 0);
    await started;
    const refused = live.setFilters({ usernameFilter: 'bil(', projectFilter: '' });
    server.windows()[1]?.reject(new Error('-32602 usernameFilter: missing )'));
    await expect(refused).rejects.toThrow(/usernameFilter/);
    expect(pages).toHaveLength(1);
    expect(live.currentFilters).toEqual(none);
    const taken = live.setFilters({ usernameFilter: 'billy', projectFilter: '' });
    const call = server.windows()[2];
    expect(call?.query).toMatchObject({ usernameFilter: 'billy', offset: 0 });
    call?.resolve(page(['b'], 1));
    await expect(taken).resolves.toBe(true);
    expect(pages.at(-1)?.entries.map((e) => e.info.id)).toEqual(['b']);
    expect(scrolled).toEqual([0]);
    expect(live.currentFilters.usernameFilter).toBe('billy');
  });

  it('a scroll past the rows held asks for the new ones at once', async () => {
    const { server, live, setView } = setup({ start: 0, end: 20 });
    const started = live.start(none);
    server.windows()[0]?.resolve(
      page(
        Array.from({ length: 80 }, (_, i) => `s${i}`),
        5_000,
      ),
    );
    server.answerStates(5_000, 0);
    await started;
    setView({ start: 3_000, end: 3_020 });
    live.viewportChanged();
    await flush();
    const call = server.windows()[1];
    expect(call?.query).toMatchObject({ offset: 2_940, limit: 140 });
    // The window asked for holds no state counts: a scroll asks only for rows.
    expect(server.counts()).toHaveLength(0);
  });

  it('has the server count the connected sessions: exact at any size, one id fetched', async () => {
    const { server, live, totals } = setup();
    const started = live.start({ usernameFilter: 'bil.*', projectFilter: '' });
    server.windows()[0]?.resolve(page([], 20_000));
    expect(server.counts().map((c) => c.query)).toEqual([{ usernameFilter: 'bil.*', ...CONNECTED_COUNT }]);
    expect(CONNECTED_COUNT).toEqual({ state: 'connected', limit: 1, fields: ['id'] });
    server.answerStates(20_000, 1_234);
    await started;
    expect(totals).toEqual([{ sessions: 20_000, connected: 18_766, users: 3, pages: 7 }]);
  });
});

describe('the live window and a filter change under way', () => {
  it('a refresh with the old filters that ends after the new ones were taken is dropped', async () => {
    const { server, live, pages } = setup();
    const started = live.start(none);
    server.windows()[0]?.resolve(page(['a', 'b'], 2));
    server.answerStates(2, 0);
    await started;
    const taken = live.setFilters({ usernameFilter: 'billy', projectFilter: '' });
    live.refresh(); // the timer, meanwhile: still the old filters
    const [filtered, refresh] = server.windows().slice(1);
    expect(filtered?.query.usernameFilter).toBe('billy');
    expect(refresh?.query.usernameFilter).toBeUndefined();
    filtered?.resolve(page(['b'], 1));
    await taken;
    refresh?.resolve(page(['a', 'b'], 2));
    server.answerStates(2, 0);
    await flush();
    expect(pages.at(-1)?.entries.map((e) => e.info.id)).toEqual(['b']);
  });
});
