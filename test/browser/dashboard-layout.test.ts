/**
 * The admin dashboard's layout on smaller screens, in real headless Chromium: at 700,
 * 1,024 and 1,440 px wide no State, Scope or Device value and no column header is cut
 * off, the page never scrolls sideways, and the whole table is reachable inside its card
 * (sideways scrolling there, with the User column held in place). Screenshots of each
 * width go to test/artifacts/dashboard-<width>.png.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Sessions whose values are the longest of their columns: "designer", "disconnected", long devices. */
const CLIENTS = [
  {
    project: 'Plant',
    scope: 'designer',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  },
  {
    project: 'Warehouse',
    scope: 'android',
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  },
  {
    project: 'Packaging',
    scope: 'ios',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  },
  {
    project: 'Plant',
    scope: 'browser',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  },
  { project: 'Plant', scope: 'designer', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
];

interface Measure {
  /** Cells (column class and text) whose text is wider than their box. */
  clipped: string[];
  /** Visible headers whose label is wider than their button. */
  clippedHeads: string[];
  visibleColumns: string[];
  pageScrollsSideways: boolean;
  /** The card's box within the viewport. */
  wrap: { left: number; right: number; clientWidth: number; scrollWidth: number };
  /** After scrolling the card to its far right: the State header and a row's User cell. */
  scrolled: { stateLeft: number; stateRight: number; userLeft: number; wrapLeft: number; wrapRight: number };
}

describe.skipIf(CHROMIUM === undefined)('the admin dashboard on smaller screens', () => {
  let tracker: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    tracker = await startTestServer({ sessionTimeoutMs: 120_000 });
    for (const c of CLIENTS) clients.push(await RawClient.connect(tracker.wsUrl, c));
    // One session waits in "disconnected", the State column's longest value.
    clients[0]?.terminate();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    for (const c of clients) c.terminate();
    await tracker?.close();
  });

  it.each([700, 1_024, 1_440])(
    'at %i px wide nothing is cut off and the whole table is reachable',
    async (width) => {
      const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
      try {
        await page.goto(`${tracker.url}/admin`);
        await page.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForSelector('#sessions-table tbody tr .badge');
        await waitFor(
          async () =>
            (await page.$$eval(
              '#sessions-table tbody td.c-state',
              (tds) => tds.filter((td) => td.textContent === 'disconnected').length,
            )) >= 1,
          'a disconnected row',
        );
        await waitFor(async () => (await page.$$('#sessions-table tbody tr')).length >= CLIENTS.length + 1, 'every row');
        await mkdir(join(ROOT, 'test', 'artifacts'), { recursive: true });
        await page.screenshot({ path: join(ROOT, 'test', 'artifacts', `dashboard-${width}.png`) });

        const m: Measure = await page.evaluate(() => {
          const shown = (el: Element): boolean => getComputedStyle(el).display !== 'none';
          const clipped: string[] = [];
          for (const cls of ['c-state', 'c-scope', 'c-device']) {
            for (const cell of document.querySelectorAll<HTMLElement>(`#sessions-table tbody td.${cls} .cell`)) {
              if (cell.clientWidth === 0 || cell.scrollWidth > cell.clientWidth)
                clipped.push(`${cls}: ${cell.textContent} (${cell.scrollWidth} > ${cell.clientWidth})`);
            }
          }
          const heads = [...document.querySelectorAll<HTMLElement>('#sessions-table thead th')].filter(shown);
          const clippedHeads = heads
            .map((th) => th.querySelector('button') as HTMLElement)
            .filter((b) => b.scrollWidth > b.clientWidth)
            .map((b) => `${b.textContent} (${b.scrollWidth} > ${b.clientWidth})`);
          const wrap = document.querySelector('.table-wrap') as HTMLElement;
          const r = wrap.getBoundingClientRect();
          const before = { left: r.left, right: r.right, clientWidth: wrap.clientWidth, scrollWidth: wrap.scrollWidth };
          wrap.scrollLeft = wrap.scrollWidth;
          const state = (document.querySelector('#sessions-table thead th.c-state') as HTMLElement).getBoundingClientRect();
          const user = (document.querySelector('#sessions-table tbody th.c-user') as HTMLElement).getBoundingClientRect();
          const inner = wrap.getBoundingClientRect();
          return {
            clipped,
            clippedHeads,
            visibleColumns: heads.map((th) => th.textContent?.trim() ?? ''),
            pageScrollsSideways: document.documentElement.scrollWidth > window.innerWidth,
            wrap: before,
            scrolled: {
              stateLeft: state.left,
              stateRight: state.right,
              userLeft: user.left,
              wrapLeft: inner.left + wrap.clientLeft,
              wrapRight: inner.left + wrap.clientLeft + wrap.clientWidth,
            },
          };
        });

        expect(m.clipped).toEqual([]);
        expect(m.clippedHeads).toEqual([]);
        expect(m.pageScrollsSideways).toBe(false);
        expect(m.wrap.left).toBeGreaterThanOrEqual(0);
        expect(m.wrap.right).toBeLessThanOrEqual(width);
        // The columns an admin needs most are always there; the details panel has the rest.
        expect(m.visibleColumns).toEqual(
          expect.arrayContaining(['User', 'Project', 'Scope', 'Device', 'Uptime', 'Last comm', 'Pages', 'State']),
        );
        if (width >= 1_440) expect(m.visibleColumns).toEqual(expect.arrayContaining(['Address', 'Bytes sent', 'Authorized']));
        // Scrolled to its far right, the card shows the last column whole, and the User column stays.
        expect(m.scrolled.stateLeft).toBeGreaterThanOrEqual(m.scrolled.wrapLeft - 0.5);
        expect(m.scrolled.stateRight).toBeLessThanOrEqual(m.scrolled.wrapRight + 0.5);
        expect(Math.abs(m.scrolled.userLeft - m.scrolled.wrapLeft)).toBeLessThanOrEqual(0.5);
        // From 1,024 px up the table fits its card: no sideways scrolling at all.
        if (width >= 1_024) expect(m.wrap.scrollWidth).toBeLessThanOrEqual(m.wrap.clientWidth);
      } finally {
        await page.context().close();
      }
    },
    60_000,
  );
});
