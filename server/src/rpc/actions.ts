import { CloseCode, notification, SessionEndCause } from '@session-tracker/shared';
import type { ActionReply, ClusterAction } from '../cluster/types.js';
import type { Peer } from '../sessions/session.js';
import type { RpcServices } from './context.js';

/** Sends after the current response has gone out, so a caller acting on itself still gets its answer. */
function afterResponse(ctx: RpcServices, fn: () => void): void {
  setImmediate(() => {
    // Outside any call's try/catch: a throw here would end the process, so it is logged instead.
    try {
      fn();
    } catch (err) {
      ctx.log.error({ err }, 'admin action follow-up failed');
    }
  });
}

/**
 * An admin action on this node's part of a session: what the admin handlers run for local
 * sessions and what other nodes ask of this one in cluster mode.
 */
export function runLocalAction(ctx: RpcServices, action: ClusterAction): ActionReply {
  const s = ctx.registry.get(action.sid);
  const none: ActionReply = { node: ctx.cluster.nodeId, found: false, delivered: 0 };
  // App pushes are the app hub's (server.ts routes them there before this).
  if (!s || action.kind === 'push') return none;
  if (action.kind === 'close') {
    const sockets = [...s.sockets];
    // Ends now: unlisted, and its resume token is dead.
    ctx.registry.end(s, SessionEndCause.Closed);
    afterResponse(ctx, () => {
      for (const c of sockets) {
        c.send(notification('session.closing', { message: action.message }));
        c.close(CloseCode.TerminatedByAdmin, 'terminated by admin');
      }
    });
    return { node: ctx.cluster.nodeId, found: true, delivered: sockets.length };
  }
  const page = action.pageId === undefined ? undefined : s.pages.get(action.pageId);
  if (action.kind === 'closePage') {
    if (!page) return none;
    const owner: Peer = page.owner;
    s.closePage(page.id);
    ctx.registry.recorder?.pageClosed(s, page, 'admin');
    ctx.registry.touched(s);
    afterResponse(ctx, () => owner.send(notification('page.closing', { pageId: page.id, message: action.message })));
    return { node: ctx.cluster.nodeId, found: true, delivered: 1 };
  }
  if (action.pageId !== undefined && !page) return none;
  const sockets = page ? [page.owner] : [...s.sockets];
  const params =
    action.pageId === undefined
      ? { type: action.type, payload: action.payload ?? null }
      : { type: action.type, payload: action.payload ?? null, pageId: action.pageId };
  // Serialized here, inside the call, once for every socket: a payload that cannot be written
  // fails this call (-32603) instead of throwing later in a timer, where it would end the process.
  const text = JSON.stringify(notification('session.message', params));
  afterResponse(ctx, () => {
    for (const c of sockets) c.sendText(text);
  });
  return { node: ctx.cluster.nodeId, found: true, delivered: sockets.length };
}

/** Runs an action here and, in cluster mode, on every other node holding part of the session. */
export async function runAction(ctx: RpcServices, action: ClusterAction): Promise<ActionReply[]> {
  const here = runLocalAction(ctx, action);
  // One node alone: nobody else holds a part, and the backend answers with none.
  const elsewhere = await ctx.cluster.act(action, ctx.options.clusterTimeoutMs);
  if (action.kind === 'close') await ctx.cluster.forget(action.sid);
  return [here, ...elsewhere].filter((r) => r.found);
}
