import type { Session } from '../sessions/session.js';
import { compileFilter } from '../filters/regex.js';
import type { ClusterFilters, PartRecord } from './types.js';
import { trafficOf } from '../sessions/traffic.js';

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

/**
 * A part as seen now: the part of a node that no longer beats holds no open pages and is not
 * connected, whatever it said last (its sockets died with it). Its counters stay. This holds
 * on every node from the moment the node's key expires, before the reaper retires the part.
 */
export function asSeen(p: PartRecord, isAlive: (node: string) => boolean): PartRecord {
  if (p.state === 'retired' || isAlive(p.node)) return p;
  if (p.state === 'connected') return { ...p, state: 'disconnected', pages: [] };
  return p.pages.length > 0 ? { ...p, pages: [] } : p;
}

/** A record from Redis or another node, checked for the fields every reader relies on. */
export function isPart(v: unknown): v is PartRecord {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<PartRecord>;
  return (
    typeof p.sid === 'string' &&
    typeof p.node === 'string' &&
    typeof p.project === 'string' &&
    Array.isArray(p.pages) &&
    typeof p.createdAt === 'number'
  );
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

/**
 * Project, username and (sessions.list only) state filters applied to parts before they travel.
 * A part is kept by its own state: a retired part (counters only) never decides a session's
 * state, so it is kept for the merge whatever the filter (cluster/list.ts mergeListed re-checks
 * the merged state).
 */
export function prefilter(f: ClusterFilters): (p: { username: string; project: string; state: PartRecord['state'] }) => boolean {
  const user = compileFilter('usernameFilter', f.usernameFilter);
  const project = compileFilter('projectFilter', f.projectFilter);
  const state = f.state;
  return (p) => (!user || user(p.username)) && (!project || project(p.project)) && (!state || p.state === state || p.state === 'retired');
}

/** Reads a 'parts' reply: one record per line. */
export function decodeParts(body: string): PartRecord[] {
  const out: PartRecord[] = [];
  if (body)
    for (const line of body.split('\n')) {
      const p = parsePart(line);
      if (p) out.push(p);
    }
  return out;
}
