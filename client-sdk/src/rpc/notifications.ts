import { NOTIFICATION_CHECKS, type ServerNotifications } from '@session-tracker/shared';

export type NotificationName = keyof ServerNotifications;

/** A validated server notification, or `null` when its params do not fit the contract. */
export type TypedNotification = {
  [N in NotificationName]: { method: N; params: ServerNotifications[N] };
}[NotificationName];

const messageOf = (params: Record<string, unknown>): string => {
  const m = params.message;
  return typeof m === 'string' ? m : '';
};

function isNotificationName(method: string): method is NotificationName {
  return Object.hasOwn(NOTIFICATION_CHECKS, method);
}

/**
 * Validates a notification's params with the contract's check (`NOTIFICATION_CHECKS` from
 * `@session-tracker/shared`) and hands over only the contract's fields. Returns `undefined`
 * for a method this SDK does not know (the contract may add some) and `null` for bad params.
 */
export function readNotification(method: string, params: unknown): TypedNotification | null | undefined {
  if (!isNotificationName(method)) return undefined;
  if (!NOTIFICATION_CHECKS[method](params)) return null;
  const p = params as Record<string, unknown>;
  switch (method) {
    case 'session.welcome': {
      const w = params as ServerNotifications['session.welcome'];
      return {
        method,
        params: {
          sessionId: w.sessionId,
          resumeToken: w.resumeToken,
          resumed: w.resumed,
          heartbeatMs: w.heartbeatMs,
          serverTime: w.serverTime,
        },
      };
    }
    // `message` is in the contract; a server that leaves it out still gets through, as "".
    case 'session.closing':
      return { method, params: { message: messageOf(p) } };
    case 'page.closing':
      return { method, params: { pageId: p.pageId as string, message: messageOf(p) } };
    case 'session.message': {
      const out: ServerNotifications['session.message'] = { type: p.type as string, payload: p.payload };
      if (typeof p.pageId === 'string') out.pageId = p.pageId;
      return { method, params: out };
    }
    case 'sessions.changed':
      return { method, params: params as ServerNotifications['sessions.changed'] };
  }
}
