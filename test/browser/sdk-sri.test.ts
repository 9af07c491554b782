/**
 * /sdk.js loaded the way the README shows, from a page on another origin, with
 * `<script integrity=… crossorigin>`: Chromium runs it only when the CORS header is there and
 * the hash matches, and refuses a wrong hash.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer } from '../support/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

// Without chromium the run fails on CI (test/support/global-setup.ts) and skips this locally.
describe.skipIf(CHROMIUM === undefined)('/sdk.js with Subresource Integrity in chromium', () => {
  let tracker: Awaited<ReturnType<typeof startTestServer>>;
  let app: Server;
  let appUrl: string;
  let browser: Browser;
  let integrity: string;

  beforeAll(async () => {
    tracker = await startTestServer();
    const body = Buffer.from(await (await fetch(`${tracker.url}/sdk.js`)).arrayBuffer());
    integrity = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    app = createServer((req, res) => {
      const wrong = req.url?.includes('wrong') === true;
      const sri = wrong ? `sha384-${createHash('sha384').update('not the sdk').digest('base64')}` : integrity;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>sri</title>
        <script src="${tracker.url}/sdk.js" integrity="${sri}" crossorigin="anonymous"></script></head><body></body></html>`);
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    await tracker?.close();
  });

  it('runs the SDK when the integrity matches, from another origin', async () => {
    const page = await browser.newPage();
    await page.goto(`${appUrl}/ok`);
    expect(
      await page.evaluate(() => typeof (window as unknown as { SessionTracker?: { createClient?: unknown } }).SessionTracker?.createClient),
    ).toBe('function');
    await page.close();
  });

  it('refuses it when the integrity does not match', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${appUrl}/wrong`);
    expect(await page.evaluate(() => typeof (window as unknown as { SessionTracker?: unknown }).SessionTracker)).toBe('undefined');
    expect(errors.join('\n')).toMatch(/integrity/i);
    await page.close();
  });
});
