/**
 * Session end reasons are closed lists in shared/src/history.ts: the wire's EndReason (what
 * history records) and the tracker's SessionEndCause (what the server logs, keeps on a session
 * and compares in history and cluster code), mapped one to the other in one place.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { END_REASONS, endReasonOfCause, isEndReason, SessionEndCause, type EndReason } from '@session-tracker/shared';
import type { SessionRegistry } from '../../server/src/sessions/registry.js';
import type { Session } from '../../server/src/sessions/session.js';
import { END_REASON_TEXT } from '../../server/dashboard/src/history-model.js';

describe('end reasons', () => {
  it('history records timeout and closed; a shutdown is no end', () => {
    expect(END_REASONS).toEqual(['timeout', 'closed']);
    expect(endReasonOfCause(SessionEndCause.Timeout)).toBe('timeout');
    expect(endReasonOfCause(SessionEndCause.Closed)).toBe('closed');
    expect(endReasonOfCause(SessionEndCause.Shutdown)).toBeUndefined();
  });

  it('isEndReason knows exactly the contract’s', () => {
    for (const r of END_REASONS) expect(isEndReason(r)).toBe(true);
    for (const r of ['shutdown', 'terminated by admin', 'Timeout', '', null, 1]) expect(isEndReason(r)).toBe(false);
  });

  it('the server ends sessions and keeps their cause only as a SessionEndCause, never a free string', () => {
    expectTypeOf<Parameters<SessionRegistry['end']>[1]>().toEqualTypeOf<SessionEndCause>();
    expectTypeOf<Parameters<SessionRegistry['endAll']>[0]>().toEqualTypeOf<SessionEndCause>();
    expectTypeOf<Session['endReason']>().toEqualTypeOf<SessionEndCause | undefined>();
  });

  it('the dashboard has words for every end reason', () => {
    expectTypeOf<keyof typeof END_REASON_TEXT>().toEqualTypeOf<EndReason>();
    expect(Object.keys(END_REASON_TEXT).sort()).toEqual([...END_REASONS].sort());
  });
});
