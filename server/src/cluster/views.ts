import type { SessionInfo } from '@session-tracker/shared';
import type { Filter } from '../filters/regex.js';
import { sessionInfoJson } from '../sessions/info-json.js';
import type { Session } from '../sessions/session.js';
import { mergeInfos, partInfo, type PartFacts } from './merge.js';
import type { PartRecord } from './types.js';

/**
 * One node's part of a session as a cluster query carries it: the part's SessionInfo as JSON
 * text, with the facts a merge, a filter, the stats and the dataset need. Most sessions have
 * one part: their JSON goes to the admin as it came, with only the cluster fields added;
 * only sessions with parts on several nodes are parsed and merged.
 */
export interface PartView extends PartFacts {
  sid: string;
  username: string;
  project: string;
  loggedIn: boolean;
  pages: number;
  clientAddress: string;
  scope: string;
  json: string;
}

/** A session as a cluster query answers it. */
export interface SessionView {
  sid: string;
  createdAt: number;
  username: string;
  project: string;
  authorized: boolean;
  pages: number;
  clientAddress: string;
  scope: string;
  /** The ClusterSessionInfo as JSON text. */
  json: string;
}

export function viewOfSession(s: Session, node: string, now: number): PartView {
  return {
    sid: s.id,
    node,
    createdAt: s.createdAt,
    loginAt: s.loginAt,
    recentAt: s.recentAt,
    lastCommAt: s.lastCommAt,
    state: s.state,
    username: s.username,
    project: s.project,
    loggedIn: s.loggedIn,
    pages: s.pages.size,
    clientAddress: s.clientAddress,
    scope: s.scope,
    json: sessionInfoJson(s, now),
  };
}

export function viewOfPart(p: PartRecord, now: number): PartView {
  const { sid, node, createdAt, loginAt, recentAt, lastCommAt, state, username, project, loggedIn, clientAddress, scope } = p;
  return { sid, node, createdAt, loginAt, recentAt, lastCommAt, state, username, project, loggedIn, pages: p.pages.length, clientAddress, scope, json: JSON.stringify(partInfo(p, now)) };
}

/**
 * Views as lines of text: the facts as a JSON array, a tab, the SessionInfo JSON. JSON text
 * never holds a raw tab or newline, so splitting is safe, and the big part is never escaped.
 */
export function encodeViews(views: readonly PartView[]): string {
  let out = '';
  for (const v of views) {
    const facts = [v.sid, v.node, v.createdAt, v.loginAt, v.recentAt, v.lastCommAt, v.state, v.username, v.project, v.loggedIn, v.pages, v.clientAddress, v.scope];
    out += (out ? '\n' : '') + JSON.stringify(facts) + '\t' + v.json;
  }
  return out;
}

/** Reads encodeViews' text; malformed lines are skipped. */
export function decodeViews(text: string): PartView[] {
  const out: PartView[] = [];
  if (!text) return out;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    try {
      const f: unknown = JSON.parse(line.slice(0, tab));
      if (!Array.isArray(f) || f.length !== 13 || typeof f[0] !== 'string' || typeof f[1] !== 'string') continue;
      const [sid, node, createdAt, loginAt, recentAt, lastCommAt, state, username, project, loggedIn, pages, clientAddress, scope] = f as [
        string, string, number, number, number, number, PartView['state'], string, string, boolean, number, string, string,
      ];
      out.push({ sid, node, createdAt, loginAt, recentAt, lastCommAt, state, username, project, loggedIn, pages, clientAddress, scope, json: line.slice(tab + 1) });
    } catch {
      // skip
    }
  }
  return out;
}

/**
 * Groups part views by session and gives each session's view, in creation order. Sessions
 * with one part keep their JSON; the others are merged (and filtered again: the merged
 * login may be another part's).
 */
export function assemble(views: readonly PartView[], isConfirmed: (node: string) => boolean, user: Filter, project: Filter, now: number): SessionView[] {
  const bySid = new Map<string, PartView | PartView[]>();
  for (const v of views) {
    const had = bySid.get(v.sid);
    if (had === undefined) bySid.set(v.sid, v);
    else if (Array.isArray(had)) had.push(v);
    else bySid.set(v.sid, [had, v]);
  }
  const out: SessionView[] = [];
  for (const g of bySid.values()) {
    if (!Array.isArray(g)) {
      const node = JSON.stringify(g.node);
      const json = `${g.json.slice(0, -1)},"node":${node},"nodes":[${node}],"confirmed":${isConfirmed(g.node)}}`;
      out.push({ sid: g.sid, createdAt: g.createdAt, username: g.username, project: g.project, authorized: g.loggedIn, pages: g.pages, clientAddress: g.clientAddress, scope: g.scope, json });
      continue;
    }
    const merged = mergeInfos(
      g.map((v) => ({ info: JSON.parse(v.json) as SessionInfo, facts: v })),
      g.every((v) => isConfirmed(v.node)),
      now,
    );
    if ((user && !user(merged.username)) || (project && !project(merged.project))) continue;
    const first = g[0] as PartView;
    out.push({
      sid: first.sid,
      createdAt: first.createdAt,
      username: merged.username,
      project: merged.project,
      authorized: merged.authorized,
      pages: merged.activePages,
      clientAddress: merged.clientAddress,
      scope: merged.sessionScope,
      json: JSON.stringify(merged),
    });
  }
  out.sort((a, b) => a.createdAt - b.createdAt || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
  return out;
}
