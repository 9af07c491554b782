import { z } from 'zod';
import type { SessionInfo } from './session-info.js';

/** 1.1 history: what is kept of every session and event, and how it is asked for. */
export const HISTORY_EVENT_TYPES = [
  'session.start',
  'session.end',
  'login',
  'logout',
  'login.failed',
  'page.open',
  'page.close',
  'admin.action',
] as const;
export type HistoryEventType = (typeof HISTORY_EVENT_TYPES)[number];

/**
 * How a session ended, as history gives it (`endReason`, and the `reason` of its `session.end`
 * event): `timeout`, no socket for the session timeout; `closed`, by an admin (or the client's
 * own `session.end`).
 */
export const END_REASONS = ['timeout', 'closed'] as const;
export type EndReason = (typeof END_REASONS)[number];

export function isEndReason(value: unknown): value is EndReason {
  return (END_REASONS as readonly unknown[]).includes(value);
}

/**
 * Why a tracker ends a session, a closed list: what the server logs as `reason`, keeps on the
 * session and compares (history, cluster parts). `Closed` is an admin's `sessions.close` or the
 * client's `session.end`; `Shutdown` is the server stopping, which is no end of the session (its
 * clients may resume it on another node or after a restart).
 */
export const SessionEndCause = {
  Timeout: 'timeout',
  Closed: 'terminated by admin',
  Shutdown: 'shutdown',
} as const;
export type SessionEndCause = (typeof SessionEndCause)[keyof typeof SessionEndCause];

const END_REASON_OF_CAUSE: { readonly [C in SessionEndCause]: EndReason | undefined } = {
  timeout: 'timeout',
  'terminated by admin': 'closed',
  shutdown: undefined,
};

/** The EndReason history records for a cause; undefined for a shutdown (the session is not over). */
export function endReasonOfCause(cause: SessionEndCause): EndReason | undefined {
  return END_REASON_OF_CAUSE[cause];
}

export interface EndedSessionInfo extends SessionInfo {
  /** ISO 8601 time the session ended. */
  endedAt: string;
  endReason: EndReason;
}

export interface HistoryEvent {
  /** ISO 8601 time of the event. */
  at: string;
  type: HistoryEventType;
  sessionId: string;
  username: string;
  project: string;
  clientAddress: string;
  /** What else the event says: pageId/path/title, roles, reason, action and target… */
  detail: Record<string, unknown>;
}

export const HISTORY_LIMITS = {
  defaultLimit: 1_000,
  maxLimit: 10_000,
  cursorMaxLength: 512,
  /** Most rows one sessions.rollup answers (the newest minutes of the window are kept). */
  rollupMaxRows: 10_000,
  /** sessions.rollup's window when `from` is omitted: the last 24 hours before `to`. */
  rollupDefaultWindowMs: 24 * 60 * 60 * 1000,
} as const;

/** 1.1 extension: one project's figures in one minute, every node added up (see sessions.rollup). */
export interface RollupMinute {
  /** ISO 8601 start of the minute. */
  at: string;
  project: string;
  /** Most sessions listed at once in the minute (in a cluster, each node's count added up). */
  sessions: number;
  /** Most distinct logged-in usernames at once (in a cluster, added up over nodes). */
  users: number;
  /** Most open pages at once. */
  pages: number;
  bytesFromClients: number;
  bytesToClients: number;
}

/** ISO 8601 time or epoch ms; checked for a real time by the server (naming the field). */
const time = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]).optional();
const filter = z.string().nullable().optional();
const limit = z.number().int().min(1).max(HISTORY_LIMITS.maxLimit).optional();
const cursor = z.string().min(1).max(HISTORY_LIMITS.cursorMaxLength).nullable().optional();

export const historyParamsSchemas = {
  'sessions.history': z.object({ from: time, to: time, usernameFilter: filter, projectFilter: filter, limit, cursor }).strict().optional(),
  'sessions.events': z
    .object({
      from: time,
      to: time,
      sessionId: z.string().min(1).max(128).optional(),
      usernameFilter: filter,
      types: z.array(z.enum(HISTORY_EVENT_TYPES)).max(HISTORY_EVENT_TYPES.length).optional(),
      limit,
      cursor,
    })
    .strict()
    .optional(),
  'sessions.rollup': z.object({ from: time, to: time, projectFilter: filter }).strict().optional(),
} as const;

export interface HistoryResults {
  'sessions.history': { sessions: EndedSessionInfo[]; next: string | null };
  'sessions.events': { events: HistoryEvent[]; next: string | null };
  /** Oldest minute first; `truncated`: the window held more than rollupMaxRows rows, the oldest were left out. */
  'sessions.rollup': { minutes: RollupMinute[]; truncated: boolean };
}
