import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { DEFAULTS, isSessionScope, isValidProject } from '@session-tracker/shared';
import type { RpcServices } from '../rpc/context.js';
import type { Peer, Session } from '../sessions/session.js';
import { clientAddress } from '../transport/address.js';
import { headerValue } from '../transport/upgrade.js';
import { Connection } from '../transport/connection.js';
import type { RawJson } from '../rpc/raw-json.js';
import type { Tickets } from './tickets.js';
import type { TrackedSocket } from './types.js';

/**
 * A socket the app accepted on its own server and handed to `tracker.track()`. It belongs to a
 * session like the tracker's own sockets (keeps it connected, closes with it on an admin close)
 * but carries the app's protocol: the tracker never writes its own frames onto it.
 */
export class TrackedConnection extends Connection {
  override sendText(): void {}
  override sendStream(_raw: RawJson): void {}
}

export function isTracked(c: Peer): boolean {
  return c instanceof TrackedConnection;
}

export function byteLengthOf(data: unknown): number {
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

/** What an app socket's handshake says: its ticket, and the project and scope for a session of its own. */
export interface AppHandshake {
  ticket: string | null | undefined;
  project: string | null | undefined;
  scope: string | null | undefined;
}

export function handshakeOf(req: IncomingMessage): AppHandshake {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    url = new URL('http://localhost/');
  }
  return { ticket: url.searchParams.get('sessionTicket'), project: url.searchParams.get('project'), scope: url.searchParams.get('scope') };
}

/** The session a ticket names (it is used up), else a new session of its own. */
export function sessionFor(
  ctx: RpcServices,
  tickets: Tickets,
  trusted: BlockList | undefined,
  h: AppHandshake,
  req: IncomingMessage,
  now: number,
): { session: Session; joined: boolean } {
  const named = tickets.take(h.ticket);
  let session: Session | undefined = named === undefined ? undefined : ctx.registry.get(named);
  const joined = session !== undefined && !session.ended;
  if (!joined) {
    const asked = h.project ?? DEFAULTS.project;
    const project = isValidProject(asked) ? asked : DEFAULTS.project;
    if (project !== asked)
      ctx.log.warn({ event: 'track.project', project: asked.slice(0, 140) }, 'tracked socket: invalid ?project=, using the default');
    const scope = h.scope ?? DEFAULTS.scope;
    session = ctx.registry.open(
      {
        project,
        scope: isSessionScope(scope) ? scope : DEFAULTS.scope,
        userAgent: headerValue(req, 'user-agent') ?? '',
        clientAddress: clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], trusted),
        resumeToken: undefined,
      },
      now,
    ).session;
  }
  return { session: session as Session, joined };
}

/** A data message from the app's client: the byte rule, as on the tracker's own sockets. */
export function countInbound(ctx: RpcServices, s: Session, bytes: number): void {
  s.countFromClient(bytes, Date.now());
  ctx.stats.bytesFromClients += bytes;
  ctx.stats.messagesFromClients++;
}

/** A data message the app sent to its client. */
export function countOutbound(ctx: RpcServices, s: Session, bytes: number): void {
  s.totalBytesReceived += bytes;
  ctx.stats.bytesToClients += bytes;
  ctx.stats.messagesToClients++;
}

/** Hands an app socket to a session: the one its ticket names, else a session of its own. */
export function trackSocket(
  ctx: RpcServices,
  tickets: Tickets,
  trusted: BlockList | undefined,
  ws: WebSocket,
  req: IncomingMessage,
): TrackedSocket {
  const now = Date.now();
  const { session: s, joined } = sessionFor(ctx, tickets, trusted, handshakeOf(req), req, now);
  if (ws.readyState !== 1) return { sessionId: s.id, joined };
  const conn = new TrackedConnection(ws, s, ctx);
  ctx.registry.attach(s, conn);
  s.lastCommAt = now;

  // Every data message the app's client sends counts for the session, as on the tracker's own socket.
  ws.on('message', (data: RawData) => {
    if (!conn.closed) countInbound(ctx, s, rawLength(data));
  });
  const alive = (): void => {
    s.lastCommAt = Date.now();
  };
  ws.on('pong', alive);
  ws.on('ping', alive);
  // And every one the app sends on it: ws has no "sent" event, so its send is wrapped.
  const send = ws.send;
  // Fixed arity (ws sorts out a callback given as `options`): no rest array per message.
  ws.send = function (this: WebSocket, data: unknown, options?: unknown, cb?: unknown): void {
    if (ws.readyState === 1 && !conn.closed) countOutbound(ctx, s, byteLengthOf(data));
    (send as (d: unknown, o?: unknown, c?: unknown) => void).call(this, data, options, cb);
  } as WebSocket['send'];
  ws.once('close', () => {
    if (conn.closed) return;
    conn.closed = true;
    ctx.registry.detach(s, conn);
  });
  ctx.log.debug({ event: 'socket.tracked', sessionId: s.id, joined }, 'app socket tracked');
  return { sessionId: s.id, joined };
}
