/** Contract 1.1: `tracker.push(target, name, params)` by every target, over real sockets. */
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { userToken } from '../support/jwt.js';
import { RawClient, type Received } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

const isPush = (name: string) => (d: any) => d?.method === `app.${name}`;
const bytesOf = (entries: Received[]) => entries.reduce((n, e) => n + Buffer.byteLength(e.text), 0);

describe('pushes (tracker.push)', () => {
  it('reaches every socket of a session, and only that session', async () => {
    await using srv = await startTestServer();
    await using a = await RawClient.connect(srv.wsUrl);
    await using tab = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    await using other = await RawClient.connect(srv.wsUrl);
    expect(tab.sessionId).toBe(a.sessionId);
    const reached = await srv.tracker.push({ sessionId: a.sessionId }, 'values.changed', [{ tag: 'T1', value: 3.5 }]);
    expect(reached).toBe(2);
    for (const c of [a, tab]) {
      const m = await c.nextMessage(isPush('values.changed'));
      expect(m.data).toEqual({ jsonrpc: '2.0', method: 'app.values.changed', params: [{ tag: 'T1', value: 3.5 }] });
    }
    // A push without params carries none.
    expect(await srv.tracker.push({ sessionId: other.sessionId }, 'ping')).toBe(1);
    expect((await other.nextMessage(isPush('ping'))).data).toEqual({ jsonrpc: '2.0', method: 'app.ping' });
    expect(other.unconsumed()).toEqual([]);
    expect(await srv.tracker.push({ sessionId: 'no-such-session' }, 'x', 1)).toBe(0);
  });

  it('reaches only the socket owning a page', async () => {
    await using srv = await startTestServer();
    await using a = await RawClient.connect(srv.wsUrl);
    await using tab = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    await tab.result('page.open', { pageId: 'P1', path: '/hmi' });
    expect(await srv.tracker.push({ sessionId: a.sessionId, pageId: 'P1' }, 'page.data', { n: 1 })).toBe(1);
    expect((await tab.nextMessage(isPush('page.data'))).data.params).toEqual({ n: 1 });
    await a.result('session.ping');
    expect(a.unconsumed().filter((e) => isPush('page.data')(e.data))).toEqual([]);
    expect(await srv.tracker.push({ sessionId: a.sessionId, pageId: 'P2' }, 'page.data', { n: 2 })).toBe(0);
  });

  it('selects by username and project filters, whole-value RE2; {} is everyone', async () => {
    await using srv = await startTestServer();
    await using billy = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await billy.result('auth.login', { token: await userToken('billy') });
    await using billy2 = await RawClient.connect(srv.wsUrl, { project: 'Plant2' });
    await billy2.result('auth.login', { token: await userToken('billy2') });
    await using anon = await RawClient.connect(srv.wsUrl, { project: 'Plant' });

    expect(await srv.tracker.push({ usernameFilter: 'billy' }, 'u', 1)).toBe(1);
    expect(await srv.tracker.push({ usernameFilter: 'bi.*' }, 'u', 2)).toBe(2);
    expect(await srv.tracker.push({ projectFilter: 'Plant' }, 'p', 3)).toBe(2);
    expect(await srv.tracker.push({ usernameFilter: 'bi.*', projectFilter: 'Plant' }, 'up', 4)).toBe(1);
    expect(await srv.tracker.push({}, 'all', 5)).toBe(3);
    expect(await srv.tracker.push({ usernameFilter: null, projectFilter: '' }, 'all', 6)).toBe(3);

    expect((await billy.nextMessage(isPush('u'))).data.params).toBe(1);
    expect((await billy.nextMessage(isPush('up'))).data.params).toBe(4);
    expect((await billy2.nextMessage(isPush('u'))).data.params).toBe(2);
    expect((await anon.nextMessage(isPush('p'))).data.params).toBe(3);
    for (const c of [billy, billy2, anon]) {
      expect((await c.nextMessage(isPush('all'))).data.params).toBe(5);
      expect((await c.nextMessage(isPush('all'))).data.params).toBe(6);
    }
  });

  it('refuses bad targets and names with a clear error', async () => {
    await using srv = await startTestServer();
    await expect(srv.tracker.push({ usernameFilter: '(' }, 'x', 1)).rejects.toThrow(/usernameFilter/);
    await expect(srv.tracker.push({ sessionId: 'a', projectFilter: 'b' } as never, 'x', 1)).rejects.toThrow(/not both/);
    await expect(srv.tracker.push({ pageId: 'p' } as never, 'x', 1)).rejects.toThrow(/pageId needs/);
    await expect(srv.tracker.push({ sesionId: 'a' } as never, 'x', 1)).rejects.toThrow(/sesionId/);
    await expect(srv.tracker.push({}, '', 1)).rejects.toThrow(/name/);
  });

  it('counts pushes in totalBytesReceived, exactly', async () => {
    await using srv = await startTestServer();
    await using admin = await RawClient.connect(srv.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(srv.wsUrl);
    const before = (await admin.result('getSessionInfo', [])).find((s: any) => s.id === c.sessionId);
    const received = c.received.length;
    expect(await srv.tracker.push({ sessionId: c.sessionId }, 'big', { text: 'é'.repeat(1000), n: [1, 2, 3] })).toBe(1);
    expect(await srv.tracker.push({ projectFilter: 'default' }, 'small', 'x')).toBe(2);
    await c.nextMessage(isPush('small'));
    const after = (await admin.result('getSessionInfo', [])).find((s: any) => s.id === c.sessionId);
    const pushed = bytesOf(c.received.slice(received));
    expect(pushed).toBeGreaterThan(2000);
    expect(after.totalBytesReceived - before.totalBytesReceived).toBe(pushed);
    // The client sent nothing meanwhile.
    expect(after.totalBytesSent).toBe(before.totalBytesSent);
  });

  it('never lets a slow reader hold the others back: it is cut with 4001 and stops counting as reached', async () => {
    await using srv = await startTestServer({ sendHardLimit: 64 * 1024 });
    await using slow = await RawClient.connect(srv.wsUrl, { project: 'Slow' });
    await using fast = await RawClient.connect(srv.wsUrl, { project: 'Slow' });
    // The slow client stops reading its TCP socket: the server's unsent data piles up.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const payload = 'v'.repeat(32 * 1024);
    let rounds = 0;
    let reached = 2;
    while (reached === 2 && rounds < 2_000) {
      reached = await srv.tracker.push({ projectFilter: 'Slow' }, 'flood', payload);
      rounds++;
      // Let the sockets write, as a real app's pushes spread over time would.
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(reached).toBe(1);
    // The fast reader got every one of them.
    const floods = () => fast.received.filter((r) => r.text.includes('"app.flood"')).length;
    await waitFor(() => floods() === rounds, `the fast reader's ${rounds} pushes`);
    expect(floods()).toBe(rounds);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(4001);
    // After the cut, pushes reach the fast reader alone.
    expect(await srv.tracker.push({ projectFilter: 'Slow' }, 'after', 1)).toBe(1);
  });
});
