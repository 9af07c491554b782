/**
 * Close codes and the SDK's reconnects, against the real server (contract 1.1): a client
 * cut off as a slow reader gets 4001 and comes back into its session by itself (a 1008
 * would have left it disconnected for good). 4000 and 1008 are covered by sdk-admin and
 * the unit tests.
 */
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateChange } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { ClientPool, trackedWebSocket } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

describe('4001: slow reader', () => {
  it('a client that stopped reading is closed with 4001, reconnects, resumes and re-announces its page', async () => {
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    let slowSocket: Socket | undefined;
    let cutAt = 0;
    // The server logs the cut before it closes; the client starts reading again right then,
    // so the close frame reaches it before the server's 1 s terminate does.
    const sink = {
      write(line: string): void {
        if (!line.includes('"socket.slow"')) return;
        cutAt = Date.now();
        slowSocket?.resume();
      },
    };
    await using srv = await startTestServer({ sendHardLimit: 64 * 1024, rateLimitPerSecond: 0, logger: pino({ level: 'warn' }, sink) });
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const c = pool.client({ url: srv.wsUrl, project: 'slowsdk', WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 50 } });
    const states: StateChange[] = [];
    c.on('state', (s) => states.push(s));
    await c.ready(5_000);
    const sessionId = c.sessionId ?? '';
    const pageId = await c.openPage({ path: '/reading' });

    slowSocket = (sockets[0] as unknown as { _socket: Socket })._socket;
    slowSocket.pause();
    // One message at a time until the kernel's buffers are full and the 64 KiB mark is
    // passed, and not one more: a flood still arriving would keep the (shared) event loop
    // from letting the client drain before the server's 1 s terminate.
    const payload = 'x'.repeat(60_000);
    for (let i = 0; i < 2_000 && cutAt === 0; i++) await admin.sendMessage({ sessionId, type: 'flood', payload });
    expect(cutAt).toBeGreaterThan(0);

    const cut = await waitFor(() => states.find((s) => s.oldState === 'connected'), 'the client to be cut off', 10_000);
    expect(cut).toMatchObject({ newState: 'connecting', code: 4001 });
    await c.ready(10_000);
    expect(c.sessionId).toBe(sessionId);
    expect(c.resumed).toBe(true);
    await waitFor(async () => {
      const s = (await admin.getSessionInfo({ projectFilter: 'slowsdk' }))[0];
      return s?.state === 'connected' && s.pageIds[0] === pageId && s.pages[0]?.path === '/reading';
    }, 'the page re-announced');
  });
});
