import { randomBytes } from 'node:crypto';
import type { Session } from '../sessions/session.js';
import { ErrorCode } from '@session-tracker/shared';
import { notFound, RpcError } from './errors.js';
import type { HandlerTable } from './router.js';

function newPageId(session: Session): string {
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!session.pages.has(id)) return id;
  }
}

/** page.open / page.update / page.close: pages belong to the socket that announced them. */
export const pageHandlers: HandlerTable = {
  'page.open'({ conn, session, ctx }, params) {
    const p = params ?? {};
    const pageId = p.pageId ?? newPageId(session);
    // Opening an open page updates it; the announcing socket becomes its owner.
    const isNew = !session.pages.has(pageId);
    if (isNew) {
      const max = ctx.options.maxPagesPerSession;
      if (session.pages.size >= max)
        throw new RpcError(ErrorCode.RateLimited, `Page limit reached: a session may hold ${max} open pages (maxPagesPerSession)`);
    }
    session.openPage(pageId, p.path, p.title, conn, Date.now());
    const opened = session.pages.get(pageId);
    if (isNew && opened) ctx.registry.recorder?.pageOpened(session, opened);
    ctx.registry.touched(session);
    return { pageId };
  },

  'page.update'({ session, ctx }, p) {
    if (!session.updatePage(p.pageId, p.path, p.title)) throw notFound(`No such page: ${p.pageId}`);
    ctx.registry.touched(session);
    return { pageId: p.pageId };
  },

  'page.close'({ session, ctx }, p) {
    const page = session.pages.get(p.pageId);
    if (!page || !session.closePage(p.pageId)) throw notFound(`No such page: ${p.pageId}`);
    ctx.registry.recorder?.pageClosed(session, page, 'client');
    ctx.registry.touched(session);
    return { pageId: p.pageId };
  },
};
