import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { DEFAULTS, isSessionScope, isValidProject } from '@session-tracker/shared';
import type { TrackerContext } from '../context.js';
import type { Session } from '../sessions/session.js';
import { clientAddress } from '../transport/address.js';
import { Connection } from '../transport/connection.js';
import type { RawJson } from '../rpc/raw-json.js';
import type { Tickets } from './tickets.js';
import type { TrackedSocket } from './types.js';

/**
 * A socket the app accepted on its own server and handed to `tracker.track()`. It belongs to a
 * session like the tracker's own sockets (keeps it connected, closes with it on an admin close)
 * but carries the app's protocol: the tracker never writes its own frames onto it.
 */
class TrackedConnection extends Connection {
  override sendText(): void {}
  override sendStream(_raw: RawJson): void {}
}

export function isTracked(c: Connection): boolean {
  return c instanceof TrackedConnection;
}

function byteLengthOf(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  if (Buffer.isBuffer(data)) return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n: number, part: unknown) => n + byteLengthOf(part), 0);
  if (typeof data === 'number') return Buffer.byteLength(String(data));
  return 0;
}

function rawLength(data: RawData): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Hands an app socket to a session: the one its ticket names, else a session of its own. */
export function trackSocket(ctx: TrackerContext, tickets: Tickets, trusted: BlockList | undefined, ws: WebSocket, req: IncomingMessage): TrackedSocket {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    url = new URL('http://localhost/');
  }
  const now = Date.now();
  const named = tickets.take(url.searchParams.get('sessionTicket'));
  let session: Session | undefined = named === undefined ? undefined : ctx.registry.get(named);
  const joined = session !== undefined && !session.ended;
  if (!joined) {
    const asked = url.searchParams.get('project') ?? DEFAULTS.project;
    const project = isValidProject(asked) ? asked : DEFAULTS.project;
    if (project !== asked) ctx.log.warn({ event: 'track.project', project: asked.slice(0, 140) }, 'tracked socket: invalid ?project=, using the default');
    const scope = url.searchParams.get('scope') ?? DEFAULTS.scope;
    session = ctx.registry.open(
      {
        project,
        scope: isSessionScope(scope) ? scope : DEFAULTS.scope,
        userAgent: header(req, 'user-agent') ?? '',
        clientAddress: clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], trusted),
        resumeToken: undefined,
      },
      now,
    ).session;
  }
  const s = session as Session;
  if (ws.readyState !== 1) return { sessionId: s.id, joined };
  const conn = new TrackedConnection(ws, s, ctx);
  ctx.registry.attach(s, conn);
  s.lastCommAt = now;

  // Every data message the app's client sends counts for the session, as on the tracker's own socket.
  ws.on('message', (data: RawData) => {
    if (conn.closed) return;
    const bytes = rawLength(data);
    const at = Date.now();
    s.recentBytesSent = bytes;
    s.totalBytesSent += bytes;
    s.messagesSent++;
    s.lastCommAt = at;
    s.recentAt = at;
    ctx.stats.bytesFromClients += bytes;
    ctx.stats.messagesFromClients++;
  });
  const alive = (): void => {
    s.lastCommAt = Date.now();
  };
  ws.on('pong', alive);
  ws.on('ping', alive);
  // And every one the app sends on it: ws has no "sent" event, so its send is wrapped.
  const send = ws.send;
  ws.send = function (this: WebSocket, data: unknown, ...rest: unknown[]): void {
    if (ws.readyState === 1 && !conn.closed) {
      const bytes = byteLengthOf(data);
      s.totalBytesReceived += bytes;
      ctx.stats.bytesToClients += bytes;
      ctx.stats.messagesToClients++;
    }
    (send as (...args: unknown[]) => void).call(this, data, ...rest);
  } as WebSocket['send'];
  ws.once('close', () => {
    if (conn.closed) return;
    conn.closed = true;
    ctx.registry.detach(s, conn);
  });
  ctx.log.debug({ event: 'socket.tracked', sessionId: s.id, joined }, 'app socket tracked');
  return { sessionId: s.id, joined };
}
