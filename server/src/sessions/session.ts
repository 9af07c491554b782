import {
  UNAUTHENTICATED,
  type AppMethodTraffic,
  type DeviceInfo,
  type SessionEndCause,
  type SessionScope,
  type SessionState,
} from '@session-tracker/shared';
import type { Bucket } from './rate-limit.js';
import type { FixedJson, PagesJson } from './json-pieces.js';
import { trafficOf } from './traffic.js';

/**
 * All a session knows of one of its sockets: the transport's Connection is one. Sessions, feeds
 * and handlers talk to a socket through this, so nothing below the transport imports it.
 */
export interface Peer {
  readonly socketId: number;
  readonly session: Session;
  readonly closed: boolean;
  /** The socket can take a frame now (open, not closing). */
  readonly open: boolean;
  /** Bytes queued on the socket and not yet written (backpressure). */
  readonly buffered: number;
  /** Sends one JSON value as a text frame and counts its bytes. */
  send(message: unknown): void;
  /** Sends JSON text as one text frame and counts its bytes. */
  sendText(text: string): void;
  close(code: number, reason: string): void;
}

export interface Page {
  readonly id: string;
  readonly path: string;
  readonly title: string;
  readonly openedAt: number;
  /** The socket that opened it: the page closes with it. */
  readonly owner: Peer;
}

/** Who a session is, fixed by its first socket. */
export interface SessionIdentity {
  id: string;
  tokenHash: string;
  project: string;
  scope: SessionScope;
  userAgent: string;
  clientAddress: string;
  device: DeviceInfo;
}

export interface SessionInit extends SessionIdentity {
  now: number;
  bucket: Bucket;
}

/** What is kept of a live session across a restart: identity, login and counters (no sockets, no pages). */
export interface SavedSession extends SessionIdentity {
  createdAt: number;
  username: string;
  roles: string[];
  loggedIn: boolean;
  isAdmin: boolean;
  loginAt: number;
  recentBytesSent: number;
  totalBytesSent: number;
  totalBytesReceived: number;
  messagesSent: number;
  lastCommAt: number;
  recentAt: number;
  /** Per app method traffic (SessionInfo `traffic`); absent in records saved before it was kept, or with none. */
  traffic?: Record<string, AppMethodTraffic>;
}

/** One tracked session: identity fixed by its first socket, counters, login, pages. */
export class Session {
  readonly id: string;
  /** SHA-256 of the resume token; the token itself is never kept. */
  readonly tokenHash: string;
  readonly project: string;
  readonly scope: SessionScope;
  readonly userAgent: string;
  readonly clientAddress: string;
  readonly device: DeviceInfo;
  readonly createdAt: number;

  username: string = UNAUTHENTICATED;
  roles: string[] = [];
  loggedIn = false;
  isAdmin = false;
  /** When the login last changed (ms): across cluster nodes the latest login wins. */
  loginAt = 0;

  recentBytesSent = 0;
  totalBytesSent = 0;
  totalBytesReceived = 0;
  messagesSent = 0;
  /** 1.1: per app method traffic (sessions/traffic.ts); undefined until the first app message. */
  appTraffic: Map<string, AppMethodTraffic> | undefined;
  lastCommAt: number;
  /** When the most recent data message came (recentBytesSent's time). */
  recentAt = 0;
  /** When the last socket went (0 while connected). */
  disconnectedAt = 0;
  /** Bumped by every change other than counters: cluster mode writes a part when it moves. */
  changes = 0;
  /** Why the session ended (set once it has). */
  endReason: SessionEndCause | undefined;
  /** Rate-limit state shared by all the session's sockets. */
  readonly bucket: Bucket;

  readonly sockets = new Set<Peer>();
  private readonly pageMap = new Map<string, { -readonly [K in keyof Page]: Page[K] }>();
  /** Serialised pages for queries; cleared by every page change (see info-json.ts). */
  pagesJson: PagesJson | undefined;
  /** Serialised fields fixed for the session's life (see info-json.ts). */
  fixedJson: FixedJson | undefined;
  state: SessionState = 'connected';
  ended = false;
  expiry: NodeJS.Timeout | undefined;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.tokenHash = init.tokenHash;
    this.project = init.project;
    this.scope = init.scope;
    this.userAgent = init.userAgent;
    this.clientAddress = init.clientAddress;
    this.device = init.device;
    this.createdAt = init.now;
    this.lastCommAt = init.now;
    this.bucket = init.bucket;
  }

  login(username: string, roles: string[], isAdmin: boolean, at = Date.now()): void {
    this.username = username;
    this.roles = roles;
    this.loggedIn = true;
    this.isAdmin = isAdmin;
    this.loginAt = at;
    this.changes++;
  }

  logout(at = Date.now()): void {
    this.username = UNAUTHENTICATED;
    this.roles = [];
    this.loggedIn = false;
    this.isAdmin = false;
    this.loginAt = at;
    this.changes++;
  }

  /** Open pages, read-only: every change goes through the methods below. */
  get pages(): ReadonlyMap<string, Page> {
    return this.pageMap;
  }

  /** Opens a page, or updates it and hands it to `owner` when that ID is open. */
  openPage(id: string, path: string | undefined, title: string | undefined, owner: Peer, now: number): void {
    const old = this.pageMap.get(id);
    this.pageMap.set(id, { id, path: path ?? old?.path ?? '', title: title ?? old?.title ?? '', openedAt: old?.openedAt ?? now, owner });
    this.pagesJson = undefined;
    this.changes++;
  }

  /** False when no such page is open. */
  updatePage(id: string, path: string | undefined, title: string | undefined): boolean {
    const page = this.pageMap.get(id);
    if (!page) return false;
    // In place: page.update is the hottest call there is.
    if (path !== undefined) page.path = path;
    if (title !== undefined) page.title = title;
    this.pagesJson = undefined;
    this.changes++;
    return true;
  }

  /** False when no such page is open. */
  closePage(id: string): boolean {
    if (!this.pageMap.delete(id)) return false;
    this.pagesJson = undefined;
    this.changes++;
    return true;
  }

  /** Closes the pages a socket opened; returns them. */
  closePagesOf(conn: Peer): Page[] {
    const closed: Page[] = [];
    for (const [id, page] of this.pageMap) {
      if (page.owner === conn) {
        this.pageMap.delete(id);
        closed.push(page);
      }
    }
    if (closed.length > 0) {
      this.pagesJson = undefined;
      this.changes++;
    }
    return closed;
  }

  /**
   * The byte rule: a data message the client sent on any of the session's sockets (the
   * tracker's own or an app socket it tracks) counts, valid or not, before it is handled.
   */
  countFromClient(bytes: number, now: number): void {
    this.recentBytesSent = bytes;
    this.totalBytesSent += bytes;
    this.messagesSent++;
    this.lastCommAt = now;
    this.recentAt = now;
  }

  /** The state a restart keeps. */
  save(): SavedSession {
    return {
      id: this.id,
      tokenHash: this.tokenHash,
      project: this.project,
      scope: this.scope,
      userAgent: this.userAgent,
      clientAddress: this.clientAddress,
      device: this.device,
      createdAt: this.createdAt,
      username: this.username,
      roles: this.roles,
      loggedIn: this.loggedIn,
      isAdmin: this.isAdmin,
      loginAt: this.loginAt,
      recentBytesSent: this.recentBytesSent,
      totalBytesSent: this.totalBytesSent,
      totalBytesReceived: this.totalBytesReceived,
      messagesSent: this.messagesSent,
      lastCommAt: this.lastCommAt,
      recentAt: this.recentAt,
      ...(this.appTraffic === undefined ? {} : { traffic: trafficOf(this) }),
    };
  }

  /** A session as save() left it (after a restart): identity, login and counters; no sockets yet. */
  static restored(saved: SavedSession, bucket: Bucket): Session {
    const s = new Session({ ...saved, now: saved.createdAt, bucket });
    if (saved.loggedIn) s.login(saved.username, saved.roles, saved.isAdmin, saved.loginAt);
    s.recentBytesSent = saved.recentBytesSent;
    s.totalBytesSent = saved.totalBytesSent;
    s.totalBytesReceived = saved.totalBytesReceived;
    s.messagesSent = saved.messagesSent;
    s.lastCommAt = saved.lastCommAt;
    s.recentAt = saved.recentAt;
    if (saved.traffic !== undefined) s.appTraffic = new Map(Object.entries(saved.traffic).map(([name, t]) => [name, { ...t }]));
    return s;
  }

  /**
   * Grows whenever what save() returns would change (lastComm alone does not count: pongs move
   * it). A sum of counters that only ever grow, so any change makes it larger: no string per
   * session per flush.
   */
  get saveSignature(): number {
    return this.changes + this.totalBytesSent + this.totalBytesReceived + this.messagesSent;
  }

  /** The audit figures logged when the session ends. */
  counters(): Record<string, number | string> {
    return {
      totalBytesSent: this.totalBytesSent,
      totalBytesReceived: this.totalBytesReceived,
      messagesSent: this.messagesSent,
      pages: this.pageMap.size,
    };
  }
}
