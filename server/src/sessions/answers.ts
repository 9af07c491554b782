import { SESSION_DATASET_COLUMNS, type SessionStats } from '@session-tracker/shared';
import { RawJson } from '../lib/raw-json.js';
import { datasetRowJson, sessionInfoJson, writeSessionInfo } from './info-json.js';
import type { Session } from './session.js';

/**
 * The answers of the session queries from this node's own sessions: what a single node gives,
 * and what a cluster node gives for `scope: "node"`.
 */

const DATASET_COLUMNS_JSON = JSON.stringify(SESSION_DATASET_COLUMNS);

/** getSessionInfo: each session's SessionInfo, as text built a slice at a time (large lists stream). */
export function sessionsJson(found: readonly Session[], now: number): RawJson {
  return RawJson.of(
    '[',
    found,
    (s) => sessionInfoJson(s, now),
    ']',
    (s, w) => writeSessionInfo(s, now, w),
  );
}

/** getSessionInfo with `format: "dataset"` (7.9). */
export function datasetJson(found: readonly Session[]): RawJson {
  return RawJson.of(`{"columns":${DATASET_COLUMNS_JSON},"rows":[`, found, datasetRowJson, ']}');
}

export function localStats(sessions: readonly Session[]): SessionStats {
  const users = new Set<string>();
  const byProject: Record<string, number> = {};
  let pages = 0;
  for (const s of sessions) {
    if (s.loggedIn) users.add(s.username); // "Unauthenticated" is nobody
    pages += s.pages.size;
    byProject[s.project] = (byProject[s.project] ?? 0) + 1;
  }
  return { sessions: sessions.length, users: users.size, pages, byProject };
}
