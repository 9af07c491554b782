/** The ticket store behind `session.ticket` (pure: a clock is passed in). */
import { describe, expect, it } from 'vitest';
import { Tickets } from '../../server/src/app/tickets.js';

describe('Tickets', () => {
  it('names its session once, until it expires', () => {
    let now = 1_000;
    const t = new Tickets(60_000, () => now);
    const a = t.issue('s1');
    expect(a.expiresInMs).toBe(60_000);
    expect(t.take(a.ticket)).toBe('s1');
    expect(t.take(a.ticket)).toBeUndefined();
    const b = t.issue('s2');
    now += 59_999;
    expect(t.take(b.ticket)).toBe('s2');
    const c = t.issue('s3');
    now += 60_000;
    expect(t.take(c.ticket)).toBeUndefined();
    expect(t.take('unknown')).toBeUndefined();
    expect(t.take('')).toBeUndefined();
    expect(t.take(null)).toBeUndefined();
  });

  it('keeps only hashes, and sweeps the expired ones', () => {
    let now = 0;
    const t = new Tickets(100, () => now);
    const issued = [t.issue('s'), t.issue('s'), t.issue('s')];
    expect(t.size).toBe(3);
    const held = JSON.stringify([...(t as unknown as { held: Map<string, unknown> }).held.keys()]);
    for (const { ticket } of issued) expect(held).not.toContain(ticket);
    now = 200;
    t.issue('s');
    expect(t.size).toBe(1);
  });
});
