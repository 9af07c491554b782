/** Client SDK: the connection state machine. */
import { describe, expect, it } from 'vitest';
import { CONNECTION_STATES, StateMachine, canTransition, type StateChange } from '@session-tracker/client';

describe('StateMachine', () => {
  it('emits {newState, oldState} only on a change', () => {
    const seen: StateChange[] = [];
    const m = new StateMachine('disconnected', (c) => seen.push(c));
    expect(m.set('connecting')).toBe(true);
    expect(m.set('connecting')).toBe(false);
    expect(m.set('connected')).toBe(true);
    expect(m.set('connecting', { code: 1006, reason: 'drop' })).toBe(true);
    expect(seen).toEqual([
      { newState: 'connecting', oldState: 'disconnected' },
      { newState: 'connected', oldState: 'connecting' },
      { newState: 'connecting', oldState: 'connected', code: 1006, reason: 'drop' },
    ]);
  });

  it('refuses moves the machine does not have, without emitting', () => {
    const seen: StateChange[] = [];
    const m = new StateMachine('disconnected', (c) => seen.push(c));
    expect(m.set('connected')).toBe(false); // must connect first
    expect(m.state).toBe('disconnected');
    expect(seen).toEqual([]);
  });

  it('closed is final', () => {
    const m = new StateMachine('connected', () => undefined);
    expect(m.set('closed')).toBe(true);
    for (const to of CONNECTION_STATES) expect(m.set(to)).toBe(false);
    expect(m.state).toBe('closed');
  });

  it('has exactly the documented transitions', () => {
    const allowed = CONNECTION_STATES.flatMap((from) =>
      CONNECTION_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'disconnected>connecting',
        'disconnected>closed',
        'connecting>connected',
        'connecting>disconnected',
        'connecting>closed',
        'connected>connecting',
        'connected>disconnected',
        'connected>closed',
      ].sort(),
    );
  });
});
