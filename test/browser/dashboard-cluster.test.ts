/**
 * The dashboard against a node in cluster mode: a Node column appears (hidden on a single
 * node) naming the node of each session, including one held by another node.
 */
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { NodeProcess, FAST } from '../support/cluster.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

describe.skipIf(CHROMIUM === undefined || !hasRedis())('the admin dashboard in cluster mode', () => {
  it("shows a Node column naming each session's node; a single node does not show it", async () => {
    await using redis = await RedisServer.start();
    await using here = await startTestServer({ redisUrl: redis.url, nodeId: 'node-here', clusterBeatMs: 500, clusterFlushMs: 200 });
    await here.tracker.ready;
    await using single = await startTestServer();
    await using other = await NodeProcess.start('node-other', redis.url, FAST);
    await using remote = await RawClient.connect(other.wsUrl, { project: 'Remote' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      const signIn = async (url: string) => {
        await page.goto(`${url}/admin`);
        await page.getByLabel('Admin token or JWT').fill(ADMIN_TOKEN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForSelector('#sessions-table tbody tr .badge');
      };
      await signIn(here.url);
      const nodeOf = (id: string) =>
        page.$eval(`tr[data-session-id="${id}"] td.c-node`, (td) => (td.textContent ?? '').trim()).catch(() => null);
      expect(await waitFor(async () => (await nodeOf(remote.sessionId)) === 'node-other', 'the remote session with its node', 15_000)).toBe(
        true,
      );
      expect(await page.$eval('#sessions-table th.c-node', (th) => getComputedStyle(th).display)).toBe('table-cell');
      expect(
        await page.$$eval('#sessions-table tbody tr td.c-node', (tds) => tds.map((td) => (td.textContent ?? '').trim()).sort()),
      ).toEqual(['node-here', 'node-other']);

      await page.evaluate(() => localStorage.clear());
      await signIn(single.url);
      expect(await page.$eval('#sessions-table th.c-node', (th) => getComputedStyle(th).display)).toBe('none');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
