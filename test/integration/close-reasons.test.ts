/**
 * Contract 1.1: every close the server starts carries a reason text; a slow reader is closed
 * with 4001 (it may reconnect), abuse with 1008 (that reason is checked in limits.test.ts).
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { closedWithin, RawClient, sleep } from '../support/ws-client.js';

describe('close reasons', () => {
  it('1009: a message over the size limit is closed with a reason naming the limit', async () => {
    await using srv = await startTestServer({ maxPayload: 1024 });
    const c = await RawClient.connect(srv.wsUrl);
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', method: 'page.open', params: { title: 'x'.repeat(2000) }, id: 1 }));
    const closed = await closedWithin(c, 5_000);
    expect(closed?.code).toBe(1009);
    expect(closed?.reason).toMatch(/size limit of 1024 bytes/);
  });

  it('1007: a text frame that is not valid UTF-8 is closed with a reason', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl);
    c.sendRaw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    const closed = await closedWithin(c, 5_000);
    expect(closed?.code).toBe(1007);
    expect(closed?.reason).toMatch(/UTF-8/);
  });

  it('4000: an admin close carries a reason; 1001: so does shutdown', async () => {
    const srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const victim = await RawClient.connect(srv.wsUrl);
    const bystander = await RawClient.connect(srv.wsUrl);
    await admin.result('sessions.close', { sessionId: victim.welcome.sessionId, message: 'bye' });
    const closed = await closedWithin(victim, 5_000);
    expect(closed?.code).toBe(4000);
    expect(closed?.reason.length).toBeGreaterThan(0);
    await srv.close();
    const down = await closedWithin(bystander, 5_000);
    expect(down?.code).toBe(1001);
    expect(down?.reason.length).toBeGreaterThan(0);
  });

  it('4001: a reader that lets data pile up unsent is closed as a slow reader, with a reason', async () => {
    // closeTimeoutMs is how long the close frame may wait behind the backlog before the
    // socket is cut: long enough here for the client to drain and read it.
    await using srv = await startTestServer({ sendHardLimit: 64 * 1024, rateLimitPerSecond: 0, closeTimeoutMs: 30_000 });
    const fill = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(srv.wsUrl)));
    await Promise.all(fill.map((c) => c.call('page.open', { pageId: 'p', title: 'y'.repeat(400) })));
    const slow = await RawClient.connect(srv.wsUrl);
    await slow.result('auth.login', { token: ADMIN_TOKEN });
    const raw = (slow.ws as unknown as { _socket: Socket })._socket;
    raw.pause();
    for (let i = 0; i < 600; i++) slow.sendRaw(JSON.stringify({ jsonrpc: '2.0', method: 'getSessionInfo', params: [], id: `q${i}` }));
    // The server stops sending once it gives up on this reader: wait until the bytes it sent stand still.
    const admin = await connectAdmin(srv);
    const sentTo = async () =>
      ((await admin.result('getSessionInfo', [])) as { id: string; totalBytesReceived: number }[]).find(
        (x) => x.id === slow.welcome.sessionId,
      )?.totalBytesReceived ?? 0;
    let last = -1;
    for (let now = await sentTo(); now !== last || now < 1_000_000; now = await sentTo()) {
      last = now;
      await sleep(200);
    }
    raw.resume();
    const closed = await closedWithin(slow, 20_000);
    expect(closed?.code).toBe(4001);
    expect(closed?.reason).toMatch(/slow reader/);
    await Promise.all(fill.map((c) => c.close()));
  });
});
