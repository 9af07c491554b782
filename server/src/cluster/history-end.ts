import type { EndReason } from '@session-tracker/shared';
import { mergeParts } from './merge.js';
import type { PartRecord } from './types.js';
import type { EndedRecord, EventRecord } from '../history/store.js';

/**
 * The history of a session the cluster ended, from its parts as the deciding script saw them:
 * counters of every node add up, the latest login names the user (as in a live merged view).
 * The row is shaped like a single node's (no node fields), so both read the same.
 */
export function clusterEnd(
  parts: readonly PartRecord[],
  endReason: EndReason,
  now: number,
): { event: EventRecord; ended: EndedRecord } | undefined {
  // Every part counts as not beating: the session has no live part left.
  const merged = mergeParts(parts, new Set(), now, () => false)[0];
  if (merged === undefined) return undefined;
  const { node: _node, nodes: _nodes, confirmed: _confirmed, ...info } = merged;
  const createdAt = Date.parse(info.creationTime);
  const ended: EndedRecord = {
    id: info.id,
    project: info.project,
    username: info.username,
    clientAddress: info.clientAddress,
    createdAt,
    endedAt: now,
    endReason,
    info: JSON.stringify({ ...info, state: 'disconnected', endedAt: new Date(now).toISOString(), endReason }),
  };
  const event: EventRecord = {
    at: now,
    type: 'session.end',
    sessionId: info.id,
    username: info.username,
    project: info.project,
    clientAddress: info.clientAddress,
    detail: {
      reason: endReason,
      uptimeMs: now - createdAt,
      totalBytesSent: info.totalBytesSent,
      totalBytesReceived: info.totalBytesReceived,
      messagesSent: info.messagesSent,
    },
  };
  return { event, ended };
}
