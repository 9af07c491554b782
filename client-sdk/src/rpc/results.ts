import type { Dataset, MethodName, MethodResults, SessionInfo } from '@session-tracker/shared';
import { hasFields, isArrayOf, isBoolean, isNumber, isRecord, isString, type Guard } from './guards.js';

/** The contract's SessionInfo fields (the Perspective shape); additions are not required. */
export const isSessionInfo: Guard<SessionInfo> = (value): value is SessionInfo =>
  hasFields(value, {
    id: isString,
    userAgent: isString,
    username: isString,
    project: isString,
    uptime: isNumber,
    clientAddress: isString,
    lastComm: isNumber,
    sessionScope: isString,
    activePages: isNumber,
    recentBytesSent: isNumber,
    totalBytesSent: isNumber,
    pageIds: (v) => isArrayOf(v, isString),
    authorized: isBoolean,
  });

export const isDataset: Guard<Dataset> = (value): value is Dataset =>
  hasFields(value, {
    columns: (v) => isArrayOf(v, (c): c is unknown => hasFields(c, { name: isString, type: isString })),
    rows: (v) => Array.isArray(v) && v.every((row) => Array.isArray(row)),
  });

const isCursor = (v: unknown): boolean => v === null || isString(v);
const isHistoryEvent = (v: unknown): v is Record<string, unknown> =>
  hasFields(v, {
    at: isString,
    type: isString,
    sessionId: isString,
    username: isString,
    project: isString,
    clientAddress: isString,
    detail: isRecord,
  });

const isRollupMinute = (v: unknown): v is Record<string, unknown> =>
  hasFields(v, {
    at: isString,
    project: isString,
    sessions: isNumber,
    users: isNumber,
    pages: isNumber,
    bytesFromClients: isNumber,
    bytesToClients: isNumber,
  });

const pageResult = (v: unknown): boolean => hasFields(v, { pageId: isString });
const sessionList = (v: unknown): boolean => isArrayOf(v, isSessionInfo);

/** One shape check per method, so a result is only typed once it has been looked at. */
const RESULT_CHECKS: { [M in MethodName]: (value: unknown) => boolean } = {
  'page.open': pageResult,
  'page.update': pageResult,
  'page.close': pageResult,
  'auth.login': (v) => hasFields(v, { username: isString, roles: (r) => isArrayOf(r, isString), authorized: isBoolean }),
  'auth.logout': (v) => hasFields(v, { username: isString }),
  'session.self': isSessionInfo,
  'session.ping': (v) => hasFields(v, { serverTime: isNumber }),
  'session.ticket': (v) => hasFields(v, { ticket: isString, expiresInMs: isNumber }),
  'session.end': (v) => hasFields(v, { sessionId: isString }),
  getSessionInfo: (v) => sessionList(v) || isDataset(v),
  getSessionStats: (v) => hasFields(v, { sessions: isNumber, users: isNumber, pages: isNumber, byProject: isRecord }),
  'sessions.watch': (v) => hasFields(v, { subscription: isString, sessions: sessionList }),
  'sessions.unwatch': (v) => hasFields(v, { subscription: isString }),
  'sessions.close': (v) => hasFields(v, { sessionId: isString }),
  'pages.close': (v) => hasFields(v, { sessionId: isString, pageId: isString }),
  'session.sendMessage': (v) => hasFields(v, { delivered: isNumber }),
  'sessions.history': (v) => hasFields(v, { sessions: (l) => isArrayOf(l, isSessionInfo), next: isCursor }),
  'sessions.events': (v) => hasFields(v, { events: (l) => isArrayOf(l, isHistoryEvent), next: isCursor }),
  // Only `id` is sure to come: the others are as `fields` asked.
  'sessions.list': (v) =>
    hasFields(v, { sessions: (l) => isArrayOf(l, (s): s is unknown => hasFields(s, { id: isString })), total: isNumber, next: isCursor }),
  'sessions.rollup': (v) => hasFields(v, { minutes: (l) => isArrayOf(l, isRollupMinute), truncated: isBoolean }),
};

export function isResultOf<M extends MethodName>(method: M, value: unknown): value is MethodResults[M] {
  return RESULT_CHECKS[method](value);
}

/** True for the contract's own method names (anything else goes to the app as `app.<name>`). */
export function isContractMethod(name: string): name is MethodName {
  return Object.hasOwn(RESULT_CHECKS, name);
}
