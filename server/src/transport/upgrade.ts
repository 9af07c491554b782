import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BlockList } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  DEFAULTS,
  isSessionScope,
  isValidProject,
  LIMITS,
  RESUME_SUBPROTOCOL_PREFIX,
  SUBPROTOCOL,
  type SessionScope,
} from '@session-tracker/shared';
import type { ClusterBackend } from '../cluster/backend.js';
import type { SessionSeed } from '../sessions/registry.js';
import { clientAddress } from './address.js';
import { accept, type ConnectionServices } from './connection.js';
import { hashToken } from '../sessions/tokens.js';

/** What the upgrade checks use of the tracker: a connection's services and the cluster (resumes). */
export interface UpgradeServices extends ConnectionServices {
  /** Read at each use: the tracker's backend is replaced once Redis is up. */
  readonly cluster: ClusterBackend;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * `ws` closes a socket itself on a bad frame (size, UTF-8, framing) with a code and no reason.
 * The contract (1.1) wants a reason on every close the server starts, so the server's sockets
 * are of this class, which fills in the reason for those codes.
 */
export function socketClass(maxPayload: number): typeof WebSocket {
  const reasons: Record<number, string> = {
    1002: 'protocol error: malformed WebSocket frame',
    1007: 'invalid UTF-8 in a text frame',
    1009: `message over the size limit of ${maxPayload} bytes (maxPayload)`,
  };
  return class TrackerSocket extends WebSocket {
    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, reason ?? (code === undefined ? undefined : reasons[code]));
    }
  };
}

/** Answers a refused upgrade with a plain HTTP error and drops the socket. */
export function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.writable) {
    const body = JSON.stringify({ error: message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

interface Handshake {
  project: string;
  scope: SessionScope;
  resumeToken: string | undefined;
}

const MAX_TOKEN_LENGTH = 256;

/** The token offered as a `resume.<token>` subprotocol (1.1), if any. */
export function resumeFromProtocols(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const raw of header.split(',')) {
    const p = raw.trim();
    if (p.startsWith(RESUME_SUBPROTOCOL_PREFIX)) {
      const token = p.slice(RESUME_SUBPROTOCOL_PREFIX.length);
      return token.length > 0 && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
    }
  }
  return undefined;
}

/** Selects our subprotocol when offered; the `resume.<token>` entry is never echoed back. */
function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
}

/**
 * Reads and checks the `/ws` query; returns an error message for a 400 instead. The resume
 * token comes from the subprotocol header when offered there, else from `?resume=`.
 */
export function readHandshake(url: URL, protocolHeader?: string): Handshake | string {
  const project = url.searchParams.get('project') ?? DEFAULTS.project;
  if (!isValidProject(project)) {
    return `invalid project: 1 to ${LIMITS.projectMaxLength} characters of letters, digits, space, "_", "." or "-"`;
  }
  const scope = url.searchParams.get('scope') ?? DEFAULTS.scope;
  if (!isSessionScope(scope)) return 'invalid scope: expected browser, designer, ios or android';
  const resume = url.searchParams.get('resume');
  const resumeToken = resumeFromProtocols(protocolHeader) ?? (resume && resume.length <= MAX_TOKEN_LENGTH ? resume : undefined);
  return { project, scope, resumeToken };
}

/** One request header's value (the first, when sent twice). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Handles `upgrade` events for the tracker's path: checks, then hands over to ws. */
export class UpgradeHandler<C extends UpgradeServices = UpgradeServices> {
  readonly wss: WebSocketServer;
  /** Upgrades accepted but not yet open: they count against maxSockets too. */
  private pending = 0;

  constructor(
    private readonly ctx: C,
    private readonly trusted: BlockList | undefined,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: ctx.options.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: selectProtocol,
      WebSocket: socketClass(ctx.options.maxPayload),
    });
    this.wss.on('error', (err) => ctx.log.error({ err }, 'websocket server error'));
  }

  /** Returns false when the request is not for our path (another handler may want it). */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      refuse(socket, 400, 'bad request URL');
      return true;
    }
    if (url.pathname !== this.ctx.options.path) return false;
    socket.on('error', onUpgradeSocketError);

    const origin = headerValue(req, 'origin');
    const allowed = this.ctx.options.allowedOrigins;
    if (origin !== undefined && allowed.length > 0 && !allowed.includes(origin)) {
      this.ctx.log.warn({ event: 'upgrade.refused', origin, reason: 'origin' }, 'origin not allowed');
      this.ctx.stats.refusedUpgrade(403);
      refuse(socket, 403, 'origin not allowed');
      return true;
    }
    const handshake = readHandshake(url, headerValue(req, 'sec-websocket-protocol'));
    if (typeof handshake === 'string') {
      this.ctx.stats.refusedUpgrade(400);
      refuse(socket, 400, handshake);
      return true;
    }
    const { options, connections, registry, stats } = this.ctx;
    if (connections.size + this.pending >= options.maxSockets) {
      stats.refusedUpgrade(503);
      this.ctx.log.warn({ event: 'upgrade.refused', reason: 'maxSockets', limit: options.maxSockets }, 'socket limit reached');
      refuse(socket, 503, `server is at its limit of ${options.maxSockets} sockets`);
      return true;
    }
    const address = clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], this.trusted);
    const perAddress = options.maxSessionsPerAddress;
    if (perAddress > 0 && registry.sessionsAt(address) >= perAddress && !registry.resumable(handshake.resumeToken, handshake.project)) {
      stats.refusedUpgrade(429);
      this.ctx.log.warn(
        { event: 'upgrade.refused', reason: 'maxSessionsPerAddress', clientAddress: address, limit: perAddress },
        'too many sessions from one address',
      );
      refuse(socket, 429, `too many sessions from this address (limit ${perAddress})`);
      return true;
    }
    const userAgent = headerValue(req, 'user-agent') ?? '';
    this.pending++;
    // A token this node does not know may name a session another node holds.
    const token = handshake.resumeToken;
    const claim =
      token === undefined || registry.resumable(token, handshake.project)
        ? undefined
        : this.ctx.cluster.claim(hashToken(token), handshake.project);
    if (claim === undefined) {
      this.upgrade(req, socket, head, handshake, address, userAgent, undefined);
    } else {
      void this.join(claim).then((elsewhere) => this.upgrade(req, socket, head, handshake, address, userAgent, elsewhere));
    }
    return true;
  }

  /** The claim's answer, or nothing once the cluster timeout passes. */
  private async join(claim: Promise<SessionSeed | undefined>): Promise<SessionSeed | undefined> {
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), this.ctx.options.clusterTimeoutMs).unref());
    return Promise.race([claim.catch(() => undefined), timeout]);
  }

  private upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    handshake: Handshake,
    address: string,
    userAgent: string,
    elsewhere: SessionSeed | undefined,
  ): void {
    if (socket.destroyed) {
      this.pending--;
      return;
    }
    let settled = false;
    const settle = (): void => {
      if (!settled) this.pending--;
      settled = true;
    };
    // ws answers a bad handshake itself and never calls back: count that socket out when it closes.
    socket.once('close', settle);
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      settle();
      socket.off('close', settle);
      socket.off('error', onUpgradeSocketError);
      const { session, resumeToken, resumed } = this.ctx.registry.open(
        { project: handshake.project, scope: handshake.scope, userAgent, clientAddress: address, resumeToken: handshake.resumeToken },
        Date.now(),
        elsewhere,
      );
      accept(this.ctx, ws, session, {
        sessionId: session.id,
        resumeToken,
        resumed,
        heartbeatMs: this.ctx.options.heartbeatMs,
        serverTime: Date.now(),
      });
    });
  }
}

function onUpgradeSocketError(this: Duplex): void {
  this.destroy();
}
