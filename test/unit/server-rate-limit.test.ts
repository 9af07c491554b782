import { describe, expect, it } from 'vitest';
import { newBucket, take } from '../../server/src/sessions/rate-limit.js';

const limit = { perSecond: 10, burst: 5 };

describe('token bucket', () => {
  it('lets a burst through, then one message per refill interval', () => {
    const b = newBucket(limit, 0);
    for (let i = 0; i < 5; i++) expect(take(b, limit, 0)).toBe(true);
    expect(take(b, limit, 0)).toBe(false);
    expect(take(b, limit, 50)).toBe(false);
    expect(take(b, limit, 100)).toBe(true);
    expect(take(b, limit, 100)).toBe(false);
  });

  it('never holds more than the burst', () => {
    const b = newBucket(limit, 0);
    for (let i = 0; i < 5; i++) take(b, limit, 0);
    expect(take(b, limit, 60_000)).toBe(true);
    expect(b.tokens).toBe(4);
  });

  it('keeps one abuse run across the few messages a refill lets through, and ends it after a quiet second', () => {
    const b = newBucket(limit, 0);
    for (let i = 0; i < 5; i++) take(b, limit, 0);
    take(b, limit, 10); // refused: the run starts
    expect(b.limitedSince).toBe(10);
    for (let t = 20; t < 3_000; t += 5) take(b, limit, t); // 200/s against 10/s
    expect(b.limitedSince).toBe(10);
    take(b, limit, 10_000); // accepted after a long pause
    for (let i = 0; i < 5; i++) take(b, limit, 10_000);
    take(b, limit, 10_000);
    expect(b.limitedSince).toBe(10_000);
  });
});
