import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, resolveOptions } from '@session-tracker/server';

describe('resolveOptions', () => {
  it('documents the contract defaults', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      path: '/ws',
      adminRoles: ['admin'],
      sessionTimeoutMs: 30_000,
      heartbeatMs: 15_000,
      maxPayload: 65_536,
      maxBatch: 100,
    });
  });

  it('lets undefined fall back to the default', () => {
    expect(resolveOptions({ port: undefined }).port).toBe(8080);
  });

  it('names the bad option', () => {
    expect(() => resolveOptions({ heartbeatMs: 0 })).toThrow(/heartbeatMs/);
    expect(() => resolveOptions({ port: 70_000 })).toThrow(/port/);
    expect(() => resolveOptions({ maxPayload: 1.5 })).toThrow(/maxPayload/);
    expect(() => resolveOptions({ adminToken: 'short' })).toThrow(/adminToken/);
    expect(() => resolveOptions({ path: 'ws' })).toThrow(/path/);
    expect(() => resolveOptions({ historyTimeoutMs: 50 })).toThrow(/option historyTimeoutMs must be an integer >= 100, got 50/);
    expect(DEFAULT_OPTIONS.historyTimeoutMs).toBe(10_000);
  });

  it('takes only a postgres URL as database, and never repeats it (it may hold a password)', () => {
    expect(resolveOptions({ database: 'postgres://u:pw@db:5432/st' }).database).toBe('postgres://u:pw@db:5432/st');
    expect(resolveOptions({ database: 'postgresql://db/st' }).database).toBe('postgresql://db/st');
    let message = '';
    try {
      resolveOptions({ database: 'mysql://u:hunter2@db/st' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/option database must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(message).not.toContain('hunter2');
  });
});
