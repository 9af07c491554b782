/** Contract: the SessionInfo shape (exact names and types), our additions, and session.self. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { CHROME_ANDROID_UA, CHROME_WINDOWS_UA, ISO_RE, connectAdmin, expectResult, sessionById } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer({ sessionTimeoutMs: 60_000 });
});
afterAll(async () => {
  await srv?.close();
});

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** Asserts every field PROTOCOL.md names, with its exact name and type. */
function expectPerspectiveShape(s: any): void {
  expect(typeof s.id).toBe('string');
  expect(typeof s.userAgent).toBe('string');
  expect(typeof s.username).toBe('string');
  expect(typeof s.project).toBe('string');
  expect(isInt(s.uptime), `uptime ${s.uptime} is an integer`).toBe(true);
  expect(s.uptime).toBeGreaterThanOrEqual(0);
  expect(typeof s.clientAddress).toBe('string');
  expect(isInt(s.lastComm), `lastComm ${s.lastComm} is an integer`).toBe(true);
  expect(s.lastComm).toBeGreaterThanOrEqual(0);
  expect(['browser', 'designer', 'ios', 'android']).toContain(s.sessionScope);
  expect(isInt(s.activePages)).toBe(true);
  expect(isInt(s.recentBytesSent)).toBe(true);
  expect(isInt(s.totalBytesSent)).toBe(true);
  expect(Array.isArray(s.pageIds)).toBe(true);
  for (const id of s.pageIds) expect(typeof id).toBe('string');
  expect(s.activePages).toBe(s.pageIds.length);
  expect(typeof s.authorized).toBe('boolean');
}

/** Our additions (shared/src/session-info.ts). */
function expectAdditionsShape(s: any): void {
  expect(isInt(s.totalBytesReceived)).toBe(true);
  expect(s.totalBytesReceived).toBeGreaterThanOrEqual(0);
  expect(isInt(s.messagesSent)).toBe(true);
  expect(s.messagesSent).toBeGreaterThanOrEqual(0);
  expect(typeof s.creationTime).toBe('string');
  expect(s.creationTime).toMatch(ISO_RE);
  expect(Number.isNaN(Date.parse(s.creationTime))).toBe(false);
  expect(['connected', 'disconnected']).toContain(s.state);
  expect(Array.isArray(s.pages)).toBe(true);
  for (const p of s.pages) {
    expect(typeof p.id).toBe('string');
    expect(typeof p.path).toBe('string');
    expect(typeof p.title).toBe('string');
    expect(p.openedAt).toMatch(ISO_RE);
  }
  expect(s.pages.map((p: any) => p.id).sort()).toEqual([...s.pageIds].sort());
  expect(typeof s.device).toBe('object');
  expect(typeof s.device.browser).toBe('string');
  expect(typeof s.device.os).toBe('string');
  expect(typeof s.device.type).toBe('string');
  expect(Array.isArray(s.roles)).toBe(true);
}

describe('SessionInfo', () => {
  it('has every Perspective field with its exact name, type and value', async () => {
    const admin = await connectAdmin(srv);
    const before = Date.now();
    const c = await RawClient.connect(srv.wsUrl, { project: 'Plant A', scope: 'designer', userAgent: CHROME_WINDOWS_UA });
    expectResult(await c.call('auth.login', { token: await userToken('billy', ['operator']) }));
    expectResult(await c.call('page.open', { pageId: 'main', path: '/main', title: 'Main' }));
    expectResult(await c.call('page.open', { pageId: 'alarms', path: '/alarms', title: 'Alarms' }));
    await sleep(30);
    const s = await sessionById(admin, c.sessionId);
    expect(s).toBeDefined();
    expectPerspectiveShape(s);
    expect(s.id).toBe(c.sessionId);
    expect(s.userAgent).toBe(CHROME_WINDOWS_UA);
    expect(s.username).toBe('billy');
    expect(s.project).toBe('Plant A');
    expect(s.uptime).toBeGreaterThanOrEqual(20);
    expect(s.uptime).toBeLessThanOrEqual(Date.now() - before + 1_000);
    expect(s.clientAddress).toBe('127.0.0.1');
    expect(s.sessionScope).toBe('designer');
    expect(s.activePages).toBe(2);
    expect([...s.pageIds].sort()).toEqual(['alarms', 'main']);
    expect(s.totalBytesSent).toBe(c.bytesSent);
    expect(s.authorized).toBe(true);
    await c.close();
    await admin.close();
  });

  it('has our additions with their types and values', async () => {
    const admin = await connectAdmin(srv);
    const before = Date.now();
    const c = await RawClient.connect(srv.wsUrl, { userAgent: CHROME_WINDOWS_UA });
    expectResult(await c.call('page.open', { pageId: 'p', path: '/p', title: 'P' }));
    const s = await sessionById(admin, c.sessionId);
    expectAdditionsShape(s);
    expect(s.state).toBe('connected');
    expect(Date.parse(s.creationTime)).toBeGreaterThanOrEqual(before - 2_000);
    expect(Date.parse(s.creationTime)).toBeLessThanOrEqual(Date.now() + 2_000);
    // uptime is measured from creationTime.
    expect(Math.abs(Date.now() - Date.parse(s.creationTime) - s.uptime)).toBeLessThan(2_000);
    expect(s.pages).toHaveLength(1);
    expect(s.pages[0]).toMatchObject({ id: 'p', path: '/p', title: 'P' });
    // The server has sent this session at least the welcome and one response.
    expect(s.totalBytesReceived).toBeGreaterThan(0);
    expect(s.messagesSent).toBeGreaterThanOrEqual(1);
    await c.close();
    await admin.close();
  });

  it('parses a desktop Chrome user agent into device {browser, os, type}', async () => {
    const c = await RawClient.connect(srv.wsUrl, { userAgent: CHROME_WINDOWS_UA });
    const s = expectResult(await c.call('session.self'));
    expect(s.device.browser).toMatch(/Chrome/);
    expect(s.device.browser).toMatch(/126/);
    expect(s.device.os).toMatch(/Windows/);
    expect(s.device.type).toBe('desktop');
    await c.close();
  });

  it('parses a mobile Chrome user agent as a mobile Android device', async () => {
    const c = await RawClient.connect(srv.wsUrl, { userAgent: CHROME_ANDROID_UA });
    const s = expectResult(await c.call('session.self'));
    expect(s.device.browser).toMatch(/Chrome/);
    expect(s.device.os).toMatch(/Android/);
    expect(s.device.type).toBe('mobile');
    await c.close();
  });

  it('userAgent is "" when the socket sent no User-Agent header', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const s = expectResult(await c.call('session.self'));
    expect(s.userAgent).toBe('');
    expect(typeof s.device.browser).toBe('string');
    expect(typeof s.device.os).toBe('string');
    expect(typeof s.device.type).toBe('string');
    await c.close();
  });

  it('uptime grows', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const first = expectResult(await c.call('session.self')).uptime;
    await sleep(120);
    const second = expectResult(await c.call('session.self')).uptime;
    expect(second - first).toBeGreaterThanOrEqual(100);
    await c.close();
  });

  it('lastComm is the time since the last frame from the session', async () => {
    // Its own server, with no heartbeat ping in the test's window: a pong is a frame too (it
    // resets lastComm, see protocol-bytes), and the shared server pings each socket every 15 s.
    await using quiet = await startTestServer({ heartbeatMs: 600_000 });
    const admin = await connectAdmin(quiet);
    const c = await RawClient.connect(quiet.wsUrl);
    expectResult(await c.call('session.self'));
    await sleep(300);
    const idle = await sessionById(admin, c.sessionId);
    expect(idle.lastComm).toBeGreaterThanOrEqual(250);
    // Bounded by what the test itself saw, not by a guess at the machine's speed: the frame
    // went out at `sent`, the answer came by `read`, so lastComm is at most read - sent.
    const sent = Date.now();
    expectResult(await c.call('session.self'));
    const busy = await sessionById(admin, c.sessionId);
    const read = Date.now();
    expect(busy.lastComm).toBeLessThanOrEqual(read - sent + 1);
    await c.close();
    await admin.close();
  });
});

describe('session.self', () => {
  it('works for an unauthenticated, non-admin session and describes the caller', async () => {
    const c = await RawClient.connect(srv.wsUrl, { project: 'Self Test', scope: 'ios' });
    const s = expectResult(await c.call('session.self'));
    expectPerspectiveShape(s);
    expectAdditionsShape(s);
    expect(s.id).toBe(c.sessionId);
    expect(s.username).toBe('Unauthenticated');
    expect(s.authorized).toBe(false);
    expect(s.project).toBe('Self Test');
    expect(s.sessionScope).toBe('ios');
    expect(s.state).toBe('connected');
    expect(s.lastComm).toBeLessThan(1_000);
    await c.close();
  });

  it('works for a logged-in non-admin', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: await userToken('nina', ['viewer']) }));
    const s = expectResult(await c.call('session.self'));
    expect(s.username).toBe('nina');
    expect(s.authorized).toBe(true);
    await c.close();
  });

  it('agrees with what an admin sees for the same session', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl, { project: 'Agree', userAgent: CHROME_WINDOWS_UA });
    expectResult(await c.call('page.open', { pageId: 'q' }));
    const mine = expectResult(await c.call('session.self'));
    const theirs = await sessionById(admin, c.sessionId);
    for (const key of [
      'id',
      'userAgent',
      'username',
      'project',
      'clientAddress',
      'sessionScope',
      'pageIds',
      'authorized',
      'creationTime',
      'device',
    ]) {
      expect(theirs[key], key).toEqual(mine[key]);
    }
    // No frame from c between the two: same byte counters.
    expect(theirs.totalBytesSent).toBe(mine.totalBytesSent);
    expect(theirs.recentBytesSent).toBe(mine.recentBytesSent);
    await c.close();
    await admin.close();
  });
});

describe('getSessionInfo lists every session', () => {
  it('including the caller, each element a SessionInfo', async () => {
    await using s = await startTestServer();
    const admin = await connectAdmin(s);
    const a = await RawClient.connect(s.wsUrl, { project: 'One' });
    const b = await RawClient.connect(s.wsUrl, { project: 'Two', scope: 'android' });
    const list = expectResult(await admin.call('getSessionInfo'));
    expect(list).toHaveLength(3);
    expect(list.map((x: any) => x.id).sort()).toEqual([admin.sessionId, a.sessionId, b.sessionId].sort());
    for (const x of list) {
      expectPerspectiveShape(x);
      expectAdditionsShape(x);
    }
    for (const c of [a, b, admin]) await c.close();
  });
});
