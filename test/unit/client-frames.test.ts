/**
 * Client SDK: inbound frame validation. The SDK checks what the server sends with the
 * contract's own zod-free checks (`classifyServerMessage`, `isWelcomeParams`,
 * `NOTIFICATION_CHECKS`, `isResultOf` from @session-tracker/shared: one representation of each
 * shape, see shared-checks.test.ts); these are the SDK's readings of them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyServerMessage, isResultOf, isWelcomeParams } from '@session-tracker/shared';
import { parseFrame } from '../../client-sdk/src/rpc/frames.js';
import { readNotification } from '../../client-sdk/src/rpc/notifications.js';

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

const isId = (v: unknown) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

describe('classifyServerMessage (JSON-RPC 2.0 as the contract reads it)', () => {
  it('on the contract examples', () => {
    const cases: [unknown, string | null][] = [
      [{ jsonrpc: '2.0', id: 1, result: { pageId: 'p' } }, 'result'],
      [{ jsonrpc: '2.0', id: 1, result: null }, 'result'],
      [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 'error'],
      [{ jsonrpc: '2.0', id: 'a', error: { code: -32003, message: 'Forbidden', data: { why: 1 } } }, 'error'],
      [{ jsonrpc: '2.0', method: 'session.welcome', params: { sessionId: 's' } }, 'notification'],
      [{ jsonrpc: '2.0', id: 1 }, null],
      [{ jsonrpc: '1.0', id: 1, result: 1 }, null],
      [{ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } }, null],
      [{ jsonrpc: '2.0', id: 1, error: { code: 2 ** 60, message: 'x' } }, null],
      [{ jsonrpc: '2.0', id: {}, result: 1 }, null],
      [[], null],
      [null, null],
      ['x', null],
    ];
    for (const [c, kind] of cases) expect(classifyServerMessage(c)?.kind ?? null).toBe(kind);
  });

  it('on generated messages: never throws, and what it extracts is what came', () => {
    fc.assert(
      fc.property(message, (item) => {
        const mine = classifyServerMessage(item);
        if (mine === null) return;
        const sent = item as Record<string, unknown>;
        expect(sent.jsonrpc).toBe('2.0');
        if (mine.kind === 'result') {
          expect('result' in sent && isId(sent.id)).toBe(true);
          expect(mine.id).toBe(sent.id);
          expect(mine.result).toBe(sent.result);
        }
        if (mine.kind === 'error') {
          const error = sent.error as Record<string, unknown>;
          expect(isId(sent.id) && !('result' in sent)).toBe(true);
          expect(Number.isSafeInteger(error.code) && typeof error.message === 'string').toBe(true);
          expect(mine.error).toEqual(error.data === undefined ? { code: error.code, message: error.message } : error);
        }
        if (mine.kind === 'notification') expect(mine.method).toBe(sent.method);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('isWelcomeParams', () => {
  it('takes the documented welcome, with additions, and refuses any field of the wrong type', () => {
    const welcome = { sessionId: 's', resumeToken: 't', resumed: false, heartbeatMs: 15_000, serverTime: Date.now() };
    expect(isWelcomeParams(welcome)).toBe(true);
    expect(isWelcomeParams({ ...welcome, extra: [1] })).toBe(true);
    for (const [field, bad] of [
      ['sessionId', 1],
      ['resumeToken', null],
      ['resumed', 'true'],
      ['heartbeatMs', '15'],
      ['serverTime', undefined],
    ] as const)
      expect(isWelcomeParams({ ...welcome, [field]: bad })).toBe(false);
    expect(isWelcomeParams([welcome])).toBe(false);
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
