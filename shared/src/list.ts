import { z } from 'zod';
import { SESSION_STATES, type SessionInfo, type SessionState } from './session-info.js';
import type { ClusterStatus } from './session-info.js';

/**
 * 1.1 `sessions.list`: live sessions a page at a time, sorted and cut to the fields asked for.
 * `offset` is this implementation's addition (a windowed view jumps to row N without walking).
 */
export const LIST_LIMITS = {
  defaultLimit: 1_000,
  maxLimit: 10_000,
  /** How far `offset` may jump: past it, walk with `cursor`. */
  maxOffset: 100_000,
  /**
   * A cursor holds a sort value and an id. A user agent may be as long as Node lets a header be
   * (16 KiB), twice that as UTF-8 JSON, and a third more in base64: 48 KiB fits any.
   */
  cursorMaxLength: 49_152,
  fieldMaxLength: 64,
} as const;

/** Every SessionInfo field, in wire order: what `fields` may name. */
export const SESSION_INFO_FIELDS = [
  'id',
  'userAgent',
  'username',
  'project',
  'uptime',
  'clientAddress',
  'lastComm',
  'sessionScope',
  'activePages',
  'recentBytesSent',
  'totalBytesSent',
  'pageIds',
  'authorized',
  'totalBytesReceived',
  'messagesSent',
  'creationTime',
  'state',
  'pages',
  'device',
  'roles',
  'traffic',
] as const satisfies readonly (keyof SessionInfo)[];
export type SessionInfoField = (typeof SESSION_INFO_FIELDS)[number];

/**
 * SessionInfo's fields whose value is a list or an object: nothing to order a list by. Every
 * other field holds one string, number or boolean and can be sorted by (SORT_FIELDS), so a new
 * single-valued field is sortable as soon as it is in SESSION_INFO_FIELDS; a new list or
 * object field fails to compile (the check below) until it is named here.
 */
export const UNSORTABLE_FIELDS = ['pageIds', 'pages', 'device', 'roles', 'traffic'] as const satisfies readonly SessionInfoField[];

/** The SessionInfo fields whose value (when present) is one string, number or boolean. */
export type SingleValuedField = {
  [K in keyof SessionInfo]-?: NonNullable<SessionInfo[K]> extends string | number | boolean ? K : never;
}[keyof SessionInfo];

/** The fields a list can be sorted by: one value each (lists and objects are not ordered). */
export type SortField = Exclude<SessionInfoField, (typeof UNSORTABLE_FIELDS)[number]>;

/** SESSION_INFO_FIELDS less UNSORTABLE_FIELDS, in wire order. */
export const SORT_FIELDS: readonly SortField[] = SESSION_INFO_FIELDS.filter(
  (f): f is SortField => !(UNSORTABLE_FIELDS as readonly string[]).includes(f),
);

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * Compile-time checks: SESSION_INFO_FIELDS names every SessionInfo field, and the sortable ones
 * are exactly the single-valued ones. A field added to SessionInfo and not here, or a list or
 * object field left out of UNSORTABLE_FIELDS, makes one of these `false`: a type error.
 */
type Holds<T extends true> = T;
export type FieldListsMatchSessionInfo = [Holds<Same<SessionInfoField, keyof SessionInfo>>, Holds<Same<SortField, SingleValuedField>>];

/**
 * Fields that never change during a session's life: paging by them neither repeats nor skips a
 * session present for the whole walk. `uptime` orders as creation time reversed, so it is one too.
 */
export const IMMUTABLE_SORT_FIELDS: readonly SortField[] = [
  'id',
  'creationTime',
  'uptime',
  'project',
  'clientAddress',
  'userAgent',
  'sessionScope',
];

const filter = z.string().nullable().optional();

/** Field names are checked by the server against SESSION_INFO_FIELDS, so the error names the bad one. */
export const listParamsSchemas = {
  'sessions.list': z
    .object({
      usernameFilter: filter,
      projectFilter: filter,
      fields: z
        .array(z.string().min(1).max(LIST_LIMITS.fieldMaxLength))
        .max(SESSION_INFO_FIELDS.length * 2)
        .optional(),
      /** A field name, `-` before it for descending; default `id`. */
      sort: z
        .string()
        .min(1)
        .max(LIST_LIMITS.fieldMaxLength + 1)
        .optional(),
      limit: z.number().int().min(1).max(LIST_LIMITS.maxLimit).optional(),
      cursor: z.string().min(1).max(LIST_LIMITS.cursorMaxLength).nullable().optional(),
      /** Addition: matches to skip before the page (not with `cursor`). */
      offset: z.number().int().min(0).max(LIST_LIMITS.maxOffset).optional(),
      /** Addition: only the sessions in this state (`total` counts them). */
      state: z.enum(SESSION_STATES).optional(),
    })
    .strict()
    .optional(),
} as const;

/** A listed session: `id` always, the other fields as `fields` asked (all by default). */
export type ListedSession = Partial<SessionInfo> & Pick<SessionInfo, 'id'>;

export interface ListResults {
  /** `cluster`: in cluster mode only, who answered (as getSessionStats gives it). */
  'sessions.list': { sessions: ListedSession[]; total: number; next: string | null; cluster?: ClusterStatus };
}

/** `sort` as the SDK types it: a sortable field, `-` before it for descending. */
export type SortSpec = SortField | `-${SortField}`;

/** `sessions.list` params, typed: `fields` narrows the listed sessions' type. */
export interface ListSessionsParams<F extends SessionInfoField = SessionInfoField> {
  usernameFilter?: string | null;
  projectFilter?: string | null;
  fields?: readonly F[];
  sort?: SortSpec;
  limit?: number;
  cursor?: string | null;
  /** Addition: matches to skip before the first page (not with `cursor`). */
  offset?: number;
  /** Addition: only the sessions in this state; `total` counts them. */
  state?: SessionState;
}

/** One page of `sessions.list`, its sessions cut to the fields asked for. */
export interface SessionsPage<F extends SessionInfoField = SessionInfoField> {
  sessions: Pick<SessionInfo, F | 'id'>[];
  total: number;
  next: string | null;
}
