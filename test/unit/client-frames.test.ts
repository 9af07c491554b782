/**
 * Client SDK: inbound frame validation. The SDK's hand-written checks (kept zod-free for a
 * small browser bundle) must accept exactly what the shared zod schemas accept.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { outboundMessageSchema, welcomeSchema } from '@session-tracker/shared';
import { classifyServerMessage, isWelcomeParams, parseFrame } from '../../client-sdk/src/rpc/frames.js';
import { readNotification } from '../../client-sdk/src/rpc/notifications.js';
import { isResultOf } from '../../client-sdk/src/rpc/results.js';

const scalar = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(2 ** 60));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 3 }));
const id = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.constant({}));
const errorObject = fc.oneof(
  fc.record(
    {
      code: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60), fc.string({ maxLength: 3 })),
      message: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
      data: value,
    },
    { requiredKeys: [] },
  ),
  value,
);
const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constant('1.0'), fc.constant(2)),
    id,
    result: value,
    error: errorObject,
    method: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
    params: value,
  },
  { requiredKeys: [] },
);

function zodKind(item: unknown): string | null {
  const parsed = outboundMessageSchema.safeParse(item);
  if (!parsed.success) return null;
  if ('result' in parsed.data) return 'result';
  if ('error' in parsed.data) return 'error';
  return 'notification';
}

describe('classifyServerMessage agrees with outboundMessageSchema', () => {
  it('on the contract examples', () => {
    const cases: unknown[] = [
      { jsonrpc: '2.0', id: 1, result: { pageId: 'p' } },
      { jsonrpc: '2.0', id: 1, result: null },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
      { jsonrpc: '2.0', id: 'a', error: { code: -32003, message: 'Forbidden', data: { why: 1 } } },
      { jsonrpc: '2.0', method: 'session.welcome', params: { sessionId: 's' } },
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '1.0', id: 1, result: 1 },
      { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } },
      [],
      null,
      'x',
    ];
    for (const c of cases) expect(classifyServerMessage(c)?.kind ?? null).toBe(zodKind(c));
  });

  it('on generated messages, including what the SDK extracts', () => {
    fc.assert(
      fc.property(message, (item) => {
        const mine = classifyServerMessage(item);
        expect(mine?.kind ?? null).toBe(zodKind(item));
        const parsed = outboundMessageSchema.safeParse(item);
        if (mine !== null && parsed.success) {
          const data = parsed.data as Record<string, unknown>;
          if (mine.kind === 'error') expect(mine.error).toEqual(data.error);
          if (mine.kind === 'result') expect(mine.id).toBe(data.id);
          if (mine.kind === 'notification') expect(mine.method).toBe(data.method);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('isWelcomeParams agrees with welcomeSchema', () => {
  it('on generated params', () => {
    const welcome = fc.record(
      {
        sessionId: fc.oneof(fc.uuid(), fc.integer()),
        resumeToken: fc.oneof(fc.string(), fc.constant(null)),
        resumed: fc.oneof(fc.boolean(), fc.constant('true')),
        heartbeatMs: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 2 })),
        serverTime: fc.oneof(fc.integer(), fc.constant(Date.now())),
        extra: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(welcome, value), (params) => {
        expect(isWelcomeParams(params)).toBe(welcomeSchema.safeParse(params).success);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('parseFrame', () => {
  it('takes batches and reports what it cannot read', () => {
    const frame = parseFrame(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', method: 'session.message', params: { type: 't' } },
        { nonsense: true },
      ]),
    );
    expect(frame.messages.map((m) => m.kind)).toEqual(['result', 'notification']);
    expect(frame.problems).toHaveLength(1);
    expect(parseFrame('{nope').problems).toEqual(['frame is not valid JSON']);
    expect(parseFrame('[]').problems).toEqual(['empty batch']);
  });
});

describe('notification params', () => {
  it('are checked against the contract; unknown methods pass as undefined', () => {
    expect(readNotification('page.closing', { pageId: 'p', message: 'm' })).toEqual({
      method: 'page.closing',
      params: { pageId: 'p', message: 'm' },
    });
    expect(readNotification('page.closing', { message: 'm' })).toBeNull();
    expect(readNotification('session.closing', {})).toEqual({ method: 'session.closing', params: { message: '' } });
    expect(readNotification('session.message', { type: 't', payload: [1], pageId: 'p' })).toEqual({
      method: 'session.message',
      params: { type: 't', payload: [1], pageId: 'p' },
    });
    expect(readNotification('session.message', { type: 't', pageId: 7 })).toBeNull();
    expect(readNotification('sessions.changed', { subscription: 's', added: [], updated: [], removed: ['x'] })).not.toBeNull();
    expect(readNotification('sessions.changed', { subscription: 's', added: [{}], updated: [], removed: [] })).toBeNull();
    expect(readNotification('something.new', { a: 1 })).toBeUndefined();
  });
});

describe('result checks', () => {
  it('accept the contract shapes and refuse others', () => {
    expect(isResultOf('page.open', { pageId: 'p' })).toBe(true);
    expect(isResultOf('page.open', { id: 'p' })).toBe(false);
    expect(isResultOf('auth.login', { username: 'u', roles: ['a'], authorized: true })).toBe(true);
    expect(isResultOf('auth.login', { username: 'u', roles: 'a', authorized: true })).toBe(false);
    expect(isResultOf('getSessionInfo', [])).toBe(true);
    expect(isResultOf('getSessionInfo', { columns: [{ name: 'username', type: 'String' }], rows: [['x']] })).toBe(true);
    expect(isResultOf('getSessionInfo', [{ id: 'only-an-id' }])).toBe(false);
    expect(isResultOf('session.sendMessage', { delivered: 2 })).toBe(true);
  });
});
