/**
 * Contract 1.1 through the SDK: `client.call(name)` → `app.<name>` (typed by the app's
 * contract), `notify`, `onPush`, `ticket`, the bounded queue while reconnecting and the
 * rejection of calls whose socket died.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, isClientError, isRpcError, type AppCall, type AppContract, type ClientOptions } from '@session-tracker/client';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { trackedWebSocket } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';
import { RawClient } from '../support/ws-client.js';

/** The app's contract, declared once for both ends. */
interface Hmi extends AppContract {
  calls: {
    'valve.set': AppCall<{ id: string; open: boolean }, { id: string; open: boolean; at: number }>;
    'tags.read': AppCall<undefined, { tags: string[] }>;
    'slow.op': AppCall<{ ms: number }, { done: true }>;
    fail: AppCall<undefined, never>;
  };
  notifications: { 'ui.clicked': { button: string } };
  pushes: { 'values.changed': { tag: string; value: number }[]; alarm: string };
}

const open: { close(): void }[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

/** Closed after each test. */
function kept<C extends { close(): void }>(c: C): C {
  open.push(c);
  return c;
}

function hmiClient(options: Partial<ClientOptions> & { url: string }) {
  return kept(createClient<Hmi>({ WebSocket, ...options }));
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('SDK app traffic', () => {
  it('calls app methods typed by the contract, and lets contract names reach the contract', async () => {
    await using srv = await startTestServer();
    const app = srv.tracker.app<Hmi>();
    app.handle('valve.set', (p, session) => ({ id: p.id, open: p.open, at: session.id.length }));
    app.handle('tags.read', () => ({ tags: ['T1', 'T2'] }));
    app.handle('fail', () => {
      throw { code: -32042, message: 'interlock', data: { by: 'V2' } };
    });
    const c = hmiClient({ url: srv.wsUrl });
    await c.ready(5_000);
    const set = await c.call('valve.set', { id: 'V1', open: true });
    expect(set).toEqual({ id: 'V1', open: true, at: 36 });
    expect(await c.call('tags.read')).toEqual({ tags: ['T1', 'T2'] });
    const err = await rejection(c.call('fail'));
    expect(isRpcError(err, -32042)).toBe(true);
    expect(err).toMatchObject({ message: 'interlock', data: { by: 'V2' }, method: 'app.fail' });
    // A contract name still means the contract method.
    expect((await c.call('session.self')).id).toBe(c.sessionId);
    // An unknown app method is the server's -32601.
    const untyped = kept(createClient({ url: srv.wsUrl, WebSocket }));
    expect(isRpcError(await rejection(untyped.call('no.such')), -32601)).toBe(true);
    await expect(c.call('bad name' as 'fail')).rejects.toThrow(TypeError);
    // The contract types every name and params (checked by tsc -p test, never run).
    const typeChecks = () => {
      // @ts-expect-error a name the contract does not have
      void c.call('valve.sett', { id: 'V', open: true });
      // @ts-expect-error params of the wrong type
      void c.call('valve.set', { id: 1, open: true });
      // @ts-expect-error a push the contract does not have
      c.onPush('nope', () => undefined);
      // @ts-expect-error a notification with the wrong params
      void c.notify('ui.clicked', { button: 1 });
      const r: Promise<{ tags: string[] }> = c.call('tags.read');
      void r;
    };
    void typeChecks;
  });

  it('times a call out with its own timeoutMs', async () => {
    await using srv = await startTestServer();
    srv.tracker.app<Hmi>().handle('slow.op', async (p) => {
      await new Promise((r) => setTimeout(r, p.ms));
      return { done: true as const };
    });
    const c = hmiClient({ url: srv.wsUrl });
    await c.ready(5_000);
    const err = await rejection(c.call('slow.op', { ms: 500 }, { timeoutMs: 50 }));
    expect(isClientError(err, 'TIMEOUT')).toBe(true);
    expect(await c.call('slow.op', { ms: 10 }, { timeoutMs: 2_000 })).toEqual({ done: true });
    await expect(c.call('slow.op', { ms: 1 }, { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
  });

  it('sends notifications and receives pushes; onPush returns an unsubscribe', async () => {
    await using srv = await startTestServer();
    const app = srv.tracker.app<Hmi>();
    const clicks: unknown[] = [];
    app.handleNotification('ui.clicked', (p, session) => {
      clicks.push([p.button, session.project]);
    });
    const c = hmiClient({ url: srv.wsUrl, project: 'Line1' });
    await c.ready(5_000);
    const values: unknown[] = [];
    const alarms: string[] = [];
    const off = c.onPush('values.changed', (v) => values.push(v));
    c.onPush('alarm', (a) => alarms.push(a));
    c.onPush('alarm', () => {
      throw new Error('a broken handler does not stop the others');
    });
    await c.notify('ui.clicked', { button: 'start' });
    await waitFor(() => clicks.length === 1, 'the notification');
    expect(clicks).toEqual([['start', 'Line1']]);

    expect(await app.push({ projectFilter: 'Line1' }, 'values.changed', [{ tag: 'T1', value: 1 }])).toBe(1);
    expect(await app.push({ sessionId: c.sessionId as string }, 'alarm', 'HIGH')).toBe(1);
    await waitFor(() => values.length === 1 && alarms.length === 1, 'the pushes');
    expect(values).toEqual([[{ tag: 'T1', value: 1 }]]);
    expect(alarms).toEqual(['HIGH']);
    off();
    await app.push({}, 'values.changed', [{ tag: 'T1', value: 2 }]);
    await app.push({}, 'alarm', 'LOW');
    await waitFor(() => alarms.length === 2, 'the second alarm');
    expect(values).toHaveLength(1);
  });

  it('gets a ticket that a tracked socket of the app turns into this session', async () => {
    await using srv = await startTestServer();
    const c = hmiClient({ url: srv.wsUrl });
    await c.ready(5_000);
    const t = await c.ticket();
    expect(t.expiresInMs).toBe(60_000);
    expect(typeof t.ticket).toBe('string');
  });

  it('queues calls and notifications made while reconnecting and sends them in order after the resume', async () => {
    await using srv = await startTestServer();
    const order: string[] = [];
    srv.tracker.handle('step', (p: { n: number }) => {
      order.push(`call ${p.n}`);
      return p.n;
    });
    srv.tracker.handle('mark', (p: { n: number }) => {
      order.push(`note ${p.n}`);
    });
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = kept(createClient({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 150, maxMs: 150 }, random: () => 0.999 }));
    await c.ready(5_000);
    const sessionId = c.sessionId;
    const dropped = new Promise<void>((resolve) => c.once('state', () => resolve()));
    sockets.at(-1)?.terminate();
    await dropped;
    expect(c.state).toBe('connecting');
    const calls = [c.call('step', { n: 1 }), c.notify('mark', { n: 2 }), c.call('step', { n: 3 })];
    expect(await Promise.all(calls)).toEqual([1, undefined, 3]);
    expect(c.sessionId).toBe(sessionId);
    expect(order).toEqual(['call 1', 'note 2', 'call 3']);
  });

  it('refuses calls past maxQueuedCalls with QUEUE_FULL', async () => {
    const c = kept(createClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, autoConnect: false, maxQueuedCalls: 2, callTimeoutMs: 100 }));
    const a = rejection(c.call('x'));
    const b = rejection(c.notify('y'));
    expect(isClientError(await rejection(c.call('z')), 'QUEUE_FULL')).toBe(true);
    expect(isClientError(await rejection(c.notify('z')), 'QUEUE_FULL')).toBe(true);
    expect(isClientError(await a, 'TIMEOUT')).toBe(true);
    expect(isClientError(await b, 'TIMEOUT')).toBe(true);
  });

  it('rejects a call whose socket died before the answer with DISCONNECTED, and never resends it', async () => {
    await using srv = await startTestServer();
    let runs = 0;
    let release: () => void = () => undefined;
    srv.tracker.handle('long', () => {
      runs++;
      return new Promise((resolve) => {
        release = () => resolve('late');
      });
    });
    srv.tracker.handle('quick', () => 'ok');
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = kept(createClient({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 50 } }));
    await c.ready(5_000);
    const pending = rejection(c.call('long'));
    await waitFor(() => runs === 1, 'the call reached the server');
    sockets.at(-1)?.terminate();
    const err = await pending;
    expect(isClientError(err, 'DISCONNECTED')).toBe(true);
    release();
    await c.ready(5_000);
    expect(await c.call('quick')).toBe('ok');
    expect(runs).toBe(1);
  });

  it('counts SDK app traffic in the session, exactly as the server saw it', async () => {
    await using srv = await startTestServer();
    srv.tracker.handle('echo', (p: unknown) => p);
    await using admin = await RawClient.connect(srv.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const c = kept(createClient({ url: srv.wsUrl, WebSocket }));
    await c.ready(5_000);
    await c.call('echo', { text: 'héllo' });
    await c.notify('echo', [1]);
    await srv.tracker.push({ sessionId: c.sessionId as string }, 'echo', 'pushed');
    await waitFor(
      async () => (await admin.result('getSessionInfo', [])).find((s: any) => s.id === c.sessionId)?.traffic?.echo?.messagesReceived === 2,
      'the push counted',
    );
    const info = (await admin.result('getSessionInfo', [])).find((s: any) => s.id === c.sessionId);
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'app.echo', params: { text: 'héllo' } });
    const note = JSON.stringify({ jsonrpc: '2.0', method: 'app.echo', params: [1] });
    const answer = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text: 'héllo' } });
    const push = JSON.stringify({ jsonrpc: '2.0', method: 'app.echo', params: 'pushed' });
    expect(info.traffic.echo).toEqual({
      messagesSent: 2,
      bytesSent: Buffer.byteLength(call) + Buffer.byteLength(note),
      messagesReceived: 2,
      bytesReceived: Buffer.byteLength(answer) + Buffer.byteLength(push),
    });
  });
});
