import type { SessionState, SortField } from '@session-tracker/shared';
import type { Filter } from '../filters/regex.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import type { Order, SortKey } from './order.js';
import { selectPage, SortedIndex, type Entry, type Page, type PageRequest } from './select.js';

/**
 * A session's sort value per field. `uptime` and `lastComm` are "now minus a time", so they sort
 * by that time negated: the value stays put between requests while the clock moves.
 */
export const SESSION_KEYS: { readonly [F in SortField]: (s: Session) => SortKey } = {
  id: (s) => s.id,
  userAgent: (s) => s.userAgent,
  username: (s) => s.username,
  project: (s) => s.project,
  uptime: (s) => -s.createdAt,
  clientAddress: (s) => s.clientAddress,
  lastComm: (s) => -s.lastCommAt,
  sessionScope: (s) => s.scope,
  activePages: (s) => s.pages.size,
  recentBytesSent: (s) => s.recentBytesSent,
  totalBytesSent: (s) => s.totalBytesSent,
  authorized: (s) => (s.loggedIn ? 1 : 0),
  totalBytesReceived: (s) => s.totalBytesReceived,
  messagesSent: (s) => s.messagesSent,
  creationTime: (s) => s.createdAt,
  state: (s) => s.state,
};

const idOf = (s: Session): string => s.id;

export interface SessionPage extends Page<Entry<Session>> {
  /** Every session that matches the filters, on any page. */
  total: number;
}

/**
 * One tracker's `sessions.list` over its registry. An index per field that never changes is
 * built on the first list sorted by it and then kept in step with the registry's adds and
 * removes; other fields are chosen with a bounded heap per request.
 */
export class SessionLists {
  private readonly indexes = new Map<SortField, SortedIndex<Session>>();
  private listening = false;

  constructor(private readonly registry: SessionRegistry) {}

  /** `state`: only sessions in that state (`total` counts those); undefined: all. */
  page(order: Order, user: Filter, project: Filter, req: Omit<PageRequest, 'order'>, state?: SessionState): SessionPage {
    const match = matcher(user, project, state);
    const full = { ...req, order };
    const page = order.immutable
      ? this.index(order.field).page(match, full)
      : selectPage(this.registry.values(), SESSION_KEYS[order.field], idOf, match, full);
    return { ...page, total: this.count(match, user === undefined && project === undefined && state === undefined) };
  }

  private count(match: (s: Session) => boolean, everyone: boolean): number {
    if (everyone) return this.registry.size;
    let n = 0;
    for (const s of this.registry.values()) if (match(s)) n++;
    return n;
  }

  private index(field: SortField): SortedIndex<Session> {
    let index = this.indexes.get(field);
    if (index) return index;
    if (!this.listening) {
      this.listening = true;
      this.registry.onChange((change, s) => {
        if (change === 'updated') return;
        for (const i of this.indexes.values()) {
          if (change === 'added') i.add(s);
          else i.remove(s);
        }
      });
    }
    index = new SortedIndex(SESSION_KEYS[field], idOf);
    index.fill(this.registry.values());
    this.indexes.set(field, index);
    return index;
  }
}

/** One SessionLists per tracker: its indexes follow that tracker's registry. */
const perRegistry = new WeakMap<SessionRegistry, SessionLists>();

export function listsOf(registry: SessionRegistry): SessionLists {
  let l = perRegistry.get(registry);
  if (!l) perRegistry.set(registry, (l = new SessionLists(registry)));
  return l;
}

function matcher(user: Filter, project: Filter, state: SessionState | undefined): (s: Session) => boolean {
  if (!user && !project && !state) return () => true;
  return (s) => (!user || user(s.username)) && (!project || project(s.project)) && (!state || s.state === state);
}
