/**
 * The PostgreSQL store's schema, versioned: each entry of MIGRATIONS brings the schema from
 * its index to the next version. Every node of a cluster runs this at start; an advisory lock
 * makes them take turns, and a database already at the version is left alone.
 */

/** pg_advisory_xact_lock key of the migration (an arbitrary constant: "st-hist"). */
export const MIGRATION_LOCK = 0x73742d68697374;

export const MIGRATIONS: readonly string[] = [
  // 1: ended sessions, events, live sessions, the per-minute rollup.
  `
  CREATE TABLE st_ended_sessions (
    -- COLLATE "C": ids compare byte by byte, as in SQLite, so both stores page in one order.
    id TEXT COLLATE "C" PRIMARY KEY,
    project TEXT NOT NULL,
    username TEXT NOT NULL,
    client_address TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    end_reason TEXT NOT NULL,
    info TEXT NOT NULL
  );
  CREATE INDEX st_ended_by_end ON st_ended_sessions (ended_at DESC, id DESC);
  CREATE TABLE st_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    session_id TEXT NOT NULL,
    username TEXT NOT NULL,
    project TEXT NOT NULL,
    client_address TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX st_events_by_at ON st_events (at DESC, seq DESC);
  CREATE INDEX st_events_by_session ON st_events (session_id, at DESC, seq DESC);
  CREATE INDEX st_events_by_type ON st_events (type, at DESC, seq DESC);
  -- A session that spans nodes starts and ends once, whichever nodes write it.
  CREATE UNIQUE INDEX st_events_once ON st_events (session_id, type) WHERE type IN ('session.start', 'session.end');
  CREATE TABLE st_live_sessions (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL
  );
  CREATE TABLE st_rollup (
    minute BIGINT NOT NULL,
    project TEXT COLLATE "C" NOT NULL,
    node TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    users INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    bytes_from_clients BIGINT NOT NULL,
    bytes_to_clients BIGINT NOT NULL,
    PRIMARY KEY (minute, project, node)
  );
  `,
  // 2: a filter's literal start served by an index (byte order, as the queries compare), and
  // the longest session at once (it bounds "connected at T").
  `
  CREATE INDEX st_events_by_user ON st_events ((username COLLATE "C"), at DESC, seq DESC);
  CREATE INDEX st_ended_by_user ON st_ended_sessions ((username COLLATE "C"), ended_at DESC, id DESC);
  CREATE INDEX st_ended_by_length ON st_ended_sessions ((ended_at - created_at));
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
