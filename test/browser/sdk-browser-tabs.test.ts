/**
 * Tabs of one browser end up in one session (issue 10, item 6), in Debian's Chromium:
 * three tabs of one context share a session; the browser goes offline past the session
 * timeout, so the session ends; back online, every tab comes back with the dead token at
 * once. They must converge on one new session holding all three pages, within a few
 * seconds, and stay there. Once with Web Locks (the tabs take turns: no extra session at
 * all), once with `navigator.locks` removed (storage events only: a tab may create a
 * session and leave it, but all three pages end up in one).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { createClient, type SessionInfo, type SessionTrackerClient } from '@session-tracker/client';
import { ADMIN_TOKEN, stablePort, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { pageRecord, startBrowserApp, type BrowserApp } from '../support/browser-app.js';

if (CHROMIUM === undefined) {
  console.warn('sdk-browser-tabs.test.ts: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
}

const SESSION_TIMEOUT_MS = 1_500;
const PROJECT = 'Tabs';
const PATHS = ['/app/one', '/app/two', '/app/three'];

describe.skipIf(CHROMIUM === undefined)('tabs of one browser converge on one session', () => {
  let tracker: Awaited<ReturnType<typeof startTestServer>>;
  let app: BrowserApp;
  let browser: Browser;
  let context: BrowserContext;
  let admin: SessionTrackerClient;
  const pageErrors: string[] = [];

  const sessions = async (): Promise<SessionInfo[]> => admin.getSessionInfo({ projectFilter: PROJECT });

  beforeAll(async () => {
    tracker = await startTestServer({ sessionTimeoutMs: SESSION_TIMEOUT_MS });
    app = await startBrowserApp({
      sdkUrl: `${tracker.url}/sdk.js`,
      client: { url: tracker.wsUrl, project: PROJECT, backoff: { initialMs: 200, maxMs: 2_000 } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    admin = createClient({ url: tracker.wsUrl, WebSocket, project: 'Ops' });
    await admin.ready(5_000);
    await admin.login(ADMIN_TOKEN);
  }, 60_000);

  afterEach(async () => {
    await context?.close().catch(() => undefined);
    // Let every session of the test end, so the next one starts from nothing.
    await waitFor(async () => (await sessions()).length === 0, 'the sessions of the last test to end', 10_000);
  }, 20_000);

  afterAll(async () => {
    admin?.close();
    await browser?.close().catch(() => undefined);
    await app?.close();
    await tracker?.close();
  }, 30_000);

  async function openTabs(): Promise<Page[]> {
    const tabs: Page[] = [];
    for (const path of PATHS) {
      const tab = await context.newPage();
      tab.on('pageerror', (err) => pageErrors.push(err.message));
      await tab.goto(`${app.url}${path}`);
      await waitFor(async () => (await pageRecord(tab)).state === 'connected', `${path} to connect`);
      tabs.push(tab);
    }
    return tabs;
  }

  /** All tabs connected to one session that holds exactly their three pages. */
  async function converged(tabs: Page[]): Promise<{ sessionId: string; info: SessionInfo }> {
    return waitFor(
      async () => {
        const records = await Promise.all(tabs.map(pageRecord));
        const ids = new Set(records.map((r) => (r.state === 'connected' ? r.sessionId : null)));
        const [sessionId] = [...ids];
        if (ids.size !== 1 || typeof sessionId !== 'string') return undefined;
        const info = (await sessions()).find((s) => s.id === sessionId);
        if (info?.state !== 'connected' || info.pages.length !== 3) return undefined;
        return { sessionId, info };
      },
      'the three tabs to share one session with their three pages',
      8_000,
    );
  }

  /** Offline past the session timeout, so the shared session ends; then back online. */
  async function outage(tabs: Page[], oldSession: string): Promise<number> {
    await context.setOffline(true);
    await waitFor(async () => (await Promise.all(tabs.map(pageRecord))).every((r) => r.state === 'connecting'), 'the tabs to go offline');
    await waitFor(async () => !(await sessions()).some((s) => s.id === oldSession), 'the old session to end', 10_000);
    await context.setOffline(false);
    return Date.now();
  }

  async function rounds(tabs: Page[], count: number, exactlyOneSession: boolean): Promise<void> {
    let { sessionId } = await converged(tabs);
    for (let round = 0; round < count; round++) {
      const online = await outage(tabs, sessionId);
      const result = await converged(tabs);
      expect(result.sessionId).not.toBe(sessionId);
      sessionId = result.sessionId;
      const pagePaths = result.info.pages.map((p) => p.path).sort();
      expect(pagePaths).toEqual([...PATHS].sort());
      // It stays converged: nobody moves any more (no reconnect loop).
      const before = await Promise.all(tabs.map(pageRecord));
      await new Promise((r) => setTimeout(r, 1_000));
      const after = await Promise.all(tabs.map(pageRecord));
      expect(after.map((r) => r.welcomes.length)).toEqual(before.map((r) => r.welcomes.length));
      expect(after.map((r) => [r.state, r.sessionId])).toEqual(tabs.map(() => ['connected', sessionId]));
      const all = await sessions();
      if (exactlyOneSession) {
        expect(all.map((s) => s.id)).toEqual([sessionId]);
      } else {
        // Without locks a tab may have made a session and left it: empty and disconnected.
        expect(all.filter((s) => s.pageIds.length > 0).map((s) => s.id)).toEqual([sessionId]);
        for (const s of all) if (s.id !== sessionId) expect(s.state).toBe('disconnected');
      }
      const seconds = (Math.max(...after.map((r) => r.welcomes.at(-1)?.at ?? 0)) - online) / 1000;
      expect(seconds).toBeLessThan(5); // "within a few seconds"
    }
  }

  it('with Web Locks: three tabs, three outages, each time one new session and no other', async () => {
    context = await browser.newContext();
    const tabs = await openTabs();
    expect(await tabs[0]!.evaluate(() => typeof navigator.locks?.request)).toBe('function');
    await rounds(tabs, 3, true);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('without Web Locks (storage events only): the tabs still end up in one session', async () => {
    context = await browser.newContext();
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    });
    const tabs = await openTabs();
    expect(await tabs[0]!.evaluate(() => typeof navigator.locks)).toBe('undefined');
    await rounds(tabs, 3, false);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('after a server restart that lost the session, the tabs come back in one new session', async () => {
    // A tracker of its own, restarted on the same port with nothing remembered.
    // Restarted on the same port below: one outside the ephemeral range, so nothing takes it meanwhile.
    const first = await startTestServer({ sessionTimeoutMs: SESSION_TIMEOUT_MS, port: await stablePort() });
    const port = first.port;
    await using own = await startBrowserApp({
      sdkUrl: `${tracker.url}/sdk.js`,
      client: { url: first.wsUrl, project: PROJECT, backoff: { initialMs: 200, maxMs: 1_000 } },
    });
    context = await browser.newContext();
    const tabs: Page[] = [];
    for (const path of PATHS) {
      const tab = await context.newPage();
      tab.on('pageerror', (err) => pageErrors.push(err.message));
      await tab.goto(`${own.url}${path}`);
      await waitFor(async () => (await pageRecord(tab)).state === 'connected', `${path} to connect`);
      tabs.push(tab);
    }
    const before = new Set((await Promise.all(tabs.map(pageRecord))).map((r) => r.sessionId));
    expect(before.size).toBe(1);
    await first.close();
    await using second = await startTestServer({ port, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    const watcher = createClient({ url: second.wsUrl, WebSocket, project: 'Ops' });
    try {
      await watcher.ready(5_000);
      await watcher.login(ADMIN_TOKEN);
      const info = await waitFor(
        async () => {
          const records = await Promise.all(tabs.map(pageRecord));
          const ids = new Set(records.map((r) => (r.state === 'connected' ? r.sessionId : null)));
          const [id] = [...ids];
          if (ids.size !== 1 || typeof id !== 'string') return undefined;
          const list = await watcher.getSessionInfo({ projectFilter: PROJECT });
          return list.length === 1 && list[0]?.id === id && list[0].pages.length === 3 ? list[0] : undefined;
        },
        'the three tabs in one new session on the restarted server',
        15_000,
      );
      expect(before.has(info.id)).toBe(false);
      expect(info.pages.map((p) => p.path).sort()).toEqual([...PATHS].sort());
      await context.close();
    } finally {
      watcher.close();
    }
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('three tabs opened at once on an empty profile share one session', async () => {
    context = await browser.newContext();
    const tabs = await Promise.all(PATHS.map(() => context.newPage()));
    await Promise.all(tabs.map((tab, i) => tab.goto(`${app.url}${PATHS[i]}`)));
    const { sessionId } = await converged(tabs);
    expect((await sessions()).map((s) => s.id)).toEqual([sessionId]);
  }, 30_000);
});
