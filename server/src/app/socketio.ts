import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import type { WebSocket } from 'ws';
import type { RpcServices } from '../rpc/context.js';
import type { Session } from '../sessions/session.js';
import type { Tickets } from './tickets.js';
import { byteLengthOf, countInbound, countOutbound, handshakeOf, sessionFor, TrackedConnection } from './tracked.js';

/** The little of an engine.io socket (Socket.IO 4's `socket.conn`) used here. */
export interface EngineSocketLike {
  readonly request: IncomingMessage;
  readonly readyState: string;
  on(event: 'packet' | 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  close(): unknown;
}

/** The little of a Socket.IO 4 `Server` used here (no import: socket.io is an optional peer). */
export interface SocketIOServerLike {
  readonly engine: {
    on(event: 'connection', listener: (socket: EngineSocketLike) => void): unknown;
    off(event: 'connection', listener: (socket: EngineSocketLike) => void): unknown;
  };
}

/**
 * Payload bytes of one engine.io packet as the WebSocket transport frames it: the type digit and
 * the text, or the raw bytes of a binary packet (Socket.IO 4 clients send binary as is).
 */
export function packetBytes(packet: { data?: unknown }): number {
  const d = packet.data;
  if (d === undefined || d === null) return 1;
  if (typeof d === 'string') return 1 + Buffer.byteLength(d, 'utf8');
  return byteLengthOf(d);
}

/** The `auth` of a Socket.IO CONNECT packet (`0`, `0{...}`, `0/nsp,{...}`), if that is what this is. */
export function connectAuth(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'string' || !data.startsWith('0')) return undefined;
  let rest = data.slice(1);
  if (rest.startsWith('/')) {
    const comma = rest.indexOf(',');
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  if (!rest.startsWith('{')) return {};
  try {
    const v: unknown = JSON.parse(rest);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Counts every engine.io packet of each Socket.IO connection for the session its first CONNECT
 * packet's `auth.sessionTicket` names, or for a session of its own (project from `auth.project`
 * or `?project=`). Until that packet the counts wait; the connection then joins the session like
 * a tracked socket (keeps it connected; closed by an admin's `sessions.close`).
 */
export function instrumentSocketIO(ctx: RpcServices, tickets: Tickets, trusted: BlockList | undefined, io: SocketIOServerLike): () => void {
  const onConnection = (raw: EngineSocketLike): void => {
    let session: Session | undefined;
    let conn: TrackedConnection | undefined;
    let heldIn: number[] = [];
    let heldOut: number[] = [];
    const attach = (auth: Record<string, unknown>): void => {
      const h = handshakeOf(raw.request);
      const now = Date.now();
      const found = sessionFor(
        ctx,
        tickets,
        trusted,
        { ticket: str(auth.sessionTicket), project: str(auth.project) ?? h.project, scope: str(auth.scope) ?? h.scope },
        raw.request,
        now,
      );
      session = found.session;
      conn = new TrackedConnection(engineShim(raw), found.session, ctx);
      ctx.registry.attach(found.session, conn);
      for (const b of heldIn) countInbound(ctx, found.session, b);
      for (const b of heldOut) countOutbound(ctx, found.session, b);
      heldIn = [];
      heldOut = [];
      ctx.log.debug({ event: 'socketio.tracked', sessionId: found.session.id, joined: found.joined }, 'socket.io connection tracked');
    };
    raw.on('packet', (packet) => {
      if (session === undefined && packet.type === 'message') {
        const auth = connectAuth(packet.data);
        if (auth !== undefined) attach(auth);
      }
      const bytes = packetBytes(packet);
      if (session === undefined) heldIn.push(bytes);
      else if (!conn?.closed) countInbound(ctx, session, bytes);
    });
    raw.on('packetCreate', (packet) => {
      const bytes = packetBytes(packet);
      if (session === undefined) heldOut.push(bytes);
      else if (!conn?.closed) countOutbound(ctx, session, bytes);
    });
    raw.once('close', () => {
      if (session === undefined || conn === undefined || conn.closed) return;
      conn.closed = true;
      ctx.registry.detach(session, conn);
    });
  };
  io.engine.on('connection', onConnection);
  return () => io.engine.off('connection', onConnection);
}

/** What a session's socket list needs of an engine.io socket: its state and a way to close it. */
function engineShim(raw: EngineSocketLike): WebSocket {
  return {
    get readyState() {
      return raw.readyState === 'open' ? 1 : raw.readyState === 'opening' ? 0 : 3;
    },
    bufferedAmount: 0,
    close: () => raw.close(),
    terminate: () => raw.close(),
    ping: () => undefined,
  } as unknown as WebSocket;
}
