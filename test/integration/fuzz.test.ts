import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '@session-tracker/shared';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { endsSession } from '../support/session-ending.js';
import { RawClient, type Received } from '../support/ws-client.js';

/** What the JSON-RPC 2.0 spec says one batch entry (or lone message) gets back: a response or nothing. */
function isNotification(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const paramsOk = !('params' in o) || (typeof o.params === 'object' && o.params !== null);
  return o.jsonrpc === '2.0' && typeof o.method === 'string' && paramsOk && !('id' in o);
}

function validId(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || v === null;
}

function checkResponse(r: unknown): void {
  expect(typeof r).toBe('object');
  const o = r as Record<string, unknown>;
  expect(o.jsonrpc).toBe('2.0');
  expect('id' in o).toBe(true);
  expect(validId(o.id)).toBe(true);
  expect('result' in o !== 'error' in o).toBe(true);
  if ('error' in o) {
    const e = o.error as Record<string, unknown>;
    expect(Number.isInteger(e.code)).toBe(true);
    expect(typeof e.message).toBe('string');
  }
}

// The methods that can end the caller's own session do close its socket by contract (their
// own tests cover it): every other method, and any other string, must leave the socket open.
const methodName = fc.oneof(
  fc.constantFrom(...METHOD_NAMES.filter((m) => !endsSession(m))),
  fc.string({ maxLength: 20 }).filter((m) => !endsSession(m)),
);
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null));
const wrongRequest = fc.record(
  {
    jsonrpc: fc.constant('2.0'),
    method: methodName,
    params: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))),
    id,
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);
const entry = fc.oneof(fc.jsonValue({ maxDepth: 3 }), wrongRequest);
const message = fc.oneof(
  entry.map((v) => ({ kind: 'json' as const, value: v })),
  fc.array(entry, { maxLength: 6 }).map((v) => ({ kind: 'json' as const, value: v })),
  fc.string({ maxLength: 40 }).map((s) => ({ kind: 'text' as const, value: s })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: 'binary' as const, value: b })),
);

describe('property: random input never breaks the server', () => {
  it.each(['anonymous', 'admin'])('answers per JSON-RPC 2.0, keeps the socket open, and counts every byte (%s)', async (who) => {
    await using srv = await startTestServer({ rateLimitPerSecond: 0 });
    await using c = await RawClient.connect(srv.wsUrl);
    let sentBytes = 0;
    if (who === 'admin') {
      const login = JSON.stringify({ jsonrpc: '2.0', method: 'auth.login', params: { token: ADMIN_TOKEN }, id: 'login' });
      sentBytes += Buffer.byteLength(login);
      c.sendRaw(login);
      expect((await c.nextMessage((d) => d?.id === 'login')).data.result.username).toBe('admin');
    }
    let sentinel = 0;
    const exchange = async (send: () => number): Promise<Received[]> => {
      sentBytes += send();
      const sid = `sentinel-${++sentinel}`;
      const text = JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: sid });
      sentBytes += Buffer.byteLength(text);
      c.sendRaw(text);
      const got: Received[] = [];
      for (;;) {
        const m = await c.nextMessage(() => true, 5_000);
        if (m.data?.id === sid) {
          expect(m.data.result.totalBytesSent).toBe(sentBytes);
          return got;
        }
        // Server notifications (a feed the fuzzer subscribed to, say) are not answers.
        if (typeof m.data?.method !== 'string') got.push(m);
      }
    };

    await fc.assert(
      fc.asyncProperty(message, async (msg) => {
        if (msg.kind === 'binary') {
          const got = await exchange(() => {
            c.sendRaw(Buffer.from(msg.value), { binary: true });
            return msg.value.length;
          });
          expect(got).toHaveLength(1);
          expect(got[0]?.data.error.code).toBe(-32700);
          return;
        }
        const text = msg.kind === 'text' ? msg.value : JSON.stringify(msg.value);
        const got = await exchange(() => {
          c.sendRaw(text);
          return Buffer.byteLength(text);
        });
        let parsed: unknown;
        let parses = true;
        try {
          parsed = JSON.parse(text);
        } catch {
          parses = false;
        }
        if (!parses) {
          expect(got).toHaveLength(1);
          expect(got[0]?.data).toMatchObject({ id: null, error: { code: -32700 } });
          return;
        }
        if (Array.isArray(parsed)) {
          if (parsed.length === 0) {
            expect(got).toHaveLength(1);
            expect(got[0]?.data.error.code).toBe(-32600);
            return;
          }
          const expected = parsed.filter((e) => !isNotification(e)).length;
          if (expected === 0) return void expect(got).toHaveLength(0);
          expect(got).toHaveLength(1);
          expect(Array.isArray(got[0]?.data)).toBe(true);
          expect(got[0]?.data).toHaveLength(expected);
          for (const r of (got[0]?.data ?? []) as unknown[]) checkResponse(r);
          return;
        }
        if (isNotification(parsed)) return void expect(got).toHaveLength(0);
        expect(got).toHaveLength(1);
        checkResponse(got[0]?.data);
        const o = parsed as Record<string, unknown>;
        if (typeof o === 'object' && o !== null && o.jsonrpc === '2.0' && typeof o.method === 'string' && validId(o.id)) {
          expect(got[0]?.data.id).toEqual(o.id);
        }
      }),
      { numRuns: 300 },
    );
    expect(c.isOpen).toBe(true);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});
