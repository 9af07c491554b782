/**
 * Admin dashboard: the sessions held (snapshot, diffs, windows), header clicks, filter errors.
 * (The order is the server's: `sessions.list` sorts, see dashboard-window.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '@session-tracker/client';
import { SessionStore, filterErrorField, lastCommAt, nextSort, uptimeAt, type Entry } from '../../server/dashboard/src/model.js';

function info(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    userAgent: '',
    username: 'Unauthenticated',
    project: 'Plant',
    uptime: 1_000,
    clientAddress: '127.0.0.1',
    lastComm: 100,
    sessionScope: 'browser',
    activePages: 0,
    recentBytesSent: 0,
    totalBytesSent: 0,
    pageIds: [],
    authorized: false,
    totalBytesReceived: 0,
    messagesSent: 0,
    creationTime: '2026-11-21T23:00:00.000Z',
    state: 'connected',
    pages: [],
    device: { browser: '', os: '', type: 'desktop' },
    roles: [],
    ...over,
  };
}

describe('SessionStore', () => {
  it('takes a snapshot, then applies diffs', () => {
    const store = new SessionStore();
    const first = store.reset([info('a'), info('b')], 10);
    expect(first.added.map((e) => e.info.id)).toEqual(['a', 'b']);
    expect(store.size).toBe(2);

    const diff = store.apply({ added: [info('c')], updated: [info('a', { username: 'billy' })], removed: ['b'] }, 20);
    expect(diff.added.map((e) => e.info.id)).toEqual(['c']);
    expect(diff.updated.map((e) => e.info.id)).toEqual(['a']);
    expect(diff.removed).toEqual(['b']);
    expect(store.get('a')?.info.username).toBe('billy');
    expect(store.get('a')?.at).toBe(20);
    expect([...store.values()].map((e) => e.info.id).sort()).toEqual(['a', 'c']);
  });

  it('is tolerant: unknown updates add, known adds update, unknown removals are ignored', () => {
    const store = new SessionStore();
    store.reset([info('a')], 0);
    const out = store.apply({ added: [info('a')], updated: [info('z')], removed: ['nope'] }, 1);
    expect(out.updated.map((e) => e.info.id)).toEqual(['a']);
    expect(out.added.map((e) => e.info.id)).toEqual(['z']);
    expect(out.removed).toEqual([]);
  });

  it('a new snapshot reports what disappeared', () => {
    const store = new SessionStore();
    store.reset([info('a'), info('b')], 0);
    const out = store.reset([info('b'), info('c')], 5);
    expect(out.removed).toEqual(['a']);
    expect(out.added.map((e) => e.info.id)).toEqual(['c']);
    expect(out.updated.map((e) => e.info.id)).toEqual(['b']);
  });

  it('knows since when a state holds when a diff changed it, not when a snapshot did', () => {
    const store = new SessionStore();
    store.reset([info('a'), info('b')], 0);
    expect(store.get('a')?.stateAt).toBeUndefined();
    store.apply({ added: [], updated: [info('a', { state: 'disconnected' })], removed: [] }, 100);
    expect(store.get('a')?.stateAt).toBe(100);
    // Other changes keep it; so does a clock refresh.
    store.apply({ added: [], updated: [info('a', { state: 'disconnected', activePages: 2 })], removed: [] }, 200);
    expect(store.get('a')?.stateAt).toBe(100);
    // A snapshot (after a gap) cannot say when b's state changed: no "since".
    store.apply({ added: [], updated: [info('b', { state: 'disconnected' })], removed: [] }, 400);
    store.reset([info('a', { state: 'connected' }), info('b', { state: 'disconnected' })], 500);
    expect(store.get('a')?.stateAt).toBeUndefined();
    expect(store.get('b')?.stateAt).toBe(400);
  });

  it('a window refreshed each second is a live snapshot: a state it changes changed about now', () => {
    const store = new SessionStore();
    store.reset([info('a'), info('b')], 0, true);
    // First seen: nobody knows since when.
    expect(store.get('a')?.stateAt).toBeUndefined();
    store.reset([info('a', { state: 'disconnected' }), info('b')], 1_000, true);
    expect(store.get('a')?.stateAt).toBe(1_000);
    expect(store.get('b')?.stateAt).toBeUndefined();
    // Unchanged since: the time stays; a session that left the window and came back starts over.
    store.reset([info('a', { state: 'disconnected' })], 2_000, true);
    expect(store.get('a')?.stateAt).toBe(1_000);
    store.reset([info('b', { state: 'disconnected' })], 3_000, true);
    expect(store.get('b')?.stateAt).toBeUndefined();
  });

  it('clocks tick from the values received', () => {
    const e: Entry = { info: info('a', { uptime: 5_000, lastComm: 200 }), at: 1_000 };
    expect(uptimeAt(e, 1_000)).toBe(5_000);
    expect(uptimeAt(e, 4_000)).toBe(8_000);
    expect(lastCommAt(e, 2_000)).toBe(1_200);
    expect(uptimeAt(e, 500)).toBe(5_000); // never backwards
  });
});

describe('header clicks', () => {
  it('a header click flips the same column, starts a new one in its natural direction', () => {
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'username')).toEqual({ key: 'username', direction: 'descending' });
    expect(nextSort({ key: 'username', direction: 'descending' }, 'username')).toEqual({ key: 'username', direction: 'ascending' });
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'project')).toEqual({ key: 'project', direction: 'ascending' });
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'bytes')).toEqual({ key: 'bytes', direction: 'descending' });
  });
});

describe('filter errors', () => {
  it('finds the field a -32602 message names', () => {
    expect(filterErrorField('usernameFilter: invalid regular expression: missing )')).toBe('username');
    expect(filterErrorField('projectFilter: pattern is over 1000 characters')).toBe('project');
    expect(filterErrorField('Invalid params: projectFilter: too long; usernameFilter: bad')).toBe('project');
    expect(filterErrorField('something else')).toBeNull();
  });
});
