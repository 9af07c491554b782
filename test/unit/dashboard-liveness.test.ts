/** Admin dashboard: when the view is live, and the words for a lost feed and an ended session. */
import { describe, expect, it } from 'vitest';
import { Liveness, endedText, staleTexts } from '../../server/dashboard/src/liveness.js';
import { COLUMNS, type CellContext } from '../../server/dashboard/src/columns.js';
import type { Entry } from '../../server/dashboard/src/model.js';
import type { SessionInfo } from '@session-tracker/client';

const at = (h: number, m: number, s: number): number => new Date(2026, 10, 30, h, m, s).getTime();

describe('Liveness', () => {
  it('is stale from the first moment the connection leaves "connected" until a snapshot', () => {
    const l = new Liveness();
    expect(l.connection('connected', true, 1)).toBe(false);
    expect(l.stale).toBe(false);
    expect(l.connection('connecting', true, 100)).toBe(true);
    expect(l.lostAt).toBe(100);
    // Later changes keep the first time of loss; being connected again is not enough.
    expect(l.connection('disconnected', true, 200)).toBe(false);
    expect(l.connection('connecting', true, 300)).toBe(false);
    expect(l.connection('connected', true, 400)).toBe(false);
    expect(l.lostAt).toBe(100);
    expect(l.feedBack(500)).toEqual({ from: 100, to: 500 });
    expect(l.stale).toBe(false);
    expect(l.feedBack(600)).toBeNull();
  });

  it('is never stale when not signed in, and forgets on sign-out', () => {
    const l = new Liveness();
    expect(l.connection('connecting', false, 1)).toBe(false);
    expect(l.stale).toBe(false);
    l.connection('disconnected', true, 2);
    l.reset();
    expect(l.lostAt).toBeNull();
  });
});

describe('texts', () => {
  it('says since when the view is not live, and for how long', () => {
    expect(staleTexts(at(23, 5, 9), at(23, 6, 14))).toEqual({
      since: 'Not live since 23:05:09: the connection to the server was lost.',
      elapsed: '1m 05s ago',
    });
  });

  it('says when a session ended, or between which times when it was gone after a gap', () => {
    expect(endedText(at(8, 0, 1), null)).toMatch(/^Ended at 08:00:01: this session is no longer listed/);
    expect(endedText(at(8, 0, 1), { from: at(7, 59, 0), to: at(8, 0, 1) })).toMatch(
      /ended between 07:59:00 and 08:00:01, while this dashboard was not live/,
    );
  });
});

describe('the State column', () => {
  const state = COLUMNS.find((c) => c.key === 'state');
  const uptime = COLUMNS.find((c) => c.key === 'uptime');
  const entry = { info: { state: 'connected', uptime: 1_000 } as SessionInfo, at: 0 } satisfies Entry;
  const live: CellContext = { now: 2_000, stale: false };
  const stale: CellContext = { now: 2_000, stale: true };

  it('does not claim "connected" while the view is stale; the last known state is in the title', () => {
    expect(state?.text(entry, live)).toBe('connected');
    expect(state?.variant?.(entry, live)).toBe('is-connected');
    expect(state?.title?.(entry, live)).toBe('');
    expect(state?.text(entry, stale)).toBe('unknown');
    expect(state?.variant?.(entry, stale)).toBe('is-unknown');
    expect(state?.title?.(entry, stale)).toMatch(/^Last known: connected/);
  });

  it('reads the clocks at the context time', () => {
    expect(uptime?.text(entry, live)).toBe('3s');
    expect(uptime?.text(entry, { now: 0, stale: true })).toBe('1s');
  });
});
