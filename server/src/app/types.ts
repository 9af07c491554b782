import type { SessionScope } from '@session-tracker/shared';
import type { z } from 'zod';

/** What an app handler learns about the session that called it. */
export interface AppSession {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** Logged in (as SessionInfo's `authorized`). */
  readonly authorized: boolean;
  readonly project: string;
  readonly scope: SessionScope;
}

/** Serves `app.<name>`: returns the result (or a promise of it) or throws. */
export type AppHandler<P = unknown, R = unknown> = (params: P, session: AppSession) => R | Promise<R>;

export interface HandleOptions<P> {
  /** Checks (and may transform) the params first; a failure answers -32602 naming the field. */
  schema?: z.ZodType<P>;
}

/** Who a push reaches. */
export type PushTarget =
  | { sessionId: string; pageId?: string }
  | { usernameFilter?: string | null; projectFilter?: string | null; sessionId?: undefined; pageId?: undefined };

/** What `tracker.track()` did with a socket. */
export interface TrackedSocket {
  /** The session the socket now belongs to. */
  readonly sessionId: string;
  /** True when its ticket named an existing session; false when it became a session of its own. */
  readonly joined: boolean;
}
