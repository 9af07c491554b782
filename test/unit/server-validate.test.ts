import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inboundCallSchema, METHOD_NAMES, paramsSchemas, type MethodName } from '@session-tracker/shared';
import { validators } from '../../server/src/rpc/validate.js';

/** Values shaped like what each method takes, near its limits, plus anything at all. */
const str = (max: number) => fc.oneof(fc.string({ maxLength: max + 2 }), fc.string({ unit: 'grapheme', maxLength: max + 2 }), fc.constant('x'.repeat(max)), fc.constant('x'.repeat(max + 1)));
const field = fc.oneof(str(130), fc.constant(null), fc.integer(), fc.boolean(), fc.jsonValue({ maxDepth: 1 }));
const paramsLike = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(field, { maxLength: 4 }),
  fc.record(
    {
      pageId: field, path: fc.oneof(field, str(2050)), title: fc.oneof(field, str(514)), token: field, usernameFilter: field, projectFilter: field,
      format: fc.oneof(fc.constantFrom('list', 'dataset', 'csv'), field), subscription: field, sessionId: field, message: field, type: field, payload: field,
    },
    { requiredKeys: [] },
  ),
);

describe('compiled validators agree with the zod schemas', () => {
  const v = validators();

  it.each(METHOD_NAMES)('%s params', (method: MethodName) => {
    fc.assert(
      fc.property(paramsLike, (params) => {
        expect(v.params[method](params)).toBe(paramsSchemas[method].safeParse(params).success);
      }),
      { numRuns: 1_500 },
    );
  });

  it('the call envelope', () => {
    const envelopeLike = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        { jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue({ maxDepth: 0 })), method: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })), params: fc.jsonValue({ maxDepth: 2 }), id: fc.jsonValue({ maxDepth: 1 }) },
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
