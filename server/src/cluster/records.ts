import type { Session } from '../sessions/session.js';
import type { PartRecord } from './types.js';

/** This node's part of a session, as a record. */
export function toPart(s: Session, node: string, now: number): PartRecord {
  const pages: PartRecord['pages'] = [];
  for (const p of s.pages.values()) pages.push({ id: p.id, path: p.path, title: p.title, openedAt: p.openedAt });
  return {
    sid: s.id,
    node,
    tokenHash: s.tokenHash,
    project: s.project,
    scope: s.scope,
    userAgent: s.userAgent,
    clientAddress: s.clientAddress,
    device: s.device,
    createdAt: s.createdAt,
    username: s.username,
    roles: s.roles,
    loggedIn: s.loggedIn,
    isAdmin: s.isAdmin,
    loginAt: s.loginAt,
    recentBytesSent: s.recentBytesSent,
    recentAt: s.recentAt,
    totalBytesSent: s.totalBytesSent,
    totalBytesReceived: s.totalBytesReceived,
    messagesSent: s.messagesSent,
    lastCommAt: s.lastCommAt,
    state: s.state,
    disconnectedAt: s.disconnectedAt,
    pages,
    flushedAt: now,
  };
}

/** Reads a record from Redis or another node; undefined for anything malformed. */
export function parsePart(text: string | null | undefined): PartRecord | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<PartRecord>;
    if (typeof v.sid !== 'string' || typeof v.node !== 'string' || typeof v.project !== 'string') return undefined;
    if (!Array.isArray(v.pages) || typeof v.createdAt !== 'number') return undefined;
    return v as PartRecord;
  } catch {
    return undefined;
  }
}
