import { z } from 'zod';
import { LIMITS } from './limits.js';
import type { ClusterStatus, Dataset, SessionInfo } from './session-info.js';
import { historyParamsSchemas, type HistoryResults } from './history.js';
import { listParamsSchemas, type ListResults } from './list.js';

const pageId = z.string().min(1).max(LIMITS.pageIdMaxLength);
const path = z.string().max(LIMITS.pathMaxLength);
const title = z.string().max(LIMITS.titleMaxLength);
const filter = z.string().nullable().optional();
/** In cluster mode: `cluster` (default) asks every node, `node` only the one answering. */
const queryScope = z.enum(['cluster', 'node']).optional();

/**
 * Params schemas, one per method. 1.1: named params are strict: a name the method does not
 * define is refused (-32602 naming it), so a misspelt filter can never widen a query.
 */
export const paramsSchemas = {
  'page.open': z.strictObject({ pageId: pageId.optional(), path: path.optional(), title: title.optional() }).optional(),
  'page.update': z.strictObject({ pageId, path: path.optional(), title: title.optional() }),
  'page.close': z.strictObject({ pageId }),
  'auth.login': z.strictObject({ token: z.string().min(1).max(LIMITS.tokenMaxLength) }),
  'auth.logout': z.union([z.strictObject({}), z.array(z.unknown()).length(0)]).optional(),
  'session.self': z.union([z.strictObject({}), z.array(z.unknown()).length(0)]).optional(),
  /** 1.1: a client that has heard nothing for heartbeatMs asks whether the socket still carries. */
  'session.ping': z.union([z.strictObject({}), z.array(z.unknown()).length(0)]).optional(),
  /**
   * 1.1 (addition): ends the caller's own session now, like an admin's `sessions.close` on it.
   * The SDK sends it for a session it created and is leaving unused (another tab's won).
   */
  'session.end': z.union([z.strictObject({}), z.array(z.unknown()).length(0)]).optional(),
  /** 1.1: a single-use ticket naming this session, for a socket the app accepts itself. */
  'session.ticket': z.union([z.strictObject({}), z.array(z.unknown()).length(0)]).optional(),
  getSessionInfo: z
    .union([
      // Trailing elements are optional: [], [user] and [user, project] all fit.
      z.tuple([filter, filter]),
      z.strictObject({
        usernameFilter: filter,
        projectFilter: filter,
        format: z.enum(['list', 'dataset']).optional(),
        scope: queryScope,
      }),
    ])
    .optional(),
  getSessionStats: z.strictObject({ usernameFilter: filter, projectFilter: filter, scope: queryScope }).optional(),
  'sessions.watch': z.strictObject({ usernameFilter: filter, projectFilter: filter, scope: queryScope }).optional(),
  'sessions.unwatch': z.strictObject({ subscription: z.string().min(1).max(128) }),
  'sessions.close': z.strictObject({ sessionId: z.string().min(1).max(128), message: z.string().max(LIMITS.titleMaxLength).optional() }),
  'pages.close': z.strictObject({
    sessionId: z.string().min(1).max(128),
    pageId,
    message: z.string().max(LIMITS.titleMaxLength).optional(),
  }),
  'session.sendMessage': z.strictObject({
    sessionId: z.string().min(1).max(128),
    type: z.string().min(1).max(LIMITS.messageTypeMaxLength),
    payload: z.unknown().optional(),
    pageId: pageId.optional(),
  }),
  ...historyParamsSchemas,
  ...listParamsSchemas,
} as const;

export type MethodName = keyof typeof paramsSchemas;
export type ParamsOf<M extends MethodName> = z.output<(typeof paramsSchemas)[M]>;

export interface SessionStats {
  sessions: number;
  users: number;
  pages: number;
  byProject: Record<string, number>;
  /** Cluster mode only: who answered. */
  cluster?: ClusterStatus;
}

export interface LoginResult {
  username: string;
  roles: string[];
  authorized: boolean;
}

export interface SessionsChanged {
  subscription: string;
  added: SessionInfo[];
  updated: SessionInfo[];
  removed: string[];
}

/** Results, one per method. */
export interface MethodResults {
  'page.open': { pageId: string };
  'page.update': { pageId: string };
  'page.close': { pageId: string };
  'auth.login': LoginResult;
  'auth.logout': { username: string };
  'session.self': SessionInfo;
  'session.ping': { serverTime: number };
  'session.ticket': { ticket: string; expiresInMs: number };
  'session.end': { sessionId: string };
  getSessionInfo: SessionInfo[] | Dataset;
  getSessionStats: SessionStats;
  'sessions.watch': { subscription: string; sessions: SessionInfo[] };
  'sessions.unwatch': { subscription: string };
  'sessions.close': { sessionId: string };
  'pages.close': { sessionId: string; pageId: string };
  'session.sendMessage': { delivered: number };
  'sessions.history': HistoryResults['sessions.history'];
  'sessions.events': HistoryResults['sessions.events'];
  'sessions.list': ListResults['sessions.list'];
  'sessions.rollup': HistoryResults['sessions.rollup'];
}

export const METHOD_NAMES = Object.keys(paramsSchemas) as MethodName[];

const METHOD_SET: ReadonlySet<string> = new Set(METHOD_NAMES);

export function isMethodName(name: string): name is MethodName {
  return METHOD_SET.has(name);
}

/** Methods that need an admin. */
export const ADMIN_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  'getSessionInfo',
  'getSessionStats',
  'sessions.watch',
  'sessions.unwatch',
  'sessions.close',
  'pages.close',
  'session.sendMessage',
  'sessions.history',
  'sessions.events',
  'sessions.list',
  'sessions.rollup',
]);

/** Server-to-client notifications. */
export interface WelcomeParams {
  sessionId: string;
  resumeToken: string;
  resumed: boolean;
  heartbeatMs: number;
  serverTime: number;
}

export interface ServerNotifications {
  'session.welcome': WelcomeParams;
  'session.closing': { message: string };
  'page.closing': { pageId: string; message: string };
  'session.message': { type: string; payload: unknown; pageId?: string };
  'sessions.changed': SessionsChanged;
}

/** Formats a zod failure as one readable line naming each offending field. */
export function describeIssues(error: z.ZodError, prefix = 'Invalid params'): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'params';
    return `${where}: ${issue.message}`;
  });
  return `${prefix}: ${parts.join('; ')}`;
}
