/**
 * The connection state machine (after centrifuge-js):
 *
 *   disconnected --connect()--> connecting --welcome--> connected
 *   connected --drop (will retry)--> connecting
 *   connecting|connected --disconnect() / no-retry close--> disconnected
 *   any --close()--> closed (final)
 */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export const CONNECTION_STATES: readonly ConnectionState[] = ['connecting', 'connected', 'disconnected', 'closed'];

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  disconnected: ['connecting', 'closed'],
  connecting: ['connected', 'disconnected', 'closed'],
  connected: ['connecting', 'disconnected', 'closed'],
  closed: [],
};

export interface StateChange {
  newState: ConnectionState;
  oldState: ConnectionState;
  /** The WebSocket close code behind a move out of `connected`/`connecting`, when there is one. */
  code?: number;
  /** A short reason for that move. */
  reason?: string;
}

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class StateMachine {
  private current: ConnectionState;

  constructor(
    initial: ConnectionState,
    private readonly onChange: (change: StateChange) => void,
  ) {
    this.current = initial;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /**
   * Moves to `to`. Returns true when the state changed (and the change was emitted);
   * false when already there or when the move is not allowed.
   */
  set(to: ConnectionState, info: { code?: number; reason?: string } = {}): boolean {
    const from = this.current;
    if (from === to || !canTransition(from, to)) return false;
    this.current = to;
    const change: StateChange = { newState: to, oldState: from };
    if (info.code !== undefined) change.code = info.code;
    if (info.reason !== undefined) change.reason = info.reason;
    this.onChange(change);
    return true;
  }
}
