/**
 * shared/ JSON-RPC envelope handling, checked against JSON-RPC 2.0 (section 7 examples) and
 * PROTOCOL.md, without a socket.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorCode,
  MAX_PARAMS_DEPTH,
  classifyCall,
  classifyServerMessage,
  classifyInbound,
  failure,
  nestedDeeperThan,
  notification,
  parseErrorResponse,
  parseInbound,
  success,
} from '@session-tracker/shared';

describe('parseInbound on the spec examples', () => {
  it('a request with positional params', () => {
    expect(parseInbound('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}')).toEqual({
      kind: 'single',
      call: { kind: 'request', method: 'subtract', params: [42, 23], id: 1 },
    });
  });

  it('a request with named params', () => {
    expect(parseInbound('{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}')).toEqual({
      kind: 'single',
      call: { kind: 'request', method: 'subtract', params: { subtrahend: 23, minuend: 42 }, id: 3 },
    });
  });

  it('a notification (no id)', () => {
    expect(parseInbound('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}')).toEqual({
      kind: 'single',
      call: { kind: 'notification', method: 'update', params: [1, 2, 3, 4, 5] },
    });
    const noParams = parseInbound('{"jsonrpc": "2.0", "method": "foobar"}');
    expect(noParams.kind).toBe('single');
    if (noParams.kind === 'single') expect(noParams.call.kind).toBe('notification');
  });

  it('id null is a request, not a notification', () => {
    const m = parseInbound('{"jsonrpc": "2.0", "method": "x", "id": null}');
    expect(m).toEqual({ kind: 'single', call: { kind: 'request', method: 'x', params: undefined, id: null } });
  });

  it('string ids are kept', () => {
    const m = parseInbound('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}');
    expect(m.kind === 'single' && m.call.kind === 'request' && m.call.id).toBe('1');
  });

  it('invalid JSON is a parse error', () => {
    expect(parseInbound('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]').kind).toBe('parse-error');
    expect(parseInbound('').kind).toBe('parse-error');
    expect(
      parseInbound('[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]').kind,
    ).toBe('parse-error');
  });

  it('an invalid Request object (method 1, params "bar") is invalid with id null', () => {
    const m = parseInbound('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    expect(m.kind).toBe('single');
    if (m.kind === 'single') {
      expect(m.call.kind).toBe('invalid');
      if (m.call.kind === 'invalid') expect(m.call.id).toBeNull();
    }
  });

  it('an empty array is an empty batch (one -32600, not an array)', () => {
    expect(parseInbound('[]')).toEqual({ kind: 'empty-batch' });
  });

  it('[1] is a batch of one invalid call; [1,2,3] of three', () => {
    const one = parseInbound('[1]');
    expect(one.kind).toBe('batch');
    if (one.kind === 'batch') {
      expect(one.calls).toHaveLength(1);
      expect(one.calls[0]).toMatchObject({ kind: 'invalid', id: null });
    }
    const three = parseInbound('[1,2,3]');
    expect(three.kind === 'batch' && three.calls.map((c) => c.kind)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('the mixed batch classifies each entry', () => {
    const m = parseInbound(
      JSON.stringify([
        { jsonrpc: '2.0', method: 'sum', params: [1, 2, 4], id: '1' },
        { jsonrpc: '2.0', method: 'notify_hello', params: [7] },
        { jsonrpc: '2.0', method: 'subtract', params: [42, 23], id: '2' },
        { foo: 'boo' },
        { jsonrpc: '2.0', method: 'foo.get', params: { name: 'myself' }, id: '5' },
        { jsonrpc: '2.0', method: 'get_data', id: '9' },
      ]),
    );
    expect(m.kind).toBe('batch');
    if (m.kind === 'batch') {
      expect(m.calls.map((c) => c.kind)).toEqual(['request', 'notification', 'request', 'invalid', 'request', 'request']);
      expect(m.calls[3]).toMatchObject({ kind: 'invalid', id: null });
    }
  });

  it('an all-notification batch has no requests in it', () => {
    const m = parseInbound(
      '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]',
    );
    expect(m.kind === 'batch' && m.calls.every((c) => c.kind === 'notification')).toBe(true);
  });
});

describe('classifyCall', () => {
  it.each([
    ['a number', 1],
    ['a string', 'x'],
    ['null', null],
    ['an array', []],
    ['no jsonrpc', { method: 'm', id: 1 }],
    ['jsonrpc 1.0', { jsonrpc: '1.0', method: 'm', id: 1 }],
    ['jsonrpc as number', { jsonrpc: 2.0, method: 'm', id: 1 }],
    ['method missing', { jsonrpc: '2.0', id: 1 }],
    ['method a number', { jsonrpc: '2.0', method: 5, id: 1 }],
    ['params a string', { jsonrpc: '2.0', method: 'm', params: 'bar', id: 1 }],
    ['params null', { jsonrpc: '2.0', method: 'm', params: null, id: 1 }],
    ['params a number', { jsonrpc: '2.0', method: 'm', params: 3 }],
    ['id an object', { jsonrpc: '2.0', method: 'm', id: {} }],
    ['id an array', { jsonrpc: '2.0', method: 'm', id: [1] }],
    ['id a boolean', { jsonrpc: '2.0', method: 'm', id: true }],
  ])('%s is invalid', (_what, value) => {
    const c = classifyCall(value);
    expect(c.kind).toBe('invalid');
    if (c.kind === 'invalid') expect(typeof c.message).toBe('string');
  });

  it('an invalid call keeps an id it could detect, else null (spec: Null when undetectable)', () => {
    expect(classifyCall({ jsonrpc: '2.0', method: 5, id: 7 })).toMatchObject({ kind: 'invalid', id: 7 });
    expect(classifyCall({ jsonrpc: '2.0', method: 5, id: 'seven' })).toMatchObject({ kind: 'invalid', id: 'seven' });
    expect(classifyCall({ jsonrpc: '2.0', method: 5, id: { a: 1 } })).toMatchObject({ kind: 'invalid', id: null });
    expect(classifyCall(42)).toMatchObject({ kind: 'invalid', id: null });
  });

  it('unknown members do not make a call invalid', () => {
    expect(classifyCall({ jsonrpc: '2.0', method: 'm', id: 1, extra: true }).kind).toBe('request');
  });
});

describe('classifyInbound and parseInbound never throw', () => {
  it('for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const m = parseInbound(s);
        expect(['single', 'batch', 'empty-batch', 'parse-error']).toContain(m.kind);
      }),
      { numRuns: 500 },
    );
  });

  it('for any JSON value; a batch has one classification per entry', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const m = classifyInbound(v);
        if (Array.isArray(v)) {
          if (v.length === 0) expect(m.kind).toBe('empty-batch');
          else expect(m.kind === 'batch' && m.calls.length).toBe(v.length);
        } else {
          expect(m.kind).toBe('single');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any well-formed request round-trips', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), { nil: undefined }),
        fc.oneof(fc.string(), fc.integer()),
        (method, params, id) => {
          const msg: Record<string, unknown> = { jsonrpc: '2.0', method, id };
          if (params !== undefined) msg.params = params;
          const m = parseInbound(JSON.stringify(msg));
          expect(m.kind).toBe('single');
          if (m.kind === 'single') {
            expect(m.call.kind).toBe('request');
            if (m.call.kind === 'request') {
              expect(m.call.method).toBe(method);
              expect(m.call.id).toBe(id);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('response builders', () => {
  it('success, failure, notification and parse error follow JSON-RPC 2.0', () => {
    expect(success(1, { a: 1 })).toEqual({ jsonrpc: '2.0', id: 1, result: { a: 1 } });
    expect(failure('x', ErrorCode.MethodNotFound, 'Method not found')).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32601, message: 'Method not found' },
    });
    expect(failure(null, -32602, 'bad', { field: 'f' }).error.data).toEqual({ field: 'f' });
    expect('data' in failure(null, -32602, 'bad').error).toBe(false);
    expect(notification('session.welcome', { a: 1 })).toEqual({ jsonrpc: '2.0', method: 'session.welcome', params: { a: 1 } });
    const pe = parseErrorResponse();
    expect(pe.id).toBeNull();
    expect(pe.error.code).toBe(-32700);
  });

  it('classifyServerMessage accepts what the builders build and rejects a response without jsonrpc', () => {
    expect(classifyServerMessage(success(1, null))?.kind).toBe('result');
    expect(classifyServerMessage(failure(null, -32600, 'x'))?.kind).toBe('error');
    expect(classifyServerMessage(notification('m', {}))?.kind).toBe('notification');
    expect(classifyServerMessage({ id: 1, result: 1 })).toBeNull();
    expect(classifyServerMessage({ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'x' } })).toBeNull();
  });
});

describe('nestedDeeperThan (the params depth limit, MAX_PARAMS_DEPTH)', () => {
  /** Depth by the obvious recursive definition, for values small enough to recurse over. */
  function depthOf(v: unknown): number {
    if (typeof v !== 'object' || v === null) return 0;
    const children = Array.isArray(v) ? v : Object.values(v);
    return 1 + Math.max(0, ...children.map(depthOf));
  }

  it('agrees with the recursive definition on random values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, max) => {
        expect(nestedDeeperThan(v, max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 3_000 },
    );
  });

  it('is 32 levels, params itself counting as the first', () => {
    expect(MAX_PARAMS_DEPTH).toBe(32);
    const nest = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    expect(nestedDeeperThan(nest(32), MAX_PARAMS_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nest(33), MAX_PARAMS_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: 'x', c: null }, 1)).toBe(false);
    expect(nestedDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  it('measures a 30,000-deep value without overflowing the stack', () => {
    const deep: unknown = JSON.parse(`${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`);
    expect(nestedDeeperThan(deep, MAX_PARAMS_DEPTH)).toBe(true);
    expect(nestedDeeperThan(deep, 40_000)).toBe(false);
  });
});

describe('describeJsonError: where and why, never the text', () => {
  const reason = (text: string): string => {
    const m = parseInbound(text);
    if (m.kind !== 'parse-error') throw new Error(`parsed: ${text}`);
    return m.message;
  };

  it('the unescaped backslash of a regex: position and the fix', () => {
    expect(reason(String.raw`{"usernameFilter":"bill\.smith"}`)).toBe(
      String.raw`Parse error: invalid JSON at position 24: a backslash in a JSON string must start an escape (\" \\ \/ \b \f \n \r \t \uXXXX); a regular expression such as bill\.smith is written "bill\\.smith" in JSON`,
    );
  });

  it.each([
    ['{"a":1,}', 'Parse error: invalid JSON at position 7: expected a double-quoted name (a trailing comma?)'],
    ['{a:1}', "Parse error: invalid JSON at position 1: expected a double-quoted name or '}'"],
    ['{"a":1', "Parse error: invalid JSON at position 6: expected ',' or '}' after a value"],
    ['{"a":"x', 'Parse error: invalid JSON at position 7: a string is not closed'],
    ['', 'Parse error: invalid JSON: the text ends before the JSON value does'],
    ['{"a":1} x', 'Parse error: invalid JSON at position 8: more text after the JSON value'],
  ])('%j', (text, message) => {
    expect(reason(text)).toBe(message);
  });

  it('never quotes the frame (V8 does, and a frame may hold a token)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 10 }), (tail, head) => {
        const secret = `tok_${tail}`;
        const text = `${head}{"token":${secret}}`;
        try {
          JSON.parse(text);
          return;
        } catch {
          // not JSON: the case under test
        }
        const message = reason(text);
        expect(message.startsWith('Parse error: invalid JSON')).toBe(true);
        expect(message).not.toContain('tok_');
      }),
    );
  });
});
