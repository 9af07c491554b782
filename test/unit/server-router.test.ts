/**
 * The router's promise: any exception in a handler, or in writing its result, becomes exactly one
 * -32603 answer for that request, never a throw into the socket's event handler (which would end
 * the process). Handlers that throw on purpose do not exist over a real socket, so the router is
 * driven here with a stand-in connection.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RpcRouter, type Conn, type HandlerTable } from '../../server/src/rpc/router.js';

interface FakeConn {
  sent: string[];
  conn: Conn;
}

function fakeConnection(): FakeConn {
  const sent: string[] = [];
  const fake = {
    busy: false,
    backlog: undefined,
    closed: false,
    session: { id: 's1', isAdmin: false },
    ctx: { stats: { protocolError: () => undefined, rateLimited: 0 }, rateLimit: { perSecond: 100, burst: 200 } },
    send: (m: unknown) => sent.push(JSON.stringify(m)),
    sendText: (t: string) => sent.push(t),
    sendStream: () => {
      throw new Error('not used');
    },
  };
  return { sent, conn: fake as unknown as Conn };
}

const handlers: HandlerTable = {
  'session.ping'() {
    throw new Error('boom');
  },
  'session.self'() {
    return Promise.reject(new Error('async boom'));
  },
  'auth.logout'() {
    // A result JSON cannot write: the answer must still be one response.
    return { username: 1n } as unknown as { username: string };
  },
  'page.close'(_call, p) {
    return { pageId: p.pageId };
  },
};

const router = new RpcRouter(handlers, pino({ level: 'silent' }), 100);
const settle = () => new Promise((r) => setTimeout(r, 10));

function frame(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('RpcRouter: a failing handler is one -32603 answer', () => {
  it.each([
    ['a synchronous throw', 'session.ping'],
    ['a rejected promise', 'session.self'],
    ['a result that cannot be serialized', 'auth.logout'],
  ])('%s', async (_name, method) => {
    const { sent, conn } = fakeConnection();
    expect(() => router.receive(conn, frame({ jsonrpc: '2.0', method, id: 7 }), false, false)).not.toThrow();
    await settle();
    expect(sent.map((t) => JSON.parse(t))).toEqual([{ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Internal error' } }]);
  });

  it('in a batch, each request still gets its own answer', async () => {
    const { sent, conn } = fakeConnection();
    const batch = [
      { jsonrpc: '2.0', method: 'auth.logout', id: 1 },
      { jsonrpc: '2.0', method: 'session.ping', id: 2 },
      { jsonrpc: '2.0', method: 'page.close', params: { pageId: 'p' }, id: 3 },
    ];
    router.receive(conn, frame(batch), false, false);
    await settle();
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0] as string)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } },
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'Internal error' } },
      { jsonrpc: '2.0', id: 3, result: { pageId: 'p' } },
    ]);
  });

  it('the next frame on the socket is still served', async () => {
    const { sent, conn } = fakeConnection();
    router.receive(conn, frame({ jsonrpc: '2.0', method: 'session.self', id: 1 }), false, false);
    router.receive(conn, frame({ jsonrpc: '2.0', method: 'page.close', params: { pageId: 'q' }, id: 2 }), false, false);
    await settle();
    expect(sent.map((t) => JSON.parse(t).id)).toEqual([1, 2]);
  });
});
