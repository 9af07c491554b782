import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { RawClient } from '../support/ws-client.js';
import { startTestServer } from '../support/server.js';

// 1.1 addition (shared/docs/protocol.md, "Calls"): session.end, a client ending its own session.
describe('1.1 session.end', () => {
  it("ends the caller's session at once: answered, every socket closed with 4000, unlisted, its token dead", async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl, { project: 'ender' });
    const b = await RawClient.connect(srv.wsUrl, { project: 'ender', resume: a.welcome.resumeToken });
    expect(b.welcome.sessionId).toBe(a.welcome.sessionId);
    const other = await RawClient.connect(srv.wsUrl, { project: 'ender' });

    const response = await a.call('session.end');
    expect(response.error).toBeUndefined();
    expect(response.result).toEqual({ sessionId: a.welcome.sessionId });
    const [closedA, closedB] = await Promise.all([a.closed, b.closed]);
    expect(closedA.code).toBe(4000);
    expect(closedB.code).toBe(4000);
    expect(b.received.some((m) => m.data?.method === 'session.closing')).toBe(true);

    const listed = (await admin.result('getSessionInfo', [null, 'ender'])).map((s: { id: string }) => s.id);
    expect(listed).toEqual([other.welcome.sessionId]);
    const again = await RawClient.connect(srv.wsUrl, { project: 'ender', resume: a.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
    expect(again.welcome.sessionId).not.toBe(a.welcome.sessionId);
    await Promise.all([again.close(), other.close()]);
  });

  it('as a notification it ends the session without an answer; params other than nothing are refused', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl, { project: 'quiet' });
    expect((await c.call('session.end', { now: true })).error?.code).toBe(-32602);
    c.sendJson({ jsonrpc: '2.0', method: 'session.end' });
    expect((await c.closed).code).toBe(4000);
    expect(c.received.some((m) => m.data?.result !== undefined)).toBe(false);
    expect(await admin.result('getSessionInfo', [null, 'quiet'])).toEqual([]);
  });
});
