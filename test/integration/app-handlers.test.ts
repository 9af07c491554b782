/**
 * Contract 1.1, the app's own traffic: `tracker.handle(name, handler)` serving `app.<name>`,
 * over real sockets with a raw JSON-RPC client.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

describe('app methods (tracker.handle)', () => {
  it('serves app.<name> with the params and the calling session', async () => {
    await using srv = await startTestServer();
    const seen: unknown[] = [];
    srv.tracker.handle<{ a: number; b: number }, { sum: number }>('math.add', (params, session) => {
      seen.push(session);
      return { sum: params.a + params.b };
    });
    srv.tracker.handle('slow.echo', async (params: unknown) => {
      await new Promise((r) => setTimeout(r, 10));
      return { echo: params };
    });
    await using c = await RawClient.connect(srv.wsUrl, { project: 'Plant', scope: 'designer' });
    await c.result('auth.login', { token: ADMIN_TOKEN });
    const r = await c.call('app.math.add', { a: 2, b: 3 });
    expect(r).toEqual({ jsonrpc: '2.0', id: r.id, result: { sum: 5 } });
    expect(seen).toEqual([
      { id: c.sessionId, username: 'admin', roles: expect.any(Array), authorized: true, project: 'Plant', scope: 'designer' },
    ]);
    expect((await c.call('app.slow.echo', [1, 'x'])).result).toEqual({ echo: [1, 'x'] });
  });

  it('answers -32601 for an app name with no handler, and for app. alone', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    const r = await c.call('app.nothing.here', {});
    expect(r.error?.code).toBe(-32601);
    expect(r.error?.message).toContain('app.nothing.here');
    expect((await c.call('app.', {})).error?.code).toBe(-32601);
    // Other names outside the contract stay -32601 too.
    expect((await c.call('application.x', {})).error?.code).toBe(-32601);
  });

  it('checks params with a zod schema: -32602 naming the field, and the handler gets the parsed value', async () => {
    await using srv = await startTestServer();
    const schema = z.object({ tag: z.string().min(1), value: z.number().int() });
    let got: unknown;
    srv.tracker.handle(
      'tags.write',
      (params) => {
        got = params;
        return { ok: true };
      },
      { schema },
    );
    await using c = await RawClient.connect(srv.wsUrl);
    const bad = await c.call('app.tags.write', { tag: 'T1', value: 'high' });
    expect(bad.error?.code).toBe(-32602);
    expect(bad.error?.message).toContain('value');
    const missing = await c.call('app.tags.write', { value: 1 });
    expect(missing.error?.code).toBe(-32602);
    expect(missing.error?.message).toContain('tag');
    expect(got).toBeUndefined();
    expect((await c.call('app.tags.write', { tag: 'T1', value: 4 })).result).toEqual({ ok: true });
    expect(got).toEqual({ tag: 'T1', value: 4 });
  });

  it('passes coded errors through and turns anything else into -32603 with nothing leaked, logged with session and method', async () => {
    const { lines, logger } = captureLogs();
    await using srv = await startTestServer({ logger });
    srv.tracker.handle('coded', () => {
      throw Object.assign(new Error('valve is locked'), { code: -32010, data: { valve: 'V7' } });
    });
    srv.tracker.handle('positive', async () => {
      throw { code: 409, message: 'conflict' };
    });
    srv.tracker.handle('reserved', () => {
      // -32602 is the contract's own code, not in the app's range: it must not pass.
      throw Object.assign(new Error('secret-detail-1'), { code: -32602 });
    });
    srv.tracker.handle('crash', () => {
      throw new Error('secret-detail-2 at /srv/db password=hunter2');
    });
    srv.tracker.handle('reject', () => Promise.reject(new TypeError('secret-detail-3')));
    await using c = await RawClient.connect(srv.wsUrl);
    expect((await c.call('app.coded')).error).toEqual({ code: -32010, message: 'valve is locked', data: { valve: 'V7' } });
    expect((await c.call('app.positive')).error).toEqual({ code: 409, message: 'conflict' });
    for (const name of ['reserved', 'crash', 'reject']) {
      const r = await c.call(`app.${name}`);
      expect(r.error).toEqual({ code: -32603, message: 'Internal error' });
      expect(JSON.stringify(r)).not.toContain('secret-detail');
    }
    const failures = lines.filter((l) => l.msg === 'app handler failed');
    expect(failures.map((l) => l.method)).toEqual(['app.reserved', 'app.crash', 'app.reject']);
    for (const l of failures) expect(l.sessionId).toBe(c.sessionId);
    expect(JSON.stringify(failures)).toContain('secret-detail-2');
    // The socket stays usable after every one of them.
    expect((await c.call('session.ping')).result).toHaveProperty('serverTime');
  });

  it('runs notifications without answering them, even when the handler fails', async () => {
    await using srv = await startTestServer();
    const got: unknown[] = [];
    srv.tracker.handle('ui.clicked', (params) => {
      got.push(params);
    });
    srv.tracker.handle('ui.broken', () => {
      throw new Error('no');
    });
    await using c = await RawClient.connect(srv.wsUrl);
    c.notify('app.ui.clicked', { button: 'start' });
    c.notify('app.ui.broken', {});
    c.notify('app.ui.unknown', {});
    await c.result('session.ping');
    expect(got).toEqual([{ button: 'start' }]);
    expect(c.unconsumed()).toEqual([]);
  });

  it('refuses bad registrations with a clear error', async () => {
    await using srv = await startTestServer();
    expect(() => srv.tracker.handle('', () => 1)).toThrow(/name/);
    expect(() => srv.tracker.handle('app.x', () => 1)).not.toThrow(); // served as app.app.x
    expect(() => srv.tracker.handle('session.self', () => 1)).toThrow(/tracker method/);
    srv.tracker.handle('once', () => 1);
    expect(() => srv.tracker.handle('once', () => 2)).toThrow(/already/);
    const off = srv.tracker.handle('gone', () => 1);
    off();
    await using c = await RawClient.connect(srv.wsUrl);
    expect((await c.call('app.gone')).error?.code).toBe(-32601);
  });

  it('serves app calls inside a batch, in order, with their own ids', async () => {
    await using srv = await startTestServer();
    let n = 0;
    srv.tracker.handle('next', () => ++n);
    await using c = await RawClient.connect(srv.wsUrl);
    c.sendJson([
      { jsonrpc: '2.0', id: 'a', method: 'app.next' },
      { jsonrpc: '2.0', id: 'b', method: 'app.missing' },
      { jsonrpc: '2.0', id: 'c', method: 'app.next' },
    ]);
    const batch = await c.nextMessage((d) => Array.isArray(d));
    expect(batch.data).toEqual([
      { jsonrpc: '2.0', id: 'a', result: 1 },
      { jsonrpc: '2.0', id: 'b', error: { code: -32601, message: 'Method not found: app.missing' } },
      { jsonrpc: '2.0', id: 'c', result: 2 },
    ]);
  });

  it('applies the rate limit to app calls', async () => {
    await using srv = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 3, abuseCloseAfterMs: 60_000 });
    let calls = 0;
    srv.tracker.handle('hit', () => ++calls);
    await using c = await RawClient.connect(srv.wsUrl);
    const answers = await Promise.all(Array.from({ length: 6 }, () => c.call('app.hit')));
    const limited = answers.filter((a) => a.error?.code === -32029);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(calls).toBe(answers.length - limited.length);
  });

  it('refuses params nested deeper than 32 levels with -32602, alone and in a batch, and answers the rest', async () => {
    await using srv = await startTestServer();
    srv.tracker.handle('echo', (params: unknown) => ({ echo: params }));
    await using c = await RawClient.connect(srv.wsUrl);
    // Written as text: JSON.stringify of a 5,000-deep value overflows this side's stack too.
    const deep = `${'{"d":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`;
    c.sendRaw(`{"jsonrpc":"2.0","method":"app.echo","params":{"deep":${deep}},"id":"alone"}`);
    const alone = (await c.nextMessage((d) => d?.id === 'alone')).data as { error?: { code: number; message: string } };
    expect(alone.error?.code).toBe(-32602);
    expect(alone.error?.message).toMatch(/nested deeper than 32/);
    // In a batch the traffic count serializes each call: a deep one must not take the batch down.
    c.sendRaw(
      `[{"jsonrpc":"2.0","method":"app.echo","params":{"deep":${deep}},"id":"deep"},{"jsonrpc":"2.0","method":"app.echo","params":{"flat":1},"id":"flat"}]`,
    );
    const answer = await c.nextMessage((d) => Array.isArray(d));
    const byId = new Map((answer.data as { id: string; error?: { code: number }; result?: unknown }[]).map((a) => [a.id, a]));
    expect(byId.get('deep')?.error?.code).toBe(-32602);
    expect(byId.get('flat')?.result).toEqual({ echo: { flat: 1 } });
  });
});
