import type { Session } from '../sessions/session.js';
import type { PartRecord } from './types.js';
import { trafficOf } from '../app/traffic.js';

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
    traffic: trafficOf(s),
    lastCommAt: s.lastCommAt,
    rev: s.changes,
    state: s.state,
    disconnectedAt: s.disconnectedAt,
    pages,
    flushedAt: now,
  };
}

/** A part as seen now: a connected part of a node that no longer beats is disconnected, whatever it said last. */
export function asSeen(p: PartRecord, isAlive: (node: string) => boolean): PartRecord {
  return p.state === 'connected' && !isAlive(p.node) ? { ...p, state: 'disconnected' } : p;
}

/** A record from Redis or another node, checked for the fields every reader relies on. */
export function isPart(v: unknown): v is PartRecord {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<PartRecord>;
  return typeof p.sid === 'string' && typeof p.node === 'string' && typeof p.project === 'string' && Array.isArray(p.pages) && typeof p.createdAt === 'number';
}

/** Reads a record from Redis or another node; undefined for anything malformed. */
export function parsePart(text: string | null | undefined): PartRecord | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isPart(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
