/**
 * The pure parts of the History view: which view the URL hash names, the time window a
 * preset or the custom inputs make, which field a server complaint names, and a readable
 * line for each event's `detail`. No DOM, so the unit tests run them in Node.
 */
import type { EndReason, HistoryEventType } from '@session-tracker/shared';
import { formatBytes, formatDuration } from './format.js';

/** The dashboard's views, as named in the URL hash (`#history`, `#events`; none is the live one). */
export type View = 'sessions' | 'history' | 'events';
export const VIEWS: readonly View[] = ['sessions', 'history', 'events'];

/** Rows asked for per page: enough to fill a screen, small enough to answer at once. */
export const PAGE_SIZE = 100;

/** The view a hash names (`#history`, `#events`), and the live view for anything else. */
export function viewFromHash(hash: string): View {
  const name = hash.replace(/^#/, '').split('/')[0] ?? '';
  return name === 'history' || name === 'events' ? name : 'sessions';
}

export function hashOf(view: View): string {
  return view === 'sessions' ? '#sessions' : `#${view}`;
}

/**
 * The contract's event types, in the order the form shows them. A record keyed by the shared type
 * (the dashboard imports types only, not shared's values): a type added there fails to compile here.
 */
const EVENT_TYPE_ORDER: Record<HistoryEventType, true> = {
  'session.start': true,
  'session.end': true,
  login: true,
  logout: true,
  'login.failed': true,
  'page.open': true,
  'page.close': true,
  'admin.action': true,
};
export const EVENT_TYPES: readonly HistoryEventType[] = Object.keys(EVENT_TYPE_ORDER) as HistoryEventType[];

const HOUR = 3_600_000;
export type Preset = '1h' | '24h' | '7d' | 'custom' | 'at';
export const PRESET_SPANS: Record<'1h' | '24h' | '7d', number> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR };

export interface WindowInput {
  preset: Preset;
  /** The datetime-local values (`YYYY-MM-DDTHH:MM[:SS]`, local time); '' when empty. */
  from: string;
  to: string;
  at: string;
}

export type WindowField = 'from' | 'to' | 'at';
export type WindowResult = { ok: true; from?: number; to?: number } | { ok: false; field: WindowField; message: string };

/** A datetime-local value as epoch ms (local time), or null when it is not one. */
export function parseLocal(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, hh, mi, ss, ms] = m.slice(1).map((p) => (p === undefined ? 0 : Number(p))) as number[];
  const date = new Date(y ?? 0, (mo ?? 1) - 1, d ?? 1, hh ?? 0, mi ?? 0, ss ?? 0, ms ?? 0);
  // new Date rolls 2026-02-31 over to March: refuse it instead.
  if (date.getMonth() !== (mo ?? 1) - 1 || date.getDate() !== d || date.getHours() !== hh) return null;
  return date.getTime();
}

/** Epoch ms as a datetime-local value (local time, to the second). */
export function toLocalInput(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The `from` / `to` (epoch ms) of a window. A preset ends now (no `to`); custom takes either
 * end or both; "at" is the moment T as from = to = T (the sessions connected at T).
 */
export function windowParams(input: WindowInput, now: number): WindowResult {
  if (input.preset === '1h' || input.preset === '24h' || input.preset === '7d') return { ok: true, from: now - PRESET_SPANS[input.preset] };
  if (input.preset === 'at') {
    const at = parseLocal(input.at);
    if (at === null)
      return { ok: false, field: 'at', message: input.at.trim() === '' ? 'Enter the moment to look at.' : 'Not a date and time.' };
    return { ok: true, from: at, to: at };
  }
  const from = input.from.trim() === '' ? undefined : parseLocal(input.from);
  const to = input.to.trim() === '' ? undefined : parseLocal(input.to);
  if (from === null) return { ok: false, field: 'from', message: 'Not a date and time.' };
  if (to === null) return { ok: false, field: 'to', message: 'Not a date and time.' };
  if (from !== undefined && to !== undefined && from > to) return { ok: false, field: 'to', message: '“To” is before “From”.' };
  return { ok: true, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

export type HistoryField = 'username' | 'project' | 'from' | 'to' | 'types';

/** The field a -32602 message names first (the server names the param), or null. */
export function historyErrorField(message: string): HistoryField | null {
  const names: [string, HistoryField][] = [
    ['usernameFilter', 'username'],
    ['projectFilter', 'project'],
    ['from', 'from'],
    ['to', 'to'],
    ['types', 'types'],
  ];
  let best: { at: number; field: HistoryField } | null = null;
  for (const [name, field] of names) {
    const at = new RegExp(`\\b${name}\\b`).exec(message)?.index;
    if (at !== undefined && (best === null || at < best.at)) best = { at, field };
  }
  return best?.field ?? null;
}

/** Every end reason of the contract (shared END_REASONS), in words: a new one must be named here. */
export const END_REASON_TEXT: { readonly [R in EndReason]: string } = { timeout: 'Timed out', closed: 'Closed by an admin' };

/** The words for an end reason; anything else (a newer server's) as it came. */
export function endReasonText(reason: string): string {
  return Object.hasOwn(END_REASON_TEXT, reason) ? END_REASON_TEXT[reason as EndReason] : reason;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const quoted = (v: string | null): string => (v === null ? '' : `“${v}”`);

function pageText(d: Record<string, unknown>): string {
  const path = str(d.path) ?? str(d.pageId) ?? 'a page';
  const title = str(d.title);
  return title === null ? path : `${path} · ${title}`;
}

/** One line saying what an event's `detail` holds; unknown fields are left to the JSON. */
export function describeDetail(type: string, d: Record<string, unknown>): string {
  switch (type) {
    case 'session.start': {
      const device = d.device;
      const parts =
        device !== null && typeof device === 'object'
          ? ['browser', 'os', 'type'].map((k) => str((device as Record<string, unknown>)[k]))
          : [];
      const known = parts.filter((p): p is string => p !== null);
      return [str(d.scope), known.length > 0 ? known.join(' · ') : null].filter((p) => p !== null).join(' · ') || 'Started';
    }
    case 'session.end': {
      const parts = [endReasonText(str(d.reason) ?? 'ended')];
      const up = num(d.uptimeMs);
      if (up !== null) parts.push(`lasted ${formatDuration(up)}`);
      const sent = num(d.totalBytesSent);
      const received = num(d.totalBytesReceived);
      if (sent !== null && received !== null) parts.push(`${formatBytes(sent)} sent, ${formatBytes(received)} received`);
      return parts.join(' · ');
    }
    case 'login': {
      const roles = Array.isArray(d.roles) ? d.roles.filter((r): r is string => typeof r === 'string') : [];
      const via = str(d.via);
      return `Roles: ${roles.length === 0 ? 'none' : roles.join(', ')}${via === null ? '' : ` · via ${via}`}`;
    }
    case 'logout':
      return 'Logged out';
    case 'login.failed':
      return `Claimed ${quoted(str(d.claimedUsername)) || 'no username'}${str(d.reason) === null ? '' : `: ${str(d.reason)}`}`;
    case 'page.open':
      return pageText(d);
    case 'page.close': {
      const by = str(d.by);
      return `${pageText(d)}${by === null ? '' : ` · closed by ${by}`}`;
    }
    case 'admin.action': {
      const parts = [str(d.action) ?? 'action'];
      const who = [str(d.username), str(d.project)].filter((p) => p !== null).join(' · ');
      const target = str(d.sessionId);
      if (target !== null) parts.push(who === '' ? `on session ${target}` : `on ${who} (${target})`);
      const page = str(d.pageId);
      if (page !== null) parts.push(`page ${page}`);
      const message = str(d.message);
      if (message !== null) parts.push(`message ${quoted(message)}`);
      return parts.join(' ');
    }
    default:
      return Object.keys(d).length === 0 ? '' : JSON.stringify(d);
  }
}

/** Event type labels, for the checkboxes and the list. */
export const EVENT_LABELS: Record<string, string> = {
  'session.start': 'Session start',
  'session.end': 'Session end',
  login: 'Login',
  logout: 'Logout',
  'login.failed': 'Login failed',
  'page.open': 'Page open',
  'page.close': 'Page close',
  'admin.action': 'Admin action',
};
