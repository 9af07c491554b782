/**
 * Contract: frames hold JSON-RPC 2.0 messages (single or batch); requests get exactly one
 * response, notifications none; the Errors section. The cases follow section 7 of
 * https://www.jsonrpc.org/specification, with its method names swapped for ours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { expectError, expectResult } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

/**
 * Sends `text`, then a sentinel request, and returns every message received in between
 * (the sentinel's response excluded). The server answers one socket's messages in order,
 * and we also wait a little so that a stray late response is still seen.
 */
async function exchange(c: RawClient, text: string | Buffer, settleMs = 150): Promise<any[]> {
  const start = c.received.length;
  c.sendRaw(text, { binary: false });
  const sentinel = await c.call('session.self');
  expect(sentinel.error).toBeUndefined();
  await sleep(settleMs);
  return c.received
    .slice(start)
    .map((e) => e.data)
    .filter((d) => !(d && !Array.isArray(d) && d.id === sentinel.id && 'result' in d));
}

describe('spec examples (section 7), adapted', () => {
  let c: RawClient;
  beforeAll(async () => {
    c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('auth.login', { token: ADMIN_TOKEN }));
  });
  afterAll(async () => {
    await c?.close();
  });

  it('rpc call with positional parameters', async () => {
    const { response } = await c.request({ jsonrpc: '2.0', method: 'getSessionInfo', params: [null, 'default'], id: 1 });
    expect(response.id).toBe(1);
    const list = expectResult(response);
    expect(Array.isArray(list)).toBe(true);
    expect(list.some((s: any) => s.id === c.sessionId)).toBe(true);
  });

  it('rpc call with named parameters', async () => {
    const { response } = await c.request({ jsonrpc: '2.0', method: 'page.open', params: { pageId: 'named-1', path: '/a' }, id: 3 });
    expect(response.id).toBe(3);
    expect(expectResult(response).pageId).toBe('named-1');
    const { response: r2 } = await c.request({
      jsonrpc: '2.0',
      method: 'getSessionInfo',
      params: { usernameFilter: null, projectFilter: 'default' },
      id: 4,
    });
    expect(r2.id).toBe(4);
    expect(Array.isArray(expectResult(r2))).toBe(true);
  });

  it('string ids are echoed as given', async () => {
    const { response } = await c.request({ jsonrpc: '2.0', method: 'session.self', id: 'abc-1' });
    expect(response.id).toBe('abc-1');
    expectResult(response);
  });

  it('a notification gets no response, but is carried out', async () => {
    const got = await exchange(c, JSON.stringify({ jsonrpc: '2.0', method: 'page.open', params: { pageId: 'notified-1' } }));
    expect(got).toEqual([]);
    const self = expectResult(await c.call('session.self'));
    expect(self.pageIds).toContain('notified-1');
  });

  it('a notification of a non-existent method, or with bad params, gets no response', async () => {
    expect(await exchange(c, JSON.stringify({ jsonrpc: '2.0', method: 'foobar' }))).toEqual([]);
    expect(await exchange(c, JSON.stringify({ jsonrpc: '2.0', method: 'page.update', params: { pageId: 42 } }))).toEqual([]);
    expect(await exchange(c, JSON.stringify({ jsonrpc: '2.0', method: 'page.close', params: { pageId: 'nope' } }))).toEqual([]);
  });

  it('rpc call of a non-existent method: -32601', async () => {
    const got = await exchange(c, '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}');
    expect(got).toHaveLength(1);
    expectError(got[0], -32601, '1');
  });

  it('rpc call with invalid JSON: -32700 with id null', async () => {
    const got = await exchange(c, '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    expect(got).toHaveLength(1);
    expectError(got[0], -32700, null);
    expect(Array.isArray(got[0])).toBe(false);
  });

  it('rpc call with invalid Request object: -32600 with id null', async () => {
    const got = await exchange(c, '{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    expect(got).toHaveLength(1);
    expectError(got[0], -32600, null);
  });

  it('rpc call Batch, invalid JSON: a single -32700 with id null', async () => {
    const got = await exchange(
      c,
      `[
  {"jsonrpc": "2.0", "method": "session.self", "id": "1"},
  {"jsonrpc": "2.0", "method"
]`,
    );
    expect(got).toHaveLength(1);
    expect(Array.isArray(got[0])).toBe(false);
    expectError(got[0], -32700, null);
  });

  it('rpc call with an empty Array: a single -32600 (not an array)', async () => {
    const got = await exchange(c, '[]');
    expect(got).toHaveLength(1);
    expect(Array.isArray(got[0])).toBe(false);
    expectError(got[0], -32600, null);
  });

  it('rpc call with an invalid Batch but not empty: [1] gets an array of one -32600', async () => {
    const got = await exchange(c, '[1]');
    expect(got).toHaveLength(1);
    expect(Array.isArray(got[0])).toBe(true);
    expect(got[0]).toHaveLength(1);
    expectError(got[0][0], -32600, null);
  });

  it('rpc call with an invalid Batch: [1,2,3] gets an array of three -32600', async () => {
    const got = await exchange(c, '[1,2,3]');
    expect(got).toHaveLength(1);
    expect(Array.isArray(got[0])).toBe(true);
    expect(got[0]).toHaveLength(3);
    for (const r of got[0]) expectError(r, -32600, null);
  });

  it('rpc call Batch: responses only for the requests, matched by id', async () => {
    const batch = [
      { jsonrpc: '2.0', method: 'page.open', params: { pageId: 'batch-1' }, id: '1' },
      { jsonrpc: '2.0', method: 'page.open', params: { pageId: 'batch-notified' } },
      { jsonrpc: '2.0', method: 'session.self', id: '2' },
      { foo: 'boo' },
      { jsonrpc: '2.0', method: 'foo.get', params: { name: 'myself' }, id: '5' },
      { jsonrpc: '2.0', method: 'getSessionInfo', id: '9' },
    ];
    const got = await exchange(c, JSON.stringify(batch));
    expect(got).toHaveLength(1);
    const responses = got[0];
    expect(Array.isArray(responses)).toBe(true);
    expect(responses).toHaveLength(5);
    const byId = (id: string | null) => responses.filter((r: any) => r.id === id);
    expect(byId('1')).toHaveLength(1);
    expect(expectResult(byId('1')[0]).pageId).toBe('batch-1');
    expect(byId('2')).toHaveLength(1);
    expect(expectResult(byId('2')[0]).id).toBe(c.sessionId);
    expect(byId(null)).toHaveLength(1);
    expectError(byId(null)[0], -32600, null);
    expect(byId('5')).toHaveLength(1);
    expectError(byId('5')[0], -32601, '5');
    expect(byId('9')).toHaveLength(1);
    expect(Array.isArray(expectResult(byId('9')[0]))).toBe(true);
    // The notification inside the batch was carried out.
    expect(expectResult(await c.call('session.self')).pageIds).toContain('batch-notified');
  });

  it('rpc call Batch (all notifications): nothing at all comes back', async () => {
    const batch = [
      { jsonrpc: '2.0', method: 'page.open', params: { pageId: 'n-a' } },
      { jsonrpc: '2.0', method: 'page.open', params: { pageId: 'n-b' } },
      { jsonrpc: '2.0', method: 'foobar' },
    ];
    const got = await exchange(c, JSON.stringify(batch));
    expect(got).toEqual([]);
    const self = expectResult(await c.call('session.self'));
    expect(self.pageIds).toEqual(expect.arrayContaining(['n-a', 'n-b']));
  });
});

describe('envelope rules', () => {
  it('every response carries jsonrpc "2.0" and exactly one of result and error', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const responses = [await c.call('session.self'), await c.call('page.update', { pageId: 'missing' }), await c.call('nope.nope')];
    // Every frame from the server is a text frame.
    expect(c.received.every((e) => !e.binary)).toBe(true);
    for (const r of responses) {
      expect(r.jsonrpc).toBe('2.0');
      expect(('result' in r ? 1 : 0) + ('error' in r ? 1 : 0)).toBe(1);
      if (r.error) {
        expect(Number.isInteger(r.error.code)).toBe(true);
        expect(typeof r.error.message).toBe('string');
      }
    }
    await c.close();
  });

  it.each([
    ['jsonrpc missing', { method: 'session.self', id: 11 }],
    ['jsonrpc "1.0"', { jsonrpc: '1.0', method: 'session.self', id: 12 }],
    ['method missing', { jsonrpc: '2.0', id: 13 }],
    ['method not a string', { jsonrpc: '2.0', method: 42, id: 14 }],
    ['params a string', { jsonrpc: '2.0', method: 'session.self', params: 'x', id: 15 }],
    ['params a number', { jsonrpc: '2.0', method: 'session.self', params: 3, id: 16 }],
    ['id an object', { jsonrpc: '2.0', method: 'session.self', id: { a: 1 } }],
  ])('an invalid Request object (%s) gets -32600', async (_what, message) => {
    const c = await RawClient.connect(srv.wsUrl);
    const got = await exchange(c, JSON.stringify(message));
    expect(got).toHaveLength(1);
    expectError(got[0], -32600);
    // The spec: the id when it could be detected, else null.
    const id = (message as any).id;
    const detectable = typeof id === 'number' || typeof id === 'string';
    expect(detectable ? [id, null] : [null]).toContain(got[0].id);
    expect(c.isOpen).toBe(true);
    await c.close();
  });

  it.each([
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['JSON true', 'true'],
  ])('a frame holding %s gets -32600 with id null', async (_what, text) => {
    const c = await RawClient.connect(srv.wsUrl);
    const got = await exchange(c, text);
    expect(got).toHaveLength(1);
    expectError(got[0], -32600, null);
    await c.close();
  });

  it.each([
    ['empty text', ''],
    ['plain words', 'hello there'],
    ['truncated JSON', '{"jsonrpc":"2.0","method":"session.self","id":1'],
    ['trailing garbage', '{"jsonrpc":"2.0","method":"session.self","id":1} x'],
  ])('a frame of %s gets -32700 with id null', async (_what, text) => {
    const c = await RawClient.connect(srv.wsUrl);
    const got = await exchange(c, text);
    expect(got).toHaveLength(1);
    expectError(got[0], -32700, null);
    await c.close();
  });

  it('each request gets exactly one response, and the socket stays open after bad messages', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const start = c.received.length;
    const ids: number[] = [];
    const texts = ['not json', '[]', '{"jsonrpc":"2.0","method":1}', '[1,2]'];
    for (const t of texts) c.sendRaw(t);
    // Twenty requests, some good, some failing.
    const methods = ['session.self', 'page.update', 'no.such', 'page.close', 'getSessionInfo'];
    for (let i = 0; i < 20; i++) {
      const id = c.newId();
      ids.push(id);
      const method = methods[i % methods.length]!;
      const params = method.startsWith('page.') ? { pageId: `missing-${i}` } : undefined;
      c.sendJson(params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id });
    }
    const sentinel = await c.call('session.self');
    expectResult(sentinel);
    await sleep(150);
    const got = c.received.slice(start).map((e) => e.data);
    for (const id of ids) {
      expect(
        got.filter((d) => d && !Array.isArray(d) && d.id === id),
        `responses to id ${id}`,
      ).toHaveLength(1);
    }
    // 4 bad frames: -32700, -32600, -32600, [-32600, -32600]; 20 responses; the sentinel.
    expect(got).toHaveLength(4 + 20 + 1);
    expect(c.isOpen).toBe(true);
    await c.close();
  });

  it('a request whose params are invalid gets -32602', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('page.open', { pageId: 42 }), -32602);
    expectError(await c.call('auth.login', {}), -32602);
    expectError(await c.call('auth.login', { token: 7 }), -32602);
    expect(c.isOpen).toBe(true);
    await c.close();
  });

  it('params may be omitted for methods that take none', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const { response } = await c.request({ jsonrpc: '2.0', method: 'session.self', id: 'no-params' });
    expect(expectResult(response).id).toBe(c.sessionId);
    const { response: r2 } = await c.request({ jsonrpc: '2.0', method: 'session.self', params: {}, id: 'empty-obj' });
    expect(expectResult(r2).id).toBe(c.sessionId);
    const { response: r3 } = await c.request({ jsonrpc: '2.0', method: 'auth.logout', params: [], id: 'empty-arr' });
    expect(expectResult(r3)).toMatchObject({ username: 'Unauthenticated' });
    await c.close();
  });
});

describe('batches and the batch limit', () => {
  it('a batch of maxBatch requests gets one response per request', async () => {
    await using s = await startTestServer({ maxBatch: 5 });
    const c = await RawClient.connect(s.wsUrl);
    const batch = Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', method: 'session.self', id: `ok-${i}` }));
    const got = await exchange(c, JSON.stringify(batch));
    expect(got).toHaveLength(1);
    expect(got[0]).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      const r = got[0].filter((x: any) => x.id === `ok-${i}`);
      expect(r).toHaveLength(1);
      expect(expectResult(r[0]).id).toBe(c.sessionId);
    }
    await c.close();
  });

  it('a batch over maxBatch: still exactly one response per request id (an error is fine), socket open', async () => {
    await using s = await startTestServer({ maxBatch: 5 });
    const c = await RawClient.connect(s.wsUrl);
    const batch = Array.from({ length: 7 }, (_, i) => ({ jsonrpc: '2.0', method: 'session.self', id: `big-${i}` }));
    const got = await exchange(c, JSON.stringify(batch));
    const responses = got.flatMap((x) => (Array.isArray(x) ? x : [x]));
    for (let i = 0; i < 7; i++) {
      expect(
        responses.filter((r: any) => r && r.id === `big-${i}`),
        `exactly one response for request id big-${i}; got ${JSON.stringify(got)}`,
      ).toHaveLength(1);
    }
    expect(c.isOpen).toBe(true);
    await c.close();
  });
});

describe('rate limiting (-32029)', () => {
  it('each refused request still gets exactly one response, with its id; the socket stays open', async () => {
    await using s = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 2 });
    const c = await RawClient.connect(s.wsUrl);
    for (let i = 0; i < 6; i++) c.sendJson({ jsonrpc: '2.0', method: 'session.self', id: `rl-${i}` });
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push((await c.nextMessage((d) => d?.id === `rl-${i}`)).data);
    const refused = responses.filter((r) => r.error);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expectError(r, -32029);
    await sleep(100);
    expect(c.received.filter((e) => typeof e.data?.id === 'string' && e.data.id.startsWith('rl-'))).toHaveLength(6);
    expect(c.isOpen).toBe(true);
    await c.close();
  });
});
