import type { SessionTrackerClient } from '@session-tracker/client';
import {
  LIST_LIMITS,
  type ListSessionsParams,
  type SessionInfo,
  type SessionInfoField,
  type SessionState,
  type SortSpec,
} from '@session-tracker/shared';
import { CSV_FIELDS, csvCell, formatTable } from './format.js';

/**
 * `session-tracker sessions` for table, json and csv: pages through sessions.list (the whole
 * list by default, `--limit` sessions at most), `--fields` and `--sort` passed through. JSON and
 * CSV are written a page at a time, so 40,000 sessions never sit in memory at once.
 */

export interface ListOptions {
  fields: string[] | undefined;
  sort: string;
  /** Most sessions to print (undefined: all). */
  limit: number | undefined;
  /** Only sessions in this state (`--state`; checked by the server). */
  state: string | undefined;
}

/** Sessions per request: the protocol's default page. */
const PAGE = LIST_LIMITS.defaultLimit;

type Listed = Partial<SessionInfo> & { id: string };

/** Every page the options ask for, cut to `limit` sessions in all. */
async function* pages(
  client: SessionTrackerClient,
  filters: { usernameFilter: string | null; projectFilter: string | null },
  o: ListOptions,
): AsyncGenerator<Listed[]> {
  const params: ListSessionsParams = {
    ...filters,
    sort: o.sort as SortSpec,
    limit: Math.min(PAGE, o.limit ?? PAGE),
    ...(o.fields ? { fields: o.fields as SessionInfoField[] } : {}),
    ...(o.state === undefined ? {} : { state: o.state as SessionState }),
  };
  let left = o.limit ?? Number.POSITIVE_INFINITY;
  const it = client.listSessions(params);
  try {
    for (;;) {
      // A server error (a bad field or sort: -32602) goes to the caller as it came.
      const r = await it.next();
      if (r.done) return;
      const batch = r.value.sessions.slice(0, left);
      left -= batch.length;
      yield batch;
      if (left <= 0) return;
    }
  } finally {
    await it.return(undefined);
  }
}

export async function printList(
  client: SessionTrackerClient,
  filters: { usernameFilter: string | null; projectFilter: string | null },
  format: string,
  o: ListOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  if (format === 'json') {
    // Exactly JSON.stringify(list, null, 2), written a page at a time.
    let n = 0;
    for await (const batch of pages(client, filters, o)) {
      for (const s of batch) out.write(`${n++ === 0 ? '[\n' : ',\n'}${JSON.stringify(s, null, 2).replace(/^/gm, '  ')}`);
    }
    return void out.write(n === 0 ? '[]\n' : '\n]\n');
  }
  if (format === 'csv') {
    const columns = o.fields ? ['id', ...o.fields.filter((f) => f !== 'id')] : [...CSV_FIELDS];
    out.write(`${columns.join(',')}\n`);
    for await (const batch of pages(client, filters, o)) {
      const lines = batch.map((s) => columns.map((c) => csvCell((s as Record<string, unknown>)[c])).join(','));
      if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
    }
    return;
  }
  const all: Listed[] = [];
  for await (const batch of pages(client, filters, o)) all.push(...batch);
  out.write(o.fields ? fieldsTable(all, ['id', ...o.fields.filter((f) => f !== 'id')]) : formatTable(all as SessionInfo[]));
}

/** A table of the named fields as they came (for `--fields`): aligned, one column per field. */
function fieldsTable(sessions: readonly Listed[], columns: readonly string[]): string {
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const rows = sessions.map((s) => columns.map((c) => cell((s as Record<string, unknown>)[c])));
  const widths = columns.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(columns), ...rows.map(line), `${sessions.length} session${sessions.length === 1 ? '' : 's'}`].join('\n')}\n`;
}

/** `--sort -lastComm` reads as a descending sort, not an option (parseArgs alone wants `--sort=-lastComm`). */
export function sortValueArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (a === '--sort' && next !== undefined && /^-[A-Za-z]/.test(next)) {
      out.push(`--sort=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
