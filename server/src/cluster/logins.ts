import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';

interface Login {
  sid: string;
  from: string;
  username: string;
  roles: string[];
  loggedIn: boolean;
  isAdmin: boolean;
  loginAt: number;
}

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
    const msg: Login = { sid: s.id, from: this.nodeId, username: s.username, roles: s.roles, loggedIn: s.loggedIn, isAdmin: s.isAdmin, loginAt: s.loginAt };
    return this.command.publish(this.keys.logins, JSON.stringify(msg));
  }

  onMessage(text: string): void {
    const m = JSON.parse(text) as Login;
    if (m.from === this.nodeId) return;
    const s = this.registry.get(m.sid);
    if (!s || typeof m.loginAt !== 'number' || m.loginAt <= s.loginAt) return;
    if (m.loggedIn) s.login(String(m.username), Array.isArray(m.roles) ? m.roles.map(String) : [], m.isAdmin === true, m.loginAt);
    else s.logout(m.loginAt);
    this.registry.touched(s);
  }
}
