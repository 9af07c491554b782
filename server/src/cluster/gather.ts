import { compileFilter } from '../filters/regex.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { deadline } from './connect.js';
import { decodeList, matchingJoined, type ListedView, type ListSpec, type RemoteList } from './list.js';
import type { Membership } from './membership.js';
import { asSeen, prefilter } from './records.js';
import type { Requests } from './requests.js';
import type { PartStore } from './store.js';
import type { ClusterFilters, PartForm, PartRecord } from './types.js';
import { viewOfPart } from './views.js';

/** A cluster query answers within 2 s: what Redis has not given by then is left out (degraded). */
export const QUERY_BUDGET_MS = 1_900;
/** Single reads on a caller's path (resume, session.self, actions). */
export const READ_WAIT_MS = 1_000;

/** What gathering reads: this node's view of the cluster and its way to Redis and the other nodes. */
export interface GatherDeps {
  readonly nodeId: string;
  readonly members: Membership;
  readonly store: PartStore;
  readonly requests: Requests;
  /** This node's sessions: a dead node's part of one of them is not the only live part. */
  readonly registry: SessionRegistry;
  /** The cluster view is current (Redis reachable, this node announced). */
  ready(): boolean;
  trouble(err: unknown): void;
}

/** Parts from every node, and how sure the answer is. */
export interface Gathered<T> {
  items: T[];
  /** Nodes whose parts came from Redis (slow, frozen, or dead holding a live part). */
  unconfirmedNodes: string[];
  /** Some node's parts, or the retired ones, could not be read: the answer lacks them. */
  degraded: boolean;
  answered: string[];
}

/**
 * A cluster-wide read: every live node's own answer, and for the others what Redis holds.
 * Queries (views, part records) and sessions.list pages all gather this way.
 */
export class Gatherer {
  constructor(private readonly d: GatherDeps) {}

  /** See records.ts asSeen: by this node's view of who beats. */
  private seen(p: PartRecord): PartRecord {
    return asSeen(p, (n) => this.d.members.alive.has(n));
  }

  /**
   * How many extra times the counting nodes counted the sessions of `sids` (joined somewhere, so
   * maybe held by several nodes): each node holding an unretired matching part counted it once.
   * -1 when Redis could not say in time (the total may then count some sessions twice).
   */
  async countedTwice(
    sids: ReadonlySet<string>,
    counting: ReadonlySet<string>,
    keep: (p: PartRecord) => boolean,
    budgetMs: number,
  ): Promise<number> {
    if (sids.size === 0 || !this.d.ready()) return 0;
    try {
      const all = await deadline(Promise.all([...sids].map((sid) => this.d.store.sessionParts(sid))), budgetMs, 'joined parts');
      let extra = 0;
      for (const parts of all) {
        let holders = 0;
        for (const [node, p] of parts) if (counting.has(node) && p.state !== 'retired' && keep(p)) holders++;
        extra += Math.max(0, holders - 1);
      }
      return extra;
    } catch (err) {
      this.d.trouble(err);
      return -1;
    }
  }

  /**
   * Asks every live node for its parts; what a slow or dead node did not say comes from
   * what Redis holds of it (unconfirmed), and retired parts from Redis too.
   */
  async gather<T extends { sid: string; node: string }>(
    filters: ClusterFilters,
    form: PartForm,
    timeoutMs: number,
    decode: (body: string) => T[],
    stored: (p: PartRecord, confirmed: boolean, beating: boolean) => T,
    ask = (expected: Set<string>, ms: number) => this.d.requests.query(filters, form, expected, ms),
  ): Promise<Gathered<T>> {
    const none = { items: [] as T[], unconfirmedNodes: [] as string[], degraded: true, answered: [] as string[] };
    if (!this.d.ready()) return none;
    const t0 = Date.now();
    try {
      // Read now, not at the last beat: a node that joined since would be missed.
      await deadline(this.d.members.refresh(), READ_WAIT_MS, 'membership');
    } catch (err) {
      this.d.trouble(err);
      return none;
    }
    const expected = new Set([...this.d.members.alive].filter((n) => n !== this.d.nodeId));
    const w = await ask(expected, Math.max(0, timeoutMs - (Date.now() - t0)));
    const items: T[] = [];
    for (const body of w.bodies) for (const x of decode(body)) items.push(x);
    const answered = [...w.answered];
    const silent = [...this.d.members.known].filter((n) => n !== this.d.nodeId && !w.answered.has(n));
    const unconfirmedNodes: string[] = [];
    const keep = prefilter(filters);
    // Each read has its own deadline: one slow read loses only its own parts, and says so.
    const budget = Math.max(100, QUERY_BUDGET_MS - (Date.now() - t0));
    const [got, retiredRead] = await Promise.all([
      Promise.allSettled(silent.map((n) => deadline(this.d.store.partsOfNode(n, keep), budget, 'stored parts'))),
      deadline(this.d.store.retiredParts(keep), budget, 'retired parts').then(
        (parts) => parts,
        (err: unknown) => {
          this.d.trouble(err);
          return undefined;
        },
      ),
    ]);
    let degraded = retiredRead === undefined;
    const alive = this.d.members.alive;
    // Sessions with a part on a beating node: a dead node's parts of these only add counters.
    const living = new Set(items.map((x) => x.sid));
    silent.forEach((n, i) => {
      const g = got[i];
      if (alive.has(n) && g?.status === 'fulfilled') for (const p of g.value.parts) living.add(p.sid);
    });
    silent.forEach((n, i) => {
      const g = got[i];
      if (g?.status !== 'fulfilled') {
        // Its sessions are missing from the answer: the node is named, the answer degraded.
        this.d.trouble(g?.reason);
        unconfirmedNodes.push(n);
        degraded = true;
        return;
      }
      // A silent node is unconfirmed while it beats, or while it is dead but holds the only
      // live part of some session (one whose clients may still resume it).
      const beating = alive.has(n);
      const holdsLive = () => g.value.parts.some((p) => p.state !== 'retired' && !living.has(p.sid) && !this.d.registry.get(p.sid));
      if (beating || holdsLive()) unconfirmedNodes.push(n);
      for (const p of g.value.parts) items.push(stored(this.seen(p), false, beating));
    });
    // Parts nodes let go of (retired, orphaned): each once, never over what a node said itself.
    if (retiredRead && retiredRead.length > 0) {
      const have = new Set(items.map((x) => `${x.sid}\n${x.node}`));
      for (const p of retiredRead) {
        if (!have.has(`${p.sid}\n${p.node}`))
          items.push(stored(this.seen(p), !unconfirmedNodes.includes(p.node), this.d.members.alive.has(p.node)));
      }
    }
    return { items, unconfirmedNodes, degraded, answered };
  }

  /**
   * sessions.list: each other node's first parts after a cursor and its count (cluster/list.ts);
   * `joinedHere` are sessions this node joined from elsewhere (maybe counted by two nodes).
   */
  async list(filters: ClusterFilters, spec: ListSpec, timeoutMs: number, joinedHere: ReadonlySet<string>): Promise<RemoteList> {
    const now = Date.now();
    let count = 0;
    const joined = new Set<string>();
    const decode = (body: string): ListedView[] => {
      const answer = decodeList(body);
      count += answer.count;
      for (const sid of answer.joined) joined.add(sid);
      return answer.views;
    };
    const ask = (expected: Set<string>, ms: number) => this.d.requests.list(filters, spec, expected, ms);
    const t0 = Date.now();
    const g = await this.gather<ListedView>(
      filters,
      'views',
      timeoutMs,
      decode,
      (p, confirmed, beating) => viewOfPart(p, now, confirmed, beating),
      ask,
    );
    const keep = prefilter(filters);
    const user = compileFilter('usernameFilter', filters.usernameFilter);
    const project = compileFilter('projectFilter', filters.projectFilter);
    for (const sid of matchingJoined(this.d.registry, joinedHere, user, project)) joined.add(sid);
    const extra = await this.countedTwice(
      joined,
      new Set([this.d.nodeId, ...g.answered]),
      keep,
      Math.max(100, QUERY_BUDGET_MS - (Date.now() - t0)),
    );
    return {
      views: g.items,
      count,
      duplicates: Math.max(0, extra),
      unconfirmedNodes: g.unconfirmedNodes,
      degraded: g.degraded || extra < 0,
      answered: g.answered,
    };
  }
}
