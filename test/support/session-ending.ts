/**
 * The methods that can end the caller's own session (and so its socket) when they succeed:
 * `session.end` always, an admin's `sessions.close` when it names the caller's (or the fuzzed
 * target's) session. Property tests that must keep their socket (and their target) open leave
 * exactly these out; test/integration/session-ending-methods.test.ts shows each one does end it.
 */
import type { MethodName } from '@session-tracker/shared';

/** Each such method, with params that make it end the session `sessionId` (the caller's). */
export const SESSION_ENDING_CALLS = {
  'session.end': (_sessionId: string): undefined => undefined,
  'sessions.close': (sessionId: string) => ({ sessionId }),
} as const satisfies Partial<Record<MethodName, (sessionId: string) => unknown>>;

export type SessionEndingMethod = keyof typeof SESSION_ENDING_CALLS;

export const SESSION_ENDING_METHODS = Object.keys(SESSION_ENDING_CALLS) as readonly SessionEndingMethod[];

/** True for a method that can end the caller's session (any other string is false). */
export function endsSession(method: string): boolean {
  return (SESSION_ENDING_METHODS as readonly string[]).includes(method);
}
