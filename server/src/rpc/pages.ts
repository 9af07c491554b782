import { randomBytes } from 'node:crypto';
import type { Session } from '../sessions/session.js';
import { notFound } from './errors.js';
import type { HandlerTable } from './router.js';

function newPageId(session: Session): string {
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!session.pages.has(id)) return id;
  }
}

/** page.open / page.update / page.close: pages belong to the socket that announced them. */
export const pageHandlers: HandlerTable = {
  'page.open'({ conn, session, ctx }, p) {
    const pageId = p.pageId ?? newPageId(session);
    const page = session.pages.get(pageId);
    if (page) {
      // Opening an open page updates it; the announcing socket becomes its owner.
      if (p.path !== undefined) page.path = p.path;
      if (p.title !== undefined) page.title = p.title;
      page.owner = conn;
    } else {
      session.pages.set(pageId, { id: pageId, path: p.path ?? '', title: p.title ?? '', openedAt: Date.now(), owner: conn });
    }
    ctx.registry.touched(session);
    return { pageId };
  },

  'page.update'({ session, ctx }, p) {
    const page = session.pages.get(p.pageId);
    if (!page) throw notFound(`No such page: ${p.pageId}`);
    if (p.path !== undefined) page.path = p.path;
    if (p.title !== undefined) page.title = p.title;
    ctx.registry.touched(session);
    return { pageId: p.pageId };
  },

  'page.close'({ session, ctx }, p) {
    if (!session.pages.delete(p.pageId)) throw notFound(`No such page: ${p.pageId}`);
    ctx.registry.touched(session);
    return { pageId: p.pageId };
  },
};
