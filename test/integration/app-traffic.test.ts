/**
 * Contract 1.1: app calls and pushes are data messages (exact byte counts both ways), and
 * SessionInfo `traffic` / `/metrics` break them down by method.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';

const bytes = (text: string) => Buffer.byteLength(text);

async function infoOf(admin: RawClient, id: string): Promise<any> {
  return (await admin.result('getSessionInfo', [])).find((s: any) => s.id === id);
}

describe('app traffic', () => {
  it('counts app calls and answers exactly, both ways, in the totals and per method', async () => {
    await using srv = await startTestServer();
    srv.tracker.handle('orders.list', (p: { page: number }) => ({
      orders: Array.from({ length: p.page }, (_, i) => ({ id: i, name: `Órder ${i}` })),
    }));
    srv.tracker.handle('fail', () => {
      throw { code: -32050, message: 'nope' };
    });
    await using admin = await RawClient.connect(srv.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(srv.wsUrl);
    const before = await infoOf(admin, c.sessionId);
    expect(before.traffic).toEqual({});
    const sentBefore = c.bytesSent;
    const receivedBefore = c.received.length;

    const r1 = await c.request({ jsonrpc: '2.0', id: 'o1', method: 'app.orders.list', params: { page: 3 } });
    const r2 = await c.request({ jsonrpc: '2.0', id: 'o2', method: 'app.orders.list', params: { page: 1 } });
    const r3 = await c.request({ jsonrpc: '2.0', id: 'f', method: 'app.fail' });
    const n = c.notify('app.orders.list', { page: 0 });
    await c.result('session.ping');
    const pushed = await srv.tracker.push({ sessionId: c.sessionId }, 'orders.list', { changed: true });
    expect(pushed).toBe(1);
    await c.nextMessage((d) => d?.method === 'app.orders.list');

    const received = c.received.slice(receivedBefore);
    const answers = received.map((e) => e.text);
    const after = await infoOf(admin, c.sessionId);
    expect(after.totalBytesSent - before.totalBytesSent).toBe(c.bytesSent - sentBefore);
    expect(after.totalBytesReceived - before.totalBytesReceived).toBe(answers.reduce((s, t) => s + bytes(t), 0));

    const orderAnswers = received
      .filter((e) => e.data.id === 'o1' || e.data.id === 'o2' || e.data.method === 'app.orders.list')
      .map((e) => e.text);
    expect(orderAnswers).toHaveLength(3);
    expect(after.traffic).toEqual({
      'orders.list': {
        messagesSent: 3,
        bytesSent: bytes(r1.text) + bytes(r2.text) + bytes(n),
        messagesReceived: 3,
        bytesReceived: orderAnswers.reduce((s, t) => s + bytes(t), 0),
      },
      fail: { messagesSent: 1, bytesSent: bytes(r3.text), messagesReceived: 1, bytesReceived: bytes(JSON.stringify(r3.response)) },
    });
    // The same field through every renderer: session.self and the live feed.
    const self = await c.result('session.self');
    expect(self.traffic).toEqual(after.traffic);
    const watch = await admin.result('sessions.watch', {});
    expect(watch.sessions.find((s: any) => s.id === c.sessionId).traffic).toEqual(after.traffic);
  });

  it('keeps 32 names per session apart and adds the rest up under _other', async () => {
    await using srv = await startTestServer({ rateLimitPerSecond: 0 });
    await using admin = await RawClient.connect(srv.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(srv.wsUrl);
    for (let i = 0; i < 40; i++) await c.call(`app.name${i}`);
    const traffic = (await infoOf(admin, c.sessionId)).traffic;
    expect(Object.keys(traffic)).toHaveLength(33);
    expect(traffic.name31.messagesSent).toBe(1);
    expect(traffic.name32).toBeUndefined();
    expect(traffic._other.messagesSent).toBe(8);
    expect(traffic._other.messagesReceived).toBe(8);
  });

  it('exposes app calls, errors, pushes and bytes by method on /metrics, registered names only', async () => {
    await using srv = await startTestServer();
    srv.tracker.handle('tags.read', () => ({ v: 1 }));
    srv.tracker.handle('tags.write', () => {
      throw new Error('boom');
    });
    await using c = await RawClient.connect(srv.wsUrl);
    const read = await c.request({ jsonrpc: '2.0', id: 1, method: 'app.tags.read' });
    await c.call('app.tags.read');
    await c.call('app.tags.write');
    await c.call('app.random.name.1');
    await c.call('app.random.name.2');
    await srv.tracker.push({}, 'tags.read', [1]);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const value = (line: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${line} `))
          ?.split(' ')[1],
      );
    expect(value('session_tracker_app_calls_total{method="tags.read"}')).toBe(2);
    expect(value('session_tracker_app_calls_total{method="tags.write"}')).toBe(1);
    expect(value('session_tracker_app_calls_total{method="_other"}')).toBe(2);
    expect(value('session_tracker_app_errors_total{method="tags.write"}')).toBe(1);
    expect(value('session_tracker_app_errors_total{method="_other"}')).toBe(2);
    expect(value('session_tracker_app_pushes_total{method="tags.read"}')).toBe(1);
    expect(value('session_tracker_app_bytes_total{method="tags.read",direction="in"}')).toBeGreaterThanOrEqual(bytes(read.text) * 2 - 2);
    expect(text).not.toContain('random.name');
  });
});
