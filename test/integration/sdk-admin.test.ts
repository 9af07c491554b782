/**
 * The client SDK's admin calls and server-initiated events against the real server,
 * and how the SDK reacts to the server going away: 1001 (shutdown) reconnects with
 * backoff once a new server listens on the port; 4000 (terminated by an admin) does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  isRpcError,
  memoryStorage,
  resumeTokenKey,
  type ClientOptions,
  type SessionTrackerClient,
  type SessionsChanged,
  type StateChange,
} from '@session-tracker/client';
import { ADMIN_TOKEN, stablePort, startTestServer } from '../support/server.js';
import { ClientPool, trackedWebSocket } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());
const client = (options: Partial<ClientOptions> & { url: string }): SessionTrackerClient => pool.client(options);

const adminClient = (url: string): Promise<SessionTrackerClient> => pool.admin(url, ADMIN_TOKEN);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('admin calls', () => {
  it('getSessionStats counts sessions and pages', async () => {
    await using srv = await startTestServer();
    const admin = await adminClient(srv.wsUrl);
    const user = client({ url: srv.wsUrl, project: 'Stats' });
    await user.ready(5_000);
    await user.openPage({ path: '/a' });
    await user.openPage({ path: '/b' });
    const stats = await admin.getSessionStats({ projectFilter: 'Stats' });
    expect(stats).toMatchObject({ sessions: 1, pages: 2, byProject: { Stats: 1 } });
    const everything = await admin.getSessionStats();
    expect(everything.sessions).toBe(2);
  });

  it('watchSessions gives a snapshot, then sessionsChanged events; unwatch ends them', async () => {
    await using srv = await startTestServer();
    const admin = await adminClient(srv.wsUrl);
    const changes: SessionsChanged[] = [];
    admin.on('sessionsChanged', (c) => changes.push(c));

    const { subscription, sessions } = await admin.watchSessions({ projectFilter: 'Watched' });
    expect(typeof subscription).toBe('string');
    expect(sessions).toEqual([]);

    const user = client({ url: srv.wsUrl, project: 'Watched' });
    await user.ready(5_000);
    await waitFor(() => changes.some((c) => c.added.some((s) => s.id === user.sessionId)), 'added', 3_000);
    expect(changes.every((c) => c.subscription === subscription)).toBe(true);

    await user.openPage({ pageId: 'seen', path: '/seen' });
    await waitFor(
      () => changes.some((c) => c.updated.some((s) => s.id === user.sessionId && s.pageIds.includes('seen'))),
      'updated',
      3_000,
    );

    expect(await admin.unwatchSessions(subscription)).toEqual({ subscription });
    const count = changes.length;
    await user.openPage({ pageId: 'unseen' });
    await sleep(400); // longer than the 250 ms coalescing window
    expect(changes).toHaveLength(count);
  });

  it('sendMessage reaches the session as a message event', async () => {
    await using srv = await startTestServer();
    const admin = await adminClient(srv.wsUrl);
    const user = client({ url: srv.wsUrl });
    await user.ready(5_000);
    const got = new Promise((resolve) => user.once('message', resolve));
    const sent = await admin.sendMessage({ sessionId: user.sessionId ?? '', type: 'notice', payload: { text: 'hi', n: 1 } });
    expect(sent).toEqual({ delivered: 1 });
    expect(await got).toEqual({ type: 'notice', payload: { text: 'hi', n: 1 } });
  });

  it('closeRemotePage sends pageClosing; the page is not re-announced after a drop', async () => {
    await using srv = await startTestServer();
    const admin = await adminClient(srv.wsUrl);
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const user = client({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 50 } });
    await user.ready(5_000);
    await user.openPage({ pageId: 'stay', path: '/stay' });
    await user.openPage({ pageId: 'go', path: '/go' });
    const closing = new Promise((resolve) => user.once('pageClosing', resolve));

    expect(await admin.closeRemotePage(user.sessionId ?? '', 'go', 'bye page')).toEqual({ sessionId: user.sessionId, pageId: 'go' });
    expect(await closing).toEqual({ pageId: 'go', message: 'bye page' });
    expect(user.openPages.map((p) => p.pageId)).toEqual(['stay']);

    const welcomed = new Promise((resolve) => user.once('welcome', resolve));
    sockets.at(-1)?.terminate();
    await welcomed;
    await waitFor(async () => (await user.self()).pageIds.includes('stay'), 're-announce', 2_000);
    expect((await user.self()).pageIds).toEqual(['stay']);
  });

  it('admin calls from a non-admin reject with -32003', async () => {
    await using srv = await startTestServer();
    const user = client({ url: srv.wsUrl });
    await user.ready(5_000);
    const calls: Promise<unknown>[] = [
      user.getSessionStats(),
      user.watchSessions(),
      user.unwatchSessions('x'),
      user.closeSession('00000000-0000-4000-8000-000000000000'),
      user.closeRemotePage('00000000-0000-4000-8000-000000000000', 'p'),
      user.sendMessage({ sessionId: '00000000-0000-4000-8000-000000000000', type: 't' }),
    ];
    const outcomes = await Promise.allSettled(calls);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(o.status === 'rejected' && isRpcError(o.reason, -32003)).toBe(true);
    }
  });
});

describe('the server ends the session or goes away', () => {
  it('closeSession: sessionClosing, then 4000 and no reconnect; the token is forgotten', async () => {
    await using srv = await startTestServer();
    const admin = await adminClient(srv.wsUrl);
    const storage = memoryStorage();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const user = client({ url: srv.wsUrl, WebSocket: Tracked, storage, backoff: { initialMs: 10, maxMs: 20 } });
    await user.ready(5_000);
    expect(storage.getItem(resumeTokenKey('default'))).not.toBeNull();
    const states: StateChange[] = [];
    user.on('state', (s) => states.push(s));
    const closing = new Promise((resolve) => user.once('sessionClosing', resolve));

    await admin.closeSession(user.sessionId ?? '', 'maintenance');
    expect(await closing).toEqual({ message: 'maintenance' });
    await waitFor(() => user.state === 'disconnected', 'disconnected', 3_000);
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ oldState: 'connected', newState: 'disconnected', code: 4000 });
    expect(storage.getItem(resumeTokenKey('default'))).toBeNull();

    await sleep(300);
    expect(sockets).toHaveLength(1);
    expect(user.state).toBe('disconnected');

    // A manual connect starts a new session.
    const old = user.sessionId;
    user.connect();
    await user.ready(5_000);
    expect(user.resumed).toBe(false);
    expect(user.sessionId).not.toBe(old);
  });

  it('1001 on shutdown: reconnects with backoff once a server listens on the port again', async () => {
    // Restarted on the same port below: one outside the ephemeral range, so nothing takes it meanwhile.
    await using first = await startTestServer({ port: await stablePort() });
    const port = first.port;
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const states: StateChange[] = [];
    const c = client({ url: first.wsUrl, WebSocket: Tracked, backoff: { initialMs: 40, maxMs: 160 } });
    c.on('state', (s) => states.push(s));
    await c.ready(5_000);
    const firstSession = c.sessionId;
    await c.openPage({ pageId: 'survivor', path: '/survive', title: 'Survivor' });

    await first.close();
    await waitFor(() => states.some((s) => s.code === 1001), 'the 1001 close', 3_000);
    const drop = states.find((s) => s.code === 1001);
    expect(drop).toMatchObject({ oldState: 'connected', newState: 'connecting' });

    await sleep(600); // attempts fail against the closed port meanwhile
    const attemptsWhileDown = sockets.length - 1;
    expect(attemptsWhileDown).toBeGreaterThanOrEqual(2);
    // Backoff: ceilings 40, 80, 160, 160... ms keep the attempts far below one per event-loop turn.
    expect(attemptsWhileDown).toBeLessThan(60);
    expect(c.state).toBe('connecting');

    await using second = await startTestServer({ port });
    await c.ready(5_000);
    expect(c.resumed).toBe(false); // a new server knows no session
    expect(c.sessionId).not.toBe(firstSession);
    await waitFor(async () => (await c.self()).pageIds.includes('survivor'), 're-announce', 2_000);
    expect((await c.self()).pages[0]).toMatchObject({ id: 'survivor', path: '/survive', title: 'Survivor' });
    expect(states.filter((s) => s.newState === 'disconnected')).toEqual([]);
    expect(second.port).toBe(port);
  });
});
