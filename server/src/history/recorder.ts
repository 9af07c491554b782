import { endReasonOfCause, type HistoryEventType, type SessionEndCause } from '@session-tracker/shared';
import { toSessionInfo } from '../sessions/info.js';
import type { Actor, SessionEvents } from '../sessions/registry.js';
import type { Page, Session } from '../sessions/session.js';
import type { HistoryJournal } from './journal.js';
import type { EndedRecord, EventRecord } from './store.js';

const pageDetail = (p: Pick<Page, 'id' | 'path' | 'title'>) => ({ pageId: p.id, path: p.path, title: p.title });

/**
 * Turns what happens to sessions into history: the events of the contract and each ended
 * session's final SessionInfo. The registry tells it of starts, ends and pages that close
 * with their socket; the RPC handlers of logins, pages and admin actions.
 */
export class HistoryRecorder implements SessionEvents {
  /**
   * In cluster mode a node's part ending is not the session ending (it may live on elsewhere):
   * the end is recorded by clusterEnded, once, where the cluster decides it.
   */
  clusterEnds = false;

  constructor(private readonly journal: HistoryJournal) {}

  private event(
    type: HistoryEventType,
    s: Pick<Session, 'id' | 'username' | 'project' | 'clientAddress'>,
    detail: Record<string, unknown>,
    at = Date.now(),
  ): void {
    this.journal.record({ at, type, sessionId: s.id, username: s.username, project: s.project, clientAddress: s.clientAddress, detail });
  }

  started(s: Session, now: number): void {
    this.event('session.start', s, { scope: s.scope, userAgent: s.userAgent, device: s.device }, now);
  }

  ended(s: Session, reason: SessionEndCause, now: number): void {
    this.journal.sessionGone(s);
    // undefined: a session that ends with the process (kept live, not ended).
    const endReason = endReasonOfCause(reason);
    // Ended by the process stopping: it lives on after the restart (or died with an in-memory store).
    if (endReason === undefined || this.clusterEnds) return;
    const endedAt = new Date(now).toISOString();
    this.event(
      'session.end',
      s,
      {
        reason: endReason,
        uptimeMs: now - s.createdAt,
        totalBytesSent: s.totalBytesSent,
        totalBytesReceived: s.totalBytesReceived,
        messagesSent: s.messagesSent,
      },
      now,
    );
    const info = { ...toSessionInfo(s, now), state: 'disconnected' as const, endedAt, endReason };
    this.journal.sessionEnded({
      id: s.id,
      project: s.project,
      username: s.username,
      clientAddress: s.clientAddress,
      createdAt: s.createdAt,
      endedAt: now,
      endReason,
      info: JSON.stringify(info),
    });
  }

  /** The cluster ended a session: its one end event and row (cluster/history-end.ts made them from every part). */
  clusterEnded(end: { event: EventRecord; ended: EndedRecord }): void {
    this.journal.record(end.event);
    this.journal.sessionEnded(end.ended);
  }

  pagesClosed(s: Session, pages: readonly Page[], now: number): void {
    for (const p of pages) this.event('page.close', s, { ...pageDetail(p), by: 'socket closed' }, now);
  }

  pageOpened(s: Session, page: Pick<Page, 'id' | 'path' | 'title'>): void {
    this.event('page.open', s, pageDetail(page));
  }

  pageClosed(s: Session, page: Pick<Page, 'id' | 'path' | 'title'>, by: 'client' | 'admin'): void {
    this.event('page.close', s, { ...pageDetail(page), by });
  }

  login(s: Session, roles: readonly string[], via: string): void {
    this.event('login', s, { roles: [...roles], via });
  }

  /** Recorded before the login is dropped, so the event names who logged out. */
  logout(s: Session): void {
    this.event('logout', s, {});
  }

  /** The claimed username is read from the token without trusting it; the token is never kept. */
  loginFailed(s: Session, claimedUsername: string, reason: string): void {
    this.event('login.failed', s, { claimedUsername, reason });
  }

  adminAction(by: Actor, action: string, target: Record<string, unknown>): void {
    this.event('admin.action', by, { action, ...target });
  }
}
