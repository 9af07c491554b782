/**
 * The SDK in a real browser (Debian chromium through playwright-core): a page served by a
 * tiny HTTP server loads /sdk.js from the real tracker, creates a client with
 * `trackPages: true`, navigates with the History API; an admin (the SDK in Node, over `ws`)
 * watches that session's pages change. A second tab shares the session through
 * localStorage; a reload keeps the tab's pageId through sessionStorage.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { createClient, type SessionInfo, type SessionTrackerClient } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

if (CHROMIUM === undefined) {
  console.warn('sdk-browser.test.ts: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
}

type Tracker = Awaited<ReturnType<typeof startTestServer>>;

/** Any path under /app/ answers the same page; /esm/ pages import the ESM bundle instead. */
function appHtml(tracker: Tracker, esm: boolean): string {
  const setup = `
      const client = SessionTracker.createClient({ url: ${JSON.stringify(tracker.wsUrl)}, project: 'Browser', trackPages: true });
      window.stClient = client;
      window.stEvents = [];
      client.on('state', (s) => window.stEvents.push(s.newState));`;
  const script = esm
    ? `<script type="module">
      import * as SessionTracker from '/session-tracker.esm.js';
      ${setup}
    </script>`
    : `<script src="${tracker.url}/sdk.js"></script>
    <script>${setup}</script>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Start</title></head>
<body><h1>session-tracker browser test</h1>${script}</body></html>`;
}

async function startAppServer(tracker: Tracker): Promise<{ server: Server; url: string }> {
  const require = createRequire(import.meta.url);
  const esmBundle = join(dirname(require.resolve('@session-tracker/client/browser')), 'session-tracker.esm.js');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/session-tracker.esm.js') {
      readFile(esmBundle).then(
        (body) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
        () => res.writeHead(404).end(),
      );
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path.startsWith('/app/') || path.startsWith('/esm/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(appHtml(tracker, path.startsWith('/esm/')));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

async function connectedSession(page: Page): Promise<{ sessionId: string; resumed: boolean }> {
  return waitFor(
    () =>
      page.evaluate(() => {
        const c = (window as unknown as { stClient?: SessionTrackerClient }).stClient;
        return c !== undefined && c.state === 'connected' && c.sessionId !== null ? { sessionId: c.sessionId, resumed: c.resumed } : null;
      }),
    'the page to connect',
  );
}

describe.skipIf(CHROMIUM === undefined)('the SDK in chromium', () => {
  let tracker: Tracker;
  let app: { server: Server; url: string };
  let browser: Browser;
  /** A fresh profile per test: its own localStorage, so no test resumes another's session. */
  let context: BrowserContext;
  let admin: SessionTrackerClient;
  const pageErrors: string[] = [];

  async function session(id: string): Promise<SessionInfo | undefined> {
    return (await admin.getSessionInfo({ projectFilter: 'Browser' })).find((s) => s.id === id);
  }

  async function newTab(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(`${app.url}${path}`);
    return page;
  }

  beforeAll(async () => {
    tracker = await startTestServer();
    app = await startAppServer(tracker);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    admin = createClient({ url: tracker.wsUrl, WebSocket, project: 'Ops' });
    await admin.ready(5_000);
    await admin.login(ADMIN_TOKEN);
  }, 60_000);

  beforeEach(async () => {
    context = await browser.newContext();
  });

  afterEach(async () => {
    await context.close().catch(() => undefined);
  });

  afterAll(async () => {
    admin?.close();
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (app?.server ? app.server.close(() => resolve()) : resolve()));
    await tracker?.close();
  }, 30_000);

  it('/sdk.js exposes window.SessionTracker.createClient', async () => {
    const res = await fetch(`${tracker.url}/sdk.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toMatch(/javascript/);
    const page = await newTab('/app/probe');
    expect(
      await page.evaluate(() => typeof (window as unknown as { SessionTracker?: { createClient?: unknown } }).SessionTracker?.createClient),
    ).toBe('function');
    await page.close();
  });

  it('tracks the tab as one page through History API navigations; a second tab shares the session', async () => {
    const tab1 = await newTab('/app/start?x=1');
    const { sessionId, resumed } = await connectedSession(tab1);
    expect(typeof sessionId).toBe('string');
    expect(resumed).toBe(false);

    // The admin sees the page with the path and title of the document.
    const first = await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pages.length === 1 && s.pages[0]?.path === '/app/start?x=1' ? s : undefined;
    }, 'the first page');
    const pageId = first.pageIds[0];
    expect(first.pages[0]?.title).toBe('Start');
    expect(first.sessionScope).toBe('browser');
    expect(first.userAgent).toMatch(/Chrome/);
    expect(await tab1.evaluate(() => sessionStorage.getItem('session-tracker:page:Browser'))).toBe(pageId);

    // pushState, then the app sets the title: one page, new path and title.
    await tab1.evaluate(() => {
      history.pushState({}, '', '/app/orders/42?tab=items#lines');
      document.title = 'Order 42';
    });
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pages[0]?.path === '/app/orders/42?tab=items#lines' && s.pages[0].title === 'Order 42' ? s : undefined;
    }, 'pushState + title');

    // replaceState, a hash change and a back navigation (popstate) are followed too.
    await tab1.evaluate(() => history.replaceState({}, '', '/app/orders/43'));
    await waitFor(async () => (await session(sessionId))?.pages[0]?.path === '/app/orders/43', 'replaceState');
    await tab1.evaluate(() => {
      location.hash = '#notes';
    });
    await waitFor(async () => (await session(sessionId))?.pages[0]?.path === '/app/orders/43#notes', 'hashchange');
    await tab1.evaluate(() => history.back());
    await waitFor(async () => (await session(sessionId))?.pages[0]?.path === '/app/orders/43', 'popstate');
    expect((await session(sessionId))?.pageIds).toEqual([pageId]);

    // A second tab of the same origin: same session (token from localStorage), its own page.
    const tab2 = await newTab('/app/second');
    const second = await connectedSession(tab2);
    expect(second.sessionId).toBe(sessionId);
    expect(second.resumed).toBe(true);
    const both = await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pageIds.length === 2 ? s : undefined;
    }, 'two pages in one session');
    const pageId2 = both.pageIds.find((id) => id !== pageId);
    expect(pageId2).toBeDefined();
    expect(both.pages.find((p) => p.id === pageId2)?.path).toBe('/app/second');
    expect(both.pages.find((p) => p.id === pageId)?.path).toBe('/app/orders/43');

    // Closing the second tab closes its page; the first stays.
    await tab2.close();
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pageIds.length === 1 && s.pageIds[0] === pageId;
    }, 'the second tab page to close');

    // A reload keeps the tab's pageId (sessionStorage) and the session (localStorage).
    await tab1.reload();
    const reloaded = await connectedSession(tab1);
    expect(reloaded.sessionId).toBe(sessionId);
    expect(reloaded.resumed).toBe(true);
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pageIds.length === 1 && s.pageIds[0] === pageId && s.pages[0]?.path === '/app/orders/43';
    }, 'the reloaded page, same pageId');

    // Leaving the document (pagehide) and coming back (pageshow, from bfcache or a fresh load).
    await tab1.goto(`${app.url}/app/elsewhere`);
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pageIds.length === 1 && s.pageIds[0] === pageId && s.pages[0]?.path === '/app/elsewhere';
    }, 'the page after a cross-document navigation');
    await tab1.goBack();
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.pageIds.length === 1 && s.pageIds[0] === pageId && s.pages[0]?.path === '/app/orders/43';
    }, 'the page after going back');
    await tab1.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('going offline drops the socket; coming back online reconnects at once and re-opens the page', async () => {
    const tab = await newTab('/app/offline');
    const { sessionId } = await connectedSession(tab);
    await waitFor(async () => (await session(sessionId))?.pages[0]?.path === '/app/offline', 'the page');

    await context.setOffline(true);
    await waitFor(
      () => tab.evaluate(() => (window as unknown as { stClient: SessionTrackerClient }).stClient.state === 'connecting'),
      'the client to notice it is offline',
    );
    // The SDK closed its socket: the server shows the session disconnected, its page closed.
    await waitFor(async () => {
      const s = await session(sessionId);
      return s?.state === 'disconnected' && s.pageIds.length === 0;
    }, 'the server to see the socket go');
    await new Promise((r) => setTimeout(r, 500));
    expect(await tab.evaluate(() => (window as unknown as { stClient: SessionTrackerClient }).stClient.state)).toBe('connecting');

    await context.setOffline(false);
    const back = await connectedSession(tab);
    expect(back).toEqual({ sessionId, resumed: true });
    await waitFor(async () => (await session(sessionId))?.pages[0]?.path === '/app/offline', 'the page re-announced');
    await tab.close();
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('the ESM bundle works as a module script', async () => {
    const tab = await newTab('/esm/module?y=2');
    const { sessionId } = await connectedSession(tab);
    await waitFor(async () => (await session(sessionId))?.pages.some((p) => p.path === '/esm/module?y=2'), 'the ESM page');
    await tab.close();
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
