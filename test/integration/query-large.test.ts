import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
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
});
