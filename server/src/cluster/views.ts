import type { ClusterFields, SessionInfo } from '@session-tracker/shared';
import type { Filter } from '../filters/regex.js';
import { sessionInfoJson } from '../sessions/info-json.js';
import type { Session } from '../sessions/session.js';
import { mergeInfos, partInfo } from './merge.js';
import type { PartRecord, PartView } from './types.js';

export type { PartView } from './types.js';

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

/** The cluster fields of a part on its own, as the end of its JSON object (`,"node":...}`). */
function clusterTail(node: string, confirmed: boolean): string {
  const fields: ClusterFields = { node, nodes: [node], confirmed };
  return `,${JSON.stringify(fields).slice(1)}`;
}

/** A live session of this node (`tail`: clusterTail(node, true), made once per query). */
export function viewOfSession(s: Session, node: string, now: number, tail = clusterTail(node, true)): PartView {
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
    confirmed: true,
    beating: true,
    json: sessionInfoJson(s, now).slice(0, -1) + tail,
  };
}

/** This node's parts matching `keep`, for a query. */
export function viewsOfSessions(sessions: Iterable<Session>, node: string, now: number): PartView[] {
  const tail = clusterTail(node, true);
  const out: PartView[] = [];
  for (const s of sessions) out.push(viewOfSession(s, node, now, tail));
  return out;
}

/** JSON of a part's SessionInfo around its two clock fields, made once per part record. */
const partPieces = new WeakMap<PartRecord, [string, string, string]>();

/**
 * A part on its own as ClusterSessionInfo JSON. Records are never changed once made (a new
 * write is a new record), so the text around uptime and lastComm is serialised only once.
 */
export function partJson(p: PartRecord, now: number, confirmed: boolean): string {
  let pieces = partPieces.get(p);
  if (!pieces) {
    // Found by "key":-1: each key occurs once, and no string value can hold an unescaped quote.
    const text = JSON.stringify({ ...partInfo(p, 0), uptime: -1, lastComm: -1 });
    const up = text.indexOf('"uptime":-1') + '"uptime":'.length;
    const last = text.indexOf('"lastComm":-1', up) + '"lastComm":'.length;
    pieces = [text.slice(0, up), text.slice(up + 2, last), text.slice(last + 2, -1)];
    partPieces.set(p, pieces);
  }
  return `${pieces[0]}${Math.max(0, now - p.createdAt)}${pieces[1]}${Math.max(0, now - p.lastCommAt)}${pieces[2]}${clusterTail(p.node, confirmed)}`;
}

/** A part as Redis holds it (a silent or dead node's, a retired one); `beating`: its node beats. */
export function viewOfPart(p: PartRecord, now: number, confirmed: boolean, beating = true): PartView {
  const { sid, node, createdAt, loginAt, recentAt, lastCommAt, state, username, project, loggedIn, clientAddress, scope } = p;
  const json = partJson(p, now, confirmed);
  return {
    sid,
    node,
    createdAt,
    loginAt,
    recentAt,
    lastCommAt,
    state,
    username,
    project,
    loggedIn,
    pages: p.pages.length,
    clientAddress,
    scope,
    confirmed,
    beating,
    json,
  };
}

/** Free text in a tab-separated line: backslash, tab and newline escaped. */
function esc(v: string): string {
  return /[\\\t\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : v;
}

function unesc(v: string): string {
  return v.includes('\\') ? v.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c)) : v;
}

/**
 * Views as lines of text: the facts separated by tabs (free text escaped), then the JSON.
 * JSON text never holds a raw tab or newline, so the JSON needs no escaping at all, and
 * reading a line is one split: no JSON parsing for the 40,000 lines of a large answer.
 */
export function encodeViews(views: readonly PartView[]): string {
  const lines: string[] = [];
  for (const v of views) {
    lines.push(
      `${esc(v.sid)}\t${esc(v.node)}\t${v.createdAt}\t${v.loginAt}\t${v.recentAt}\t${v.lastCommAt}\t${v.state}\t${esc(v.username)}\t` +
        `${esc(v.project)}\t${v.loggedIn ? 1 : 0}\t${v.pages}\t${esc(v.clientAddress)}\t${esc(v.scope)}\t${v.confirmed ? 1 : 0}\t${v.json}`,
    );
  }
  return lines.join('\n');
}

const STATES = new Set(['connected', 'disconnected', 'retired']);

/** Reads encodeViews' text; malformed lines are skipped. */
export function decodeViews(text: string): PartView[] {
  const out: PartView[] = [];
  if (!text) return out;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length !== 15) continue;
    const [
      sid,
      node,
      createdAt,
      loginAt,
      recentAt,
      lastCommAt,
      state,
      username,
      project,
      loggedIn,
      pages,
      clientAddress,
      scope,
      confirmed,
      json,
    ] = f as [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string];
    if (!STATES.has(state) || !json.startsWith('{')) continue;
    out.push({
      sid: unesc(sid),
      node: unesc(node),
      createdAt: Number(createdAt),
      loginAt: Number(loginAt),
      recentAt: Number(recentAt),
      lastCommAt: Number(lastCommAt),
      state: state as PartView['state'],
      username: unesc(username),
      project: unesc(project),
      loggedIn: loggedIn === '1',
      pages: Number(pages),
      clientAddress: unesc(clientAddress),
      scope: unesc(scope),
      confirmed: confirmed === '1',
      // Lines come from nodes answering for themselves: their node beats.
      beating: true,
      json,
    });
  }
  return out;
}

/**
 * Groups part views by session and gives each session's view, in creation order. Sessions
 * with one part keep their JSON; the others are merged (and filtered again: the merged
 * login may be another part's).
 */
export function assemble(views: readonly PartView[], user: Filter, project: Filter, now: number): SessionView[] {
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
      out.push({
        sid: g.sid,
        createdAt: g.createdAt,
        username: g.username,
        project: g.project,
        authorized: g.loggedIn,
        pages: g.pages,
        clientAddress: g.clientAddress,
        scope: g.scope,
        json: g.json,
      });
      continue;
    }
    const merged = mergeInfos(
      g.map((v) => ({ info: JSON.parse(v.json) as SessionInfo, facts: v })),
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
