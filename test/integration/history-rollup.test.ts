/**
 * sessions.rollup (an addition to 1.1): the per-minute rollup per project over a real socket
 * and from the SDK; admins only, strict params, in both stores (the store contract suite
 * compares them); pruned with the rest of the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_LIMITS, type RollupMinute } from '@session-tracker/shared';
import { SqliteStore } from '../../server/src/history/sqlite-store.js';
import type { RollupRecord } from '../../server/src/history/store.js';
import { connectAdmin } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { ClientPool } from '../support/sdk.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

/** Rows of one project added up over the minutes (a test may straddle a minute boundary). */
function of(minutes: RollupMinute[], project: string) {
  const rows = minutes.filter((m) => m.project === project);
  return {
    rows,
    sessions: Math.max(0, ...rows.map((r) => r.sessions)),
    users: Math.max(0, ...rows.map((r) => r.users)),
    pages: Math.max(0, ...rows.map((r) => r.pages)),
    bytesFromClients: rows.reduce((n, r) => n + r.bytesFromClients, 0),
    bytesToClients: rows.reduce((n, r) => n + r.bytesToClients, 0),
  };
}

describe('sessions.rollup', () => {
  it('answers sessions, users, pages and bytes per project and minute, oldest first', async () => {
    await using srv = await startTestServer({ historyFlushMs: 50 });
    const a1 = await RawClient.connect(srv.wsUrl, { project: 'LineA' });
    const a2 = await RawClient.connect(srv.wsUrl, { project: 'LineA' });
    const b = await RawClient.connect(srv.wsUrl, { project: 'LineB' });
    await a1.result('auth.login', { token: await userToken('ann') });
    await a2.result('auth.login', { token: await userToken('ann') });
    await b.result('auth.login', { token: await userToken('bob') });
    await a1.result('page.open', { pageId: 'p1', path: '/x' });
    await a2.result('page.open', { pageId: 'p1', path: '/y' });
    await a2.result('page.open', { pageId: 'p2', path: '/z' });
    await using admin = await connectAdmin(srv, { project: 'Ops' });
    const { minutes, truncated } = (await admin.result('sessions.rollup', {})) as { minutes: RollupMinute[]; truncated: boolean };
    expect(truncated).toBe(false);
    for (let i = 1; i < minutes.length; i++) expect(minutes[i - 1]!.at <= minutes[i]!.at).toBe(true);
    for (const m of minutes) expect(Date.parse(m.at) % 60_000).toBe(0);
    const a = of(minutes, 'LineA');
    expect(a).toMatchObject({ sessions: 2, users: 1, pages: 3, bytesFromClients: a1.bytesSent + a2.bytesSent });
    expect(a.bytesToClients).toBeGreaterThan(0);
    expect(of(minutes, 'LineB')).toMatchObject({ sessions: 1, users: 1, pages: 0, bytesFromClients: b.bytesSent });

    const onlyB = (await admin.result('sessions.rollup', { projectFilter: 'Line[B]' })) as { minutes: RollupMinute[] };
    expect(new Set(onlyB.minutes.map((m) => m.project))).toEqual(new Set(['LineB']));
    const past = (await admin.result('sessions.rollup', { from: 0, to: Date.now() - 3_600_000 })) as { minutes: RollupMinute[] };
    expect(past.minutes).toEqual([]);
    for (const c of [a1, a2, b]) await c.close();
  });

  it('is for admins only, with strict params naming what is wrong', async () => {
    await using srv = await startTestServer();
    const user = await RawClient.connect(srv.wsUrl);
    expect((await user.call('sessions.rollup', {})).error?.code).toBe(-32003);
    await using admin = await connectAdmin(srv);
    const extra = await admin.call('sessions.rollup', { limit: 5 });
    expect(extra.error?.code).toBe(-32602);
    expect(extra.error?.message).toMatch(/limit/);
    const bad = await admin.call('sessions.rollup', { from: 'yesterday' });
    expect(bad.error?.code).toBe(-32602);
    expect(bad.error?.message).toMatch(/from/);
    const order = await admin.call('sessions.rollup', { from: 2_000, to: 1_000 });
    expect(order.error?.message).toMatch(/from: after to/);
    expect((await admin.call('sessions.rollup', { projectFilter: '(' })).error?.code).toBe(-32602);
    await user.close();
  });

  it('reaches the SDK as sessionRollup', async () => {
    await using srv = await startTestServer({ historyFlushMs: 50 });
    const user = pool.client({ url: srv.wsUrl, project: 'Sdk' });
    await user.ready(5_000);
    await user.openPage({ path: '/a' });
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const r = await admin.sessionRollup({ projectFilter: 'Sdk' });
    expect(r.truncated).toBe(false);
    expect(of(r.minutes, 'Sdk')).toMatchObject({ sessions: 1, pages: 1 });
    expect(of(r.minutes, 'Sdk').bytesFromClients).toBeGreaterThan(0);
  });

  it('keeps the newest rollupMaxRows rows of a longer window and says it truncated', async () => {
    // 10,000 minutes of traffic would take a week: the store is seeded through its own API
    // (one row per minute for LineA, one every 100 minutes for LineB), then a tracker on that
    // directory answers over the socket.
    const dir = mkdtempSync(join(tmpdir(), 'st-rollup-'));
    try {
      const max = HISTORY_LIMITS.rollupMaxRows;
      const last = Date.now() - (Date.now() % 60_000) - 60 * 60_000;
      const first = last - (max + 499) * 60_000;
      const row = (minute: number, project: string, n: number): RollupRecord => ({
        minute,
        project,
        node: 'seed',
        sessions: n,
        users: 1,
        pages: 0,
        bytesFromClients: n,
        bytesToClients: 0,
      });
      const rows: RollupRecord[] = [];
      for (let m = first, i = 0; m <= last; m += 60_000, i++) {
        rows.push(row(m, 'LineA', i));
        if (i % 100 === 0) rows.push(row(m, 'LineB', i));
      }
      const seed = new SqliteStore(dir);
      await seed.write({ events: [], ended: [], live: [], gone: [], rollup: rows });
      await seed.close();
      const byMinute = (a: RollupMinute, b: RollupMinute) => Date.parse(a.at) - Date.parse(b.at) || (a.project < b.project ? -1 : 1);
      const want = rows
        .map((r) => ({ at: new Date(r.minute).toISOString(), project: r.project, sessions: r.sessions }))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.project < b.project ? -1 : 1));
      expect(want.length).toBeGreaterThan(max);

      await using srv = await startTestServer({ dataDir: dir, historyDays: 0 });
      await using admin = await connectAdmin(srv, { project: 'Ops' });
      const all = (await admin.result('sessions.rollup', { from: first, to: last })) as { minutes: RollupMinute[]; truncated: boolean };
      expect(all.truncated).toBe(true);
      expect(all.minutes).toHaveLength(max);
      // The newest rows, oldest first: the oldest ones were left out.
      expect([...all.minutes].sort(byMinute)).toEqual(all.minutes);
      expect(all.minutes.map((m) => ({ at: m.at, project: m.project, sessions: m.sessions }))).toEqual(want.slice(-max));

      // A window of exactly rollupMaxRows rows is whole (one that starts on a minute holding
      // only LineA's row, so it does not take a LineB row of the same minute along).
      const at = (i: number) => (want[want.length - i] as { at: string }).at;
      let n = max;
      while (at(n) === at(n + 1)) n--;
      expect(n).toBeGreaterThan(max - 3);
      const lastMax = want[want.length - n] as { at: string };
      const exact = (await admin.result('sessions.rollup', { from: lastMax.at, to: last })) as {
        minutes: RollupMinute[];
        truncated: boolean;
      };
      expect(exact).toMatchObject({ truncated: false });
      expect(exact.minutes).toHaveLength(n);
      // The filter applies before the bound: LineB's rows over the whole window all fit.
      const onlyB = (await admin.result('sessions.rollup', { from: first, to: last, projectFilter: 'LineB' })) as {
        minutes: RollupMinute[];
        truncated: boolean;
      };
      expect(onlyB.truncated).toBe(false);
      expect(onlyB.minutes.map((m) => m.sessions)).toEqual(want.filter((w) => w.project === 'LineB').map((w) => w.sessions));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
