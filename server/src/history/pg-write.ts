import type { PoolClient } from 'pg';
import type { EventRecord, WriteBatch } from './store.js';

/** A batch's events with, per session, only its latest end (the rest, and every start, as they are). */
function latestEnds(events: readonly EventRecord[]): EventRecord[] {
  const last = new Map<string, EventRecord>();
  for (const e of events) {
    const seen = last.get(e.sessionId);
    if (e.type === 'session.end' && (seen === undefined || e.at > seen.at)) last.set(e.sessionId, e);
  }
  return events.filter((e) => e.type !== 'session.end' || last.get(e.sessionId) === e);
}

/** One write's statements, in its transaction. */
export async function insertBatch(c: PoolClient, batch: WriteBatch): Promise<void> {
  const ev = latestEnds(batch.events);
  // A session the cluster ended can come back (its node was cut off, its client still there) and
  // end again: the later end is its real one, and replaces the earlier (as in SQLite).
  const ends = ev.filter((e) => e.type === 'session.end');
  if (ends.length > 0) {
    await c.query(
      `DELETE FROM st_events e USING unnest($1::text[], $2::bigint[]) AS n(session_id, at)
       WHERE e.session_id = n.session_id AND e.type = 'session.end' AND e.at < n.at`,
      [ends.map((e) => e.sessionId), ends.map((e) => e.at)],
    );
  }
  if (ev.length > 0) {
    // One statement per batch; a start already written by another node is skipped, an end written already is older (st_events_once).
    await c.query(
      `INSERT INTO st_events (at, type, session_id, username, project, client_address, detail)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           ON CONFLICT DO NOTHING`,
      [
        ev.map((e) => e.at),
        ev.map((e) => e.type),
        ev.map((e) => e.sessionId),
        ev.map((e) => e.username),
        ev.map((e) => e.project),
        ev.map((e) => e.clientAddress),
        ev.map((e) => JSON.stringify(e.detail)),
      ],
    );
  }
  // One row per id (ON CONFLICT cannot touch a row twice in one statement): its latest end.
  const en = [...new Map([...batch.ended].sort((x, y) => x.endedAt - y.endedAt).map((s) => [s.id, s])).values()];
  if (en.length > 0) {
    await c.query(
      `INSERT INTO st_ended_sessions (id, project, username, client_address, created_at, ended_at, end_reason, info)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
           ON CONFLICT (id) DO UPDATE SET project = EXCLUDED.project, username = EXCLUDED.username,
             client_address = EXCLUDED.client_address, created_at = EXCLUDED.created_at, ended_at = EXCLUDED.ended_at,
             end_reason = EXCLUDED.end_reason, info = EXCLUDED.info
           WHERE EXCLUDED.ended_at > st_ended_sessions.ended_at`,
      [
        en.map((s) => s.id),
        en.map((s) => s.project),
        en.map((s) => s.username),
        en.map((s) => s.clientAddress),
        en.map((s) => s.createdAt),
        en.map((s) => s.endedAt),
        en.map((s) => s.endReason),
        en.map((s) => s.info),
      ],
    );
  }
  if (batch.live.length > 0) {
    // unnest keeps one row per id: a batch never saves the same session twice (the journal dedupes by signature).
    const byId = new Map(batch.live.map((l) => [l.id, JSON.stringify(l)]));
    await c.query(
      `INSERT INTO st_live_sessions (id, record) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`,
      [[...byId.keys()], [...byId.values()]],
    );
  }
  if (batch.gone.length > 0) await c.query('DELETE FROM st_live_sessions WHERE id = ANY($1::text[])', [batch.gone]);
  // One row per key in a batch (ON CONFLICT cannot touch a row twice in one statement): the latest wins.
  const ru = [...new Map((batch.rollup ?? []).map((r) => [`${r.minute}\u0000${r.project}\u0000${r.node}`, r])).values()];
  if (ru.length > 0) {
    await c.query(
      `INSERT INTO st_rollup (minute, project, node, sessions, users, pages, bytes_from_clients, bytes_to_clients)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::bigint[], $8::bigint[])
           ON CONFLICT (minute, project, node) DO UPDATE SET sessions = EXCLUDED.sessions, users = EXCLUDED.users, pages = EXCLUDED.pages,
             bytes_from_clients = EXCLUDED.bytes_from_clients, bytes_to_clients = EXCLUDED.bytes_to_clients`,
      [
        ru.map((r) => r.minute),
        ru.map((r) => r.project),
        ru.map((r) => r.node),
        ru.map((r) => r.sessions),
        ru.map((r) => r.users),
        ru.map((r) => r.pages),
        ru.map((r) => r.bytesFromClients),
        ru.map((r) => r.bytesToClients),
      ],
    );
  }
}
