import { runAction } from './actions.js';
import { notFound } from './errors.js';
import type { CallContext, HandlerTable } from './router.js';

/** The audit trail: every admin action with who did it. */
function audit(call: CallContext, action: string, details: Record<string, unknown>): void {
  call.ctx.log.info(
    {
      event: 'admin.action',
      action,
      by: { sessionId: call.session.id, username: call.session.username, clientAddress: call.session.clientAddress },
      ...details,
    },
    `admin ${action}`,
  );
  call.ctx.registry.recorder?.adminAction(call.session, action, details);
}

/** The contract's "Admin methods": live feed and session actions. */
export const adminHandlers: HandlerTable = {
  'sessions.watch'(call, p) {
    // Every node's sessions unless the caller asks for this node's alone.
    return call.ctx.feeds.watch(call.conn, p ?? {}, p?.scope !== 'node');
  },

  'sessions.unwatch'(call, p) {
    if (!call.ctx.feeds.unwatch(call.conn, p.subscription)) throw notFound(`No such subscription: ${p.subscription}`);
    return { subscription: p.subscription };
  },

  async 'sessions.close'(call, p) {
    const message = p.message ?? '';
    const local = call.ctx.registry.get(p.sessionId);
    const replies = await runAction(call.ctx, { kind: 'close', sid: p.sessionId, message });
    if (replies.length === 0) throw notFound(`No such session: ${p.sessionId}`);
    audit(call, 'sessions.close', {
      sessionId: p.sessionId,
      username: local?.username,
      project: local?.project,
      message,
      nodes: replies.map((r) => r.node),
    });
    return { sessionId: p.sessionId };
  },

  async 'pages.close'(call, p) {
    const message = p.message ?? '';
    const replies = await runAction(call.ctx, { kind: 'closePage', sid: p.sessionId, pageId: p.pageId, message });
    if (replies.length === 0) throw notFound(`No such page: ${p.pageId} in session ${p.sessionId}`);
    audit(call, 'pages.close', { sessionId: p.sessionId, pageId: p.pageId, message });
    return { sessionId: p.sessionId, pageId: p.pageId };
  },

  async 'session.sendMessage'(call, p) {
    const replies = await runAction(call.ctx, { kind: 'send', sid: p.sessionId, type: p.type, payload: p.payload, pageId: p.pageId });
    if (replies.length === 0) {
      throw notFound(p.pageId === undefined ? `No such session: ${p.sessionId}` : `No such page: ${p.pageId} in session ${p.sessionId}`);
    }
    const delivered = replies.reduce((n, r) => n + r.delivered, 0);
    audit(call, 'session.sendMessage', { sessionId: p.sessionId, type: p.type, pageId: p.pageId, delivered });
    return { delivered };
  },
};
