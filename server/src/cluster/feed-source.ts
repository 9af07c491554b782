import type { FeedSink, FeedSource, FeedView } from '../feeds/source.js';
import { RegistryMoves } from '../feeds/local.js';
import type { ClusterServices } from './backend.js';
import { mergeParts } from './merge.js';
import { PartMirror } from './mirror.js';
import { toPart } from './records.js';
import type { ClusterChange } from './types.js';
import { partJson, viewOfSession } from './views.js';

/**
 * The cluster's sessions for the feed engine (feeds/engine.ts), event-driven: a mirror of the
 * other nodes' parts, filled by one cluster query and kept current from the change stream
 * (nodes publish their writes while someone listens), merged with this node's sessions read
 * fresh. The engine reads only the sessions that moved, once per tick for every subscriber.
 */
export class ClusterFeedSource implements FeedSource {
  private mirror: PartMirror | undefined;
  /** Events that arrive while the mirror is being filled, applied after it. */
  private held: ClusterChange[] | undefined;
  /** Bumped by every (re)fill and stop: a fill finishing late must not touch a newer mirror. */
  private generation = 0;
  private offCluster: (() => void) | undefined;
  private readonly local: RegistryMoves;
  private sink: FeedSink | undefined;
  /** What a mirror call reports as moved, passed on to the engine right after. */
  private readonly scratch = new Set<string>();

  constructor(private readonly ctx: ClusterServices) {
    this.local = new RegistryMoves(ctx.registry);
  }

  get ready(): boolean {
    return this.held === undefined;
  }

  /** Listens, then fills the mirror with one cluster query; events meanwhile wait their turn. */
  async start(sink: FeedSink): Promise<void> {
    this.sink = sink;
    this.mirror = new PartMirror(this.ctx.cluster.nodeId);
    this.held = [];
    this.local.listen(sink);
    const generation = this.generation;
    const off = await this.ctx.cluster.listen((c) => this.onCluster(c));
    // Stopped while the listener was being set up: it must not outlive the feed.
    if (generation !== this.generation) return off();
    this.offCluster = off;
    await this.fill();
  }

  stop(): void {
    this.generation++;
    this.offCluster?.();
    this.offCluster = this.sink = undefined;
    this.local.stop();
    this.mirror = this.held = undefined;
    this.scratch.clear();
  }

  *sids(): Generator<string> {
    for (const s of this.ctx.registry.values()) yield s.id;
    for (const sid of this.mirror?.sids() ?? []) if (!this.ctx.registry.get(sid)) yield sid;
  }

  /**
   * A session as the cluster sees it now, or undefined when it has ended. One part (most
   * sessions) is rendered from cached JSON pieces; several are merged. A part that came from
   * Redis instead of its live node (the node died) is unconfirmed.
   */
  view(sid: string, now: number): FeedView | undefined {
    const self = this.ctx.cluster.nodeId;
    const mirror = this.mirror;
    const local = this.ctx.registry.get(sid);
    const remote = mirror?.partsOf(sid, local !== undefined) ?? [];
    // Remote parts come from their nodes' own writes: a part is unconfirmed when its node died.
    const beating = (node: string) => node === self || !mirror || mirror.isAlive(node);
    if (local && remote.length === 0) {
      const { username, project, createdAt } = local;
      return { sid, createdAt, username, project, json: () => viewOfSession(local, self, now).json };
    }
    const only = remote[0];
    if (!local && only && remote.length === 1) {
      const confirmed = only.state === 'retired' || beating(only.node);
      return { sid, createdAt: only.createdAt, username: only.username, project: only.project, json: () => partJson(only, now, confirmed) };
    }
    const parts = local ? [...remote, toPart(local, self, now)] : remote;
    const dead = new Set(parts.filter((p) => !beating(p.node)).map((p) => p.node));
    const [v] = mergeParts(parts, dead, now, beating);
    if (!v) return undefined;
    return { sid, createdAt: parts[0]?.createdAt ?? 0, username: v.username, project: v.project, json: () => JSON.stringify(v) };
  }

  /** This node's counters: the other nodes' travel with their writes. */
  scan(): void {
    this.local.scan();
  }

  private async fill(): Promise<void> {
    const generation = ++this.generation;
    try {
      const remote = await this.ctx.cluster.remoteParts({}, this.ctx.options.clusterTimeoutMs);
      if (generation !== this.generation) return;
      this.mirror?.put(remote.parts, this.scratch);
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
        this.report();
      }
    }
  }

  private onCluster(c: ClusterChange): void {
    if (c.kind === 'nodes' || !this.held) this.apply(c);
    else this.held.push(c);
    this.report();
  }

  private apply(c: ClusterChange): void {
    const mirror = this.mirror;
    if (!mirror) return;
    if (c.kind === 'parts') mirror.put(c.parts, this.scratch);
    else if (c.kind === 'ended') {
      for (const sid of c.sids) {
        mirror.drop(sid);
        this.scratch.add(sid);
      }
    } else if (c.kind === 'nodes') {
      const died = mirror.setAlive(c.alive, this.scratch);
      if (died.length > 0)
        void this.recheck(mirror, died).catch((err: unknown) => this.ctx.log.warn({ err }, 'cluster feed recheck failed'));
    } else {
      // Redis was away: events may be lost. Refill from a fresh query.
      for (const sid of mirror.sids()) this.scratch.add(sid);
      this.mirror = mirror.emptied();
      this.held = [];
      void this.fill().catch((err: unknown) => this.ctx.log.warn({ err }, 'cluster feed refill failed'));
    }
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
      mirror.settle(node, sids, stored, asked, this.scratch);
      this.report();
    }
  }

  /** Passes what the mirror reported on to the engine. */
  private report(): void {
    const sink = this.sink;
    if (sink) for (const sid of this.scratch) sink.moved(sid);
    this.scratch.clear();
  }
}
