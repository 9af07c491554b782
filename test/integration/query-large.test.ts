import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { connectAdmin } from '../support/contract.js';

describe('large answers', () => {
  it('streams a 1,200-session list as one message, with later answers after it and other sockets served meanwhile', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 0 });
    const clients: RawClient[] = [];
    for (let i = 0; i < 12; i++) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(srv.wsUrl, { project: `P${i % 3}` })))));
    }
    await Promise.all(clients.slice(0, 50).map((c, i) => c.call('page.open', { pageId: `p${i}`, title: `Tïtle "${i}"` })));
    await using admin = await connectAdmin(srv, { project: 'Ops' });
    await using other = await RawClient.connect(srv.wsUrl, { project: 'Ops' });

    const id1 = admin.newId();
    const id2 = admin.newId();
    admin.sendJson({ jsonrpc: '2.0', method: 'getSessionInfo', params: [], id: id1 });
    admin.sendJson({ jsonrpc: '2.0', method: 'getSessionInfo', params: { format: 'dataset' }, id: id2 });
    const otherAnswer = other.call('session.self');
    const first = await admin.nextMessage(() => true, 10_000);
    const second = await admin.nextMessage(() => true, 10_000);
    expect(first.data.id).toBe(id1);
    expect(first.data.result).toHaveLength(1202);
    expect(new Set(first.data.result.map((s: { id: string }) => s.id)).size).toBe(1202);
    const titled = first.data.result.filter((s: { pages: unknown[] }) => s.pages.length === 1);
    expect(titled).toHaveLength(50);
    expect(second.data.id).toBe(id2);
    expect(second.data.result.rows).toHaveLength(1202);
    expect((await otherAnswer).result.project).toBe('Ops');

    // The streamed bytes are counted like any other answer.
    const self = (await admin.call('session.self')).result;
    expect(self.totalBytesReceived).toBeGreaterThan(first.text.length + second.text.length);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('answers a batch holding big lists as one array', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 0 });
    const clients = await Promise.all(Array.from({ length: 600 }, () => RawClient.connect(srv.wsUrl)));
    await using admin = await connectAdmin(srv);
    admin.sendJson([
      { jsonrpc: '2.0', method: 'getSessionInfo', params: [], id: 'a' },
      { jsonrpc: '2.0', method: 'session.self', id: 'b' },
      { jsonrpc: '2.0', method: 'sessions.watch', params: {}, id: 'c' },
    ]);
    const m = await admin.nextMessage((d) => Array.isArray(d), 10_000);
    expect(m.data.map((r: { id: string }) => r.id)).toEqual(['a', 'b', 'c']);
    expect(m.data[0].result).toHaveLength(601);
    expect(m.data[2].result.sessions).toHaveLength(601);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('holds a streamed answer at the feed mark while its reader does not read, serves others meanwhile, and finishes it whole once the reader reads', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 0, feedHighWaterMark: 16 * 1024, sendHardLimit: 64 * 1024 * 1024 });
    const clients = await Promise.all(Array.from({ length: 900 }, () => RawClient.connect(srv.wsUrl)));
    await using admin = await connectAdmin(srv);
    await using other = await RawClient.connect(srv.wsUrl);
    const socket = (admin.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const id = admin.newId();
    admin.sendJson({ jsonrpc: '2.0', method: 'getSessionInfo', params: [], id });
    // The kernel's buffers fill, then the server holds the rest: the others are served all along.
    for (let i = 0; i < 5; i++) expect((await other.call('session.ping')).result.serverTime).toBeGreaterThan(0);
    await sleep(300);
    expect((await other.call('session.self')).result.id).toBe(other.sessionId);
    socket.resume();
    const m = await admin.nextMessage((d) => d.id === id, 10_000);
    expect(m.data.result).toHaveLength(902);
    expect(new Set(m.data.result.map((s: { id: string }) => s.id)).size).toBe(902);
    // Whatever was asked after it comes after it.
    expect((await admin.call('session.ping')).result.serverTime).toBeGreaterThan(0);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('stops a streamed answer whose reader goes away mid-way, and goes on serving', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 0, feedHighWaterMark: 16 * 1024, sendHardLimit: 64 * 1024 * 1024 });
    const clients = await Promise.all(Array.from({ length: 900 }, () => RawClient.connect(srv.wsUrl)));
    const admin = await connectAdmin(srv);
    const socket = (admin.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    admin.sendJson({ jsonrpc: '2.0', method: 'getSessionInfo', params: [], id: admin.newId() });
    await sleep(200);
    admin.ws.terminate();
    await sleep(200);
    await using next = await connectAdmin(srv);
    const all = (await next.call('getSessionInfo', [], 10_000)).result;
    expect(all.length).toBeGreaterThanOrEqual(901);
    await Promise.all(clients.map((c) => c.close()));
  });
});
