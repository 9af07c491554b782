/**
 * Half-open sockets and tokens in URLs (issue 10, items 5 and 7), in Debian's Chromium.
 * The page's WebSocket goes through a TCP proxy that can freeze (stop forwarding both ways,
 * close nothing). Browsers cannot see WebSocket pings, so only the SDK's own liveness can
 * notice: within about two heartbeats it must close, go `connecting`, get back in once the
 * proxy forwards again, resume and re-announce the page, with the path of a navigation
 * made meanwhile. The resume token must never be in a URL: not in any upgrade request the
 * proxy saw, not in the console lines Chromium prints for failed reconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { createClient, type SessionInfo, type SessionTrackerClient } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { pageRecord, startBrowserApp } from '../support/browser-app.js';
import { startFreezeProxy } from '../support/freeze-proxy.js';

if (CHROMIUM === undefined) {
  console.warn(
    'sdk-browser-liveness.test.ts: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)',
  );
}

const HEARTBEAT_MS = 500;
const PROJECT = 'HalfOpen';

describe.skipIf(CHROMIUM === undefined)('the SDK in chromium behind a frozen proxy', () => {
  let browser: Browser;
  let admin: SessionTrackerClient | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    admin?.close();
    await browser?.close().catch(() => undefined);
  }, 30_000);

  it('notices within ~2 heartbeats, reconnects, resumes, keeps the navigation; the token is in no URL and no console line', async () => {
    await using tracker = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
    await using proxy = await startFreezeProxy({ host: '127.0.0.1', port: tracker.port });
    await using app = await startBrowserApp({
      sdkUrl: `${tracker.url}/sdk.js`,
      client: { url: proxy.wsUrl(), project: PROJECT, backoff: { initialMs: 100, maxMs: 500 }, connectTimeoutMs: 2_000 },
    });
    admin = createClient({ url: tracker.wsUrl, WebSocket, project: 'Ops' });
    await admin.ready(5_000);
    await admin.login(ADMIN_TOKEN);
    const sessionOf = async (id: string): Promise<SessionInfo | undefined> =>
      (await admin!.getSessionInfo({ projectFilter: PROJECT })).find((s) => s.id === id);

    const context = await browser.newContext();
    const tab = await context.newPage();
    const consoleLines: string[] = [];
    const pageErrors: string[] = [];
    tab.on('console', (msg) => consoleLines.push(msg.text()));
    tab.on('pageerror', (err) => pageErrors.push(err.message));
    await tab.goto(`${app.url}/app/live`);
    const first = await waitFor(async () => {
      const r = await pageRecord(tab);
      return r.state === 'connected' ? r : undefined;
    }, 'the tab to connect');
    const sessionId = first.sessionId ?? '';
    await waitFor(async () => (await sessionOf(sessionId))?.pages[0]?.path === '/app/live', 'the page');
    const token = await tab.evaluate(() => localStorage.getItem('session-tracker:resume:HalfOpen'));
    expect(token).toMatch(/^[\w-]{20,}$/);

    proxy.freeze();
    const frozenAt = Date.now();
    await tab.evaluate(() => history.pushState({}, '', '/app/live/moved'));
    const drop = await waitFor(
      async () => (await pageRecord(tab)).events.find((e) => e.oldState === 'connected'),
      'the tab to notice',
      15_000,
    );
    const noticedMs = drop.at - frozenAt;
    // The contract's bound is two heartbeats of silence (1 s here), plus up to one more when
    // the freeze falls just after a frame; generous on top for a loaded machine.
    expect(noticedMs).toBeLessThan(3 * HEARTBEAT_MS + 2_000);
    expect(drop).toMatchObject({ newState: 'connecting', code: 1006 });
    expect(drop.reason).toMatch(/session\.ping/);

    proxy.thaw();
    const back = await waitFor(
      async () => {
        const r = await pageRecord(tab);
        return r.state === 'connected' && r.welcomes.length >= 2 ? r : undefined;
      },
      'the tab to reconnect',
      15_000,
    );
    expect(back.sessionId).toBe(sessionId);
    expect(back.welcomes.at(-1)?.resumed).toBe(true);
    const info = await waitFor(async () => {
      const s = await sessionOf(sessionId);
      return s?.state === 'connected' && s.pages.length === 1 && s.pages[0]?.path === '/app/live/moved' ? s : undefined;
    }, 'the page re-announced with the navigation made while frozen');
    expect(info.pageIds).toHaveLength(1);

    // Every upgrade request through the proxy: no token in the URL; the resumes carry it as
    // a subprotocol.
    expect(proxy.heads.length).toBeGreaterThanOrEqual(2);
    for (const head of proxy.heads) expect(head.split('\r\n')[0]).toBe(`GET /ws?project=${PROJECT} HTTP/1.1`);
    expect(proxy.heads[0]).not.toMatch(/resume\./);
    expect(proxy.heads.at(-1)).toMatch(new RegExp(`\\r\\nsec-websocket-protocol: session-tracker\\.v1, ?resume\\.${token}(\\r\\n|$)`, 'i'));

    // Failed reconnects make Chromium print the URL in the console: the token is not in it.
    await proxy.close();
    await waitFor(() => consoleLines.some((l) => l.includes('WebSocket connection to')), 'a failed reconnect in the console', 10_000);
    for (const line of consoleLines) expect(line).not.toContain(token);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
