import { describe, expect, it } from 'vitest';
import { compileFilter, RpcError } from '@session-tracker/server';

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
    expect(evil?.('a'.repeat(100_000) + 'b')).toBe(false);
  });
});
