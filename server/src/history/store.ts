import type { EndReason, HistoryEventType } from '@session-tracker/shared';
import type { SavedSession } from '../sessions/session.js';
import type { TextKey } from './literal.js';

/** The store could not answer (PostgreSQL down, slow or frozen): not a bug, its message says why, no secret in it. */
export class StoreUnavailable extends Error {}

/**
 * What the history keeps, as the stores hold it: times in epoch ms, the final SessionInfo
 * as JSON text. One interface for the embedded store (SQLite) and a cluster's (PostgreSQL).
 */
export interface EventRecord {
  at: number;
  type: HistoryEventType;
  sessionId: string;
  username: string;
  project: string;
  clientAddress: string;
  detail: Record<string, unknown>;
}

/** An event as read back, with its store-assigned sequence (ties on `at` page by it). */
export interface StoredEvent extends EventRecord {
  seq: number;
}

export interface EndedRecord {
  id: string;
  project: string;
  username: string;
  clientAddress: string;
  createdAt: number;
  endedAt: number;
  endReason: EndReason;
  /** The final SessionInfo with endedAt and endReason, as JSON. */
  info: string;
}

/** A live session as saved for a restart: enough to bring it back, resumable, counters exact. */
export type LiveRecord = SavedSession;

/** One node's figures for one project in one minute (the store adds the nodes up when asked). */
export interface RollupRecord {
  /** Epoch ms of the minute's start. */
  minute: number;
  project: string;
  node: string;
  /** Most sessions listed at once in the minute. */
  sessions: number;
  /** Most distinct logged-in usernames at once. */
  users: number;
  /** Most open pages at once. */
  pages: number;
  bytesFromClients: number;
  bytesToClients: number;
}

/** The rollup as read back: one row per minute and project, every node's figures added up. */
export type RollupRow = Omit<RollupRecord, 'node'>;

export interface RollupQuery extends TimeRange {
  /** Keyset: rows strictly after (minute, project) in newest-first order. */
  after: readonly [minute: number, project: string] | undefined;
  limit: number;
}

export interface WriteBatch {
  events: EventRecord[];
  ended: EndedRecord[];
  /** Live sessions to save (insert or replace). */
  live: LiveRecord[];
  /** Live sessions no longer live (ended): forget their saved state. */
  gone: string[];
  /** Rollup rows to write (insert or replace: a minute in progress is written again as it changes). */
  rollup?: RollupRecord[];
}

export interface TimeRange {
  from: number;
  to: number;
}

export interface EndedQuery extends TimeRange {
  /** Keyset: rows strictly after (endedAt, id) in newest-first order. */
  after: readonly [endedAt: number, id: string] | undefined;
  /** Only rows whose username is (or starts with) this: the literal part of a filter, for an index. */
  username?: TextKey | undefined;
  project?: TextKey | undefined;
  limit: number;
}

export interface EventsQuery extends TimeRange {
  after: readonly [at: number, seq: number] | undefined;
  sessionId: string | undefined;
  types: readonly HistoryEventType[] | undefined;
  username?: TextKey | undefined;
  limit: number;
}

export interface HistoryStore {
  /** Where it keeps things, for the start-up log line (never a password). */
  readonly description: string;
  write(batch: WriteBatch): Promise<void>;
  /** Ended sessions whose life overlaps the range, newest end first. */
  ended(q: EndedQuery): Promise<EndedRecord[]>;
  /** Events inside the range, newest first. */
  events(q: EventsQuery): Promise<StoredEvent[]>;
  /** Rollup rows with `from <= minute <= to`, newest minute first, then project (byte order) descending. */
  rollup(q: RollupQuery): Promise<RollupRow[]>;
  /** Deletes up to `max` rows older than `before` (events, ended sessions, rollup); returns how many went. */
  prune(before: number, max: number): Promise<number>;
  /**
   * Whether a failed write of this record may have landed all the same (its COMMIT got no
   * answer), until the store settles it: the journal does not count such a record as dropped.
   */
  mayHaveWritten?(record: object): boolean;
  /** Every saved live session (to restore after a restart). */
  loadLive(): Promise<LiveRecord[]>;
  close(): Promise<void>;
}
