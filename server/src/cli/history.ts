import { parseArgs } from 'node:util';
import {
  HISTORY_EVENT_TYPES,
  HISTORY_LIMITS,
  type EndedSessionInfo,
  type HistoryEvent,
  type HistoryEventType,
} from '@session-tracker/shared';
import { CliError, COMMON, connect, connectionOf, EXIT, finish, rpcFailure } from './admin.js';
import { csvCell, humanBytes, humanDuration } from './format.js';

export const HISTORY_HELP = `History (ended sessions and events, kept by the server's store):
  session-tracker history [--since 2h | --from T] [--to T] [--user REGEX] [--project REGEX] [--limit N] [--format table|json|csv]
  session-tracker events  [--since 2h | --from T] [--to T] [--user REGEX] [--session ID] [--type T1,T2] [--limit N] [--format table|json|csv]

  --since D   a duration back from now: 90s, 15m, 2h, 7d
  --from/--to ISO 8601 times (2026-11-30T03:00:00Z) or epoch ms; --from T --to T is "who was connected at T"
  --limit N   at most N rows (default: every match, page after page)
Event types: ${HISTORY_EVENT_TYPES.join(', ')}.
`;

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "2h" -> epoch ms of now minus two hours. */
export function sinceToFrom(since: string, now = Date.now()): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(since.trim());
  if (!m) throw new CliError(EXIT.usage, `--since wants a number and a unit (s, m, h, d), like 2h; got "${since}"`);
  return now - Number(m[1]) * (UNITS[m[2] as string] as number);
}

function windowOf(values: { since?: string | undefined; from?: string | undefined; to?: string | undefined }) {
  if (values.since !== undefined && values.from !== undefined) throw new CliError(EXIT.usage, 'give --since or --from, not both');
  const time = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
  return { from: values.since !== undefined ? sinceToFrom(values.since) : time(values.from), to: time(values.to) };
}

function limitOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(EXIT.usage, `--limit wants a positive integer, got "${v}"`);
  return n;
}

function formatOf(v: string | undefined): 'table' | 'json' | 'csv' {
  const f = v ?? 'table';
  if (f !== 'table' && f !== 'json' && f !== 'csv') throw new CliError(EXIT.usage, `--format must be table, json or csv, got "${f}"`);
  return f;
}

/** Aligned columns; the named ones right-aligned. */
function table(header: string[], rows: string[][], right: ReadonlySet<string>, noun: string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(header[i] ?? '') ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line), `${rows.length} ${noun}${rows.length === 1 ? '' : 's'}`].join('\n')}\n`;
}

function csv(header: readonly string[], rows: unknown[][]): string {
  return `${[header.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n')}\n`;
}

/** Every page up to `limit` rows (the server pages; the CLI follows `next`). */
async function collect<T>(
  page: (cursor: string | null, size: number) => Promise<{ items: T[]; next: string | null }>,
  limit: number | undefined,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const most = HISTORY_LIMITS.defaultLimit;
    const size = Math.min(most, limit === undefined ? most : limit - out.length);
    const r = await page(cursor, size);
    out.push(...r.items);
    cursor = r.next;
  } while (cursor !== null && (limit === undefined || out.length < limit));
  return out;
}

const SESSION_CSV = [
  'endedAt',
  'endReason',
  'id',
  'username',
  'project',
  'clientAddress',
  'sessionScope',
  'creationTime',
  'uptime',
  'totalBytesSent',
  'totalBytesReceived',
  'messagesSent',
] as const;

export function renderHistory(list: readonly EndedSessionInfo[], format: 'table' | 'json' | 'csv'): string {
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  if (format === 'csv')
    return csv(
      SESSION_CSV,
      list.map((s) => SESSION_CSV.map((f) => s[f])),
    );
  const header = ['ENDED', 'REASON', 'ID', 'USER', 'PROJECT', 'ADDRESS', 'LASTED', 'SENT', 'RECEIVED'];
  const rows = list.map((s) => [
    s.endedAt,
    s.endReason,
    s.id,
    s.username,
    s.project,
    s.clientAddress,
    humanDuration(s.uptime),
    humanBytes(s.totalBytesSent),
    humanBytes(s.totalBytesReceived),
  ]);
  return table(header, rows, new Set(['LASTED', 'SENT', 'RECEIVED']), 'session');
}

const EVENT_CSV = ['at', 'type', 'sessionId', 'username', 'project', 'clientAddress', 'detail'] as const;

export function renderEvents(list: readonly HistoryEvent[], format: 'table' | 'json' | 'csv'): string {
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  if (format === 'csv')
    return csv(
      EVENT_CSV,
      list.map((e) => EVENT_CSV.map((f) => e[f])),
    );
  const header = ['AT', 'TYPE', 'USER', 'PROJECT', 'SESSION', 'ADDRESS', 'DETAIL'];
  const rows = list.map((e) => [e.at, e.type, e.username, e.project, e.sessionId, e.clientAddress, JSON.stringify(e.detail)]);
  return table(header, rows, new Set(), 'event');
}

export async function historyCommand(args: string[], out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      user: { type: 'string' },
      project: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.help) return void out.write(HISTORY_HELP);
  const format = formatOf(values.format);
  const limit = limitOf(values.limit);
  const window = windowOf(values);
  const client = await connect(connectionOf(values, env));
  try {
    const query = { ...window, usernameFilter: values.user ?? null, projectFilter: values.project ?? null };
    const list = await collect(async (cursor, size) => {
      const r = await client.sessionHistory({ ...query, cursor, limit: size }).catch(rpcFailure);
      return { items: r.sessions, next: r.next };
    }, limit);
    out.write(renderHistory(list, format));
  } finally {
    await finish(client);
  }
}

export async function eventsCommand(args: string[], out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      user: { type: 'string' },
      session: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.help) return void out.write(HISTORY_HELP);
  const format = formatOf(values.format);
  const limit = limitOf(values.limit);
  const window = windowOf(values);
  const types = values.type
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const wrong = types?.filter((t) => !(HISTORY_EVENT_TYPES as readonly string[]).includes(t));
  if (wrong && wrong.length > 0)
    throw new CliError(EXIT.usage, `--type: unknown event type ${wrong.join(', ')}; known: ${HISTORY_EVENT_TYPES.join(', ')}`);
  const client = await connect(connectionOf(values, env));
  try {
    const query = {
      ...window,
      usernameFilter: values.user ?? null,
      ...(values.session ? { sessionId: values.session } : {}),
      ...(types ? { types: types as HistoryEventType[] } : {}),
    };
    const list = await collect(async (cursor, size) => {
      const r = await client.sessionEvents({ ...query, cursor, limit: size }).catch(rpcFailure);
      return { items: r.events, next: r.next };
    }, limit);
    out.write(renderEvents(list, format));
  } finally {
    await finish(client);
  }
}
