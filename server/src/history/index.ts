import type { Logger } from 'pino';
import { HistoryJournal } from './journal.js';
import { HistoryRecorder } from './recorder.js';
import { PgStore } from './pg-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { HistoryStore } from './store.js';

export interface HistoryOptions {
  /** Directory of the embedded store; undefined keeps history in memory only. */
  dataDir: string | undefined;
  /** A postgres:// URL: the cluster's shared store, used instead of the data directory. */
  database: string | undefined;
  historyDays: number;
  historyFlushMs: number;
  historyMaxPending: number;
  /** Rows kept per table when in memory (events; ended sessions), oldest dropped first. */
  historyMemoryRows: number;
  /** PostgreSQL's bound on connecting and on each statement; also a read's wait for the writes before it. */
  historyTimeoutMs: number;
  /** This node's name in the rollup (unique per node of a cluster). */
  node: string;
  /** Live sessions are kept across restarts (a store that outlives the process, and not cluster mode: Redis does it there). */
  keepLive: boolean;
}

/** One tracker's history: the store, the journal that batches writes to it, the recorder that feeds it. */
export interface History {
  readonly store: HistoryStore;
  readonly journal: HistoryJournal;
  readonly recorder: HistoryRecorder;
  /** Live sessions are saved, and restored at start. */
  readonly keepsLive: boolean;
  /** historyTimeoutMs: the most a read waits for the writes before it. */
  readonly timeoutMs: number;
}

/** `:memory:` names no directory: history in memory only, as when none is given. */
export const IN_MEMORY = ':memory:';

export function openHistory(o: HistoryOptions, log: Logger): History {
  const dataDir = o.dataDir === IN_MEMORY ? undefined : o.dataDir;
  const store =
    o.database !== undefined
      ? new PgStore(o.database, o.historyTimeoutMs)
      : new SqliteStore(dataDir, dataDir === undefined ? o.historyMemoryRows : Number.POSITIVE_INFINITY);
  const keepsLive = o.keepLive && (o.database !== undefined || dataDir !== undefined);
  const journal = new HistoryJournal(store, log, {
    flushMs: o.historyFlushMs,
    retentionMs: o.historyDays * 24 * 60 * 60 * 1000,
    maxPending: o.historyMaxPending,
    keepLive: keepsLive,
    node: o.node,
  });
  return { store, journal, recorder: new HistoryRecorder(journal), keepsLive, timeoutMs: o.historyTimeoutMs };
}
