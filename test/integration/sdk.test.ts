/**
 * The client SDK against the real server, in Node with `ws`: connect and welcome,
 * typed calls and errors, queued calls, resume after a drop with pages re-announced,
 * in-flight calls rejected on a drop, close() being final.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ClientError,
  ErrorCode,
  RpcError,
  createClient,
  isClientError,
  isRpcError,
  memoryStorage,
  resumeTokenKey,
  type ClientOptions,
  type KeyValueStorage,
  type SessionTrackerClient,
  type StateChange,
} from '@session-tracker/client';
import { SESSION_DATASET_COLUMNS } from '@session-tracker/shared';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { ClientPool, trackedWebSocket } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';
import { userToken } from '../support/jwt.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pool = new ClientPool();
afterEach(() => pool.closeAll());
const client = (options: Partial<ClientOptions> & { url: string }): SessionTrackerClient => pool.client(options);

function recordStates(c: SessionTrackerClient): StateChange[] {
  const seen: StateChange[] = [];
  c.on('state', (s) => seen.push(s));
  return seen;
}

function nextWelcome(c: SessionTrackerClient) {
  return new Promise<{ sessionId: string; resumed: boolean }>((resolve) => c.once('welcome', resolve));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a result');
}

describe('connect and welcome', () => {
  it('connects, takes the welcome, stores the resume token and reports states in order', async () => {
    await using srv = await startTestServer();
    const storage = memoryStorage();
    const c = client({ url: srv.wsUrl, storage, autoConnect: false });
    const states = recordStates(c);
    const welcomes: unknown[] = [];
    c.on('welcome', (w) => welcomes.push(w));
    expect(c.state).toBe('disconnected');
    expect(c.sessionId).toBeNull();

    c.connect();
    await c.ready(5_000);

    expect(states.map((s) => [s.oldState, s.newState])).toEqual([
      ['disconnected', 'connecting'],
      ['connecting', 'connected'],
    ]);
    expect(c.sessionId).toMatch(UUID_RE);
    expect(c.resumed).toBe(false);
    expect(welcomes).toHaveLength(1);
    const welcome = c.welcome;
    expect(welcome).not.toBeNull();
    expect(welcome?.heartbeatMs).toBeGreaterThan(0);
    expect(storage.getItem(resumeTokenKey('default'))).toBe(welcome?.resumeToken);

    const self = await c.self();
    expect(self.id).toBe(c.sessionId);
    expect(self.project).toBe('default');
    expect(self.sessionScope).toBe('browser');
    expect(self.username).toBe('Unauthenticated');
  });

  it('sends project and scope as query parameters and keys the token by project', async () => {
    await using srv = await startTestServer();
    const storage = memoryStorage();
    const c = client({ url: srv.wsUrl, project: 'Plant 7', scope: 'designer', storage });
    await c.ready(5_000);
    const self = await c.self();
    expect(self.project).toBe('Plant 7');
    expect(self.sessionScope).toBe('designer');
    expect(storage.getItem(resumeTokenKey('Plant 7'))).toBe(c.welcome?.resumeToken);
    expect(storage.getItem(resumeTokenKey('default'))).toBeNull();
  });

  it('refuses a bad project or scope before connecting', () => {
    expect(() => createClient({ url: 'ws://127.0.0.1:1/ws', WebSocket, project: 'no/slashes', autoConnect: false })).toThrow(TypeError);
    expect(() => createClient({ url: 'ws://127.0.0.1:1/ws', WebSocket, scope: 'toaster' as 'browser', autoConnect: false })).toThrow(
      TypeError,
    );
  });

  it('two clients sharing a storage share one session (tabs), the second resumed', async () => {
    await using srv = await startTestServer();
    const storage = memoryStorage();
    const tab1 = client({ url: srv.wsUrl, storage });
    await tab1.ready(5_000);
    const tab2 = client({ url: srv.wsUrl, storage });
    await tab2.ready(5_000);
    expect(tab2.sessionId).toBe(tab1.sessionId);
    expect(tab2.resumed).toBe(true);
    const p1 = await tab1.openPage({ path: '/one' });
    const p2 = await tab2.openPage({ path: '/two' });
    const self = await tab1.self();
    expect([...self.pageIds].sort()).toEqual([p1, p2].sort());
  });
});

describe('typed calls', () => {
  it('opens, updates and closes pages; the server sees path and title', async () => {
    await using srv = await startTestServer();
    const c = client({ url: srv.wsUrl });
    await c.ready(5_000);
    const generated = await c.openPage({ path: '/home', title: 'Home' });
    expect(generated.length).toBeGreaterThan(0);
    const chosen = await c.openPage({ pageId: 'my-page', path: '/a' });
    expect(chosen).toBe('my-page');
    await c.updatePage('my-page', { path: '/b', title: 'B' });

    let self = await c.self();
    expect([...self.pageIds].sort()).toEqual([generated, 'my-page'].sort());
    expect(self.activePages).toBe(2);
    expect(self.pages.find((p) => p.id === 'my-page')).toMatchObject({ path: '/b', title: 'B' });
    expect(self.pages.find((p) => p.id === generated)).toMatchObject({ path: '/home', title: 'Home' });

    await c.closePage(generated);
    self = await c.self();
    expect(self.pageIds).toEqual(['my-page']);
    expect(c.openPages.map((p) => p.pageId)).toEqual(['my-page']);
  });

  it('logs in with the admin token, then getSessionInfo answers in both forms', async () => {
    await using srv = await startTestServer();
    const other = client({ url: srv.wsUrl, project: 'Other' });
    await other.ready(5_000);
    const admin = client({ url: srv.wsUrl, project: 'Ops' });
    await admin.ready(5_000);

    const login = await admin.login(ADMIN_TOKEN);
    expect(login.authorized).toBe(true);
    expect(typeof login.username).toBe('string');
    expect(Array.isArray(login.roles)).toBe(true);

    // Positional form: [] , [usernameFilter], [usernameFilter, projectFilter].
    const all = await admin.getSessionInfo();
    expect(all.map((s) => s.id).sort()).toEqual([admin.sessionId, other.sessionId].sort());
    const unauth = await admin.getSessionInfo('Unauth.*');
    expect(unauth.map((s) => s.id)).toEqual([other.sessionId]);
    const byProject = await admin.getSessionInfo(null, 'Oth.r');
    expect(byProject.map((s) => s.id)).toEqual([other.sessionId]);
    expect(await admin.getSessionInfo(null, 'Oth')).toEqual([]);
    const info = byProject[0];
    expect(info).toMatchObject({ project: 'Other', username: 'Unauthenticated', sessionScope: 'browser', authorized: false });

    // Named form, list and dataset.
    const named = await admin.getSessionInfo({ projectFilter: 'Ops' });
    expect(named.map((s) => s.id)).toEqual([admin.sessionId]);
    const dataset = await admin.getSessionInfo({ projectFilter: 'Other', format: 'dataset' });
    expect(dataset.columns).toEqual([...SESSION_DATASET_COLUMNS]);
    expect(dataset.rows).toHaveLength(1);
    const row = dataset.rows[0] ?? [];
    expect(row[0]).toBe('Unauthenticated');
    expect(row[1]).toBe('Other');
    expect(row[3]).toBe(false);
    expect(row[4]).toBe(other.sessionId);

    // The generic typed call reaches the same method.
    const viaCall = await admin.call('getSessionInfo', { usernameFilter: 'admin' });
    expect(Array.isArray(viaCall) && viaCall.map((s) => s.id)).toEqual([admin.sessionId]);

    const out = await admin.logout();
    expect(out.username).toBe('Unauthenticated');
    expect(isRpcError(await rejection(admin.getSessionInfo()), ErrorCode.Forbidden)).toBe(true);
  });

  it('logs in with a JWT; self() reflects the user', async () => {
    await using srv = await startTestServer();
    const c = client({ url: srv.wsUrl });
    await c.ready(5_000);
    const login = await c.login(await userToken('billy', ['viewer']));
    expect(login).toEqual({ username: 'billy', roles: ['viewer'], authorized: true });
    const self = await c.self();
    expect(self.username).toBe('billy');
    expect(self.authorized).toBe(true);
  });

  it('RPC errors reject with RpcError carrying the JSON-RPC code, message and data', async () => {
    await using srv = await startTestServer();
    const c = client({ url: srv.wsUrl });
    await c.ready(5_000);

    const forbidden = await rejection(c.getSessionInfo());
    expect(forbidden).toBeInstanceOf(RpcError);
    expect(isRpcError(forbidden, -32003)).toBe(true);
    expect((forbidden as RpcError).method).toBe('getSessionInfo');
    expect((forbidden as RpcError).message.length).toBeGreaterThan(0);

    const named = await rejection(c.getSessionInfo({ format: 'dataset' }));
    expect(isRpcError(named, ErrorCode.Forbidden)).toBe(true);

    const noPage = await rejection(c.updatePage('never-opened', { path: '/x' }));
    expect(isRpcError(noPage, -32004)).toBe(true);
    const noPageClose = await rejection(c.closePage('never-opened'));
    expect(isRpcError(noPageClose, ErrorCode.NotFound)).toBe(true);

    const badToken = await rejection(c.login('not-a-token'));
    expect(isRpcError(badToken, ErrorCode.BadToken)).toBe(true);

    const badParams = await rejection(c.openPage({ pageId: 'x'.repeat(500) }));
    expect(isRpcError(badParams, ErrorCode.InvalidParams)).toBe(true);
    expect(c.openPages).toEqual([]); // a refused page is not re-announced later

    // The socket stays open through all of that.
    expect(c.state).toBe('connected');
    expect((await c.self()).id).toBe(c.sessionId);
  });
});

describe('calls while not connected', () => {
  it('queues calls until connected, in order', async () => {
    await using srv = await startTestServer();
    const c = client({ url: srv.wsUrl, autoConnect: false });
    const opened = c.openPage({ pageId: 'early', path: '/early' });
    const self = c.self();
    c.connect();
    expect(await opened).toBe('early');
    const info = await self;
    expect(info.pageIds).toEqual(['early']);
  });

  it('rejects with QUEUE_FULL past the bound and with TIMEOUT when nobody connects', async () => {
    const c = client({ url: 'ws://127.0.0.1:9/ws', autoConnect: false, maxQueuedCalls: 2, callTimeoutMs: 150 });
    const a = rejection(c.self());
    const b = rejection(c.self());
    const overflow = await rejection(c.self());
    expect(isClientError(overflow, 'QUEUE_FULL')).toBe(true);
    const [ea, eb] = await Promise.all([a, b]);
    expect(isClientError(ea, 'TIMEOUT')).toBe(true);
    expect(isClientError(eb, 'TIMEOUT')).toBe(true);
  });

  it('ready() times out with a coded error', async () => {
    const c = client({ url: 'ws://127.0.0.1:9/ws', autoConnect: false });
    const err = await rejection(c.ready(100));
    expect(isClientError(err, 'TIMEOUT')).toBe(true);
  });
});

describe('drops, resume and re-announced pages', () => {
  it('resumes the same session after a forced drop and re-announces its pages', async () => {
    await using srv = await startTestServer();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = client({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 100 } });
    await c.ready(5_000);
    const sessionId = c.sessionId;
    await c.openPage({ pageId: 'p1', path: '/orders?x=1#top', title: 'Orders' });
    await c.openPage({ pageId: 'p2', path: '/later' });
    await c.closePage('p2');
    await c.login(ADMIN_TOKEN);
    const states = recordStates(c);

    const welcome = nextWelcome(c);
    sockets.at(-1)?.terminate(); // the network drops
    const w = await welcome;

    expect(w.resumed).toBe(true);
    expect(w.sessionId).toBe(sessionId);
    expect(c.resumed).toBe(true);
    expect(states.map((s) => s.newState)).toEqual(['connecting', 'connected']);
    expect(states[0]?.code).toBe(1006);
    expect(sockets).toHaveLength(2);

    // The old socket's pages closed with it; the SDK opened p1 again, same ID, path and title.
    await waitFor(async () => (await c.self()).pageIds.includes('p1'), 'p1 re-announced', 2_000);
    const self = await c.self();
    expect(self.pageIds).toEqual(['p1']);
    expect(self.pages[0]).toMatchObject({ id: 'p1', path: '/orders?x=1#top', title: 'Orders' });
    expect(self.authorized).toBe(true); // the login survived the resume
  });

  it('re-announces pages into a fresh session when the old one expired', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 100 });
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    // random() = 1 takes the full backoff ceiling: 600 ms, well past the 100 ms session timeout.
    const c = client({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 600, maxMs: 600 }, random: () => 0.999 });
    await c.ready(5_000);
    const first = c.sessionId;
    await c.openPage({ pageId: 'keep', path: '/kept', title: 'Kept' });

    const welcome = nextWelcome(c);
    sockets.at(-1)?.terminate();
    const w = await welcome;
    expect(w.resumed).toBe(false);
    expect(w.sessionId).not.toBe(first);
    expect(c.sessionId).toBe(w.sessionId);

    await waitFor(async () => (await c.self()).pageIds.includes('keep'), 'page re-announced', 2_000);
    const self = await c.self();
    expect(self.pages).toHaveLength(1);
    expect(self.pages[0]).toMatchObject({ id: 'keep', path: '/kept', title: 'Kept' });
  });

  it('rejects in-flight calls with DISCONNECTED when the socket drops, then recovers', async () => {
    await using srv = await startTestServer();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = client({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 20, maxMs: 100 } });
    await c.ready(5_000);

    const inFlight = c.self();
    sockets.at(-1)?.terminate();
    const err = await rejection(inFlight);
    expect(err).toBeInstanceOf(ClientError);
    expect(isClientError(err, 'DISCONNECTED')).toBe(true);

    await c.ready(5_000);
    expect((await c.self()).id).toBe(c.sessionId);
  });

  it('disconnect() rejects in-flight and queued calls and stays disconnected until connect()', async () => {
    await using srv = await startTestServer();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = client({ url: srv.wsUrl, WebSocket: Tracked });
    await c.ready(5_000);
    const states = recordStates(c);
    const inFlight = rejection(c.self());
    c.disconnect();
    expect(c.state).toBe('disconnected');
    expect(isClientError(await inFlight, 'DISCONNECTED')).toBe(true);
    expect(states).toEqual([{ oldState: 'connected', newState: 'disconnected', code: 1000, reason: 'client disconnect' }]);

    await new Promise((r) => setTimeout(r, 300));
    expect(sockets).toHaveLength(1); // no reconnect by itself
    const queued = c.self();
    c.connect();
    await c.ready(5_000);
    expect(c.resumed).toBe(true);
    expect((await queued).id).toBe(c.sessionId);
  });
});

describe('close() is final', () => {
  it('moves to closed, rejects pending and later calls with CLOSED, never reconnects', async () => {
    await using srv = await startTestServer();
    const { WebSocket: Tracked, sockets } = trackedWebSocket();
    const c = client({ url: srv.wsUrl, WebSocket: Tracked, backoff: { initialMs: 10, maxMs: 20 } });
    await c.ready(5_000);
    const states = recordStates(c);
    const pending = rejection(c.self());

    c.close();
    expect(c.state).toBe('closed');
    expect(isClientError(await pending, 'CLOSED')).toBe(true);
    expect(isClientError(await rejection(c.self()), 'CLOSED')).toBe(true);
    expect(isClientError(await rejection(c.openPage({ path: '/x' })), 'CLOSED')).toBe(true);
    expect(isClientError(await rejection(c.ready()), 'CLOSED')).toBe(true);

    c.connect(); // a no-op now
    await new Promise((r) => setTimeout(r, 300));
    expect(c.state).toBe('closed');
    expect(sockets).toHaveLength(1);
    expect(states.map((s) => s.newState)).toEqual(['closed']);
  });

  it('the server sees the socket go', async () => {
    await using srv = await startTestServer();
    const admin = client({ url: srv.wsUrl });
    await admin.ready(5_000);
    await admin.login(ADMIN_TOKEN);
    const c = client({ url: srv.wsUrl, storage: memoryStorage() as KeyValueStorage });
    await c.ready(5_000);
    const id = c.sessionId;
    c.close();
    await waitFor(async () => (await admin.getSessionInfo()).find((s) => s.id === id)?.state === 'disconnected', 'disconnected', 3_000);
  });
});
