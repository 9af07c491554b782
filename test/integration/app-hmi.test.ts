/**
 * examples/hmi driven in Chromium: the example runs as a user starts it (its own process, one
 * command), the page's live table fills from pushes, a button makes an app call; the bytes the
 * tracker reports for the page's session are exactly what the page's socket sent and received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

const SERVER = fileURLToPath(new URL('../../examples/hmi/server.mjs', import.meta.url));

if (CHROMIUM === undefined) console.warn('app-hmi.test.ts: SKIPPED, no chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');

/** Counts the payload bytes of every data message of every WebSocket the page opens. */
const COUNT_SOCKET_BYTES = `
  (() => {
    const Native = window.WebSocket;
    const utf8 = new TextEncoder();
    const size = (d) => typeof d === 'string' ? utf8.encode(d).length : d instanceof Blob ? d.size : d.byteLength;
    window.__bytes = { sent: 0, received: 0, messagesSent: 0, messagesReceived: 0 };
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => { window.__bytes.received += size(e.data); window.__bytes.messagesReceived++; });
      }
      send(data) {
        if (this.readyState === 1) { window.__bytes.sent += size(data); window.__bytes.messagesSent++; }
        return super.send(data);
      }
    };
  })();
`;

interface PageBytes {
  sent: number;
  received: number;
  messagesSent: number;
  messagesReceived: number;
}

describe.skipIf(CHROMIUM === undefined)('examples/hmi in Chromium', () => {
  let child: ChildProcess;
  let url = '';
  let browser: Browser;

  beforeAll(async () => {
    child = spawn(process.execPath, [SERVER], {
      env: { ...process.env, PORT: '0', SESSION_TRACKER_ADMIN_TOKEN: ADMIN_TOKEN, HMI_PUSH_MS: '100', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    url = await waitFor(() => /listening on (http:\/\/\S+\/)/.exec(out)?.[1], `the example to start (${out})`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('shows pushed values, makes app calls, and the tracker counts exactly the bytes the page moved', async () => {
    const context = await browser.newContext();
    await context.addInitScript({ content: COUNT_SOCKET_BYTES });
    const page = await context.newPage();
    await page.goto(url);
    // The live table fills from pushes and keeps moving.
    await page.waitForSelector('#tags tr[data-tag="TT-101"]');
    const first = await page.textContent('#tags tr[data-tag="TT-101"] td.value');
    await page.waitForFunction((v) => document.querySelector('#tags tr[data-tag="TT-101"] td.value')?.textContent !== v, first);
    // A button makes an app call.
    expect(await page.textContent('tr[data-valve="XV-201"] .valve-state')).toBe('closed');
    await page.click('tr[data-valve="XV-201"] button');
    await page.waitForFunction(() => document.querySelector('tr[data-valve="XV-201"] .valve-state')?.textContent === 'open');
    // Pause the feed: the page's socket goes quiet, so both ends can be read at rest.
    await page.click('#pause');
    await page.waitForFunction(() => document.querySelector('#feed')?.textContent === 'paused');
    let previous = '';
    const bytes = await waitFor(async () => {
      const now = JSON.stringify(await page.evaluate(() => (window as unknown as { __bytes: PageBytes }).__bytes));
      const settled = now === previous;
      previous = now;
      await new Promise((r) => setTimeout(r, 300));
      return settled ? (JSON.parse(now) as PageBytes) : undefined;
    }, 'the page socket at rest');
    const sessionId = await page.evaluate(() => (window as unknown as { hmiClient: { sessionId: string } }).hmiClient.sessionId);

    await using admin = await RawClient.connect(`${url.replace('http', 'ws')}ws`, { project: 'Ops' });
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const info = (await admin.result('getSessionInfo', { projectFilter: 'Hmi' })).find((s: { id: string }) => s.id === sessionId);
    expect(info).toBeDefined();
    expect(bytes.received).toBeGreaterThan(1_000);
    expect(info.totalBytesSent).toBe(bytes.sent);
    expect(info.totalBytesReceived).toBe(bytes.received);
    expect(info.messagesSent).toBe(bytes.messagesSent);
    expect(info.pageIds).toHaveLength(1);
    // Per method: the valve call and the pushes are there.
    expect(info.traffic['valve.set']).toMatchObject({ messagesSent: 1, messagesReceived: 1 });
    expect(info.traffic['values.changed'].messagesReceived).toBeGreaterThan(1);
    await context.close();
  });
});
