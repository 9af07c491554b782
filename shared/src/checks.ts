/**
 * What the server sends, checked: the one runtime representation of each server-to-client
 * shape (the envelope, the welcome, every result, every notification's params) and of the app
 * method name rule. Dependency-free on purpose: the SDK's browser bundle takes this module
 * without zod (client-sdk/scripts/bundle.mjs), the server and the SDK on Node take it from the
 * package index. The types beside each shape (session-info.ts, methods.ts) are the static view;
 * test/unit/shared-checks.test.ts holds the two together.
 *
 * The checks look at what a client needs and let additions through (the contract only ever adds).
 */
import type { HistoryEvent, RollupMinute } from './history.js';
import type { JsonRpcErrorObject, JsonRpcId } from './jsonrpc.js';
import type { MethodName, MethodResults, ServerNotifications, SessionsChanged, WelcomeParams } from './methods.js';
import type { ClusterFields, ClusterSessionInfo, Dataset, SessionInfo } from './session-info.js';
import { hasFields, isArrayOf, isBoolean, isNumber, isRecord, isString, type Guard } from './guards.js';

/** One server message, classified. */
export type ServerMessage =
  | { kind: 'result'; id: JsonRpcId; result: unknown }
  | { kind: 'error'; id: JsonRpcId; error: JsonRpcErrorObject }
  | { kind: 'notification'; method: string; params: unknown };

export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || isNumber(value);
}

/**
 * A JSON-RPC 2.0 message from the server: the first of result, error, notification that fits
 * (`{jsonrpc: "2.0", id, result}`; `{jsonrpc: "2.0", id, error: {code (integer), message, data?}}`;
 * `{jsonrpc: "2.0", method, params?}`), or null.
 */
export function classifyServerMessage(item: unknown): ServerMessage | null {
  if (!isRecord(item) || item.jsonrpc !== '2.0') return null;
  const id = item.id;
  if (isJsonRpcId(id) && 'result' in item) return { kind: 'result', id, result: item.result };
  const error = item.error;
  if (isJsonRpcId(id) && hasFields(error, { code: Number.isSafeInteger, message: isString })) {
    const out: JsonRpcErrorObject = { code: error.code as number, message: error.message as string };
    if (error.data !== undefined) out.data = error.data;
    return { kind: 'error', id, error: out };
  }
  const method = item.method;
  if (typeof method === 'string') return { kind: 'notification', method, params: item.params };
  return null;
}

export const isWelcomeParams: Guard<WelcomeParams> = (value): value is WelcomeParams =>
  hasFields(value, {
    sessionId: isString,
    resumeToken: isString,
    resumed: isBoolean,
    heartbeatMs: isNumber,
    serverTime: isNumber,
  });

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

const clusterFieldChecks = {
  node: isString,
  nodes: (v: unknown) => isArrayOf(v, isString),
  confirmed: isBoolean,
} satisfies { [K in keyof ClusterFields]: Guard<ClusterFields[K]> };

/** A SessionInfo with the cluster fields (every session a cluster-mode server lists). */
export const isClusterSessionInfo: Guard<ClusterSessionInfo> = (value): value is ClusterSessionInfo =>
  isSessionInfo(value) && hasFields(value, clusterFieldChecks);

/**
 * The cluster fields a session carries, each one only when present and well-formed: none from
 * a single node, all three from a cluster. For readers that show them when they are there.
 */
export function clusterFieldsOf(info: object): Partial<ClusterFields> {
  const c = info as Record<string, unknown>;
  const out: Partial<ClusterFields> = {};
  if (clusterFieldChecks.node(c.node)) out.node = c.node;
  if (clusterFieldChecks.nodes(c.nodes)) out.nodes = c.nodes;
  if (clusterFieldChecks.confirmed(c.confirmed)) out.confirmed = c.confirmed;
  return out;
}

export const isDataset: Guard<Dataset> = (value): value is Dataset =>
  hasFields(value, {
    columns: (v) => isArrayOf(v, (c): c is unknown => hasFields(c, { name: isString, type: isString })),
    rows: (v) => Array.isArray(v) && v.every((row) => Array.isArray(row)),
  });

export const isSessionsChanged: Guard<SessionsChanged> = (v): v is SessionsChanged =>
  hasFields(v, {
    subscription: isString,
    added: (a) => isArrayOf(a, isSessionInfo),
    updated: (u) => isArrayOf(u, isSessionInfo),
    removed: (r) => isArrayOf(r, isString),
  });

const isCursor = (v: unknown): boolean => v === null || isString(v);

const isHistoryEvent: Guard<HistoryEvent> = (v): v is HistoryEvent =>
  hasFields(v, {
    at: isString,
    type: isString,
    sessionId: isString,
    username: isString,
    project: isString,
    clientAddress: isString,
    detail: isRecord,
  });

const isRollupMinute: Guard<RollupMinute> = (v): v is RollupMinute =>
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

/** One shape check per method (a complete map: a new method does not compile without one). */
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
  'sessions.history': (v) => hasFields(v, { sessions: sessionList, next: isCursor }),
  'sessions.events': (v) => hasFields(v, { events: (l) => isArrayOf(l, isHistoryEvent), next: isCursor }),
  // Only `id` is sure to come: the others are as `fields` asked.
  'sessions.list': (v) =>
    hasFields(v, { sessions: (l) => isArrayOf(l, (s): s is unknown => hasFields(s, { id: isString })), total: isNumber, next: isCursor }),
  'sessions.rollup': (v) => hasFields(v, { minutes: (l) => isArrayOf(l, isRollupMinute), truncated: isBoolean }),
};

/** Whether `value` is a result of `method` as the contract shapes it. */
export function isResultOf<M extends MethodName>(method: M, value: unknown): value is MethodResults[M] {
  return RESULT_CHECKS[method](value);
}

/** True for the contract's own method names (anything else goes to the app as `app.<name>`). */
export function isContractMethod(name: string): name is MethodName {
  return Object.hasOwn(RESULT_CHECKS, name);
}

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/**
 * One check per notification's params, as a client may rely on them. `message` of the closing
 * notifications is in the contract but checked as optional: a client reads a missing one as "".
 */
export const NOTIFICATION_CHECKS: { [N in keyof ServerNotifications]: (params: unknown) => boolean } = {
  'session.welcome': isWelcomeParams,
  'session.closing': (p) => hasFields(p, { message: optionalString }),
  'page.closing': (p) => hasFields(p, { pageId: isString, message: optionalString }),
  'session.message': (p) => hasFields(p, { type: isString, pageId: optionalString }),
  'sessions.changed': isSessionsChanged,
};

const APP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;

/** An app method name (without "app."): 1 to 128 of letters, digits and _ . : / -, not starting with . : / -. */
export function isAppName(name: unknown): name is string {
  return typeof name === 'string' && APP_NAME.test(name);
}
