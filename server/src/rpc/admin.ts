import { CloseCode, notification } from '@session-tracker/shared';
import { compileFilter } from '../filters/regex.js';
import { sessionInfoJson } from '../sessions/info-json.js';
import { RawJson } from './raw-json.js';
import type { Session } from '../sessions/session.js';
import type { Connection } from '../transport/connection.js';
import { notFound } from './errors.js';
import type { CallContext, HandlerTable } from './router.js';

function target(call: CallContext, sessionId: string): Session {
  const s = call.ctx.registry.get(sessionId);
  if (!s) throw notFound(`No such session: ${sessionId}`);
  return s;
}

/** The audit trail: every admin action with who did it. */
function audit(call: CallContext, action: string, details: Record<string, unknown>): void {
  call.ctx.log.info(
    { event: 'admin.action', action, by: { sessionId: call.session.id, username: call.session.username, clientAddress: call.session.clientAddress }, ...details },
    `admin ${action}`,
  );
}

/** Sends after the current response has gone out, so a caller acting on itself still gets its answer. */
function afterResponse(fn: () => void): void {
  setImmediate(fn);
}

/** The contract's "Admin methods": live feed and session actions. */
export const adminHandlers: HandlerTable = {
  'sessions.watch'(call, p) {
    const user = compileFilter('usernameFilter', p?.usernameFilter);
    const project = compileFilter('projectFilter', p?.projectFilter);
    const { subscription, snapshot } = call.ctx.watchers.watch(call.conn, user, project, call.ctx.registry.values());
    const now = Date.now();
    return RawJson.of(`{"subscription":${JSON.stringify(subscription)},"sessions":[`, snapshot, (s) => sessionInfoJson(s, now), ']}');
  },

  'sessions.unwatch'(call, p) {
    if (!call.ctx.watchers.unwatch(call.conn, p.subscription)) throw notFound(`No such subscription: ${p.subscription}`);
    return { subscription: p.subscription };
  },

  'sessions.close'(call, p) {
    const s = target(call, p.sessionId);
    const message = p.message ?? '';
    const sockets = [...s.sockets];
    audit(call, 'sessions.close', { sessionId: s.id, username: s.username, project: s.project, message });
    // Ends now: unlisted, and its resume token is dead.
    call.ctx.registry.end(s, 'terminated by admin');
    afterResponse(() => {
      for (const c of sockets) {
        c.send(notification('session.closing', { message }));
        c.close(CloseCode.TerminatedByAdmin, 'terminated by admin');
      }
    });
    return { sessionId: s.id };
  },

  'pages.close'(call, p) {
    const s = target(call, p.sessionId);
    const page = s.pages.get(p.pageId);
    if (!page) throw notFound(`No such page: ${p.pageId} in session ${s.id}`);
    const message = p.message ?? '';
    const owner: Connection = page.owner;
    audit(call, 'pages.close', { sessionId: s.id, pageId: p.pageId, message });
    s.closePage(p.pageId);
    call.ctx.registry.touched(s);
    afterResponse(() => owner.send(notification('page.closing', { pageId: p.pageId, message })));
    return { sessionId: s.id, pageId: p.pageId };
  },

  'session.sendMessage'(call, p) {
    const s = target(call, p.sessionId);
    let sockets: Connection[];
    if (p.pageId !== undefined) {
      const page = s.pages.get(p.pageId);
      if (!page) throw notFound(`No such page: ${p.pageId} in session ${s.id}`);
      sockets = [page.owner];
    } else {
      sockets = [...s.sockets];
    }
    const params = p.pageId === undefined ? { type: p.type, payload: p.payload ?? null } : { type: p.type, payload: p.payload ?? null, pageId: p.pageId };
    audit(call, 'session.sendMessage', { sessionId: s.id, type: p.type, pageId: p.pageId, delivered: sockets.length });
    afterResponse(() => {
      for (const c of sockets) c.send(notification('session.message', params));
    });
    return { delivered: sockets.length };
  },
};
