import type { Pool, PoolClient, QueryConfig } from 'pg';
import { MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION } from './pg-schema.js';
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
import { StoreUnavailable } from './store.js';
import { endedOfRow, eventOfRow, type EndedRow, type EventRow } from './rows.js';
import { keySql } from './literal.js';
import { insertBatch } from './pg-write.js';

/** Connections per node: one for the journal's writes, the rest for history queries. */
const POOL_MAX = 4;
/**
 * Default of historyTimeoutMs: how long connecting, or one statement, may take. A PostgreSQL
 * that is slow or frozen (no answer at all: its server-side statement_timeout never fires)
 * fails the write (the journal keeps it) or the read (the asker hears why) rather than hanging
 * it and the pool's connections with it.
 */
export const PG_TIMEOUT_MS = 10_000;
/** A migration may build an index over a large table: its statements get longer. */
const MIGRATE_TIMEOUT_MS = 10 * 60_000;
/** The client-side bound is a little past the server's own: a merely slow statement is cancelled there, cleanly. */
const CLIENT_SLACK_MS = 500;

/** The URL as it may be shown: the password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/** Checks a --database URL; the error never repeats the URL (it may hold a password). */
export function checkDatabaseUrl(url: string): void {
  if (!/^postgres(?:ql)?:\/\/\S+$/.test(url)) throw new RangeError('option database must be a postgres:// or postgresql:// URL');
}

/**
 * The history of a cluster in PostgreSQL: every node writes to it, any node answers for all.
 * Same keyset paging as the SQLite store (newest first, ties on `at` by the store's sequence).
 * The pool and the schema are made on first use and again after a failure, so a PostgreSQL
 * that is down at start or goes away only delays writes (the journal keeps them meanwhile).
 */
export class PgStore implements HistoryStore {
  readonly description: string;
  private pool: Promise<Pool> | undefined;
  private closed = false;
  /**
   * The write whose COMMIT got no answer: it may have landed or not. Settled (txid_status)
   * before the next write, which the journal makes of the same records again.
   */
  private unsure: { xid: string; records: ReadonlySet<object> } | undefined;
  /** Records of a write found committed after all: the journal's retry must not write them twice. */
  private readonly landed = new WeakSet<object>();

  constructor(
    private readonly url: string,
    private readonly timeoutMs = PG_TIMEOUT_MS,
  ) {
    checkDatabaseUrl(url);
    this.description = `postgresql ${redactUrl(url)}`;
  }

  /** Errors go to logs and to history readers: whatever text they carry, the password is not in it. */
  private clean(err: unknown): Error {
    let message = err instanceof Error ? err.message : String(err);
    // The driver's words for its own timeouts, said plainly.
    if (message === 'Query read timeout') message = `no answer within ${this.timeoutMs + CLIENT_SLACK_MS} ms`;
    // The pool's wait for a free connection, or a new connection's handshake.
    else if (/^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(message))
      message = `no connection within ${this.timeoutMs} ms`;
    message = message.split(this.url).join(redactUrl(this.url));
    for (const secret of passwordsOf(this.url)) message = message.split(secret).join('***');
    const out = new StoreUnavailable(message.startsWith('postgresql') ? message : `postgresql: ${message}`);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string') (out as Error & { code: string }).code = code;
    return out;
  }

  private connect(): Promise<Pool> {
    if (this.closed) return Promise.reject(new Error('postgresql: store closed'));
    this.pool ??= this.open().catch((err: unknown) => {
      this.pool = undefined; // the next call tries again
      throw err;
    });
    return this.pool;
  }

  private async open(): Promise<Pool> {
    let Pool: typeof import('pg').Pool;
    try {
      ({ Pool } = (await import('pg')).default);
    } catch {
      throw new Error('--database needs the pg package: npm install pg');
    }
    const pool = new Pool({
      connectionString: this.url,
      max: POOL_MAX,
      // Also the wait for a free connection when all are busy (each bounded as below).
      connectionTimeoutMillis: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      query_timeout: this.timeoutMs + CLIENT_SLACK_MS,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks (the server restarts) is reported here; unhandled it would end the process.
    pool.on('error', () => undefined);
    try {
      await this.migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return pool;
  }

  /** Brings the schema to SCHEMA_VERSION, one node at a time; refuses a newer one. */
  private async migrate(pool: Pool): Promise<void> {
    await this.tx(pool, async (c) => {
      // Another node may hold the lock while it migrates: wait for it as long as a migration may take.
      // (pg reads query_timeout from a query's config too; its types leave it out.)
      const long = (text: string, values?: unknown[]) => {
        const config: QueryConfig & { query_timeout: number } = { text, values, query_timeout: MIGRATE_TIMEOUT_MS };
        return c.query(config);
      };
      await long(`SET LOCAL statement_timeout = ${MIGRATE_TIMEOUT_MS}`);
      await long('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS st_schema (version INTEGER NOT NULL)');
      const row = (await c.query<{ version: number }>('SELECT version FROM st_schema')).rows[0];
      const have = row?.version ?? 0;
      if (have > SCHEMA_VERSION)
        throw new Error(
          `postgresql: the database's history schema is version ${have}, newer than this tracker's (${SCHEMA_VERSION}): upgrade the tracker`,
        );
      for (let v = have; v < SCHEMA_VERSION; v++) await long(MIGRATIONS[v] as string);
      if (row === undefined) await c.query('INSERT INTO st_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      else if (have < SCHEMA_VERSION) await c.query('UPDATE st_schema SET version = $1', [SCHEMA_VERSION]);
    });
  }

  /** `unsure` is told when the COMMIT itself failed: the transaction may have landed. */
  private async tx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>, unsure?: () => void): Promise<T> {
    const c = await pool.connect();
    // A checked-out client's socket errors (the server stops mid-transaction) are emitted on
    // the client, not the pool: without a listener they would end the process. The failing
    // query rejects too, so the caller hears of it.
    const onError = (): void => undefined;
    c.on('error', onError);
    let ok = false;
    let committing = false;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      committing = true;
      await c.query('COMMIT');
      ok = true;
      return out;
    } catch (err) {
      if (committing) unsure?.();
      throw err;
    } finally {
      // After a failure the client goes, no ROLLBACK tried: a statement that timed out may still
      // run on it (a ROLLBACK would wait behind it), and closing it rolls the transaction back.
      // A discarded client keeps its listener (a late error must still land somewhere).
      if (ok) c.off('error', onError);
      c.release(!ok);
    }
  }

  mayHaveWritten(record: object): boolean {
    return this.unsure?.records.has(record) ?? false;
  }

  /** Settles a write whose COMMIT went unanswered: its records are kept out of the next write if it landed. */
  private async settle(pool: Pool): Promise<void> {
    const u = this.unsure;
    if (u === undefined) return;
    const status = (await pool.query<{ s: string | null }>('SELECT txid_status($1) AS s', [u.xid])).rows[0]?.s;
    // Its backend has not finished yet (PostgreSQL just came back): ask again at the next write.
    if (status === 'in progress') throw new Error('postgresql: the previous write is still being committed');
    this.unsure = undefined;
    if (status === 'committed') for (const r of u.records) this.landed.add(r);
  }

  /** Runs `fn` on the pool; errors come back with the password taken out. */
  private async run<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.connect());
    } catch (err) {
      throw this.clean(err);
    }
  }

  write(batch: WriteBatch): Promise<void> {
    return this.run(async (pool) => {
      await this.settle(pool);
      const ev = batch.events.filter((e) => !this.landed.has(e));
      const en = batch.ended.filter((s) => !this.landed.has(s));
      let xid: string | undefined;
      const unsure = () => {
        if (xid !== undefined) this.unsure = { xid, records: new Set([...ev, ...en]) };
      };
      await this.tx(
        pool,
        async (c) => {
          xid = (await c.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]?.x;
          await insertBatch(c, { ...batch, events: ev, ended: en });
        },
        unsure,
      );
    });
  }

  ended(q: EndedQuery): Promise<EndedRecord[]> {
    // A session that overlaps the range ended by `to` plus the longest session there is (st_ended_by_length).
    const where = [
      'ended_at >= $1',
      'created_at <= $2',
      'ended_at <= $2 + COALESCE((SELECT max(ended_at - created_at) FROM st_ended_sessions), 0)',
    ];
    const args: (number | string)[] = [q.from, q.to];
    const arg = (v: number | string) => `$${args.push(v)}`;
    if (q.username) where.push(keySql('(username COLLATE "C")', q.username, arg));
    if (q.project) where.push(keySql('(project COLLATE "C")', q.project, arg));
    if (q.after) {
      const at = arg(q.after[0]);
      where.push(`(ended_at < ${at} OR (ended_at = ${at} AND id < ${arg(q.after[1])}))`);
    }
    const sql = `SELECT * FROM st_ended_sessions WHERE ${where.join(' AND ')} ORDER BY ended_at DESC, id DESC LIMIT ${arg(q.limit)}`;
    return this.run(async (pool) => (await pool.query<EndedRow>(sql, args)).rows.map(endedOfRow));
  }

  events(q: EventsQuery): Promise<StoredEvent[]> {
    const where = ['at >= $1', 'at <= $2'];
    const args: (number | string | readonly string[])[] = [q.from, q.to];
    const arg = (v: number | string | readonly string[]) => `$${args.push(v)}`;
    if (q.sessionId !== undefined) where.push(`session_id = ${arg(q.sessionId)}`);
    // One type as `=`: the planner then walks st_events_by_type in order (with ANY it may not).
    if (q.types !== undefined && q.types.length === 1) where.push(`type = ${arg(q.types[0] as string)}`);
    else if (q.types !== undefined && q.types.length > 1) where.push(`type = ANY(${arg(q.types)}::text[])`);
    if (q.username) where.push(keySql('(username COLLATE "C")', q.username, arg));
    if (q.after) {
      const at = arg(q.after[0]);
      where.push(`(at < ${at} OR (at = ${at} AND seq < ${arg(q.after[1])}))`);
    }
    const sql = `SELECT * FROM st_events WHERE ${where.join(' AND ')} ORDER BY at DESC, seq DESC LIMIT ${arg(q.limit)}`;
    return this.run(async (pool) => (await pool.query<EventRow>(sql, args)).rows.map(eventOfRow));
  }

  rollup(q: RollupQuery): Promise<RollupRow[]> {
    const args: (number | string)[] = [q.from, q.to];
    let keyset = '';
    if (q.after) {
      args.push(q.after[0], q.after[1]);
      keyset = 'AND (minute < $3 OR (minute = $3 AND project < $4))';
    }
    args.push(q.limit);
    const sql = `SELECT minute, project, SUM(sessions) AS sessions, SUM(users) AS users, SUM(pages) AS pages,
        SUM(bytes_from_clients) AS bytes_from_clients, SUM(bytes_to_clients) AS bytes_to_clients
      FROM st_rollup WHERE minute >= $1 AND minute <= $2 ${keyset}
      GROUP BY minute, project ORDER BY minute DESC, project DESC LIMIT $${args.length}`;
    return this.run(async (pool) =>
      (await pool.query<Record<string, string>>(sql, args)).rows.map((r) => ({
        minute: Number(r.minute),
        project: String(r.project),
        sessions: Number(r.sessions),
        users: Number(r.users),
        pages: Number(r.pages),
        bytesFromClients: Number(r.bytes_from_clients),
        bytesToClients: Number(r.bytes_to_clients),
      })),
    );
  }

  prune(before: number, max: number): Promise<number> {
    return this.run(async (pool) => {
      const a = await pool.query('DELETE FROM st_events WHERE seq IN (SELECT seq FROM st_events WHERE at < $1 LIMIT $2)', [before, max]);
      let left = Math.max(0, max - (a.rowCount ?? 0));
      const b =
        left > 0
          ? await pool.query('DELETE FROM st_ended_sessions WHERE id IN (SELECT id FROM st_ended_sessions WHERE ended_at < $1 LIMIT $2)', [
              before,
              left,
            ])
          : { rowCount: 0 };
      left = Math.max(0, left - (b.rowCount ?? 0));
      const c =
        left > 0
          ? await pool.query('DELETE FROM st_rollup WHERE ctid IN (SELECT ctid FROM st_rollup WHERE minute < $1 LIMIT $2)', [before, left])
          : { rowCount: 0 };
      return (a.rowCount ?? 0) + (b.rowCount ?? 0) + (c.rowCount ?? 0);
    });
  }

  loadLive(): Promise<LiveRecord[]> {
    return this.run(async (pool) =>
      (await pool.query<{ record: string }>('SELECT record FROM st_live_sessions')).rows.map((r) => JSON.parse(r.record) as LiveRecord),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    await pool?.end().catch(() => undefined);
  }
}

/** The password of a URL as written and decoded (either may turn up in an error). */
function passwordsOf(url: string): string[] {
  const raw = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(url)?.[1];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // not percent-encoded: only the raw form can appear
  }
  return decoded === raw ? [raw] : [raw, decoded];
}
