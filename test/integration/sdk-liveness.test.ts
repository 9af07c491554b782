/**
 * The SDK against the real server through a TCP proxy that can freeze (stop forwarding
 * both ways, close nothing): liveness notices the half-open socket within about two
 * heartbeats, reconnects, resumes and re-announces its pages; a navigation made meanwhile
 * is not lost; a call in flight fails at the detection, not at its own timeout. And the
 * resume token never travels in a URL: every upgrade request the proxy saw is checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isClientError, type StateChange } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { ClientPool } from '../support/sdk.js';
import { startFreezeProxy } from '../support/freeze-proxy.js';
import { waitFor } from '../support/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

const HEARTBEAT_MS = 400;

describe('liveness through a frozen proxy', () => {
  it('notices the half-open socket within ~2 heartbeats, reconnects, resumes and re-announces; nothing is lost', async () => {
    await using srv = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
    await using proxy = await startFreezeProxy({ host: '127.0.0.1', port: srv.port });
    const admin = await pool.admin(srv.wsUrl, ADMIN_TOKEN);
    const c = pool.client({ url: proxy.wsUrl(), project: 'halfopen', backoff: { initialMs: 50, maxMs: 200 } });
    const states: (StateChange & { at: number })[] = [];
    c.on('state', (s) => states.push({ ...s, at: Date.now() }));
    await c.ready(5_000);
    expect(c.welcome?.heartbeatMs).toBe(HEARTBEAT_MS);
    const sessionId = c.sessionId;
    const pageId = await c.openPage({ path: '/before' });
    const pageOf = async () => (await admin.getSessionInfo({ projectFilter: 'halfopen' })).find((s) => s.id === sessionId);

    proxy.freeze();
    const frozenAt = Date.now();
    // A navigation and a call on the socket that no longer carries anything.
    const nav = c.updatePage(pageId, { path: '/during' });
    const call = c.self().catch((e: unknown) => e);

    const drop = await waitFor(() => states.find((s) => s.newState === 'connecting'), 'the client to notice', 10_000);
    const noticedMs = drop.at - frozenAt;
    // The contract's bound is two heartbeats of silence (here 800 ms; up to 1 more heartbeat
    // when the freeze falls just after a frame). Measured generously: the machine is shared.
    expect(noticedMs).toBeLessThan(3 * HEARTBEAT_MS + 1_500);
    expect(drop).toMatchObject({ oldState: 'connected', code: 1006 });
    expect(drop.reason).toMatch(/session\.ping/);
    // The call failed with the drop, long before its 10 s timeout.
    const err = await call;
    expect(isClientError(err, 'DISCONNECTED')).toBe(true);

    // While frozen, new attempts hang at the proxy; once it forwards again, one gets through.
    proxy.thaw();
    await c.ready(10_000);
    expect(c.sessionId).toBe(sessionId);
    expect(c.resumed).toBe(true);
    await nav;
    const info = await waitFor(async () => {
      const s = await pageOf();
      return s?.state === 'connected' && s.pages[0]?.path === '/during' ? s : undefined;
    }, 'the page re-announced with the path set during the freeze');
    expect(info.pageIds).toEqual([pageId]);
  });
});

describe('the resume token stays out of URLs', () => {
  it('travels only in Sec-WebSocket-Protocol, on the first connect and on every reconnect', async () => {
    await using srv = await startTestServer();
    await using proxy = await startFreezeProxy({ host: '127.0.0.1', port: srv.port });
    const c = pool.client({ url: proxy.wsUrl(), project: 'urls', backoff: { initialMs: 20, maxMs: 50 } });
    await c.ready(5_000);
    const token = c.welcome?.resumeToken ?? '';
    expect(token).not.toBe('');
    const sessionId = c.sessionId;
    // A network reset: the client reconnects through the proxy and resumes with its token.
    const again = new Promise<{ resumed: boolean }>((resolve) => c.once('welcome', resolve));
    proxy.cut();
    expect((await again).resumed).toBe(true);
    expect(c.sessionId).toBe(sessionId);

    const heads = proxy.heads;
    expect(heads).toHaveLength(2);
    for (const head of heads) {
      const requestLine = head.split('\r\n')[0] ?? '';
      expect(requestLine).toMatch(/^GET \/ws\?project=urls HTTP\/1\.1$/);
    }
    expect(heads[0]).not.toMatch(/resume/i);
    expect(heads[1]).toMatch(new RegExp(`\\r\\nsec-websocket-protocol: session-tracker\\.v1, ?resume\\.${token}(\\r\\n|$)`, 'i'));
  });
});
