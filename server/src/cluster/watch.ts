import { randomUUID } from 'node:crypto';
import type { ClusterServices } from './backend.js';
import { compileFilter } from '../filters/regex.js';
import type { Peer, Session } from '../sessions/session.js';
import { changedText, COUNTER_SCAN_MS, FEED_GAP_MS, passes, Subscriptions, type FeedSubscription } from '../sessions/subscriptions.js';
import { mergeParts } from './merge.js';
import { PartMirror } from './mirror.js';
import { toPart } from './records.js';
import type { ClusterChange, ClusterFilters } from './types.js';
import { partJson, viewOfSession, type SessionView } from './views.js';

/** What a feed needs of a session: its filters' fields, its order and its JSON. */
type FeedView = Pick<SessionView, 'sid' | 'createdAt' | 'username' | 'project' | 'json'>;

interface Subscription extends FeedSubscription {
  /** Sessions the subscriber knows about. */
  visible: Set<string>;
  /** Sessions that moved since its last notification. */
  pending: Set<string>;
}

/**
 * sessions.watch across the cluster, event-driven: a mirror of the other nodes' parts, filled
 * by one cluster query and kept current from the change stream (nodes publish their writes
 * while someone listens), merged with this node's sessions read fresh. Only sessions that
 * moved are re-merged, once per tick for every subscriber.
 */
export class ClusterWatch extends Subscriptions<Subscription> {
  private mirror: PartMirror | undefined;
  private warm: Promise<void> | undefined;
  /** Events that arrive while the mirror is being filled, applied after it. */
  private held: ClusterChange[] | undefined;
  private readonly moved = new Set<string>();
  private readonly counted = new WeakMap<Session, number>();
  private starting = 0;
  /** Bumped by every (re)fill and stop: a fill finishing late must not touch a newer mirror. */
  private generation = 0;
  private offCluster: (() => void) | undefined;
  private offRegistry: (() => void) | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ClusterServices) {
    super();
  }

  /** Subscribes; the snapshot comes as each session's JSON text, in creation order (for streaming). */
  async watch(conn: Peer, filters: ClusterFilters): Promise<{ subscription: string; sessions: string[] }> {
    const user = compileFilter('usernameFilter', filters.usernameFilter);
    const project = compileFilter('projectFilter', filters.projectFilter);
    this.starting++;
    try {
      await this.start();
    } finally {
      this.starting--;
    }
    // What moved so far is news for the subscribers already there; the snapshot has it all.
    for (const s of this.subs.values()) for (const sid of this.moved) s.pending.add(sid);
    this.moved.clear();
    const sub: Subscription = { id: randomUUID(), conn, user, project, visible: new Set(), pending: new Set() };
    const now = Date.now();
    const views: FeedView[] = [];
    for (const sid of this.allSids()) {
      const v = this.view(sid, now);
      if (v && passes(sub, v)) {
        sub.visible.add(sid);
        views.push(v);
      }
    }
    views.sort((a, b) => a.createdAt - b.createdAt || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    const sessions = views.map((v) => v.json);
    // The socket may have gone while the mirror filled: then there is nobody to feed.
    if (!conn.closed) this.subs.set(sub.id, sub);
    else this.stopIfIdle();
    return { subscription: sub.id, sessions };
  }

  protected dropped(): void {
    this.stopIfIdle();
  }

  /** Listens, then fills the mirror with one cluster query; events meanwhile wait their turn. */
  private start(): Promise<void> {
    this.warm ??= (async () => {
      this.mirror = new PartMirror(this.ctx.cluster.nodeId);
      this.held = [];
      this.offRegistry = this.ctx.registry.onChange((_, s) => {
        this.counted.set(s, s.messagesSent);
        this.mark(s.id);
      });
      for (const s of this.ctx.registry.values()) this.counted.set(s, s.messagesSent);
      this.offCluster = await this.ctx.cluster.listen((c) => this.onCluster(c));
      await this.fill();
      this.scanTimer = setInterval(() => this.scanCounters(), COUNTER_SCAN_MS).unref();
    })().catch((err: unknown) => {
      this.stop();
      throw err;
    });
    return this.warm;
  }

  private async fill(): Promise<void> {
    const generation = ++this.generation;
    try {
      const remote = await this.ctx.cluster.remoteParts({}, this.ctx.options.clusterTimeoutMs);
      if (generation !== this.generation) return;
      this.mirror?.put(remote.parts, this.moved);
      this.ctx.log.debug(
        {
          event: 'cluster.feed.fill',
          parts: remote.parts.length,
          answered: remote.answered,
          unconfirmed: remote.unconfirmedNodes,
          degraded: remote.degraded,
        },
        'cluster feed filled',
      );
    } finally {
      // Whatever happened, the events that waited are applied and the feed flows again.
      if (generation === this.generation) {
        const held = this.held ?? [];
        this.held = undefined;
        for (const c of held) this.apply(c);
      }
    }
  }

  private stopIfIdle(): void {
    if (this.subs.size === 0 && this.starting === 0) this.stop();
  }

  private stop(): void {
    this.generation++;
    this.offCluster?.();
    this.offRegistry?.();
    this.offCluster = this.offRegistry = undefined;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.tickTimer = this.scanTimer = undefined;
    this.mirror = this.warm = this.held = undefined;
    this.moved.clear();
  }

  private onCluster(c: ClusterChange): void {
    if (c.kind === 'nodes' || !this.held) this.apply(c);
    else this.held.push(c);
  }

  private apply(c: ClusterChange): void {
    const mirror = this.mirror;
    if (!mirror) return;
    if (c.kind === 'parts') mirror.put(c.parts, this.moved);
    else if (c.kind === 'ended') {
      for (const sid of c.sids) {
        mirror.drop(sid);
        this.moved.add(sid);
      }
    } else if (c.kind === 'nodes') {
      const died = mirror.setAlive(c.alive, this.moved);
      if (died.length > 0)
        void this.recheck(mirror, died).catch((err: unknown) => this.ctx.log.warn({ err }, 'cluster feed recheck failed'));
    } else {
      // Redis was away: events may be lost. Refill from a fresh query.
      for (const sid of mirror.sids()) this.moved.add(sid);
      this.mirror = mirror.emptied();
      this.held = [];
      void this.fill().catch((err: unknown) => this.ctx.log.warn({ err }, 'cluster feed refill failed'));
    }
    this.schedule();
  }

  /**
   * Nodes died: what they sent the mirror may never have reached Redis (a node that dies
   * within a flush interval of a change), and no reaper would ever end a session Redis never
   * had. Their parts are checked against Redis: the mirror keeps what Redis holds.
   */
  private async recheck(mirror: PartMirror, nodes: readonly string[]): Promise<void> {
    for (const node of nodes) {
      const sids = mirror.sidsOf(node);
      if (sids.length === 0) continue;
      const asked = Date.now();
      const stored = await this.ctx.cluster.storedParts(node, sids);
      // Redis away (a resync follows), or the mirror was replaced meanwhile.
      if (!stored || this.mirror !== mirror) return;
      mirror.settle(node, sids, stored, asked, this.moved);
    }
    this.schedule();
  }

  private mark(sid: string): void {
    this.moved.add(sid);
    this.schedule();
  }

  /** Local counters move on every message: checked once a second, like the local feed. */
  private scanCounters(): void {
    for (const s of this.ctx.registry.values()) {
      if (this.counted.get(s) === s.messagesSent) continue;
      this.counted.set(s, s.messagesSent);
      this.moved.add(s.id);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.tickTimer || this.moved.size === 0 || this.subs.size === 0) return;
    this.tickTimer = setTimeout(() => this.tick(), FEED_GAP_MS);
    this.tickTimer.unref();
  }

  private *allSids(): Generator<string> {
    for (const s of this.ctx.registry.values()) yield s.id;
    for (const sid of this.mirror?.sids() ?? []) if (!this.ctx.registry.get(sid)) yield sid;
  }

  /**
   * A session as the cluster sees it now, or undefined when it has ended. One part (most
   * sessions) is rendered from cached JSON pieces; several are merged.
   */
  private view(sid: string, now: number): FeedView | undefined {
    const self = this.ctx.cluster.nodeId;
    const mirror = this.mirror;
    const local = this.ctx.registry.get(sid);
    const remote = mirror?.partsOf(sid, local !== undefined) ?? [];
    // Remote parts come from their nodes' own writes: a part is unconfirmed when its node died.
    const beating = (node: string) => node === self || !mirror || mirror.isAlive(node);
    if (local && remote.length === 0) return viewOfSession(local, self, now);
    const only = remote[0];
    if (!local && only && remote.length === 1) {
      return {
        sid,
        createdAt: only.createdAt,
        username: only.username,
        project: only.project,
        json: partJson(only, now, only.state === 'retired' || beating(only.node)),
      };
    }
    const parts = local ? [...remote, toPart(local, self, now)] : remote;
    const dead = new Set(parts.filter((p) => !beating(p.node)).map((p) => p.node));
    const [v] = mergeParts(parts, dead, now, beating);
    if (!v) return undefined;
    return { sid, createdAt: parts[0]?.createdAt ?? 0, username: v.username, project: v.project, json: JSON.stringify(v) };
  }

  /** Hands what moved to every subscriber, each session merged and serialised once. */
  private tick(): void {
    this.tickTimer = undefined;
    if (this.held) return this.schedule(); // still filling
    const now = Date.now();
    for (const sub of this.subs.values()) for (const sid of this.moved) sub.pending.add(sid);
    this.moved.clear();
    const views = new Map<string, FeedView | undefined>();
    const viewOf = (sid: string) => {
      if (!views.has(sid)) views.set(sid, this.view(sid, now));
      return views.get(sid);
    };
    for (const sub of [...this.subs.values()]) {
      if (!sub.conn.session.isAdmin) {
        this.drop(sub);
        continue;
      }
      // A slow reader: keep gathering until it drains instead of piling up frames.
      if (sub.conn.buffered > this.ctx.options.feedHighWaterMark) continue;
      const added: string[] = [];
      const updated: string[] = [];
      const removed: string[] = [];
      for (const sid of sub.pending) {
        const got = viewOf(sid);
        const seen = sub.visible.has(sid);
        if (got && passes(sub, got)) {
          (seen ? updated : added).push(got.json);
          sub.visible.add(sid);
        } else if (seen) {
          removed.push(sid);
          sub.visible.delete(sid);
        }
      }
      sub.pending.clear();
      if (added.length + updated.length + removed.length === 0) continue;
      sub.conn.sendText(changedText(sub.id, added, updated, removed));
    }
    // Held-back subscribers try again next tick.
    if ([...this.subs.values()].some((s) => s.pending.size > 0)) {
      this.tickTimer = setTimeout(() => this.tick(), FEED_GAP_MS);
      this.tickTimer.unref();
    }
  }
}
