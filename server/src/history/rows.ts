import { isEndReason } from '@session-tracker/shared';
import type { EndedRecord, StoredEvent } from './store.js';

/**
 * The rows both stores read back, as their drivers give them (PostgreSQL gives BIGINT columns as
 * strings, SQLite as numbers), and the one mapping of each to what the queries use.
 */
export interface EventRow {
  seq: number | string;
  at: number | string;
  type: string;
  session_id: string;
  username: string;
  project: string;
  client_address: string;
  detail: string;
}

export interface EndedRow {
  id: string;
  project: string;
  username: string;
  client_address: string;
  created_at: number | string;
  ended_at: number | string;
  end_reason: string;
  info: string;
}

export function eventOfRow(r: EventRow): StoredEvent {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    type: r.type as StoredEvent['type'],
    sessionId: r.session_id,
    username: r.username,
    project: r.project,
    clientAddress: r.client_address,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

export function endedOfRow(r: EndedRow): EndedRecord {
  return {
    id: r.id,
    project: r.project,
    username: r.username,
    clientAddress: r.client_address,
    createdAt: Number(r.created_at),
    endedAt: Number(r.ended_at),
    // A stored value outside the contract's list (a foreign or damaged row) reads as a timeout.
    endReason: isEndReason(r.end_reason) ? r.end_reason : 'timeout',
    info: r.info,
  };
}
