import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  EndedQuery,
  EndedRecord,
  EventsQuery,
  HistoryStore,
  LiveRecord,
  RollupQuery,
  RollupRow,
  StoredEvent,
  WriteBatch,
} from './store.js';
import { endedOfRow, eventOfRow, type EndedRow, type EventRow } from './rows.js';
import { keySql, type TextKey } from './literal.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ended_sessions (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  username TEXT NOT NULL,
  client_address TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  end_reason TEXT NOT NULL,
  info TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ended_by_end ON ended_sessions (ended_at DESC, id DESC);
-- A filter's literal start (usernameFilter "vip-.*") reads only those users' rows.
CREATE INDEX IF NOT EXISTS ended_by_user ON ended_sessions (username, ended_at DESC, id DESC);
-- The longest session, at once: "connected at T" then reads only sessions ended by T plus that.
CREATE INDEX IF NOT EXISTS ended_by_length ON ended_sessions (ended_at - created_at);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  session_id TEXT NOT NULL,
  username TEXT NOT NULL,
  project TEXT NOT NULL,
  client_address TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_at ON events (at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, at DESC, seq DESC);
-- A page of a rare type (login.failed) must not walk every event of the window.
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS events_by_user ON events (username, at DESC, seq DESC);
CREATE TABLE IF NOT EXISTS live_sessions (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup (
  minute INTEGER NOT NULL,
  project TEXT NOT NULL,
  node TEXT NOT NULL,
  sessions INTEGER NOT NULL,
  users INTEGER NOT NULL,
  pages INTEGER NOT NULL,
  bytes_from_clients INTEGER NOT NULL,
  bytes_to_clients INTEGER NOT NULL,
  PRIMARY KEY (minute, project, node)
);
`;

/**
 * A filter's key that matches at most this many rows is read through the username index (its
 * rows then sorted by time); a broader one is checked along the time index, which meets enough
 * matches soon. SQLite cannot tell these apart itself without ANALYZE (a second per million
 * rows, on the event loop): counting up to this bound in the index costs a millisecond or two.
 */
const NARROW_KEY_ROWS = 20_000;

/** The file the embedded store keeps in a data directory. */
export const SQLITE_FILE = 'history.sqlite';

/**
 * The embedded store: one SQLite file in the data directory (made 0700, the file 0600: it
 * holds addresses and usernames), or `:memory:` when the tracker runs in memory only.
 * better-sqlite3 is synchronous; the journal calls it in batches, never per message.
 */
export class SqliteStore implements HistoryStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly insertEvent: Database.Statement;
  private readonly insertOnce: Database.Statement;
  private readonly insertEnded: Database.Statement;
  private readonly dropOlderEnd: Database.Statement;
  private readonly upsertLive: Database.Statement;
  private readonly deleteLive: Database.Statement;
  private readonly upsertRollup: Database.Statement;
  private readonly writeTx: (batch: WriteBatch) => void;
  /** Rows per table, kept in step with writes: trimming must not count a big table each flush. */
  private eventRows = 0;
  private endedRows = 0;

  /**
   * `maxRows` bounds each table (events, ended sessions), oldest first. In memory that is the
   * only bound there is besides the retention: without it a long-running tracker's history
   * would grow for `historyDays` in RAM.
   */
  constructor(
    dataDir: string | undefined,
    private readonly maxRows = Number.POSITIVE_INFINITY,
    /** NARROW_KEY_ROWS (a test sets 0 to take the time index for every key). */
    private readonly narrowKeyRows = NARROW_KEY_ROWS,
  ) {
    if (dataDir === undefined) {
      this.db = new Database(':memory:');
      this.description = 'sqlite in memory';
    } else {
      if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const file = join(dataDir, SQLITE_FILE);
      this.db = new Database(file);
      chmodSync(file, 0o600);
      this.description = `sqlite ${file}`;
    }
    this.db.pragma('journal_mode = WAL');
    // A crash may lose the last transactions, never corrupt the file: what the journal's flush interval promises anyway.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.insertEvent = this.db.prepare(
      'INSERT INTO events (at, type, session_id, username, project, client_address, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // A session starts and ends once (as PostgreSQL's st_events_once makes it): a second start is skipped, an end see below.
    // By the session's index: the planner would take events_by_type and walk every start (quadratic).
    this.insertOnce = this.db.prepare(
      `INSERT INTO events (at, type, session_id, username, project, client_address, detail) SELECT ?, ?, ?, ?, ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM events INDEXED BY events_by_session WHERE session_id = ? AND type = ?)`,
    );
    // A session the cluster ended can come back (its node was cut off, its client still there)
    // and end again later: the later end is its real one, its row and its end event replace the
    // earlier ones (an earlier or equal end arriving late changes nothing).
    this.dropOlderEnd = this.db.prepare(
      "DELETE FROM events INDEXED BY events_by_session WHERE session_id = ? AND type = 'session.end' AND at < ?",
    );
    this.insertEnded = this.db.prepare(
      `INSERT INTO ended_sessions (id, project, username, client_address, created_at, ended_at, end_reason, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET project = excluded.project, username = excluded.username, client_address = excluded.client_address,
         created_at = excluded.created_at, ended_at = excluded.ended_at, end_reason = excluded.end_reason, info = excluded.info
       WHERE excluded.ended_at > ended_sessions.ended_at`,
    );
    this.upsertLive = this.db.prepare('INSERT OR REPLACE INTO live_sessions (id, record) VALUES (?, ?)');
    this.deleteLive = this.db.prepare('DELETE FROM live_sessions WHERE id = ?');
    this.upsertRollup = this.db.prepare(
      'INSERT OR REPLACE INTO rollup (minute, project, node, sessions, users, pages, bytes_from_clients, bytes_to_clients) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.eventRows = (this.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    this.endedRows = (this.db.prepare('SELECT COUNT(*) AS n FROM ended_sessions').get() as { n: number }).n;
    this.writeTx = this.db.transaction((batch: WriteBatch) => {
      for (const e of batch.events) {
        const row = [e.at, e.type, e.sessionId, e.username, e.project, e.clientAddress, JSON.stringify(e.detail)];
        if (e.type === 'session.end') this.dropOlderEnd.run(e.sessionId, e.at);
        if (e.type === 'session.start' || e.type === 'session.end') this.insertOnce.run(...row, e.sessionId, e.type);
        else this.insertEvent.run(...row);
      }
      for (const s of batch.ended) {
        this.insertEnded.run(s.id, s.project, s.username, s.clientAddress, s.createdAt, s.endedAt, s.endReason, s.info);
      }
      for (const l of batch.live) this.upsertLive.run(l.id, JSON.stringify(l));
      for (const id of batch.gone) this.deleteLive.run(id);
      for (const r of batch.rollup ?? [])
        this.upsertRollup.run(r.minute, r.project, r.node, r.sessions, r.users, r.pages, r.bytesFromClients, r.bytesToClients);
    });
  }

  write(batch: WriteBatch): Promise<void> {
    this.writeTx(batch);
    this.eventRows += batch.events.length;
    this.endedRows += batch.ended.length;
    this.trim();
    return Promise.resolve();
  }

  /** Drops the oldest rows past maxRows, once a table is a tenth over (so not on every write). */
  private trim(): void {
    const slack = Math.max(1, Math.floor(this.maxRows / 10));
    if (this.eventRows > this.maxRows + slack) {
      const over = this.eventRows - this.maxRows;
      this.db.prepare('DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq ASC LIMIT ?)').run(over);
      this.eventRows -= over;
    }
    if (this.endedRows > this.maxRows + slack) {
      const over = this.endedRows - this.maxRows;
      this.db.prepare('DELETE FROM ended_sessions WHERE id IN (SELECT id FROM ended_sessions ORDER BY ended_at ASC LIMIT ?)').run(over);
      this.endedRows -= over;
    }
  }

  ended(q: EndedQuery): Promise<EndedRecord[]> {
    // A session that overlaps the range ended by `to` plus the longest session there is.
    const where = [
      'ended_at >= ?',
      'created_at <= ?',
      'ended_at <= ? + COALESCE((SELECT ended_at - created_at FROM ended_sessions ORDER BY ended_at - created_at DESC LIMIT 1), 0)',
    ];
    const args: (number | string)[] = [q.from, q.to, q.to];
    const byUser = q.username !== undefined && this.narrow('ended_sessions', q.username);
    if (q.username) where.push(keySql(byUser ? 'username' : '+username', q.username, (v) => this.arg(args, v)));
    if (q.project) where.push(keySql('project', q.project, (v) => this.arg(args, v)));
    if (q.after) {
      where.push('(ended_at < ? OR (ended_at = ? AND id < ?))');
      args.push(q.after[0], q.after[0], q.after[1]);
    }
    args.push(q.limit);
    const sql = `SELECT * FROM ended_sessions ${byUser ? 'INDEXED BY ended_by_user' : ''} WHERE ${where.join(' AND ')}
      ORDER BY ended_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args) as EndedRow[];
    return Promise.resolve(rows.map(endedOfRow));
  }

  events(q: EventsQuery): Promise<StoredEvent[]> {
    const where = ['at >= ?', 'at <= ?'];
    const args: (number | string)[] = [q.from, q.to];
    if (q.sessionId !== undefined) {
      where.push('session_id = ?');
      args.push(q.sessionId);
    }
    if (q.types !== undefined && q.types.length > 0) {
      where.push(`type IN (${q.types.map(() => '?').join(', ')})`);
      args.push(...q.types);
    }
    // One session's events: its own index serves best, whatever the filter.
    const byUser = q.username !== undefined && q.sessionId === undefined && this.narrow('events', q.username);
    if (q.username) where.push(keySql(byUser ? 'username' : '+username', q.username, (v) => this.arg(args, v)));
    if (q.after) {
      where.push('(at < ? OR (at = ? AND seq < ?))');
      args.push(q.after[0], q.after[0], q.after[1]);
    }
    args.push(q.limit);
    const order = 'ORDER BY at DESC, seq DESC';
    // Through the username index, the sort takes (at, seq) from the index alone: only the page's rows are read.
    const sql = byUser
      ? `SELECT * FROM events WHERE seq IN (SELECT seq FROM events INDEXED BY events_by_user WHERE ${where.join(' AND ')} ${order} LIMIT ?) ${order}`
      : `SELECT * FROM events WHERE ${where.join(' AND ')} ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args) as EventRow[];
    return Promise.resolve(rows.map(eventOfRow));
  }

  private arg(args: (number | string)[], v: string): string {
    args.push(v);
    return '?';
  }

  /** Whether a key matches few rows (narrowKeyRows at most): counted in the username index, never further. */
  private narrow(table: 'events' | 'ended_sessions', key: TextKey): boolean {
    const args: (number | string)[] = [];
    const cond = keySql('username', key, (v) => this.arg(args, v));
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${cond} LIMIT ?)`)
      .get(...args, this.narrowKeyRows + 1);
    return (row as { n: number }).n <= this.narrowKeyRows;
  }

  rollup(q: RollupQuery): Promise<RollupRow[]> {
    const args: (number | string)[] = [q.from, q.to];
    let keyset = '';
    if (q.after) {
      keyset = 'AND (minute < ? OR (minute = ? AND project < ?))';
      args.push(q.after[0], q.after[0], q.after[1]);
    }
    args.push(q.limit);
    const rows = this.db
      .prepare(
        `SELECT minute, project, SUM(sessions) AS sessions, SUM(users) AS users, SUM(pages) AS pages,
           SUM(bytes_from_clients) AS bytesFromClients, SUM(bytes_to_clients) AS bytesToClients
         FROM rollup WHERE minute >= ? AND minute <= ? ${keyset}
         GROUP BY minute, project ORDER BY minute DESC, project DESC LIMIT ?`,
      )
      .all(...args) as RollupRow[];
    return Promise.resolve(rows);
  }

  prune(before: number, max: number): Promise<number> {
    const a = this.db.prepare('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? LIMIT ?)').run(before, max);
    const left = Math.max(0, max - a.changes);
    const b =
      left > 0
        ? this.db
            .prepare('DELETE FROM ended_sessions WHERE id IN (SELECT id FROM ended_sessions WHERE ended_at < ? LIMIT ?)')
            .run(before, left)
        : { changes: 0 };
    const left2 = Math.max(0, left - b.changes);
    const c =
      left2 > 0
        ? this.db.prepare('DELETE FROM rollup WHERE rowid IN (SELECT rowid FROM rollup WHERE minute < ? LIMIT ?)').run(before, left2)
        : { changes: 0 };
    this.eventRows -= a.changes;
    this.endedRows -= b.changes;
    return Promise.resolve(a.changes + b.changes + c.changes);
  }

  loadLive(): Promise<LiveRecord[]> {
    const rows = this.db.prepare('SELECT record FROM live_sessions').all() as { record: string }[];
    return Promise.resolve(rows.map((r) => JSON.parse(r.record) as LiveRecord));
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
