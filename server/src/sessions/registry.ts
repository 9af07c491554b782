import type { Logger } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { SessionEndCause, type DeviceInfo, type SessionScope } from '@session-tracker/shared';
import { parseDevice } from './device.js';
import { newBucket, type RateLimit } from './rate-limit.js';
import { Session, type Page, type Peer, type SavedSession } from './session.js';
import { hashesEqual, hashToken, newResumeToken } from './tokens.js';

export type SessionChange = 'added' | 'updated' | 'removed';
export type ChangeListener = (change: SessionChange, session: Session) => void;

/** Told of what the history keeps: a session's start and end, and pages its sockets took with them. */
export interface LifecycleRecorder {
  started(session: Session, now: number): void;
  ended(session: Session, reason: SessionEndCause, now: number): void;
  pagesClosed(session: Session, pages: readonly Page[], now: number): void;
}

type PageFacts = Pick<Page, 'id' | 'path' | 'title'>;

/**
 * A session other nodes hold, as much as this node needs to take its own part of it (identity
 * and login): the cluster's part record is one, so the registry needs no cluster import.
 */
export interface SessionSeed {
  sid: string;
  /** The node it came from (for the log). */
  node: string;
  tokenHash: string;
  project: string;
  scope: SessionScope;
  userAgent: string;
  clientAddress: string;
  device: DeviceInfo;
  createdAt: number;
  username: string;
  roles: string[];
  loggedIn: boolean;
  isAdmin: boolean;
  loginAt: number;
}

/** Who did an admin action (a session, seen narrowly). */
export interface Actor {
  id: string;
  username: string;
  project: string;
  clientAddress: string;
}

/**
 * Everything that happens to sessions and is kept as history: the registry's own lifecycle, and
 * what the RPC handlers see (pages, logins, admin actions). The registry holds it, so handlers
 * reach it through the registry they already use.
 */
export interface SessionEvents extends LifecycleRecorder {
  pageOpened(session: Session, page: PageFacts): void;
  pageClosed(session: Session, page: PageFacts, by: 'client' | 'admin'): void;
  login(session: Session, roles: readonly string[], via: string): void;
  logout(session: Session): void;
  loginFailed(session: Session, claimedUsername: string, reason: string): void;
  adminAction(by: Actor, action: string, target: Record<string, unknown>): void;
}

export interface OpenRequest {
  project: string;
  scope: SessionScope;
  userAgent: string;
  clientAddress: string;
  resumeToken: string | undefined;
}

export interface Opened {
  session: Session;
  /** The plain token, for the welcome frame only. */
  resumeToken: string;
  resumed: boolean;
}

/** All live sessions (connected and disconnected), and their lifecycle. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();
  /** Copied on change, so the per-message emit iterates without allocating. */
  private listeners: readonly ChangeListener[] = [];
  /** Sessions per client address, for the per-address limit. */
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly sessionTimeoutMs: number,
    private readonly rateLimit: RateLimit,
    readonly recorder?: SessionEvents,
  ) {}

  /** Sessions held now by one client address. */
  sessionsAt(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** True when `open` with this token would join a live session rather than start one. */
  resumable(resumeToken: string | undefined, project: string): boolean {
    return this.findByToken(resumeToken, project) !== undefined;
  }

  private findByToken(resumeToken: string | undefined, project: string): Session | undefined {
    if (resumeToken === undefined) return undefined;
    const hash = hashToken(resumeToken);
    const found = this.byToken.get(hash);
    return found && !found.ended && found.project === project && hashesEqual(found.tokenHash, hash) ? found : undefined;
  }

  get size(): number {
    return this.sessions.size;
  }

  values(): IterableIterator<Session> {
    return this.sessions.values();
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Tells listeners a session's visible state changed (pages, login). */
  touched(session: Session): void {
    if (this.listeners.length > 0) this.emit('updated', session);
  }

  /**
   * Joins the session the token names (same project, still alive), or starts a new one.
   * In cluster mode `elsewhere` is the same session held by other nodes: this node then
   * takes its own part of it, with its identity and login.
   */
  open(req: OpenRequest, now: number, elsewhere?: SessionSeed): Opened {
    const found = this.findByToken(req.resumeToken, req.project);
    // The token never changes during a session's life, so the caller's copy is the token.
    if (found && req.resumeToken !== undefined) return { session: found, resumeToken: req.resumeToken, resumed: true };
    if (elsewhere && req.resumeToken !== undefined)
      return { session: this.join(elsewhere, now), resumeToken: req.resumeToken, resumed: true };
    const resumeToken = newResumeToken();
    const session = new Session({
      id: uuidv4(),
      tokenHash: hashToken(resumeToken),
      project: req.project,
      scope: req.scope,
      userAgent: req.userAgent,
      clientAddress: req.clientAddress,
      device: parseDevice(req.userAgent),
      now,
      bucket: newBucket(this.rateLimit, now),
    });
    this.add(session);
    this.log.info(
      {
        event: 'session.start',
        sessionId: session.id,
        project: session.project,
        scope: session.scope,
        clientAddress: session.clientAddress,
        userAgent: session.userAgent,
      },
      'session.start',
    );
    this.recorder?.started(session, now);
    this.emit('added', session);
    return { session, resumeToken, resumed: false };
  }

  /**
   * Brings back a session saved before a restart: disconnected, resumable with its token
   * for the session timeout, counters and login as they were.
   */
  restore(saved: SavedSession, now: number): Session | undefined {
    if (this.sessions.has(saved.id) || this.byToken.has(saved.tokenHash)) return undefined;
    const session = Session.restored(saved, newBucket(this.rateLimit, now));
    this.disconnected(session, now);
    this.add(session);
    this.log.info({ event: 'session.restore', sessionId: session.id, project: session.project }, 'session.restore');
    this.emit('added', session);
    return session;
  }

  private join(p: SessionSeed, now: number): Session {
    const session = new Session({
      id: p.sid,
      tokenHash: p.tokenHash,
      project: p.project,
      scope: p.scope,
      userAgent: p.userAgent,
      clientAddress: p.clientAddress,
      device: p.device,
      now: p.createdAt,
      bucket: newBucket(this.rateLimit, now),
    });
    session.lastCommAt = now;
    if (p.loggedIn) session.login(p.username, p.roles, p.isAdmin, p.loginAt);
    this.add(session);
    this.log.info({ event: 'session.join', sessionId: session.id, project: session.project, from: p.node }, 'session.join');
    this.emit('added', session);
    return session;
  }

  /** Lists a session: by ID, by token hash, and against its address's limit. */
  private add(session: Session): void {
    this.sessions.set(session.id, session);
    this.byToken.set(session.tokenHash, session);
    this.perAddress.set(session.clientAddress, this.sessionsAt(session.clientAddress) + 1);
  }

  /** No socket left: listed as disconnected until the session timeout ends it. */
  private disconnected(session: Session, now: number): void {
    session.state = 'disconnected';
    session.disconnectedAt = now;
    session.changes++;
    session.expiry = setTimeout(expire, this.sessionTimeoutMs, this, session);
    session.expiry.unref();
  }

  attach(session: Session, conn: Peer): void {
    session.sockets.add(conn);
    if (session.expiry) {
      clearTimeout(session.expiry);
      session.expiry = undefined;
    }
    if (session.state !== 'connected') {
      session.state = 'connected';
      session.disconnectedAt = 0;
      session.changes++;
      this.emit('updated', session);
    }
  }

  /** A socket closed: its pages close; the last one leaves the session disconnected until the timeout. */
  detach(session: Session, conn: Peer): void {
    if (!session.sockets.delete(conn)) return;
    const closedPages = session.closePagesOf(conn);
    if (closedPages.length > 0) this.recorder?.pagesClosed(session, closedPages, Date.now());
    if (session.ended) return;
    if (session.sockets.size === 0) {
      this.disconnected(session, Date.now());
      this.emit('updated', session);
    } else if (closedPages.length > 0) {
      this.emit('updated', session);
    }
  }

  /** Ends a session now: it is no longer listed and its token no longer resumes. */
  end(session: Session, reason: SessionEndCause): void {
    if (session.ended) return;
    session.ended = true;
    session.endReason = reason;
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = undefined;
    this.sessions.delete(session.id);
    this.byToken.delete(session.tokenHash);
    const left = this.sessionsAt(session.clientAddress) - 1;
    if (left > 0) this.perAddress.set(session.clientAddress, left);
    else this.perAddress.delete(session.clientAddress);
    this.log.info(
      {
        event: 'session.end',
        sessionId: session.id,
        project: session.project,
        username: session.username,
        reason,
        uptimeMs: Date.now() - session.createdAt,
        ...session.counters(),
      },
      'session.end',
    );
    this.recorder?.ended(session, reason, Date.now());
    this.emit('removed', session);
  }

  /** Ends every session (shutdown). */
  endAll(reason: SessionEndCause): void {
    for (const s of [...this.sessions.values()]) this.end(s, reason);
  }

  private emit(change: SessionChange, session: Session): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      const l = listeners[i] as ChangeListener;
      try {
        l(change, session);
      } catch (err) {
        this.log.error({ err }, 'session change listener failed');
      }
    }
  }
}

function expire(registry: SessionRegistry, session: Session): void {
  session.expiry = undefined;
  if (session.sockets.size === 0) registry.end(session, SessionEndCause.Timeout);
}
