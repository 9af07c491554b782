/**
 * cluster/list.ts mergeListed with sessions.list's `state`: nodes chose their parts by their own
 * state; the asking node keeps a session by its merged state, and `total` follows what it keeps.
 */
import { describe, expect, it } from 'vitest';
import { mergeListed, type ListedView } from '../../server/src/cluster/list.js';
import { asSeen, prefilter } from '../../server/src/cluster/records.js';
import type { PartRecord } from '../../server/src/cluster/types.js';
import { viewOfPart } from '../../server/src/cluster/views.js';
import { parseOrder } from '../../server/src/listing/order.js';

const NOW = 1_800_000_000_000;

function part(sid: string, node: string, state: PartRecord['state'], bytes: number): PartRecord {
  return {
    sid,
    node,
    tokenHash: 'h',
    project: 'P',
    scope: 'browser',
    userAgent: 'ua',
    clientAddress: '10.0.0.1',
    device: { browser: '', os: '', type: 'desktop' },
    createdAt: NOW - 60_000,
    username: 'Unauthenticated',
    roles: [],
    loggedIn: false,
    isAdmin: false,
    loginAt: 0,
    recentBytesSent: 0,
    recentAt: 0,
    totalBytesSent: bytes,
    totalBytesReceived: 0,
    messagesSent: 0,
    lastCommAt: NOW - 1_000,
    rev: 1,
    state,
    disconnectedAt: 0,
    pages: [],
    flushedAt: NOW,
  };
}

/** A part as a node that answered lists it (with its sort value: counted by that node). */
const answered = (p: PartRecord): ListedView => ({ ...viewOfPart(p, NOW, true), key: p.sid });
/** A part as Redis gives it for a silent or dead node, or a retired one (no sort value: not counted). */
const stored = (p: PartRecord, alive: boolean): ListedView =>
  viewOfPart(
    asSeen(p, () => alive),
    NOW,
    false,
    alive,
  );

const order = parseOrder('id');
const req = { order, after: undefined, skip: 0, limit: 10 };
const page = (views: ListedView[], counted: number, state: 'connected' | 'disconnected') => {
  const p = mergeListed(views, counted, order, undefined, undefined, req, NOW, state);
  return { ids: p.items.map((r) => r.sid), total: p.total, rows: p.items };
};

describe('mergeListed with state', () => {
  it('keeps a session counted by its node in the state asked', () => {
    expect(page([answered(part('a', 'n1', 'connected', 5))], 1, 'connected')).toMatchObject({ ids: ['a'], total: 1 });
    expect(page([answered(part('b', 'n1', 'disconnected', 5))], 1, 'disconnected')).toMatchObject({ ids: ['b'], total: 1 });
  });

  it("drops a dead node's part that Redis still holds as connected: it is disconnected now", () => {
    expect(page([stored(part('d', 'dead', 'connected', 5), false)], 0, 'connected')).toMatchObject({ ids: [], total: 0 });
  });

  it('adds a silent (beating) node’s part in the state asked, counted here', () => {
    expect(page([stored(part('s', 'slow', 'connected', 5), true)], 0, 'connected')).toMatchObject({ ids: ['s'], total: 1 });
  });

  it('drops a session of which only retired parts came (its live parts are in the other state)', () => {
    expect(page([stored(part('r', 'old', 'retired', 5), true)], 0, 'connected')).toMatchObject({ ids: [], total: 0 });
    expect(page([stored(part('r', 'old', 'retired', 5), true)], 0, 'disconnected')).toMatchObject({ ids: [], total: 0 });
  });

  it('merges a retired part’s counters into a session kept by its live part', () => {
    const p = page([answered(part('m', 'n1', 'connected', 5)), stored(part('m', 'old', 'retired', 7), true)], 1, 'connected');
    expect(p).toMatchObject({ ids: ['m'], total: 1 });
    expect(JSON.parse(p.rows[0]!.json)).toMatchObject({ state: 'connected', totalBytesSent: 12 });
  });

  it('prefilter keeps parts in the state asked, and retired ones for their counters', () => {
    const keep = prefilter({ state: 'connected' });
    expect(
      ['connected', 'disconnected', 'retired'].map((state) => keep({ username: 'u', project: 'P', state: state as PartRecord['state'] })),
    ).toEqual([true, false, true]);
    expect(prefilter({})({ username: 'u', project: 'P', state: 'disconnected' })).toBe(true);
  });
});
