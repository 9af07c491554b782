import type { ServerNotifications, SessionsChanged } from '@session-tracker/shared';
import { isWelcomeParams } from './frames.js';
import { hasFields, isArrayOf, isString } from './guards.js';
import { isSessionInfo } from './results.js';

export type NotificationName = keyof ServerNotifications;

/** A validated server notification, or `null` when its params do not fit the contract. */
export type TypedNotification = {
  [N in NotificationName]: { method: N; params: ServerNotifications[N] };
}[NotificationName];

const isSessionsChanged = (v: unknown): v is SessionsChanged =>
  hasFields(v, {
    subscription: isString,
    added: (a) => isArrayOf(a, isSessionInfo),
    updated: (u) => isArrayOf(u, isSessionInfo),
    removed: (r) => isArrayOf(r, isString),
  });

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const messageOf = (params: Record<string, unknown>): string => {
  const m = params.message;
  return typeof m === 'string' ? m : '';
};

/**
 * Validates a notification's params against the contract. Returns `undefined` for a
 * method this SDK does not know (the contract may add some) and `null` for bad params.
 */
export function readNotification(method: string, params: unknown): TypedNotification | null | undefined {
  switch (method) {
    case 'session.welcome':
      return isWelcomeParams(params)
        ? {
            method,
            params: {
              sessionId: params.sessionId,
              resumeToken: params.resumeToken,
              resumed: params.resumed,
              heartbeatMs: params.heartbeatMs,
              serverTime: params.serverTime,
            },
          }
        : null;
    // `message` is in the contract; a server that leaves it out still gets through, as "".
    case 'session.closing':
      return hasFields(params, { message: optionalString }) ? { method, params: { message: messageOf(params) } } : null;
    case 'page.closing':
      return hasFields(params, { pageId: isString, message: optionalString })
        ? { method, params: { pageId: params.pageId as string, message: messageOf(params) } }
        : null;
    case 'session.message': {
      if (!hasFields(params, { type: isString })) return null;
      const pageId = params.pageId;
      if (pageId !== undefined && typeof pageId !== 'string') return null;
      const out: ServerNotifications['session.message'] = { type: params.type as string, payload: params.payload };
      if (typeof pageId === 'string') out.pageId = pageId;
      return { method, params: out };
    }
    case 'sessions.changed':
      return isSessionsChanged(params) ? { method, params } : null;
    default:
      return undefined;
  }
}
