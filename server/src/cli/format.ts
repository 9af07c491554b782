import type { SessionInfo } from '@session-tracker/shared';

/** "2h 05m", "3m 07s", "42s", "850ms". */
export function humanDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
}

/** "512 B", "1.5 KiB", "12.0 MiB". */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export const TABLE_COLUMNS: readonly [string, (s: SessionInfo) => string][] = [
  ['ID', (s) => s.id],
  ['USER', (s) => s.username],
  ['PROJECT', (s) => s.project],
  ['SCOPE', (s) => s.sessionScope],
  ['DEVICE', (s) => [s.device?.browser, s.device?.os].filter(Boolean).join(' / ') || '-'],
  ['ADDRESS', (s) => s.clientAddress],
  ['UPTIME', (s) => humanDuration(s.uptime)],
  ['LAST COMM', (s) => humanDuration(s.lastComm)],
  ['PAGES', (s) => String(s.activePages)],
  ['SENT', (s) => humanBytes(s.totalBytesSent)],
  ['AUTH', (s) => (s.authorized ? 'yes' : 'no')],
  ['STATE', (s) => s.state ?? 'connected'],
];

/** Aligned columns; numbers and sizes right-aligned. */
export function formatTable(sessions: readonly SessionInfo[]): string {
  const rows = sessions.map((s) => TABLE_COLUMNS.map(([, get]) => get(s)));
  const header = TABLE_COLUMNS.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = new Set(['UPTIME', 'LAST COMM', 'PAGES', 'SENT']);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(header[i] ?? '') ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const body = rows.map(line);
  const footer = `${sessions.length} session${sessions.length === 1 ? '' : 's'}`;
  return `${[line(header), ...body, footer].join('\n')}\n`;
}

export function csvCell(v: unknown): string {
  const text = Array.isArray(v) ? v.join(' ') : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Quote always-safe; neutralise spreadsheet formulas a client could plant in a title or username.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export const CSV_FIELDS = [
  'id',
  'username',
  'project',
  'sessionScope',
  'clientAddress',
  'userAgent',
  'uptime',
  'lastComm',
  'activePages',
  'pageIds',
  'recentBytesSent',
  'totalBytesSent',
  'totalBytesReceived',
  'messagesSent',
  'authorized',
  'state',
  'creationTime',
] as const;

export function formatCsv(sessions: readonly SessionInfo[]): string {
  const lines = [CSV_FIELDS.join(',')];
  for (const s of sessions) lines.push(CSV_FIELDS.map((f) => csvCell((s as unknown as Record<string, unknown>)[f])).join(','));
  return `${lines.join('\n')}\n`;
}
