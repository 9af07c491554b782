import { APP_PREFIX } from '@session-tracker/shared';
import { compileFilter } from '../filters/regex.js';
import type { RpcServices } from '../rpc/context.js';
import type { Peer, Session } from '../sessions/session.js';
import { checkName } from './handlers.js';
import { isTracked } from './tracked.js';
import { countReceived } from '../sessions/traffic.js';
import type { AppStats } from './stats.js';
import type { PushTarget } from './types.js';

const TARGET_KEYS = new Set(['sessionId', 'pageId', 'usernameFilter', 'projectFilter']);

/** The sockets a target selects on this node (tracked sockets speak the app's protocol: never). */
export function selectSockets(ctx: RpcServices, target: PushTarget): Peer[] {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new TypeError('push: the target must be {sessionId}, {sessionId, pageId} or {usernameFilter?, projectFilter?}');
  }
  for (const key of Object.keys(target)) if (!TARGET_KEYS.has(key)) throw new TypeError(`push: unknown target field "${key}"`);
  const t = target as Record<string, unknown>;
  if (t.sessionId !== undefined) {
    if (typeof t.sessionId !== 'string') throw new TypeError('push: target.sessionId must be a string');
    if (t.usernameFilter !== undefined || t.projectFilter !== undefined)
      throw new TypeError('push: a target names a session or filters, not both');
    const s = ctx.registry.get(t.sessionId);
    if (s === undefined) return [];
    if (t.pageId !== undefined) {
      if (typeof t.pageId !== 'string') throw new TypeError('push: target.pageId must be a string');
      const page = s.pages.get(t.pageId);
      return page ? [page.owner] : [];
    }
    return socketsOf(s);
  }
  if (t.pageId !== undefined) throw new TypeError('push: target.pageId needs target.sessionId');
  for (const key of ['usernameFilter', 'projectFilter'] as const) {
    const v = t[key];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new TypeError(`push: target.${key} must be a string`);
  }
  const user = compileFilter('usernameFilter', t.usernameFilter as string | null | undefined);
  const project = compileFilter('projectFilter', t.projectFilter as string | null | undefined);
  const out: Peer[] = [];
  for (const s of ctx.registry.values()) {
    if (s.sockets.size === 0) continue;
    if (user !== undefined && !user(s.username)) continue;
    if (project !== undefined && !project(s.project)) continue;
    for (const c of s.sockets) if (!isTracked(c)) out.push(c);
  }
  return out;
}

function socketsOf(s: Session): Peer[] {
  const out: Peer[] = [];
  for (const c of s.sockets) if (!isTracked(c)) out.push(c);
  return out;
}

/** The notification text of a push, built once for every socket it goes to. */
export function pushText(name: string, params: unknown): string {
  checkName(name, 'push');
  const message =
    params === undefined ? { jsonrpc: '2.0', method: `${APP_PREFIX}${name}` } : { jsonrpc: '2.0', method: `${APP_PREFIX}${name}`, params };
  return JSON.stringify(message);
}

/**
 * Sends one push to these sockets; returns how many it reached. A socket over the unsent-data
 * limit is handed to the existing slow-consumer rule (sendText closes it with 4001) and does not
 * count as reached; nothing here waits for any socket.
 */
export function deliver(ctx: RpcServices, sockets: readonly Peer[], name: string, text: string, stats: AppStats): number {
  const bytes = Buffer.byteLength(text);
  let reached = 0;
  for (const c of sockets) {
    if (!c.open) continue;
    const slow = c.buffered > ctx.options.sendHardLimit;
    c.sendText(text);
    if (slow) continue;
    reached++;
    countReceived(c.session, name, bytes);
  }
  stats.push(name, bytes, reached);
  return reached;
}
