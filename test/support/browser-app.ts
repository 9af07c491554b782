/**
 * A tiny app for Chromium tests of the SDK: every `/app/...` path answers one page that
 * loads the tracker's `/sdk.js`, creates a client with `trackPages: true` and the given
 * options, and records its state changes and welcomes (with `Date.now()`) on `window`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { StateChange } from '@session-tracker/client';

export interface BrowserApp extends AsyncDisposable {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Where the page loads the SDK from (the tracker's `/sdk.js`). */
  sdkUrl: string;
  /** `createClient` options, JSON only (url, project, backoff, ...). */
  client: Record<string, unknown>;
}

export interface PageRecord {
  state: string;
  sessionId: string | null;
  resumed: boolean;
  events: (StateChange & { at: number })[];
  welcomes: { sessionId: string; resumed: boolean; at: number }[];
}

export async function startBrowserApp(options: AppOptions): Promise<BrowserApp> {
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body><script src="${options.sdkUrl}"></script>
<script>
  window.stEvents = [];
  window.stWelcomes = [];
  const client = SessionTracker.createClient(Object.assign(${JSON.stringify(options.client)}, { trackPages: true }));
  window.stClient = client;
  client.on('state', (s) => window.stEvents.push(Object.assign({ at: Date.now() }, s)));
  client.on('welcome', (w) => window.stWelcomes.push({ sessionId: w.sessionId, resumed: w.resumed, at: Date.now() }));
</script></body></html>`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/app/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      return;
    }
    res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const app: BrowserApp = {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    [Symbol.asyncDispose]: () => app.close(),
  };
  return app;
}

/** What the page's client says now. */
export function pageRecord(page: Page): Promise<PageRecord> {
  return page.evaluate(() => {
    const w = window as unknown as {
      stClient: { state: string; sessionId: string | null; resumed: boolean };
      stEvents: PageRecord['events'];
      stWelcomes: PageRecord['welcomes'];
    };
    return {
      state: w.stClient.state,
      sessionId: w.stClient.sessionId,
      resumed: w.stClient.resumed,
      events: w.stEvents,
      welcomes: w.stWelcomes,
    };
  });
}
