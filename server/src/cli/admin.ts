import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createClient, isRpcError, memoryStorage, type SessionTrackerClient } from '@session-tracker/client';
import { DEFAULTS, ErrorCode, type SessionInfo } from '@session-tracker/shared';
import { formatCsv, formatTable, humanBytes } from './format.js';
import { printList, sortValueArgs, type ListOptions } from './list.js';

/** Exit codes of the admin commands, documented in --help. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, unreachable: 4, notFound: 5 } as const;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where a server started with the defaults listens. */
const DEFAULT_URL = `ws://${DEFAULTS.host}:${DEFAULTS.port}${DEFAULTS.path}`;

export const COMMON = {
  url: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const ADMIN_HELP = `Admin commands (a client over the socket, like any other):
  session-tracker sessions [--user REGEX] [--project REGEX] [--format table|json|csv|dataset] [--watch]
                           [--fields F1,F2,...] [--sort [-]FIELD] [--limit N] [--state connected|disconnected]
  session-tracker stats    [--user REGEX] [--project REGEX]
  session-tracker close SESSION_ID [--message TEXT]

Common options:
  --url URL      the server's WebSocket URL (env SESSION_TRACKER_URL; default ${DEFAULT_URL})
  --token TOKEN  the admin token or an admin JWT (env SESSION_TRACKER_ADMIN_TOKEN)

Filters are whole-value RE2 regular expressions, case-sensitive ("bi.*" matches billy).
sessions pages through every session (sessions.list), oldest first: --sort takes a SessionInfo
field (e.g. -lastComm, username), --fields names the fields to print (id always comes; CSV
columns follow it), --limit prints at most N sessions, --state only the connected or the
disconnected ones.
Exit codes: 0 ok, 1 failed, 2 bad usage or bad filter, 3 login refused, 4 server unreachable, 5 no such session.
`;

interface Conn {
  url: string;
  token: string;
}

export function connectionOf(values: { url?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv): Conn {
  const url = values.url ?? env.SESSION_TRACKER_URL ?? DEFAULT_URL;
  const token = values.token ?? env.SESSION_TRACKER_ADMIN_TOKEN;
  if (!token) throw new CliError(EXIT.usage, 'no admin token: pass --token or set SESSION_TRACKER_ADMIN_TOKEN');
  if (!/^wss?:\/\//.test(url)) throw new CliError(EXIT.usage, `--url must be a ws:// or wss:// URL, got "${url}"`);
  return { url, token };
}

export async function connect(conn: Conn): Promise<SessionTrackerClient> {
  const client = createClient({
    url: conn.url,
    project: 'session-tracker-cli',
    WebSocket: WebSocket as never,
    storage: memoryStorage(),
    network: false,
    connectTimeoutMs: 5_000,
  });
  let lastError = '';
  client.on('error', (err) => (lastError = err.message));
  try {
    await client.ready(6_000);
  } catch (err) {
    client.close();
    const why = lastError || (err instanceof Error ? err.message : String(err));
    throw new CliError(EXIT.unreachable, `cannot reach ${conn.url}: ${why}`);
  }
  try {
    const who = await client.login(conn.token);
    if (!who.authorized) throw new CliError(EXIT.auth, 'login refused');
  } catch (err) {
    client.close();
    if (err instanceof CliError) throw err;
    throw new CliError(EXIT.auth, `login refused: ${err instanceof Error ? err.message : String(err)}`);
  }
  return client;
}

/** Ends the CLI's own session too, so one-shot commands do not linger in the list as disconnected. */
export async function finish(client: SessionTrackerClient): Promise<void> {
  const own = client.sessionId;
  if (own && client.state === 'connected') await client.closeSession(own).catch(() => undefined);
  client.close();
}

/** Maps server errors to exit codes: a bad filter is bad usage, a missing session is its own code. */
export function rpcFailure(err: unknown): never {
  if (isRpcError(err)) {
    if (err.code === ErrorCode.InvalidParams) throw new CliError(EXIT.usage, err.message);
    if (err.code === ErrorCode.Forbidden) throw new CliError(EXIT.auth, `forbidden: ${err.message} (is this token an admin's?)`);
    if (err.code === ErrorCode.NotFound) throw new CliError(EXIT.notFound, err.message);
  }
  throw new CliError(EXIT.failed, err instanceof Error ? err.message : String(err));
}

function filtersOf(values: { user?: string | undefined; project?: string | undefined }) {
  return { usernameFilter: values.user ?? null, projectFilter: values.project ?? null };
}

export async function sessionsCommand(args: string[], out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: sortValueArgs(args),
    options: {
      ...COMMON,
      user: { type: 'string' },
      project: { type: 'string' },
      format: { type: 'string', default: 'table' },
      watch: { type: 'boolean' },
      fields: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      state: { type: 'string' },
    },
  });
  if (values.help) return void out.write(ADMIN_HELP);
  const format = values.format ?? 'table';
  if (!['table', 'json', 'csv', 'dataset'].includes(format))
    throw new CliError(EXIT.usage, `--format must be table, json, csv or dataset, got "${format}"`);
  if (values.watch && format === 'dataset') throw new CliError(EXIT.usage, '--watch works with table, json and csv');
  const paged = values.fields !== undefined || values.sort !== undefined || values.limit !== undefined || values.state !== undefined;
  if (paged && (values.watch || format === 'dataset'))
    throw new CliError(EXIT.usage, '--fields, --sort, --limit and --state work with table, json and csv, without --watch');
  const listing = listOptionsOf(values);
  const client = await connect(connectionOf(values, env));
  const filters = filtersOf(values);
  try {
    if (values.watch) return await watch(client, filters, format, out);
    if (format === 'dataset') {
      const ds = await client.getSessionInfo({ ...filters, format: 'dataset' }).catch(rpcFailure);
      return void out.write(`${JSON.stringify(ds, null, 2)}\n`);
    }
    await printList(client, filters, format, listing, out).catch(rpcFailure);
  } finally {
    if (!values.watch) await finish(client);
  }
}

function listOptionsOf(values: {
  fields?: string | undefined;
  sort?: string | undefined;
  limit?: string | undefined;
  state?: string | undefined;
}): ListOptions {
  const fields = values.fields
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit))
    throw new CliError(EXIT.usage, `--limit must be a whole number of sessions, 1 or more, got "${values.limit}"`);
  // Fields, sort and state are checked by the server: its -32602 names the bad one (exit 2). Oldest first, as before paging.
  return {
    fields,
    sort: values.sort ?? 'creationTime',
    limit: values.limit === undefined ? undefined : Number(values.limit),
    state: values.state,
  };
}

function render(list: readonly SessionInfo[], format: string): string {
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  if (format === 'csv') return formatCsv(list);
  return formatTable(list);
}

/** Redraws on every change of a live feed (the SDK subscribes again after a reconnect). Ends on SIGINT/SIGTERM. */
async function watch(
  client: SessionTrackerClient,
  filters: ReturnType<typeof filtersOf>,
  format: string,
  out: NodeJS.WritableStream,
): Promise<void> {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const feed = client.sessionFeed(filters);
  const draw = () => {
    const list = [...feed.sessions.values()].sort((a, b) => a.creationTime.localeCompare(b.creationTime));
    const text = render(list, format);
    out.write(tty && format === 'table' ? `\x1b[2J\x1b[H${text}updated ${new Date().toLocaleTimeString()}\n` : text);
  };
  feed.on('change', draw);
  await feed.ready.catch(rpcFailure);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Refused after a reconnect (no longer an admin): nothing more to show.
    feed.on('error', () => resolve());
  });
  await stopped;
  await feed.close();
  await finish(client);
}

export async function statsCommand(args: string[], out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { ...COMMON, user: { type: 'string' }, project: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.help) return void out.write(ADMIN_HELP);
  const client = await connect(connectionOf(values, env));
  try {
    const stats = await client.getSessionStats(filtersOf(values)).catch(rpcFailure);
    if (values.json) return void out.write(`${JSON.stringify(stats, null, 2)}\n`);
    const lines = [`sessions  ${stats.sessions}`, `users     ${stats.users}`, `pages     ${stats.pages}`, 'by project:'];
    const width = Math.max(0, ...Object.keys(stats.byProject).map((p) => p.length));
    for (const [p, n] of Object.entries(stats.byProject).sort((a, b) => b[1] - a[1])) lines.push(`  ${p.padEnd(width)}  ${n}`);
    out.write(`${lines.join('\n')}\n`);
  } finally {
    await finish(client);
  }
}

export async function closeCommand(args: string[], out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { ...COMMON, message: { type: 'string' } }, allowPositionals: true });
  if (values.help) return void out.write(ADMIN_HELP);
  const [sessionId, ...extra] = positionals;
  if (!sessionId || extra.length > 0) throw new CliError(EXIT.usage, 'usage: session-tracker close SESSION_ID [--message TEXT]');
  const client = await connect(connectionOf(values, env));
  try {
    const before = (await client.getSessionInfo({ format: 'list' }).catch(rpcFailure)).find((s) => s.id === sessionId);
    await client.closeSession(sessionId, values.message).catch(rpcFailure);
    const what = before ? ` (${before.username} on ${before.project}, ${humanBytes(before.totalBytesSent)} sent)` : '';
    out.write(`closed ${sessionId}${what}\n`);
  } finally {
    await finish(client);
  }
}
