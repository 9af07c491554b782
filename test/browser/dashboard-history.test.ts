/**
 * The dashboard's History and Events views in real headless Chromium against a real server
 * with a short session timeout: sessions that log in, open and close pages and end (by the
 * timeout, and closed by an admin) are listed newest end first with their reasons, the
 * username filter narrows them, a bad pattern shows the server's error next to the field,
 * "Load more" follows the cursor past the first 100, a session's timeline lists its events
 * in order, the views survive a reload through the URL hash, the events list narrows by type,
 * the live details panel links to the timeline of a live session, and with the server gone
 * the list says so under the not-live banner, and reads again once it is back.
 * Screenshots: test/artifacts/dashboard-history.png (1,440 px, timeline open),
 * dashboard-events.png (1,440 px) and dashboard-history-narrow.png (700 px).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { connectAdmin } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { RawClient } from '../support/ws-client.js';
import { startFreezeProxy } from '../support/freeze-proxy.js';
import { waitFor } from '../support/wait.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

if (CHROMIUM === undefined) {
  console.warn('dashboard-history.test.ts: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
/** Ended sessions of the "Bulk" project: more than one page of 100. */
const BULK = 105;
const TIMEOUT_MS = 400;

type Tracker = Awaited<ReturnType<typeof startTestServer>>;

const historyIds = (page: Page): Promise<string[]> =>
  page.$$eval('#history-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-session-id') ?? ''));

/** Cells of the History table's rows, by column header. */
const historyRows = (page: Page): Promise<Record<string, string>[]> =>
  page.evaluate(() => {
    const heads = [...document.querySelectorAll('#history-table thead th')].map((th) => th.textContent?.trim() ?? '');
    return [...document.querySelectorAll('#history-table tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((cell, i) => [heads[i] ?? String(i), cell.textContent?.trim() ?? ''])),
    );
  });

describe.skipIf(CHROMIUM === undefined)('the dashboard History view in chromium', () => {
  let tracker: Tracker;
  let browser: Browser;
  let admin: RawClient;
  let page: Page;
  const errors: string[] = [];
  let alice = '';
  let bob = '';
  let bulk: string[] = [];

  /** Waits until the server's history holds `count` ended sessions of `project`. */
  async function ended(project: string, count: number): Promise<void> {
    await waitFor(
      async () => (await admin.result('sessions.history', { projectFilter: project, limit: 1_000 })).sessions.length === count,
      `${count} ended sessions of ${project}`,
      15_000,
    );
  }

  beforeAll(async () => {
    tracker = await startTestServer({ sessionTimeoutMs: TIMEOUT_MS });
    admin = await connectAdmin(tracker, { project: 'ops' });

    // The bulk first, so the two named sessions end last (they head the list).
    const clients = await Promise.all(Array.from({ length: BULK }, () => RawClient.connect(tracker.wsUrl, { project: 'Bulk' })));
    bulk = clients.map((c) => c.welcome.sessionId);
    await Promise.all(clients.map((c) => c.close()));
    await ended('Bulk', BULK);

    // alice logs in, opens and closes a page, and goes: her session times out.
    const a = await RawClient.connect(tracker.wsUrl, { project: 'Plant' });
    alice = a.welcome.sessionId;
    await a.result('auth.login', { token: await userToken('alice', ['operator']) });
    await a.result('page.open', { pageId: 'p1', path: '/line/2', title: 'Line 2' });
    await a.result('page.close', { pageId: 'p1' });
    await a.close();
    await ended('Plant', 1);

    // bob is terminated by an admin; mallory's token is refused.
    const b = await RawClient.connect(tracker.wsUrl, { project: 'Warehouse' });
    bob = b.welcome.sessionId;
    await b.result('auth.login', { token: await userToken('bob', ['operator']) });
    await b.result('page.open', { pageId: 'w1', path: '/dock', title: 'Inbound dock' });
    const m = await RawClient.connect(tracker.wsUrl, { project: 'Warehouse' });
    const refused = await m.call('auth.login', { token: await userToken('mallory', []).then((t) => `${t.slice(0, -4)}AAAA`) });
    expect(refused.error?.code).toBe(-32001);
    await admin.result('sessions.close', { sessionId: bob, message: 'Maintenance' });
    await ended('Warehouse', 1);
    await m.close();
    await ended('Warehouse', 2);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1_440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await tracker?.close();
  }, 30_000);

  it('lists ended sessions newest end first, pages with Load more, filters, and keeps the view across a reload', async () => {
    await page.goto(`${tracker.url}/admin#history`);
    await page.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#history-panel:not([hidden])');
    expect(await page.isHidden('#live-panel')).toBe(true);
    expect(await page.getAttribute('#nav-history', 'aria-current')).toBe('page');
    expect(await page.title()).toMatch(/^History/);

    // The first page: 100 rows, newest end first: bob (closed), mallory's, alice (timeout), then the bulk.
    await waitFor(async () => (await historyIds(page)).length === 100, 'the first page of 100');
    const rows = await historyRows(page);
    expect(rows[0]).toMatchObject({ User: 'Unauthenticated', Project: 'Warehouse', Reason: 'Timed out' });
    expect(rows[1]).toMatchObject({ User: 'bob', Project: 'Warehouse', Reason: 'Closed by an admin', Address: '127.0.0.1' });
    expect(rows[2]).toMatchObject({ User: 'alice', Project: 'Plant', Reason: 'Timed out' });
    const firstIds = await historyIds(page);
    expect(firstIds.slice(1, 3)).toEqual([bob, alice]);
    const endedAt = rows.map((r) => r['Ended at'] ?? '');
    expect([...endedAt].sort().reverse()).toEqual(endedAt);
    expect(await page.isVisible('#history-more')).toBe(true);
    expect(await page.textContent('#history-count')).toBe('100 sessions so far');

    // The rollup's charts above the list: a line per project on each, named in the legends.
    const legend = (metric: string) =>
      page.$$eval(`#rollup-charts [data-metric="${metric}"] .rollup-legend li`, (lis) =>
        lis.map((li) => li.firstChild?.nextSibling?.textContent?.trim() ?? ''),
      );
    await waitFor(async () => ((await legend('bytes')).includes('Plant') ? true : undefined), 'the bytes chart');
    expect(await legend('bytes')).toEqual(expect.arrayContaining(['Plant', 'Warehouse']));
    const lines = await page.$$eval('#rollup-charts [data-metric="bytes"] path.rollup-line', (ps) =>
      ps.map((p) => [p.getAttribute('data-project'), p.getAttribute('d') ?? '']),
    );
    expect(lines.length).toBe((await legend('bytes')).length);
    for (const [, d] of lines) expect(d).toMatch(/^M[\d.]+ [\d.]+/);
    expect(await page.$$eval('#rollup-charts [data-metric="sessions"] path.rollup-line', (ps) => ps.length)).toBeGreaterThan(0);

    // Load more: the rest, nothing twice, then no more button.
    await page.click('#history-more');
    await waitFor(async () => (await historyIds(page)).length === BULK + 3, 'the second page');
    const all = await historyIds(page);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(0, 100)).toEqual(firstIds);
    expect(new Set(all.slice(3))).toEqual(new Set(bulk));
    expect(await page.isHidden('#history-more')).toBe(true);
    expect(await page.textContent('#history-count')).toBe(`${BULK + 3} sessions`);

    // The username filter narrows (whole-value RE2, on the server).
    await page.fill('#hist-username', 'ali.*');
    await waitFor(async () => (await historyIds(page)).join() === alice, 'only alice');
    await page.fill('#hist-username', 'b.b|alice');
    await waitFor(async () => (await historyIds(page)).join() === [bob, alice].join(), 'bob and alice');
    // A bad pattern: the server's -32602 next to the field.
    await page.fill('#hist-username', 'a(b');
    await page.waitForSelector('#hist-username-error:not([hidden])');
    expect(await page.textContent('#hist-username-error')).toMatch(/usernameFilter/);
    expect(await page.getAttribute('#hist-username', 'aria-invalid')).toBe('true');
    expect(await historyIds(page)).toEqual([]);
    expect(await page.textContent('#history-state')).toBe('Correct the field marked above to search.');
    expect(await page.textContent('#history-count')).toBe('');
    await page.fill('#hist-username', 'b.*');
    await waitFor(async () => (await historyIds(page)).join() === bob, 'only bob');
    expect(await page.isHidden('#hist-username-error')).toBe(true);
    // The project filter too.
    await page.fill('#hist-username', '');
    await page.fill('#hist-project', 'Pla.t');
    await waitFor(async () => (await historyIds(page)).join() === alice, 'the Plant project');

    // A moment before any of them: nobody was connected.
    await page.selectOption('#hist-window', 'at');
    await page.fill('#hist-at', '2020-01-01T03:00:00');
    await page.dispatchEvent('#hist-at', 'change');
    await waitFor(async () => (await page.textContent('#history-state')) === 'No ended sessions in this window', 'the empty state');
    expect(await historyIds(page)).toEqual([]);
    expect(await page.textContent('#history-summary')).toBe('Connected at 2020-01-01 03:00:00');

    // A reload stays on the view.
    await page.reload();
    await page.waitForSelector('#history-panel:not([hidden])');
    expect(new URL(page.url()).hash).toBe('#history');
    expect(await page.isHidden('#live-panel')).toBe(true);
    await waitFor(async () => (await historyIds(page)).length === 100, 'the list after the reload');
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows a session timeline, the events of everyone by type, and the timeline of a live session', async () => {
    await page.goto(`${tracker.url}/admin#history`);
    await page.waitForSelector('#history-panel:not([hidden])');
    await waitFor(async () => (await historyIds(page)).length === 100, 'the first page');

    // alice's timeline: newest first.
    await page.click(`#history-table tr[data-session-id="${alice}"] button`);
    await page.waitForSelector('#timeline:not([hidden]) #timeline-events li');
    const types = await page.$$eval('#timeline-events li', (lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types).toEqual(['session.end', 'page.close', 'page.open', 'login', 'session.start']);
    const timeline = (await page.textContent('#timeline')) ?? '';
    expect(timeline).toContain('Timeline of alice');
    expect(timeline).toContain('/line/2 · Line 2 · closed by client');
    expect(timeline).toContain('Roles: operator');
    expect(timeline).toMatch(/Timed out · lasted \d+s/);
    expect(await page.getAttribute(`#history-table tr[data-session-id="${alice}"]`, 'class')).toContain('is-selected');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-history.png') });
    await page.setViewportSize({ width: 700, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-history-narrow.png') });
    await page.setViewportSize({ width: 1_440, height: 900 });
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#timeline')).toBe(true);

    // The events of everyone, narrowed to failed logins and admin actions.
    await page.click('#nav-events');
    await page.waitForSelector('#events-wrap:not([hidden]) #events-list li');
    expect(new URL(page.url()).hash).toBe('#events');
    expect(await page.isHidden('#hist-project-row')).toBe(true);
    await page.check('#hist-type-login-failed');
    await page.check('#hist-type-admin-action');
    await waitFor(
      async () =>
        (await page.$$eval('#events-list li', (lis) => lis.map((li) => li.getAttribute('data-type')))).join() ===
        'admin.action,login.failed',
      'the admin action and the failed login',
    );
    const events = (await page.textContent('#events-list')) ?? '';
    expect(events).toContain('Claimed “mallory”');
    expect(events).toContain(`sessions.close on bob · Warehouse (${bob}) message “Maintenance”`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-events.png') });
    // A reload keeps the Events view.
    await page.reload();
    await page.waitForSelector('#events-wrap:not([hidden])');
    expect(await page.getAttribute('#nav-events', 'aria-current')).toBe('page');

    // Back to the live view: the dashboard's own session, and its timeline from the details.
    await page.click('#nav-sessions');
    await page.waitForSelector('#live-panel:not([hidden]) #sessions-table tbody tr .badge');
    const own = (await page.getAttribute('#sessions-table tbody tr:has(.badge)', 'data-session-id')) ?? '';
    await page.click(`#sessions-table tr[data-session-id="${own}"]`);
    await page.getByRole('button', { name: 'Timeline', exact: true }).click();
    await page.waitForSelector('#history-panel:not([hidden]) #timeline:not([hidden]) #timeline-events li');
    expect(new URL(page.url()).hash).toBe('#history');
    const live = await page.$$eval('#timeline-events li', (lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(live.at(-1)).toBe('session.start');
    expect(live).toContain('login');
    expect(await page.textContent('#timeline .details-sub')).toContain('live');
    expect(errors).toEqual([]);
  }, 60_000);

  it('says the server is unreachable under the not-live banner, and searches again once it is back', async () => {
    // Through a proxy that can stop forwarding: the server keeps its port, nothing restarts.
    await using proxy = await startFreezeProxy({ host: '127.0.0.1', port: tracker.port });
    const context = await browser.newContext({ viewport: { width: 1_280, height: 800 } });
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(10_000);
      await p.goto(`http://127.0.0.1:${proxy.port}/admin#history`);
      await p.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForSelector('#history-panel:not([hidden])');
      await waitFor(async () => (await p.$$('#history-table tbody tr')).length === 100, 'the first page');

      // The connection is reset and new ones hang: the dashboard is not live.
      proxy.freeze();
      proxy.cut();
      await p.waitForSelector('#stale-banner:not([hidden])');
      await p.click('#history-form button[type="submit"]');
      await waitFor(
        async () => (await p.textContent('#history-state'))?.startsWith('Not connected to the server'),
        'the unreachable state',
      );
      expect(await p.getAttribute('#history-state', 'data-kind')).toBe('error');
      expect(await p.$$('#history-table tbody tr')).toHaveLength(0);
      expect(await p.textContent('#history-count')).toBe('');

      proxy.thaw();
      // The SDK's reconnect backoff decides when (as in dashboard-faults.test.ts).
      await p.waitForSelector('#stale-banner', { state: 'hidden', timeout: 40_000 });
      await p.click('#history-form button[type="submit"]');
      await waitFor(async () => (await p.$$('#history-table tbody tr')).length === 100, 'the history again');
      expect(await p.isHidden('#history-state')).toBe(true);
    } finally {
      await context.close();
    }
  }, 90_000);
});
