import { runAction } from './actions.js';
import type { HandlerTable } from './router.js';

/**
 * `session.end` (1.1 addition): a client ends its own session, as an admin's `sessions.close`
 * would (every socket of it gets `session.closing` and `4000`; it cannot be resumed; in a
 * cluster, every node's part ends). The SDK sends it for a session it has just created and
 * is leaving unused because another tab's session won (see client-sdk's connection/tabs.ts):
 * without it that empty session would stay listed until the session timeout.
 */
export const endHandlers: HandlerTable = {
  async 'session.end'({ session, ctx }) {
    await runAction(ctx, { kind: 'close', sid: session.id, message: 'ended by the client' });
    return { sessionId: session.id };
  },
};
