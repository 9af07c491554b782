import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileFilter, RpcError } from '@session-tracker/server';
import { estimateCost } from '../../server/src/filters/cost.js';
import { CompiledCache, dfaBytes, patternBytes } from '../../server/src/filters/cache.js';

function match(pattern: string, value: string): boolean {
  const f = compileFilter('usernameFilter', pattern);
  return f === undefined ? true : f(value);
}

describe('compileFilter', () => {
  it('matches the whole value, as the contract examples say', () => {
    expect(match('bi.*', 'billy')).toBe(true);
    expect(match('bi.ly', 'billy')).toBe(true);
    expect(match('billy', 'billy2')).toBe(false);
    expect(match('illy', 'billy')).toBe(false);
    expect(match('bill\\.smith', 'bill.smith')).toBe(true);
    expect(match('bill\\.smith', 'billxsmith')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(match('Billy', 'billy')).toBe(false);
  });

  it('treats empty, null and undefined as match-all', () => {
    expect(compileFilter('usernameFilter', '')).toBeUndefined();
    expect(compileFilter('usernameFilter', null)).toBeUndefined();
    expect(compileFilter('usernameFilter', undefined)).toBeUndefined();
  });

  it('names the filter in the error for a bad pattern', () => {
    try {
      compileFilter('projectFilter', '(');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(-32602);
      expect((err as RpcError).message).toMatch(/^projectFilter: /);
    }
  });

  it('refuses patterns over 1,000 characters', () => {
    expect(() => compileFilter('usernameFilter', 'a'.repeat(1001))).toThrow(/usernameFilter.*1000/);
    expect(compileFilter('usernameFilter', 'a'.repeat(1000))).toBeTypeOf('function');
  });

  it('runs a catastrophic-backtracking pattern in linear time (completes at all)', () => {
    const evil = compileFilter('usernameFilter', '(a+)+$');
    expect(evil?.(`${'a'.repeat(100_000)}b`)).toBe(false);
  });
});

describe('the compile budget: filters priced from their text before re2js compiles them', () => {
  const repeatTo = (unit: string, length = 1_000) => unit.repeat(Math.floor(length / unit.length));

  it("the estimate never falls below re2js's real program size (random patterns, and noise that happens to compile)", () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      '.',
      '\\d',
      '\\w',
      '[a-z]',
      '[^ab]',
      '\\pL',
      '\\p{Greek}',
      '[\\pN_]',
      '\\Qa+b\\E',
      '^',
      '$',
      '\\b',
      '',
      'é',
      '😀',
      '\\x{41}',
      '[[:alpha:]]',
      '[]a]',
      'a{',
      '}',
    );
    const rep = fc.oneof(
      fc.constantFrom('', '*', '+', '?', '*?', '{2}', '{0,3}', '{2,}', '{1,5}', '{0,12}', '{3,7}?', '{0}', '{10}'),
      fc.tuple(fc.nat(40), fc.nat(40)).map(([a, b]) => `{${a},${a + b}}`),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('group'), tie('alt'), tie('cat')),
      leaf: fc.tuple(atom, rep).map(([a, r]) => (a === '' ? a : a + r)),
      group: fc
        .tuple(fc.constantFrom('(', '(?:', '(?P<n>', '(?<m>', '(?i)(', '(?i:', '(?s-i:'), tie('node'), rep)
        .map(([o, n, r]) => `${o}${String(n)})${r}`),
      alt: fc.array(tie('node'), { minLength: 2, maxLength: 5 }).map((a) => a.join('|')),
      cat: fc.array(tie('node'), { minLength: 2, maxLength: 5 }).map((a) => a.join('')),
    }));
    const noise = fc.string({ unit: fc.constantFrom(...'()[]{}|*+?.\\^$pPLQE0123456789,:a-bx<>=!#'.split('')), maxLength: 40 });
    let compiled = 0;
    fc.assert(
      fc.property(fc.oneof(tree.node as fc.Arbitrary<string>, noise), (pattern) => {
        let size: number;
        try {
          size = RE2JS.compile(pattern).programSize();
        } catch {
          return;
        }
        compiled++;
        expect(estimateCost(pattern).instructions, pattern).toBeGreaterThanOrEqual(size);
      }),
      { numRuns: 3_000 },
    );
    expect(compiled).toBeGreaterThan(1_000);
  });

  it('prices the documented examples (shared/docs/protocol.md, Filters)', () => {
    expect(estimateCost('bill.*').units).toBe(11);
    expect(estimateCost('.{0,999}').units).toBe(2_002);
    expect(estimateCost('\\pL{0,999}').units).toBe(5_099);
    expect(estimateCost(repeatTo('\\pL{0,999}')).units).toBe(509_504);
  });

  it('prices any 1,000-character pattern in one pass, unbalanced or not (no recursion to overflow)', () => {
    for (const p of [
      repeatTo('('),
      repeatTo(')'),
      repeatTo('(?:a{0,9}'),
      repeatTo('[\\pL\\pN'),
      repeatTo('a|'),
      repeatTo('\\Q'),
      repeatTo('{999}'),
      repeatTo('(?P<'),
    ]) {
      const cost = estimateCost(p);
      expect(Number.isFinite(cost.units), p.slice(0, 12)).toBe(true);
    }
    // 999^100 saturates and stays finite (re2js refuses it anyway: nested counts over 1,000).
    expect(estimateCost(`${'(?:'.repeat(100)}a${'){999}'.repeat(100)}`).units).toBe(1e12);
  });

  it.each([
    ["the issue's pattern", repeatTo('\\pL{0,999}')],
    ['unrolled dots', repeatTo('.{0,999}')],
    ['two counted Unicode classes', '\\pL{0,999}\\pL{0,999}'],
    ['nested counts', repeatTo('((a{0,10}){0,10}){0,10}')],
    ['case-folded Unicode classes', `(?i)${repeatTo('\\pL', 990)}`],
  ])('refuses %s with -32602 "pattern too large", before compiling', (_name, pattern) => {
    const started = performance.now();
    expect(() => compileFilter('usernameFilter', pattern)).toThrow(/^usernameFilter: pattern too large/);
    // The bound: "well under 500 ms" (compiling the pattern took 0.7 to 3.8 s).
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps compiled patterns within a memory budget, not a count', () => {
    const big = RE2JS.compile('.{0,999}.{0,999}.{0,999}'); // ~6,000 instructions: about 1 MiB
    const bigBytes = patternBytes('big00', big);
    expect(bigBytes).toBeGreaterThan(1_000_000);
    const cache = new CompiledCache(Math.floor(bigBytes * 1.5));
    for (let i = 10; i < 30; i++) cache.set(`big${i}`, big);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.size).toBe(1);
    // A hundred ordinary patterns (~9 KB each) fit where two big ones did not; the big one, least
    // recently used, went first.
    for (let i = 0; i < 100; i++) cache.set(`small${i}`, RE2JS.compile(`user${i}.*`));
    expect(cache.size).toBe(100);
    expect(cache.get('big29')).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    // Least recently used go first: small0, used again, outlives small1.
    expect(cache.get('small0')).toBeDefined();
    for (let i = 0; i < 100; i++) cache.set(`more${i}`, RE2JS.compile(`more${i}.*`));
    expect(cache.get('small0')).toBeDefined();
    expect(cache.get('small1')).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('counts the DFA re2js grows while matching (its own accounting) when an entry is used again', () => {
    const re = RE2JS.compile('[ab]*a[ab]{8}');
    const before = patternBytes('p', re);
    expect(dfaBytes(re)).toBe(0);
    for (let i = 0; i < 2_000; i++) re.testExact(i.toString(2).replaceAll('0', 'a').replaceAll('1', 'b'));
    expect(dfaBytes(re)).toBeGreaterThan(10_000);
    expect(patternBytes('p', re)).toBe(before + dfaBytes(re));
  });
});

describe('RE2 errors for Java-regex users', () => {
  it.each([
    ['(?<=a)b', 'RE2 syntax: no lookaround or backreferences (at `(?<=a)b`)'],
    ['(?<!a)b', 'RE2 syntax: no lookaround or backreferences (at `(?<!a)b`)'],
    ['a(?=b)', 'RE2 syntax: no lookaround or backreferences (at `(?=`)'],
    ['a(?!b)', 'RE2 syntax: no lookaround or backreferences (at `(?!`)'],
    ['(a)\\1', 'RE2 syntax: no lookaround or backreferences (at `\\1`)'],
    ['(?<x>a)\\k<x>', 'RE2 syntax: no lookaround or backreferences (at `\\k`)'],
    ['(?P<x>a)(?P=x)', 'RE2 syntax: no lookaround or backreferences (at `(?P=`)'],
    ['a*+', 'RE2 syntax: no possessive quantifiers such as *+ or ++; use * or + (at `*+`)'],
    ['a**', 'RE2 syntax: a repetition of a repetition; put the inner one in (?:...) (at `**`)'],
    ['(?>a)', 'RE2 syntax: no atomic groups (at `(?>`)'],
    ['(?#note)a', 'RE2 syntax: no inline comments (at `(?#`)'],
    ['(?x)a b', 'RE2 syntax: flags may only be i, m, s and U (at `(?x`)'],
    ['a\\Z', 'RE2 syntax: no \\Z; use \\z (end of text)'],
    ['(', 'missing closing ): `(`'],
  ])('%s', (pattern, reason) => {
    expect(() => compileFilter('projectFilter', pattern)).toThrow(`projectFilter: invalid regular expression: ${reason}`);
  });
});
