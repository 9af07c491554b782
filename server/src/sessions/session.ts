import { UNAUTHENTICATED, type DeviceInfo, type SessionScope, type SessionState } from '@session-tracker/shared';
import type { Connection } from '../transport/connection.js';
import type { Bucket } from './rate-limit.js';

export interface Page {
  id: string;
  path: string;
  title: string;
  openedAt: number;
  /** The socket that opened it: the page closes with it. */
  owner: Connection;
}

export interface SessionInit {
  id: string;
  tokenHash: string;
  project: string;
  scope: SessionScope;
  userAgent: string;
  clientAddress: string;
  device: DeviceInfo;
  now: number;
  bucket: Bucket;
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

  recentBytesSent = 0;
  totalBytesSent = 0;
  totalBytesReceived = 0;
  messagesSent = 0;
  lastCommAt: number;
  /** Rate-limit state shared by all the session's sockets. */
  readonly bucket: Bucket;

  readonly sockets = new Set<Connection>();
  readonly pages = new Map<string, Page>();
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

  login(username: string, roles: string[], isAdmin: boolean): void {
    this.username = username;
    this.roles = roles;
    this.loggedIn = true;
    this.isAdmin = isAdmin;
  }

  logout(): void {
    this.username = UNAUTHENTICATED;
    this.roles = [];
    this.loggedIn = false;
    this.isAdmin = false;
  }

  /** Closes the pages a socket opened; returns how many. */
  closePagesOf(conn: Connection): number {
    let closed = 0;
    for (const [id, page] of this.pages) {
      if (page.owner === conn) {
        this.pages.delete(id);
        closed++;
      }
    }
    return closed;
  }

  /** The audit figures logged when the session ends. */
  counters(): Record<string, number | string> {
    return {
      totalBytesSent: this.totalBytesSent,
      totalBytesReceived: this.totalBytesReceived,
      messagesSent: this.messagesSent,
      pages: this.pages.size,
    };
  }
}
