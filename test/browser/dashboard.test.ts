/**
 * The admin dashboard (/admin) in real headless Chromium against a real server: sign-in
 * with the admin token, live rows from `sessions.watch` as other browsers (pages served by
 * a second origin, loading /sdk.js) come and go, sorting, server-side regex filters with
 * the inline -32602 error, the details panel, termination (the client hears
 * `session.closing`), no requests to other origins, and 1,200 sessions of which only the
 * rows in view exist, sorted by the server, updated in place (the chart's y labels, "2,000"
 * by then, whole inside the chart). Its speed is measured by test/bench/dashboard-perf.mjs.
 * Screenshots go to test/artifacts/dashboard.png (1,600 px, details docked) and
 * dashboard-overview.png (1,440 px; also docs/dashboard.png when that is missing or
 * UPDATE_SCREENSHOTS=1).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { userToken } from '../support/jwt.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

if (CHROMIUM === undefined) {
  console.warn('dashboard.test.ts: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'";

const UA = {
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  linuxFirefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  linuxChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

/** The apps the "other" browsers run: /app/<key>/... loads the SDK from the tracker. */
const APPS: Record<string, { project: string; scope: string; title: string }> = {
  plant: { project: 'Plant', scope: 'browser', title: 'Line 2 · Overview' },
  alarms: { project: 'Plant', scope: 'browser', title: 'Alarms' },
  warehouse: { project: 'Warehouse', scope: 'browser', title: 'Inbound dock' },
  packaging: { project: 'Packaging', scope: 'ios', title: 'Station 4' },
};

type Tracker = Awaited<ReturnType<typeof startTestServer>>;

function appHtml(tracker: Tracker, app: { project: string; scope: string; title: string }): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${app.title}</title></head>
<body><h1>${app.title}</h1>
<script src="${tracker.url}/sdk.js"></script>
<script>
  window.closing = [];
  const client = SessionTracker.createClient({ url: ${JSON.stringify(tracker.wsUrl)}, project: ${JSON.stringify(app.project)}, scope: ${JSON.stringify(app.scope)}, trackPages: true });
  client.on('sessionClosing', (p) => window.closing.push(p.message));
  window.stClient = client;
</script></body></html>`;
}

async function startAppServer(tracker: Tracker): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const app = APPS[path.split('/')[2] ?? ''];
    if (path.startsWith('/app/') && app) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(appHtml(tracker, app));
      return;
    }
    res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/** The text of every cell of a row, by column header. */
async function rowCells(page: Page, sessionId: string): Promise<Record<string, string> | null> {
  return page.evaluate((id) => {
    const tr = document.querySelector(`tr[data-session-id="${id}"]`);
    if (!tr) return null;
    const heads = [...document.querySelectorAll('#sessions-table thead th')].map((th) => th.textContent?.trim() ?? '');
    const out: Record<string, string> = {};
    [...tr.children].forEach((cell, i) => {
      out[heads[i] ?? String(i)] = cell.textContent?.trim() ?? '';
    });
    return out;
  }, sessionId);
}

const rowIds = (page: Page): Promise<string[]> =>
  page.$$eval('#sessions-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-session-id') ?? ''));

const columnTexts = (page: Page, column: number): Promise<string[]> =>
  page.$$eval('#sessions-table tbody tr', (trs, i) => trs.map((tr) => tr.children[i]?.textContent?.trim() ?? ''), column);

describe.skipIf(CHROMIUM === undefined)('the admin dashboard in chromium', () => {
  let tracker: Tracker;
  let app: { server: Server; url: string };
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function newContext(userAgent: string, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
    const context = await browser.newContext({ userAgent, viewport });
    contexts.push(context);
    return context;
  }

  /** Opens an app page in a browser of its own; resolves with its session ID once connected. */
  async function openApp(path: string, userAgent: string, login?: string): Promise<{ page: Page; sessionId: string }> {
    const page = await (await newContext(userAgent)).newPage();
    await page.goto(`${app.url}${path}`);
    const sessionId = await waitFor(
      () =>
        page.evaluate(() => {
          const c = (window as unknown as { stClient?: { state: string; sessionId: string | null } }).stClient;
          return c?.state === 'connected' ? c.sessionId : null;
        }),
      `${path} to connect`,
    );
    if (login !== undefined) {
      const token = await userToken(login, ['operator']);
      await page.evaluate((t) => (window as unknown as { stClient: { login(t: string): Promise<unknown> } }).stClient.login(t), token);
    }
    return { page, sessionId };
  }

  async function openDashboard(viewport: {
    width: number;
    height: number;
  }): Promise<{ page: Page; requests: string[]; sockets: string[]; errors: string[] }> {
    const page = await (await newContext(UA.linuxChrome, viewport)).newPage();
    const requests: string[] = [];
    const sockets: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    const response = await page.goto(`${tracker.url}/admin`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(CSP);
    return { page, requests, sockets, errors };
  }

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#dashboard-view:not([hidden])');
    await page.waitForSelector('#sessions-table tbody tr .badge');
  }

  beforeAll(async () => {
    tracker = await startTestServer({ maxSessionsPerAddress: 5_000 });
    app = await startAppServer(tracker);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (app?.server ? app.server.close(() => resolve()) : resolve()));
    await tracker?.close();
  }, 30_000);

  it('serves /admin and its files with a strict CSP, nosniff and no-referrer', async () => {
    for (const [path, type] of [
      ['/admin', 'text/html'],
      ['/admin/', 'text/html'],
      ['/admin/app.js', 'text/javascript'],
      ['/admin/dashboard.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${tracker.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      const etag = res.headers.get('etag');
      expect(etag).toBeTruthy();
      const again = await fetch(`${tracker.url}${path}`, { headers: { 'if-none-match': etag ?? '' } });
      expect(again.status).toBe(304);
    }
    const html = await (await fetch(`${tracker.url}/admin`)).text();
    expect(html).not.toMatch(/<script>|<style|style="|https?:\/\//);
    expect(html).toContain('<script src="/sdk.js"');

    const missing = await fetch(`${tracker.url}/admin/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
    const post = await fetch(`${tracker.url}/admin`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('signs in, lists live sessions, sorts, filters, shows details and terminates a session', async () => {
    const { page, requests, sockets, errors } = await openDashboard({ width: 1600, height: 1000 });
    await expect.poll(() => page.textContent('#connection-text')).toBe('Connected');

    // A wrong token is refused inline.
    await page.getByLabel('Admin token or JWT').fill('not-the-admin-token-0000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#signin-error:not([hidden])');
    expect(await page.textContent('#signin-error')).toMatch(/refused/);
    expect(await page.getAttribute('#token', 'aria-invalid')).toBe('true');
    // A valid JWT without an admin role is turned away too.
    await page.getByLabel('Admin token or JWT').fill(await userToken('olga', ['operator']));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitFor(async () => (await page.textContent('#signin-error'))?.includes('not an admin'), 'the not-an-admin message');
    expect(await page.evaluate(() => sessionStorage.getItem('session-tracker-admin:token'))).toBeNull();

    await signIn(page);
    const own = await page.$eval('#sessions-table tbody tr', (tr) => ({ id: tr.getAttribute('data-session-id'), text: tr.textContent }));
    expect(own.text).toContain('this dashboard');
    expect(own.text).toContain('session-tracker-admin');
    // The token lives in sessionStorage only.
    expect(await page.evaluate(() => sessionStorage.getItem('session-tracker-admin:token'))).toBe(ADMIN_TOKEN);
    expect(await page.evaluate((t) => Object.values(localStorage).includes(t), ADMIN_TOKEN)).toBe(false);
    // A reload signs in again from sessionStorage and resumes the same session.
    await page.reload();
    await page.waitForSelector('#dashboard-view:not([hidden])');
    await page.waitForSelector('#sessions-table tbody tr .badge');
    expect(await page.$eval('#sessions-table tbody tr:has(.badge)', (tr) => tr.getAttribute('data-session-id'))).toBe(own.id);

    // Other browsers connect; their rows appear without a reload.
    const billy = await openApp('/app/plant/line-2', UA.windowsChrome, 'billy');
    const maria = await openApp('/app/warehouse/inbound', UA.macSafari, 'maria');
    const ios = await openApp('/app/packaging/station-4', UA.iphone);
    const dana = await openApp('/app/alarms/active', UA.linuxFirefox, 'dana');
    const row = await waitFor(async () => {
      const cells = await rowCells(page, billy.sessionId);
      return cells?.User === 'billy' && cells.Pages === '1' ? cells : null;
    }, "billy's row");
    expect(row).toMatchObject({ Project: 'Plant', Scope: 'browser', Address: '127.0.0.1', Authorized: 'Yes', State: 'connected' });
    expect(row.Device).toBe('Chrome 126 · Windows 10 · desktop');
    expect(row['Bytes sent']).toMatch(/^\d+(\.\d)? (B|KiB)$/);
    await waitFor(async () => (await rowIds(page)).length === 5, 'five rows');
    expect((await rowCells(page, ios.sessionId))?.Scope).toBe('ios');
    expect((await rowCells(page, ios.sessionId))?.Authorized).toBe('No');

    // Uptime ticks locally, once a second.
    const before = (await rowCells(page, maria.sessionId))?.Uptime;
    await page.waitForTimeout(2_100);
    expect((await rowCells(page, maria.sessionId))?.Uptime).not.toBe(before);

    // Sorting by a header: aria-sort follows.
    await page.getByRole('button', { name: 'Project', exact: true }).click();
    await expect.poll(() => page.getAttribute('th:has(button[data-sort="project"])', 'aria-sort')).toBe('ascending');
    // The server sorts (sessions.list): strings by UTF-16 code unit, so capitals first.
    expect(await columnTexts(page, 1)).toEqual(['Packaging', 'Plant', 'Plant', 'Warehouse', 'session-tracker-admin']);
    await page.getByRole('button', { name: 'Project', exact: true }).click();
    await expect.poll(() => page.getAttribute('th:has(button[data-sort="project"])', 'aria-sort')).toBe('descending');
    expect(await columnTexts(page, 1)).toEqual(['session-tracker-admin', 'Warehouse', 'Plant', 'Plant', 'Packaging']);
    expect(await page.getAttribute('th:has(button[data-sort="username"])', 'aria-sort')).toBeNull();
    await page.getByRole('button', { name: 'User', exact: true }).click();

    // A project filter goes to the server; the list follows.
    const project = page.getByLabel('Project', { exact: true });
    await project.fill('Pla.*');
    await waitFor(async () => (await rowIds(page)).sort().join() === [billy.sessionId, dana.sessionId].sort().join(), 'only Plant rows');

    // An invalid pattern: the server's -32602 message, inline, and the rows stay.
    await project.fill('Pla(');
    await page.waitForSelector('#filter-project[aria-invalid="true"]');
    const error = await page.textContent('#filter-project-error');
    expect(error).toMatch(/projectFilter/);
    expect(await page.getAttribute('#filter-project', 'aria-describedby')).toContain('filter-project-error');
    expect(await page.isVisible('#filter-project-error')).toBe(true);
    expect((await rowIds(page)).length).toBe(2);
    await project.fill('Plant');
    await waitFor(
      () => page.evaluate(() => !document.querySelector('#filter-project')?.hasAttribute('aria-invalid')),
      'the error to clear',
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitFor(async () => (await rowIds(page)).length === 5, 'all rows again');

    // Keyboard: arrows move between rows, Enter opens the details, Escape closes them.
    await page.focus('#sessions-table tbody tr[tabindex="0"]');
    await page.keyboard.press('Home');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-session-id'))).toBe((await rowIds(page))[0]);
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-session-id'));
    expect(focused).toBe((await rowIds(page))[1]);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#details:not([hidden])');
    expect(await page.textContent('#details')).toContain(focused ?? 'missing');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details', { state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-session-id'))).toBe(focused);

    // Details of billy's session: its page, with path and title.
    await page.click(`tr[data-session-id="${billy.sessionId}"]`);
    await page.waitForSelector('#details:not([hidden])');
    await waitFor(async () => (await page.textContent('#details'))?.includes('/app/plant/line-2'), 'the page path in the details');
    const details = (await page.textContent('#details')) ?? '';
    expect(details).toContain(billy.sessionId);
    expect(details).toContain('Line 2 · Overview');
    expect(details).toContain('Windows 10');
    expect(await page.getAttribute(`tr[data-session-id="${billy.sessionId}"]`, 'aria-current')).toBe('true');

    // The screenshots: a few sessions, one selected (its details docked beside the table);
    // then, for the docs, the overview at 1,440 px without the details.
    await page.waitForTimeout(1_200);
    await mkdir(join(ROOT, 'test', 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test', 'artifacts', 'dashboard.png') });
    await page.getByRole('button', { name: 'Close details' }).click();
    await page.setViewportSize({ width: 1_440, height: 900 });
    await page.waitForTimeout(300);
    const shot = join(ROOT, 'test', 'artifacts', 'dashboard-overview.png');
    await page.screenshot({ path: shot });
    const docsShot = join(ROOT, 'docs', 'dashboard.png');
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(docsShot)) {
      await mkdir(dirname(docsShot), { recursive: true });
      await copyFile(shot, docsShot);
    }
    await page.setViewportSize({ width: 1_600, height: 1_000 });
    await page.click(`tr[data-session-id="${billy.sessionId}"]`);
    await page.waitForSelector('#details:not([hidden])');

    // Terminate: the dialog, a message, the client hears session.closing, the row goes.
    await page.getByRole('button', { name: 'Terminate session…' }).click();
    await page.waitForSelector('#confirm-dialog[open]');
    await page.getByLabel('Message to the user').fill('Maintenance at 22:00');
    await page.click('#confirm-ok');
    await waitFor(
      () => billy.page.evaluate(() => (window as unknown as { closing: string[] }).closing.includes('Maintenance at 22:00')),
      'the client to get session.closing',
      15_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; dashboard notice: ${JSON.stringify(await page.textContent('#notice'))}`);
    });
    await waitFor(async () => (await rowCells(page, billy.sessionId)) === null, "billy's row to go");
    expect(await page.textContent('#details')).toContain('no longer listed');
    expect(await page.getByRole('button', { name: 'Terminate session…' }).isDisabled()).toBe(true);
    expect(await page.textContent('#notice')).toContain('Terminated the session of billy');

    // Close one page of another session (pages.close): its count drops to 0.
    await page.click(`tr[data-session-id="${dana.sessionId}"]`);
    await page.getByRole('button', { name: 'Close page /app/alarms/active' }).click();
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-ok');
    await waitFor(async () => (await rowCells(page, dana.sessionId))?.Pages === '0', "dana's page to close");

    // A dropped connection: the dashboard reconnects, watches again, and stays live.
    await page.context().setOffline(true);
    await waitFor(async () => (await page.textContent('#connection-text'))?.includes('reconnecting'), 'the drop to show');
    await page.context().setOffline(false);
    await waitFor(async () => (await page.textContent('#connection-text')) === 'Connected', 'the reconnection', 15_000);
    const late = await openApp('/app/warehouse/outbound', UA.linuxFirefox);
    await waitFor(async () => (await rowCells(page, late.sessionId))?.Project === 'Warehouse', 'a row after the reconnection');
    expect(await rowCells(page, maria.sessionId)).not.toBeNull();

    // Everything the page loaded came from the tracker's origin.
    const origin = new URL(tracker.url).origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin)).toEqual([]);
    expect(sockets.every((u) => new URL(u).host === new URL(tracker.url).host)).toBe(true);
    expect(sockets.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    // Signing out forgets the token and empties the table.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('#signin-view:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.getItem('session-tracker-admin:token'))).toBeNull();
    expect(await page.$$('#sessions-table tbody tr')).toHaveLength(0);
    await page.context().close();
  }, 90_000);

  it('keeps up with 1,200 sessions: holds only the rows in view, which appear, sort, update in place, scroll and go', async () => {
    const { page, errors } = await openDashboard({ width: 1440, height: 900 });
    await signIn(page);
    const drawn = (): Promise<number> => page.$$eval('#sessions-table tbody tr', (t) => t.length);
    const counted = async (): Promise<number> => Number(((await page.textContent('#session-count')) ?? '').replace(/[^0-9]/g, ''));
    // Sessions of the test before may still be listed (disconnected, until they time out).
    const baseline = await counted();

    const N = 1_200;
    const sockets: WebSocket[] = [];
    const ids: string[] = [];
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: Math.min(100, N - i) }, (_, j) => {
        const ws = new WebSocket(`${tracker.wsUrl}?project=Load-${(i + j) % 12}`);
        sockets.push(ws);
        const k = i + j;
        return new Promise<void>((resolve, reject) => {
          ws.once('message', (data: Buffer) => {
            ids[k] = (JSON.parse(data.toString()) as { params: { sessionId: string } }).params.sessionId;
            resolve();
          });
          ws.once('error', reject);
        });
      });
      await Promise.all(batch);
    }
    // Every session counts; only a screenful (and a small margin) exists as rows.
    await waitFor(async () => (await counted()) >= baseline + N, `${N} more sessions counted`, 30_000);
    await waitFor(
      async () => Number(((await page.textContent('#total-sessions')) ?? '').replace(/[^0-9]/g, '')) >= baseline + N,
      'the total',
      10_000,
    );
    const rowsNow = await drawn();
    expect(rowsNow).toBeGreaterThan(10);
    expect(rowsNow).toBeLessThan(80);
    // The scroller is as high as every row.
    const scroll = await page.$eval('.table-wrap', (w) => ({
      height: w.scrollHeight,
      row: w.querySelector('tbody tr')?.getBoundingClientRect().height ?? 0,
    }));
    expect(scroll.height).toBeGreaterThanOrEqual((baseline + N) * scroll.row);

    // The chart's y axis now reads up to "2,000": every label lies whole inside the chart.
    await waitFor(
      async () => (await page.$$eval('#chart text', (ts) => ts.map((t) => t.textContent))).includes('2,000'),
      'the y axis to reach 2,000',
    );
    const labels = await page.$$eval('#chart text', (texts) => {
      const box = ((texts[0] as SVGTextElement).ownerSVGElement as SVGSVGElement).getBoundingClientRect();
      return texts
        .filter((t) => (t.textContent ?? '') !== '')
        .map((t) => {
          const r = t.getBoundingClientRect();
          return {
            text: t.textContent,
            inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.width > 0,
            left: r.left - box.left,
            right: box.right - r.right,
          };
        });
    });
    expect(labels.map((l) => l.text)).toEqual(expect.arrayContaining(['2,000', '1,000', '0', 'now']));
    expect(labels.filter((l) => !l.inside)).toEqual([]);

    // 200 sessions send something several times a second; sorted by Pages, they come first.
    const busy = sockets.slice(0, 200);
    const busyIds = new Set(ids.slice(0, 200));
    for (let round = 0; round < 12; round++) {
      for (const ws of busy)
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'page.open', params: { pageId: `p${round % 3}`, path: `/r/${round}` } }));
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.getByRole('button', { name: 'Pages', exact: true }).click();
    await expect.poll(() => page.getAttribute('th:has(button[data-sort="pages"])', 'aria-sort')).toBe('descending');
    await waitFor(
      async () =>
        (await page.$$eval('#sessions-table tbody td.c-pages', (tds) => tds.every((td) => td.textContent === '3'))) && (await drawn()) > 10,
      'the busy rows, 3 pages each, on top',
      15_000,
    );
    const top = await rowIds(page);
    expect(top.every((id) => busyIds.has(id))).toBe(true);
    // Steady now: the refreshes (once a second) update these rows in place, never rebuild them.
    await page.evaluate(() => {
      (window as unknown as { keep: Element[] }).keep = [...document.querySelectorAll('#sessions-table tbody tr')];
    });
    await page.waitForTimeout(2_500);
    const kept = await page.evaluate(() => {
      const keep = (window as unknown as { keep: Element[] }).keep;
      const now = [...document.querySelectorAll('#sessions-table tbody tr')];
      return { same: keep.length === now.length && keep.every((tr, i) => tr === now[i] && tr.isConnected) };
    });
    expect(kept.same).toBe(true);

    // Sorted by a live column (Bytes sent, largest first): the busy sessions lead, in order.
    await page.getByRole('button', { name: 'Bytes sent', exact: true }).click();
    await expect.poll(() => page.getAttribute('th:has(button[data-sort="bytes"])', 'aria-sort')).toBe('descending');
    const exactBytes = (): Promise<number[]> =>
      page.$$eval('#sessions-table tbody td.c-bytes', (tds) =>
        tds.map((td) => Number((td.getAttribute('title') ?? '').replace(/[^0-9]/g, ''))),
      );
    const bytes = await exactBytes();
    expect(bytes.length).toBeGreaterThan(10);
    expect([...bytes].sort((a, b) => b - a)).toEqual(bytes);
    // Of the load's sessions, only busy ones (200 of them, more than a screenful); the
    // dashboards and apps of the test before may rank among them (their requests add up).
    const loadRows = (): Promise<string[]> =>
      page.$$eval('#sessions-table tbody tr', (trs) =>
        trs
          .filter((tr) => tr.querySelector('td.c-project')?.textContent?.startsWith('Load-'))
          .map((tr) => tr.getAttribute('data-session-id') ?? ''),
      );
    const loadTop = await loadRows();
    expect(loadTop.length).toBeGreaterThan(5);
    expect(loadTop.every((id) => busyIds.has(id))).toBe(true);

    // Responsive: a click on a row opens its details.
    const first = (await rowIds(page))[0] ?? '';
    await page.click(`tr[data-session-id="${first}"]`);
    await page.waitForSelector('#details:not([hidden])');
    await waitFor(async () => (await page.textContent('#details'))?.includes(first), 'the details of the clicked row');
    await page.getByRole('button', { name: 'Close details' }).click();

    // Scrolled to the end: the last rows (the quiet ones, fewest bytes) are drawn, still only a screenful.
    await page.$eval('.table-wrap', (w) => {
      w.scrollTop = w.scrollHeight;
    });
    await waitFor(
      async () => {
        const b = await exactBytes();
        return (
          b.length > 10 && (await rowIds(page)).every((id) => !busyIds.has(id)) && b.every((n) => n <= Math.min(...bytes.slice(0, 10)))
        );
      },
      'the last rows',
      10_000,
    );
    expect(await drawn()).toBeLessThan(80);
    // End and Home on the keyboard go to the last and the first row.
    await page.focus('#sessions-table tbody tr');
    await page.keyboard.press('Home');
    await waitFor(
      () =>
        page.evaluate(() => {
          // Row 0 drawn first, focused, and scrolled into view.
          const first = document.querySelector('#sessions-table tbody tr');
          const wrap = document.querySelector('.table-wrap')?.getBoundingClientRect();
          const box = first?.getBoundingClientRect();
          return (
            first !== null &&
            document.activeElement === first &&
            wrap !== undefined &&
            box !== undefined &&
            box.top >= wrap.top &&
            box.bottom <= wrap.bottom
          );
        }),
      'Home to focus the first row',
      10_000,
    );

    for (const ws of sockets) ws.terminate();
    await waitFor(
      async () =>
        page.$$eval(
          '#sessions-table tbody tr:not(:has(.badge)) td.c-state',
          (tds) => tds.length > 10 && tds.every((td) => td.classList.contains('is-disconnected')),
        ),
      'the rows to turn disconnected',
      30_000,
    );
    // Over 500 disconnected now: "Connected" is still exact (the server counts it), no bound.
    await using admin = await RawClient.connect(tracker.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const serverConnected = async (): Promise<string> =>
      (await admin.result('sessions.list', { state: 'connected', limit: 1, fields: ['id'] })).total.toLocaleString('en-US');
    await waitFor(
      async () => (await page.textContent('#total-connected')) === (await serverConnected()),
      'the connected count, exact',
      10_000,
    );
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
