/**
 * The admin dashboard (/admin) under faults, in real headless Chromium against a real
 * server: a selected session that disconnects and then ends shows that in its details
 * (since when, clocks stopped); while the server is down every row, total and the details
 * are marked as the last known state under a banner that says since when, and all of it
 * goes once the server is back and the feed is live again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { ADMIN_TOKEN, stablePort, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

const TIME = /\d\d:\d\d:\d\d/;

type Tracker = Awaited<ReturnType<typeof startTestServer>>;

/** The text of the details panel's field with this label. */
const field = (page: Page, label: string): Promise<string> =>
  page.$eval(`#details .field:has(dt:text-is("${label}")) dd`, (dd) => dd.textContent ?? '');

const stateCells = (page: Page): Promise<string[]> =>
  page.$$eval('#sessions-table tbody td.c-state', (tds) => tds.map((td) => td.textContent?.trim() ?? ''));

describe.skipIf(CHROMIUM === undefined)('the admin dashboard under faults', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
  });

  async function signIn(tracker: Tracker): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${tracker.url}/admin`);
    await page.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#sessions-table tbody tr .badge');
    return page;
  }

  it("an open session's details follow it: disconnected since when, then ended, its clocks stopped", async () => {
    await using tracker = await startTestServer({ sessionTimeoutMs: 2_500 });
    await using client = await RawClient.connect(tracker.wsUrl, { project: 'Plant', scope: 'designer' });
    const page = await signIn(tracker);
    try {
      await page.click(`tr[data-session-id="${client.sessionId}"]`);
      await page.waitForSelector('#details:not([hidden])');
      expect(await field(page, 'State')).toBe('connected');

      // The socket goes: the session waits in "disconnected"; the details say since when.
      const closedAt = Date.now();
      client.terminate();
      const disconnected = await waitFor(async () => {
        const text = await field(page, 'State');
        return text.startsWith('disconnected') ? text : null;
      }, 'the details to say disconnected');
      expect(disconnected).toMatch(new RegExp(`^disconnected since ${TIME.source}$`));
      expect(await page.textContent('#details .details-sub')).toContain('disconnected');

      // The session times out and leaves the list: ended, since when, clocks stopped.
      await waitFor(async () => (await field(page, 'State')).startsWith('ended'), 'the details to say ended', 15_000);
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(2_000);
      expect(await field(page, 'State')).toBe('ended (last known: disconnected)');
      const notice = (await page.textContent('#details .details-notice')) ?? '';
      expect(notice).toMatch(new RegExp(`^Ended at ${TIME.source}: this session is no longer listed`));
      expect(await page.isVisible('#details .details-notice')).toBe(true);
      expect(await page.textContent('#details .details-sub')).toMatch(new RegExp(`ended ${TIME.source}, \\d+s ago`));
      expect(await page.getByRole('button', { name: 'Terminate session…' }).isDisabled()).toBe(true);
      const uptime = await field(page, 'Uptime');
      const lastComm = await field(page, 'Last comm');
      const sub = await page.textContent('#details .details-sub');
      // The "ago" ticks (once a second); the session's own clocks stay where it ended.
      await waitFor(async () => (await page.textContent('#details .details-sub')) !== sub, 'the elapsed time to tick', 5_000);
      await page.waitForTimeout(1_100);
      expect(await field(page, 'Uptime')).toBe(uptime);
      expect(await field(page, 'Last comm')).toBe(lastComm);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('while the server is down, everything is marked stale under a banner saying since when; live again once it is back', async () => {
    // Restarted on the same port below: one outside the ephemeral range, so nothing takes it meanwhile.
    let tracker = await startTestServer({ port: await stablePort() });
    const port = tracker.port;
    const client = await RawClient.connect(tracker.wsUrl, { project: 'Plant' });
    const page = await signIn(tracker);
    try {
      await waitFor(async () => (await page.$$('#sessions-table tbody tr')).length === 2, 'two rows');
      await page.click(`tr[data-session-id="${client.sessionId}"]`);
      await page.waitForSelector('#details:not([hidden])');
      expect(await page.isHidden('#stale-banner')).toBe(true);
      expect(await stateCells(page)).toEqual(['connected', 'connected']);
      expect(await page.textContent('#total-connected')).toBe('2');
      const opacity = (): Promise<number> => page.$eval('#sessions-table tbody', (tb) => Number(getComputedStyle(tb).opacity));
      expect(await opacity()).toBe(1);

      // The server stops: its sockets close.
      const stoppedAt = Date.now();
      await tracker.close();
      await page.waitForSelector('#stale-banner:not([hidden])', { timeout: 10_000 });
      const since = (await page.textContent('#stale-since')) ?? '';
      expect(since).toMatch(new RegExp(`^Not live since ${TIME.source}: the connection to the server was lost\\.$`));
      const shown = since.match(TIME)?.[0] ?? '';
      const at = new Date(stoppedAt);
      const expected = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
      // The time of loss, to the second (allowing the close to cross a second boundary, or midnight).
      const apart = Math.abs(Date.parse(`1970-01-01T${shown}Z`) - Date.parse(`1970-01-01T${expected}Z`));
      expect(Math.min(apart, 86_400_000 - apart)).toBeLessThanOrEqual(2_000);
      expect(await page.textContent('#stale-banner')).toMatch(/Reconnecting|Connecting|Disconnected/);
      // Rows: none claims "connected"; the last known state is in the title; the body is dimmed.
      // (The banner shows at once; the rows are restyled on the next animation frame.)
      await waitFor(async () => (await stateCells(page)).every((c) => c === 'unknown'), 'the rows to go stale', 5_000);
      expect(await stateCells(page)).toEqual(['unknown', 'unknown']);
      expect(await page.getAttribute(`tr[data-session-id="${client.sessionId}"] td.c-state`, 'title')).toMatch(/Last known: connected/);
      expect(await opacity()).toBeLessThan(1);
      expect(await page.textContent('#total-connected')).toBe('?');
      expect(await page.getAttribute('#totals', 'class')).toContain('is-stale');
      // The details too; their actions wait for the server.
      expect(await field(page, 'State')).toBe('unknown (last known: connected)');
      expect(await page.getByRole('button', { name: 'Terminate session…' }).isDisabled()).toBe(true);
      expect(await page.textContent('#details .details-notice')).toMatch(new RegExp(`^Not live since ${TIME.source}`));
      // The elapsed time ticks.
      const elapsed = await page.textContent('#stale-elapsed');
      expect(elapsed).toMatch(/^\(\d+s ago\)$/);
      await waitFor(async () => (await page.textContent('#stale-elapsed')) !== elapsed, 'the elapsed time to tick', 5_000);

      // The server is back on the same port: the SDK reconnects, the dashboard watches again.
      tracker = await startTestServer({ port });
      await page.waitForSelector('#stale-banner', { state: 'hidden', timeout: 40_000 });
      await waitFor(async () => (await stateCells(page)).length === 1, 'the new snapshot in the rows', 5_000);
      const cells = await stateCells(page);
      expect(cells).toEqual(['connected']); // a new server: only the dashboard's new session
      expect(await opacity()).toBe(1);
      expect(await page.textContent('#total-connected')).toBe('1');
      expect(await page.getAttribute('#totals', 'class')).not.toContain('is-stale');
      // The selected session did not survive the restart: it ended during the gap.
      expect(await field(page, 'State')).toBe('ended (last known: connected)');
      expect(await page.textContent('#details .details-notice')).toMatch(
        new RegExp(`^No longer listed after the reconnection: this session ended between ${TIME.source} and ${TIME.source}`),
      );
    } finally {
      await page.context().close();
      client.terminate();
      await tracker.close();
    }
  }, 90_000);
});
