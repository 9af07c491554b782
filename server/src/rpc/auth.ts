import { ErrorCode, UNAUTHENTICATED } from '@session-tracker/shared';
import type { Authenticator } from '../auth/authenticator.js';
import { claimedUsername } from '../auth/claims.js';
import { RpcError } from './errors.js';
import type { HandlerTable } from './router.js';

/** auth.login / auth.logout. A failed login leaves the current login as it was. */
export function authHandlers(auth: Authenticator): HandlerTable {
  return {
    async 'auth.login'({ session, ctx }, p) {
      try {
        const who = await auth.authenticate(p.token);
        if (session.ended) throw new RpcError(ErrorCode.NotFound, 'Session ended');
        session.login(who.username, who.roles, who.isAdmin);
        ctx.stats.loginsOk++;
        ctx.cluster.loginChanged(session);
        if (!who.isAdmin) {
          ctx.feeds.dropSession(session);
        }
        ctx.log.info(
          { event: 'auth.login', sessionId: session.id, username: who.username, roles: who.roles, admin: who.isAdmin, via: who.via },
          'login',
        );
        ctx.registry.recorder?.login(session, who.roles, who.via);
        ctx.registry.touched(session);
        return { username: who.username, roles: who.roles, authorized: session.loggedIn };
      } catch (err) {
        ctx.stats.loginsFailed++;
        if (err instanceof RpcError) {
          ctx.log.warn(
            { event: 'auth.failed', sessionId: session.id, clientAddress: session.clientAddress, reason: err.message },
            'login failed',
          );
          ctx.registry.recorder?.loginFailed(session, claimedUsername(p.token), err.message);
        }
        throw err;
      }
    },

    'auth.logout'({ session, ctx }) {
      if (session.loggedIn) {
        ctx.log.info({ event: 'auth.logout', sessionId: session.id, username: session.username }, 'logout');
        ctx.registry.recorder?.logout(session);
        session.logout();
        ctx.feeds.dropSession(session);
        ctx.cluster.loginChanged(session);
        ctx.registry.touched(session);
      }
      return { username: UNAUTHENTICATED };
    },
  };
}
