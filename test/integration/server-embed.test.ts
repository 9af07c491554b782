import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { attachSessionTracker } from '@session-tracker/server';
import { RawClient, upgradeStatus } from '../support/ws-client.js';
import { ADMIN_TOKEN } from '../support/server.js';

describe('embedding in an existing http.Server', () => {
  it('serves /ws and /healthz beside the app, and leaves the app its own routes and upgrades', async () => {
    const app = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`app:${req.url}`);
    });
    // The app's own WebSocket endpoint on another path must keep working.
    const appWss = new WebSocketServer({ noServer: true });
    app.on('upgrade', (req, socket, head) => {
      if (req.url?.startsWith('/app-socket')) appWss.handleUpgrade(req, socket, head, (ws) => ws.send('app hello'));
    });
    const tracker = attachSessionTracker(app, { adminToken: ADMIN_TOKEN, logLevel: 'silent' });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as AddressInfo).port;
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('app:/hello');
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok', sessions: 0 });

      const client = await RawClient.connect(`ws://127.0.0.1:${port}/ws?project=embedded`);
      expect(tracker.sessionCount).toBe(1);
      const login = await client.call('auth.login', { token: ADMIN_TOKEN });
      expect(login.result?.username).toBe('admin');
      const list = await client.call('getSessionInfo', []);
      expect(list.result).toHaveLength(1);
      expect(list.result[0].project).toBe('embedded');

      const appMessage = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/app-socket`);
        ws.on('message', (d) => {
          resolve(d.toString());
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(appMessage).toBe('app hello');
      await client.close();
    } finally {
      await tracker.close();
      appWss.close();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });

  it('refuses upgrades on unknown paths with 404 when it is the only upgrade handler', async () => {
    const app = createServer();
    const tracker = attachSessionTracker(app, { adminToken: ADMIN_TOKEN, logLevel: 'silent' });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as AddressInfo).port;
    try {
      expect(await upgradeStatus(`ws://127.0.0.1:${port}/elsewhere`)).toBe(404);
      expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`)).toBe(101);
    } finally {
      await tracker.close();
      app.closeAllConnections();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});
