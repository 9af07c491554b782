/**
 * Client SDK: the connection lifecycle driven by hand, with a scripted socket and a manual
 * clock (no server here; the integration tests use the real one). Covers which close codes
 * reconnect, the backoff schedule and its reset after a stable uptime, online/offline,
 * the connect timeout, call timeouts and the queue.
 */
import { describe, expect, it } from 'vitest';
import { backoffCeiling, isClientError, type NetworkMonitor } from '@session-tracker/client';
import { setup } from '../support/scripted-client.js';

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe('close codes', () => {
  it.each([4000, 1008])('%i: stays disconnected, no reconnect timer', (code) => {
    const { c, clock, sockets, states, up, last } = setup();
    up();
    last().serverClose(code, 'bye');
    expect(c.state).toBe('disconnected');
    expect(states.at(-1)).toEqual({ oldState: 'connected', newState: 'disconnected', code, reason: 'bye' });
    expect(clock.pending()).toEqual([]);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it.each([1001, 1006, 1011, 1009, 4001])('%i: back to connecting, reconnects after a full-jitter delay', (code) => {
    const { c, clock, sockets, states, up, last } = setup({ random: () => 0.5 });
    up();
    last().serverClose(code);
    expect(c.state).toBe('connecting');
    expect(states.at(-1)).toMatchObject({ oldState: 'connected', newState: 'connecting', code });
    expect(clock.pending()).toEqual([50]); // 0.5 * 100
    clock.advance(49);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    // Contract 1.1: the token rides as a subprotocol, never in the URL.
    expect(last().protocols).toEqual(['session-tracker.v1', 'resume.tok-s1']);
    expect(last().url).not.toContain('tok-s1');
  });
});

describe('backoff schedule', () => {
  it('grows while attempts fail and resets only after a stable uptime', () => {
    const { clock, sockets, up, last } = setup({ random: () => 0.999 });
    up();
    const delays: number[] = [];
    const failOnce = () => {
      delays.push(clock.pending().at(-1) ?? -1);
      clock.advance(clock.pending().at(-1) ?? 0);
      last().serverClose(1006);
    };
    last().serverClose(1006);
    for (let i = 0; i < 5; i++) failOnce(); // five refused attempts
    expect(delays).toEqual([0, 1, 2, 3, 4].map((n) => Math.floor(0.999 * backoffCeiling(n, { initialMs: 100, maxMs: 1_000 }))));

    // Connected, but dropped before minUptimeMs: the count keeps growing.
    clock.advance(clock.pending().at(-1) ?? 0);
    up();
    clock.advance(4_000);
    last().serverClose(1006);
    expect(clock.pending()).toEqual([999]);

    // Connected for longer than minUptimeMs: the next drop starts from the first ceiling again.
    clock.advance(999);
    up();
    clock.advance(5_000);
    last().serverClose(1006);
    expect(clock.pending()).toEqual([99]);
    expect(sockets.length).toBe(8);
  });
});

describe('connect timeout', () => {
  it('an attempt without a welcome is dropped and retried', () => {
    const { c, clock, sockets, last } = setup();
    last().open(); // opens, but no welcome
    clock.advance(3_000);
    expect(last().closedWith).not.toBeNull();
    expect(c.state).toBe('connecting');
    clock.advance(1_000);
    expect(sockets).toHaveLength(2);
  });
});

describe('online / offline', () => {
  it('going offline drops the socket and waits; coming online reconnects at once', () => {
    let online = true;
    let handlers: { on: () => void; off: () => void } | null = null;
    const network: NetworkMonitor = {
      isOnline: () => online,
      subscribe: (on, off) => {
        handlers = { on, off };
        return () => (handlers = null);
      },
    };
    const { c, clock, sockets, up } = setup({ network });
    up();
    online = false;
    handlers!.off();
    expect(c.state).toBe('connecting');
    expect(sockets[0]?.closedWith).not.toBeNull();
    clock.advance(60_000);
    expect(sockets).toHaveLength(1); // no attempts while offline
    online = true;
    handlers!.on();
    expect(sockets).toHaveLength(2);
    c.close();
    expect(handlers).toBeNull(); // unsubscribed
  });
});

describe('calls', () => {
  it('time out with TIMEOUT; a late answer is ignored', async () => {
    const { c, clock, up, last } = setup({ callTimeoutMs: 1_000 });
    up();
    const p = c.self().catch((e: unknown) => e);
    clock.advance(1_000);
    expect(isClientError(await p, 'TIMEOUT')).toBe(true);
    last().answer(0, { id: 'late' });
    expect(c.state).toBe('connected');
  });

  it('queued while connecting, sent after the welcome, after the page re-announcements', async () => {
    const { c, up, last } = setup();
    const opened = c.openPage({ pageId: 'p', path: '/x', title: 'X' });
    const self = c.self();
    up();
    const sent = last().sent;
    expect(sent.map((m) => m.method)).toEqual(['page.open', 'session.self']);
    expect(sent[0]?.params).toEqual({ pageId: 'p', path: '/x', title: 'X' });
    last().answer(0, { pageId: 'p' });
    expect(await opened).toBe('p');
    last().answer(1, { bogus: true });
    const err = await self.catch((e: unknown) => e);
    expect(isClientError(err, 'INVALID_RESPONSE')).toBe(true);
  });

  it('a page update while disconnected goes out with the re-announcement, not as a stale update', async () => {
    const { c, clock, up, last } = setup();
    up();
    const opened = c.openPage({ pageId: 'p', path: '/a' });
    last().answer(0, { pageId: 'p' });
    await opened;
    last().serverClose(1006);
    const updated = c.updatePage('p', { path: '/b' });
    const closedOther = c.closePage('never-announced-here');
    clock.advance(1_000);
    up('s1', true);
    const sent = last().sent;
    expect(sent[0]).toMatchObject({ method: 'page.open', params: { pageId: 'p', path: '/b' } });
    last().answer(0, { pageId: 'p' });
    await expect(updated).resolves.toBeUndefined();
    // An unknown page's close is not the SDK's to swallow: it goes to the server.
    expect(sent[1]).toMatchObject({ method: 'page.close', params: { pageId: 'never-announced-here' } });
    last().receive({ jsonrpc: '2.0', id: sent[1]?.id, error: { code: -32004, message: 'no such page' } });
    await expect(closedOther).rejects.toMatchObject({ code: -32004 });
  });

  it('closing a known page while disconnected sends nothing (the server closed it with the socket)', async () => {
    const { c, clock, up, last } = setup();
    up();
    const opened = c.openPage({ pageId: 'p' });
    last().answer(0, { pageId: 'p' });
    await opened;
    last().serverClose(1006);
    await c.closePage('p');
    clock.advance(1_000);
    up('s1', true);
    await flush();
    expect(last().sent).toEqual([]);
  });

  it('page calls do not hang when the server refuses to be reconnected to (4000 / 1008)', async () => {
    const { c, clock, up, last } = setup();
    up();
    const inFlight = c.openPage({ pageId: 'a' }).catch((e: unknown) => e);
    last().serverClose(4000);
    expect(isClientError(await inFlight, 'DISCONNECTED')).toBe(true);

    c.connect();
    const waiting = c.openPage({ pageId: 'b' }).catch((e: unknown) => e); // waits for the welcome
    last().open();
    last().serverClose(1008);
    expect(isClientError(await waiting, 'DISCONNECTED')).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it('an unsolicited error response is reported on the error event', () => {
    const { c, up, last } = setup();
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    up();
    last().receive({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    last().receive('not an object');
    expect(errors.map((e) => e.name)).toEqual(['RpcError', 'ClientError']);
  });
});
