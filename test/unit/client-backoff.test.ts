/** Client SDK: full-jitter exponential backoff. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backoff, DEFAULT_BACKOFF, backoffCeiling, fullJitterDelay } from '@session-tracker/client';

describe('backoffCeiling', () => {
  it('doubles from initialMs and stops at maxMs', () => {
    const o = { initialMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffCeiling(n, o))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('does not overflow for huge attempt counts', () => {
    expect(backoffCeiling(10_000, { initialMs: 500, maxMs: 20_000 })).toBe(20_000);
  });

  it('defaults to 500 ms .. 20 s', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 500, maxMs: 20_000 });
  });
});

describe('fullJitterDelay', () => {
  it('is random() times the ceiling, in [0, ceiling)', () => {
    const o = { initialMs: 100, maxMs: 1_000 };
    expect(fullJitterDelay(0, o, () => 0)).toBe(0);
    expect(fullJitterDelay(0, o, () => 0.5)).toBe(50);
    expect(fullJitterDelay(3, o, () => 0.5)).toBe(400);
    expect(fullJitterDelay(9, o, () => 0.999)).toBe(999);
  });

  it('stays within [0, ceiling) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (attempt, r, initialMs, extra) => {
          const o = { initialMs, maxMs: initialMs + extra };
          const d = fullJitterDelay(attempt, o, () => r);
          return Number.isInteger(d) && d >= 0 && d < backoffCeiling(attempt, o);
        },
      ),
    );
  });
});

describe('Backoff', () => {
  it('raises the ceiling with each attempt and starts over after reset()', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 80 }, () => 0.999999);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([9, 19, 39, 79, 79]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(9);
  });

  it('spreads delays: many clients do not retry in lockstep', () => {
    const delays = Array.from({ length: 200 }, () => new Backoff({ initialMs: 1_000, maxMs: 1_000 }).next());
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1_000);
  });
});
