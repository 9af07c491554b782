/** shared/ constants and schemas, checked against the numbers and names in PROTOCOL.md. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ADMIN_METHODS,
  CloseCode,
  DEFAULTS,
  ErrorCode,
  LIMITS,
  METHOD_NAMES,
  SCOPES,
  SESSION_DATASET_COLUMNS,
  UNAUTHENTICATED,
  describeIssues,
  isMethodName,
  isWelcomeParams,
  isSessionScope,
  isValidProject,
  paramsSchemas,
} from '@session-tracker/shared';

describe('codes', () => {
  it("error codes are the contract's", () => {
    expect(ErrorCode).toMatchObject({
      ParseError: -32700,
      InvalidRequest: -32600,
      MethodNotFound: -32601,
      InvalidParams: -32602,
      Internal: -32603,
      BadToken: -32001,
      Forbidden: -32003,
      NotFound: -32004,
      RateLimited: -32029,
    });
  });

  it("close codes are the contract's", () => {
    expect(CloseCode).toMatchObject({ GoingAway: 1001, InvalidPayload: 1007, Policy: 1008, TooBig: 1009, TerminatedByAdmin: 4000 });
  });
});

describe('defaults and limits', () => {
  it('match PROTOCOL.md', () => {
    expect(DEFAULTS.port).toBe(8080);
    expect(DEFAULTS.path).toBe('/ws');
    expect(DEFAULTS.project).toBe('default');
    expect(DEFAULTS.scope).toBe('browser');
    expect(DEFAULTS.heartbeatMs).toBe(15_000);
    expect(DEFAULTS.sessionTimeoutMs).toBe(30_000);
    expect(DEFAULTS.maxPayload).toBe(64 * 1024);
    expect(DEFAULTS.adminRoles).toEqual(['admin']);
    expect(LIMITS.projectMaxLength).toBe(128);
    expect(LIMITS.filterMaxLength).toBe(1_000);
    expect(UNAUTHENTICATED).toBe('Unauthenticated');
  });

  it('scopes are exactly browser, designer, ios, android', () => {
    expect([...SCOPES].sort()).toEqual(['android', 'browser', 'designer', 'ios']);
    for (const s of SCOPES) expect(isSessionScope(s)).toBe(true);
    for (const s of ['', 'Browser', 'web', 'gateway', 'IOS', ' browser']) expect(isSessionScope(s)).toBe(false);
  });
});

describe('isValidProject', () => {
  it('accepts letters, digits, space, _ . - from 1 to 128 characters', () => {
    for (const p of ['default', 'My Project_2.0-beta', 'x', '7', 'p'.repeat(128), '...', '- _']) {
      expect(isValidProject(p), p).toBe(true);
    }
  });

  it('refuses empty, over-long and other characters', () => {
    for (const p of ['', 'p'.repeat(129), 'a/b', '<x>', 'a!', 'a:b', 'a\tb', 'a\nb', 'a\u0000b', 'a%20b', 'a+b', "a'b", 'a"b']) {
      expect(isValidProject(p), JSON.stringify(p)).toBe(false);
    }
  });

  it('any ASCII string over the allowed alphabet of length 1..128 is valid', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.-'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 128 }), (chars) => {
        expect(isValidProject(chars.join(''))).toBe(true);
      }),
    );
  });

  it('any string holding a printable ASCII character outside the alphabet is invalid', () => {
    const bad = '!"#$%&\'()*+,/:;<=>?@[\\]^`{|}~'.split('');
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom(...bad), fc.string({ maxLength: 60 }), (a, c, b) => {
        expect(isValidProject(a + c + b)).toBe(false);
      }),
    );
  });
});

describe('method map', () => {
  it('names every method of the contract', () => {
    expect([...METHOD_NAMES].sort()).toEqual(
      [
        'page.open',
        'page.update',
        'page.close',
        'auth.login',
        'auth.logout',
        'session.self',
        'session.ping',
        'session.ticket',
        'session.end',
        'getSessionInfo',
        'getSessionStats',
        'sessions.watch',
        'sessions.unwatch',
        'sessions.close',
        'pages.close',
        'session.sendMessage',
        'sessions.history',
        'sessions.events',
        'sessions.list',
        'sessions.rollup',
      ].sort(),
    );
    expect(isMethodName('page.open')).toBe(true);
    expect(isMethodName('toString')).toBe(false);
    expect(isMethodName('__proto__')).toBe(false);
  });

  it('admin methods are getSessionInfo and the admin table', () => {
    expect([...ADMIN_METHODS].sort()).toEqual(
      [
        'getSessionInfo',
        'getSessionStats',
        'sessions.watch',
        'sessions.unwatch',
        'sessions.close',
        'pages.close',
        'session.sendMessage',
        'sessions.history',
        'sessions.events',
        'sessions.list',
        'sessions.rollup',
      ].sort(),
    );
    for (const m of ['page.open', 'page.update', 'page.close', 'auth.login', 'auth.logout', 'session.self'] as const) {
      expect(ADMIN_METHODS.has(m)).toBe(false);
    }
  });
});

describe('params schemas', () => {
  const ok = (m: keyof typeof paramsSchemas, p: unknown) => paramsSchemas[m].safeParse(p).success;

  it('page.open: everything optional', () => {
    expect(ok('page.open', {})).toBe(true);
    expect(ok('page.open', { pageId: 'p', path: '/x', title: 'T' })).toBe(true);
    expect(ok('page.open', { pageId: 1 })).toBe(false);
    expect(ok('page.open', { pageId: '' })).toBe(false);
  });

  it('page.update and page.close need a pageId', () => {
    expect(ok('page.update', { pageId: 'p' })).toBe(true);
    expect(ok('page.update', {})).toBe(false);
    expect(ok('page.close', { pageId: 'p' })).toBe(true);
    expect(ok('page.close', {})).toBe(false);
  });

  it('auth.login needs a string token', () => {
    expect(ok('auth.login', { token: 'abc' })).toBe(true);
    expect(ok('auth.login', {})).toBe(false);
    expect(ok('auth.login', { token: 1 })).toBe(false);
  });

  it('getSessionInfo: positional [usernameFilter?, projectFilter?] or named with format', () => {
    for (const p of [
      undefined,
      [],
      [null],
      ['a'],
      ['a', 'b'],
      [null, null],
      ['', ''],
      {},
      { usernameFilter: 'a' },
      { format: 'dataset' },
      { format: 'list' },
    ]) {
      expect(ok('getSessionInfo', p), JSON.stringify(p)).toBe(true);
    }
    for (const p of [[1], ['a', 'b', 'c'], { usernameFilter: 1 }, { format: 'csv' }, [{}]]) {
      expect(ok('getSessionInfo', p), JSON.stringify(p)).toBe(false);
    }
  });

  it('describeIssues names the offending field', () => {
    const r = paramsSchemas['page.update'].safeParse({});
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toMatch(/pageId/);
  });
});

describe('dataset columns and welcome', () => {
  it('the 7.9 dataset columns, in order', () => {
    expect(SESSION_DATASET_COLUMNS).toEqual([
      { name: 'username', type: 'String' },
      { name: 'project', type: 'String' },
      { name: 'address', type: 'String' },
      { name: 'isDesigner', type: 'Boolean' },
      { name: 'clientId', type: 'String' },
      { name: 'creationTime', type: 'Date' },
    ]);
  });

  it('isWelcomeParams accepts the documented welcome params', () => {
    expect(isWelcomeParams({ sessionId: 'a', resumeToken: 'b', resumed: false, heartbeatMs: 15000, serverTime: Date.now() })).toBe(true);
    expect(isWelcomeParams({ sessionId: 'a', resumeToken: 'b', resumed: 'no', heartbeatMs: 1, serverTime: 1 })).toBe(false);
  });
});
