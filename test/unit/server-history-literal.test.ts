/**
 * The literal start of a filter (history/literal.ts), which the stores' indexes serve: it must
 * hold for every value the pattern matches (it only narrows the rows read, RE2 still decides).
 */
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { keyRange, literalKey, prefixUpper } from '../../server/src/history/literal.js';

/** Code point order, which is UTF-8 byte order (SQLite BINARY, PostgreSQL "C"). */
const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('literalKey', () => {
  it('reads the literal start of a pattern, or the one value a literal pattern matches', () => {
    expect(literalKey('vip-.*')).toEqual({ kind: 'prefix', value: 'vip-' });
    expect(literalKey('^vip-.*')).toEqual({ kind: 'prefix', value: 'vip-' });
    expect(literalKey('billy')).toEqual({ kind: 'exact', value: 'billy' });
    expect(literalKey('bill\\.smith')).toEqual({ kind: 'exact', value: 'bill.smith' });
    expect(literalKey('abc*')).toEqual({ kind: 'prefix', value: 'ab' });
    expect(literalKey('abc?d')).toEqual({ kind: 'prefix', value: 'ab' });
    expect(literalKey('abc{2}')).toEqual({ kind: 'prefix', value: 'ab' });
    expect(literalKey('abc+d')).toEqual({ kind: 'prefix', value: 'abc' });
    expect(literalKey('é日本\\d')).toEqual({ kind: 'prefix', value: 'é日本' });
    expect(literalKey('ab$')).toEqual({ kind: 'prefix', value: 'ab' });
    // Nothing literal to start with, or an alternation anywhere, or flags.
    for (const p of ['.*', '[a]bc', '(?i)vip.*', 'vip|ops', 'x(a|b)', '\\dabc', '\\pLx', 'a*', '\\Qab\\E', '(ab)']) {
      expect(literalKey(p), p).toBeUndefined();
    }
  });

  it('the next string after every string with a prefix, in byte order', () => {
    expect(prefixUpper('vip-')).toBe('vip.');
    expect(prefixUpper('a\u{10FFFF}')).toBe('b');
    expect(prefixUpper('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpper('a\uD7FF')).toBe('a\uE000');
    expect(keyRange({ kind: 'prefix', value: 'vip-' })).toEqual({ lo: 'vip-', hi: 'vip.' });
    expect(keyRange({ kind: 'exact', value: 'x' })).toEqual({ eq: 'x' });
  });

  it('holds for every value a random pattern matches (RE2 whole-value semantics)', () => {
    const piece = fc.constantFrom(
      'a',
      'b',
      'é',
      '日',
      '\u{10FFFF}',
      '\\.',
      '.',
      '.*',
      'a*',
      'b?',
      'a+',
      '[ab]',
      '\\d',
      '-',
      '(a|b)',
      '^',
      '$',
      '{',
      'x{2}',
    );
    const value = fc
      .array(fc.constantFrom('a', 'b', 'é', '日', '\u{10FFFF}', '.', '-', '1', 'x', '\n'), { maxLength: 8 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.array(value, { minLength: 1, maxLength: 20 }), (parts, values) => {
        const pattern = parts.join('');
        let re: RE2JS;
        try {
          re = RE2JS.compile(pattern);
        } catch {
          return; // not a pattern: compileFilter refuses it before any key is read
        }
        const key = literalKey(pattern);
        if (key === undefined) return;
        // Values built to match: the key itself and values starting with it.
        for (const v of [key.value, ...values, ...values.map((x) => key.value + x)]) {
          if (!re.testExact(v)) continue;
          if (key.kind === 'exact') expect(v).toBe(key.value);
          const r = keyRange(key);
          if ('eq' in r) continue;
          expect(cmp(v, r.lo) >= 0, `${pattern} ${v}`).toBe(true);
          if (r.hi !== undefined) expect(cmp(v, r.hi) < 0, `${pattern} ${v}`).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
