import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import { nodeMessageText, type NodeMessageOf } from './messages.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';

/** How long a login for a session not held here is kept for a join that may follow. */
const EARLY_KEEP_MS = 5_000;
const EARLY_MAX = 10_000;

type Login = NodeMessageOf<'login'>;

/**
 * A login (or logout) on one part of a session reaches its parts on other nodes: the
 * latest one wins everywhere. Sent over pub/sub, so one made while Redis is away is
 * carried only by the part records (merged views take the newest login).
 */
export class LoginPropagation {
  constructor(
    private readonly command: RedisClient,
    private readonly keys: Keys,
    private readonly nodeId: string,
    private readonly registry: SessionRegistry,
  ) {}

  publish(s: Session): Promise<unknown> {
    const msg = nodeMessageText({
      type: 'login',
      sid: s.id,
      from: this.nodeId,
      username: s.username,
      roles: s.roles,
      loggedIn: s.loggedIn,
      isAdmin: s.isAdmin,
      loginAt: s.loginAt,
    });
    return this.command.publish(this.keys.logins, msg);
  }

  /**
   * Logins for sessions this node does not hold (yet), kept a few seconds: a tab resuming here
   * right after a login elsewhere joins from a record written before that login, and the
   * broadcast may arrive before the join. Applied when the session joins (see `joined`).
   */
  private readonly early = new Map<string, { m: Login; at: number }>();

  /** A login broadcast, checked by parseNodeMessage. */
  onMessage(m: Login): void {
    if (m.from === this.nodeId) return;
    const s = this.registry.get(m.sid);
    if (!s) return this.keep(m);
    this.apply(s, m);
  }

  /** A session joined this node: a login broadcast that came before it still counts. */
  joined(s: Session): void {
    const e = this.early.get(s.id);
    if (!e) return;
    this.early.delete(s.id);
    if (Date.now() - e.at <= EARLY_KEEP_MS) this.apply(s, e.m);
  }

  private apply(s: Session, m: Login): void {
    if (m.loginAt <= s.loginAt) return;
    if (m.loggedIn) s.login(m.username, m.roles, m.isAdmin, m.loginAt);
    else s.logout(m.loginAt);
    this.registry.touched(s);
  }

  private keep(m: Login): void {
    const now = Date.now();
    // Bounded: old entries go first (a Map keeps insertion order).
    for (const [sid, e] of this.early) {
      if (now - e.at <= EARLY_KEEP_MS && this.early.size < EARLY_MAX) break;
      this.early.delete(sid);
    }
    this.early.delete(m.sid);
    this.early.set(m.sid, { m, at: now });
  }
}
