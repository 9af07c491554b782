import { SessionEndCause } from '@session-tracker/shared';
import type { Logger } from 'pino';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import { Batch } from './batch.js';
import type { ChangeStream } from './change-stream.js';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import { toPart } from './records.js';
import type { PartStore } from './store.js';
import type { PartRecord } from './types.js';

/** Session IDs remembered while Redis is out of reach (about 100 bytes each). */
const ENDED_AWAY_MAX = 100_000;

/** Marks of what was last written for a part, to write only what moved. */
interface Flushed {
  msgs: number;
  changes: number;
  comm: number;
  /** The token its key was written for. */
  token: string;
}

/** One part to write. `token`: its token key is written too (first write, or a new token). */
interface Put {
  s: Session;
  json: string;
  connected: boolean;
  token: boolean;
  /** What the write holds (flushes only). */
  mark?: Flushed;
}

export interface PartWriterOptions {
  command: RedisClient;
  keys: Keys;
  nodeId: string;
  registry: SessionRegistry;
  store: PartStore;
  stream: ChangeStream;
  log: Logger;
  /** Redis reachable and this node announced (its first beat went through). */
  canWrite(): boolean;
}

/**
 * Writes this node's parts to Redis: what moved, in one pipeline per flush (and on the
 * change stream while someone watches); a part that ends is retired or ends its session.
 */
export class PartWriter {
  private readonly flushed = new WeakMap<Session, Flushed>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** The flush that runs once the one in progress is done. */
  private flushNext: Promise<void> | undefined;
  /** Writes started by session ends: stop() waits for them. */
  private readonly inflight = new Set<Promise<void>>();
  /** Sessions that ended here while Redis was out of reach: retired once it is back. */
  private readonly endedAway = new Set<string>();
  /** Sessions ended here because the cluster had ended them (see gone): nothing to write. */
  private readonly endedByCluster = new WeakSet<Session>();

  constructor(private readonly o: PartWriterOptions) {}

  /** New sessions are written at once, so a resume on another node finds them. */
  flushSoon(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch((err: unknown) => this.trouble(err));
    }, 20);
  }

  /**
   * One flush at a time: a slow Redis must not get a pile of pipelines, each of every part.
   * A flush asked for while one is writing runs right after it (at most one waits): the
   * write in progress was made before the change, so joining it would delay the change by
   * a whole flush interval (a new session a resume elsewhere must find, a re-announce).
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flushOnce().finally(() => (this.flushing = undefined));
      return this.flushing;
    }
    this.flushNext ??= this.flushing
      .catch(() => undefined)
      .then(() => {
        this.flushNext = undefined;
        return this.flush();
      });
    return this.flushNext;
  }

  /** Tells feeds about parts the reaper retired for a dead node (this node's feeds too). */
  announceRetired(parts: readonly PartRecord[]): void {
    if (parts.length === 0) return;
    this.publishParts(parts.map((p) => JSON.stringify(p)));
    if (this.o.stream.listening) this.o.stream.emit({ kind: 'parts', parts: [...parts] });
  }

  /**
   * Back after an outage (or first start): every part is written again, and parts Redis
   * holds for this node that it no longer has (they ended meanwhile, or belong to its
   * previous run) become orphans the reaper ends.
   */
  async rewriteAll(): Promise<void> {
    for (const s of this.o.registry.values()) this.flushed.delete(s);
    await this.flush();
    const live = (sid: string) => this.o.registry.get(sid) !== undefined;
    const { rewritten, ended } = await this.o.store.orphans(this.o.nodeId, live, this.endedAway, Date.now());
    this.endedAway.clear();
    this.publishParts(rewritten.map((p) => JSON.stringify(p)));
    this.o.stream.ended(ended);
  }

  private async flushOnce(): Promise<void> {
    if (!this.o.canWrite()) return;
    const { keys: k, nodeId } = this.o;
    const now = Date.now();
    const writes: Put[] = [];
    const jsons: string[] = [];
    for (const s of this.o.registry.values()) {
      const f = this.flushed.get(s);
      if (f && f.msgs === s.messagesSent && f.changes === s.changes && f.comm === s.lastCommAt) continue;
      const json = JSON.stringify(toPart(s, nodeId, now));
      jsons.push(json);
      // The marks of what this write holds, taken now: a change during the write is written next time.
      const mark = { msgs: s.messagesSent, changes: s.changes, comm: s.lastCommAt, token: s.tokenHash };
      writes.push({ s, json, connected: s.state === 'connected', token: f?.token !== s.tokenHash, mark });
    }
    if (writes.length === 0) return;
    const msg = this.o.stream.partsMessage(jsons);
    const res = await this.put(writes, msg ? (b) => b.add(k.changes, (p) => p.publish(k.changes, msg)) : undefined);
    writes.forEach(({ s, mark }, i) => {
      const r = res[i];
      if (r === undefined) return; // written again by the next flush
      if (r === 0) this.gone(s);
      else if (!s.ended && mark) this.flushed.set(s, mark);
    });
  }

  /**
   * Writes parts (PUT_SCRIPT), each after the indexes that find it: this node's set (one
   * SADD for the whole flush: a part is never in Redis without it, so the reaper finds every
   * part of a node that dies, and a set entry lost to a race comes back at the next write)
   * and, the first time, the token key (a resume elsewhere finds the session through it).
   * On one server both go in one pipeline, in that order, as a single write did before.
   * A session the cluster ended meanwhile is revived once its parts' indexes are back.
   * Returns PUT_SCRIPT's answer per part (1 written, 0 not: its session ended), undefined
   * where the write failed.
   */
  private async put(writes: readonly Put[], extra?: (b: Batch) => void): Promise<(0 | 1 | undefined)[]> {
    const { command, keys: k, nodeId } = this.o;
    const first = new Batch(command).add(k.nodeParts(nodeId), (p) => p.sadd(k.nodeParts(nodeId), ...writes.map((w) => w.s.id)));
    for (const { s, token } of writes) if (token) first.add(k.token(s.tokenHash), (p) => p.set(k.token(s.tokenHash), s.id));
    const put = (b: Batch, w: Put, revive: boolean) =>
      b.add(k.parts(w.s.id), (p) => p.stPut(k.parts(w.s.id), k.ended(w.s.id), nodeId, w.json, w.connected ? '1' : '0', revive ? '1' : '0'));
    const batch = new Batch(command);
    for (const w of writes) put(batch, w, false);
    extra?.(batch);
    const [indexed, res] = await Batch.inOrder(first, batch);
    // An index that failed: what was written is written again (and indexed) by the next flush.
    if (indexed.some(([err]) => err)) return writes.map(() => undefined);
    const answer = (err: Error | null, r: unknown) => (err ? undefined : r === 0 ? 0 : 1);
    const out: (0 | 1 | undefined)[] = [];
    const revive: { at: number; w: Put; parts: string[] }[] = [];
    writes.forEach((w, at) => {
      const [err, r] = res[at] ?? [new Error('no reply'), null];
      const ended = !err && Array.isArray(r) && r[0] === 2;
      if (ended) revive.push({ at, w, parts: (r as unknown[]).slice(1) as string[] });
      out.push(ended ? undefined : answer(err, r));
    });
    // Ended meanwhile, and this part was connected. Its record may predate a pause (on Redis
    // Cluster the indexes' round trip comes first): only a session with a socket now comes
    // back, as it is now; one without is ended here too (gone), as a part without sockets is.
    const now = Date.now();
    const back = revive.filter(({ at, w }) => {
      const live = !w.s.ended && w.s.sockets.size > 0;
      if (!live) out[at] = 0;
      return live;
    });
    if (back.length > 0) {
      // Every part's indexes, then the part.
      const again = new Batch(command);
      for (const { w, parts } of back) this.o.store.indexes.addAll(again, w.s.id, parts);
      await again.exec();
      const second = new Batch(command);
      for (const { w } of back) put(second, { ...w, json: JSON.stringify(toPart(w.s, nodeId, now)), connected: true }, true);
      const res2 = await second.exec();
      back.forEach(({ at }, j) => {
        const [err, r] = res2[j] ?? [new Error('no reply'), null];
        out[at] = answer(err, r);
      });
    }
    return out;
  }

  /**
   * The cluster ended a session this node holds without a socket (its timeout ran out while
   * this node was silent: frozen, cut off): it ends here too, as a timeout, with nothing more
   * to write. Not if a client came back to it meanwhile: the next flush brings it back.
   */
  private gone(s: Session): void {
    if (s.ended || s.sockets.size > 0) return;
    this.o.log.info(
      { event: 'cluster.gone', sessionId: s.id },
      'session ended by the cluster while this node was away: ending it here too',
    );
    this.endedByCluster.add(s);
    this.o.registry.end(s, SessionEndCause.Timeout);
    // Its set entry and token key were written just before the part was refused.
    const part = toPart(s, this.o.nodeId, Date.now());
    void this.o.store.indexes.ended([{ sid: s.id, parts: [part] }], false).catch((err: unknown) => this.trouble(err));
  }

  /** A local part ended (tracked: stop() waits for it). */
  ended(s: Session, redisReachable: boolean): void {
    if (this.endedByCluster.has(s)) return;
    if (!redisReachable) {
      // Told to Redis once it is back (rewriteAll); past the cap, the orphan rule covers the rest.
      if (s.endReason !== SessionEndCause.Shutdown && this.endedAway.size < ENDED_AWAY_MAX) this.endedAway.add(s.id);
      return;
    }
    if (s.endReason === SessionEndCause.Closed) return; // forget() ended it everywhere
    const p = this.partEnded(s).catch((err: unknown) => this.trouble(err));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** A timeout retires the part (ending the session if it was the last live part); a shutdown leaves it resumable. */
  private async partEnded(s: Session): Promise<void> {
    const { nodeId, stream } = this.o;
    const now = Date.now();
    if (s.endReason === SessionEndCause.Shutdown) {
      // This node is going away; the session lives on for its clients to resume elsewhere.
      const part = JSON.stringify({ ...toPart(s, nodeId, now), state: 'disconnected' as const, disconnectedAt: now, pages: [] });
      await this.put([{ s, json: part, connected: false, token: true }]);
      this.publishParts([part]);
      return;
    }
    const part: PartRecord = { ...toPart(s, nodeId, now), state: 'retired', pages: [] };
    const retired = JSON.stringify(part);
    if (await this.o.store.check(s.id, now, { node: nodeId, json: retired })) {
      this.o.log.debug({ sessionId: s.id }, 'session ended cluster-wide');
      stream.ended([s.id]);
    } else {
      // The session lives on elsewhere; this node's feeds keep its counters too.
      this.publishParts([retired]);
      if (stream.listening) stream.emit({ kind: 'parts', parts: [part] });
    }
  }

  private publishParts(jsons: string[]): void {
    const msg = this.o.stream.partsMessage(jsons);
    if (msg) void this.o.command.publish(this.o.keys.changes, msg).catch((err: unknown) => this.trouble(err));
  }

  /** Waits for the writes of ended parts, then writes what moved one last time. */
  async stop(connected: boolean): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await Promise.all([...this.inflight]);
    if (connected) await this.flush().catch((err: unknown) => this.trouble(err));
  }

  private trouble(err: unknown): void {
    this.o.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'redis trouble (writes)');
  }
}
