import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inboundCallSchema, METHOD_NAMES, paramsSchemas, type MethodName } from '@session-tracker/shared';
import { validators } from '../../server/src/rpc/validate.js';

/** Values shaped like what each method takes, near its limits, plus anything at all. */
const str = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: max + 2 }),
    fc.string({ unit: 'grapheme', maxLength: max + 2 }),
    fc.constant('x'.repeat(max)),
    fc.constant('x'.repeat(max + 1)),
  );
const field = fc.oneof(str(130), fc.constant(null), fc.integer(), fc.boolean(), fc.jsonValue({ maxDepth: 1 }));
const misspelt = fc.constantFrom('userFilter', 'projectfilter', 'pageID', 'sessionID', 'Token', 'formats', 'extra');
const paramsLike = fc.oneof(
  fc.dictionary(misspelt, field, { maxKeys: 2 }),
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(field, { maxLength: 4 }),
  fc.record(
    {
      pageId: field,
      path: fc.oneof(field, str(2050)),
      title: fc.oneof(field, str(514)),
      token: field,
      usernameFilter: field,
      projectFilter: field,
      format: fc.oneof(fc.constantFrom('list', 'dataset', 'csv'), field),
      subscription: field,
      sessionId: field,
      message: field,
      type: field,
      payload: field,
    },
    { requiredKeys: [] },
  ),
);
/** Defined names with a misspelt one among them: strictness must agree too. */
const withMisspelt = fc
  .tuple(paramsLike, fc.dictionary(misspelt, field, { minKeys: 1, maxKeys: 1 }))
  .map(([p, extra]) => (typeof p === 'object' && p !== null && !Array.isArray(p) ? { ...p, ...extra } : extra));

describe('compiled validators agree with the zod schemas', () => {
  const v = validators();

  it.each(METHOD_NAMES)('%s params', (method: MethodName) => {
    fc.assert(
      fc.property(fc.oneof(paramsLike, withMisspelt), (params) => {
        expect(v.params[method](params)).toBe(paramsSchemas[method].safeParse(params).success);
      }),
      { numRuns: 1_500 },
    );
  });

  it('the call envelope', () => {
    const envelopeLike = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue({ maxDepth: 0 })),
          method: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })),
          params: fc.jsonValue({ maxDepth: 2 }),
          id: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(envelopeLike, (value) => {
        expect(v.envelope(value)).toBe(inboundCallSchema.safeParse(value).success);
      }),
      { numRuns: 5_000 },
    );
  });

  it('names the field in its message', () => {
    const check = v.params['page.update'];
    expect(check({ path: '/x' })).toBe(false);
    expect(check.describe({ path: '/x' })).toMatch(/pageId: required/);
    expect(check({ pageId: 'x'.repeat(129) })).toBe(false);
    expect(check.describe({ pageId: 'x'.repeat(129) })).toMatch(/^Invalid params: pageId: /);
    expect(v.params['page.close'].describe(undefined)).toMatch(/params: required/);
  });
});

describe('strict named params (1.1)', () => {
  const v = validators();

  it('every method refuses a name it does not define, in both validators', () => {
    for (const method of METHOD_NAMES) {
      const params = { zzUnknown: 1 };
      expect(v.params[method](params), method).toBe(false);
      expect(paramsSchemas[method].safeParse(params).success, method).toBe(false);
      expect(v.params[method].describe(params), method).toMatch(/^Invalid params: zzUnknown: unknown name/);
    }
  });

  it('names the closest defined name when one is close, and lists what the method takes', () => {
    const check = v.params.getSessionInfo;
    expect(check.describe({ userFilter: 'billy' })).toBe(
      'Invalid params: userFilter: unknown name (did you mean usernameFilter?); getSessionInfo takes usernameFilter, projectFilter, format, scope',
    );
    expect(check.describe({ projectfilter: 'X' })).toMatch(/projectfilter: unknown name \(did you mean projectFilter\?\)/);
    expect(check.describe({ colour: 'X' })).toBe(
      'Invalid params: colour: unknown name; getSessionInfo takes usernameFilter, projectFilter, format, scope',
    );
    expect(v.params['sessions.close'].describe({ sessionID: 'x' })).toMatch(
      /^Invalid params: sessionID: unknown name \(did you mean sessionId\?\)/,
    );
  });

  it('tells named callers about their object, and positional callers about their array', () => {
    const check = v.params.getSessionInfo;
    expect(check.describe({ usernameFilter: 1 })).toBe('Invalid params: usernameFilter: must be a string or null');
    expect(check.describe({ format: 'csv' })).toBe('Invalid params: format: must be one of "list", "dataset"');
    expect(check.describe({ scope: 'all' })).toBe('Invalid params: scope: must be one of "cluster", "node"');
    expect(check.describe([1])).toBe('Invalid params: params[0]: must be a string or null');
    expect(check.describe(['a', 'b', 'c'])).toBe('Invalid params: params: must NOT have more than 2 items');
    expect(v.params['page.update'].describe(['p'])).toBe(
      'Invalid params: page.update takes its params by name (an object), not by position',
    );
  });

  it('an unknown name is told before the other problems', () => {
    expect(v.params['page.update'].describe({ pageID: 'x' })).toMatch(
      /^Invalid params: pageID: unknown name \(did you mean pageId\?\); page.update takes pageId, path, title; pageId: required$/,
    );
  });

  it('echoes at most 64 characters of an unknown name', () => {
    const long = 'n'.repeat(10_000);
    const message = v.params['session.self'].describe({ [long]: 1 });
    expect(message.length).toBeLessThan(200);
  });
});
