import { asSeen } from './records.js';
import type { PartRecord } from './types.js';

/**
 * Other nodes' parts of every session, kept current from the change stream while this node
 * serves cluster-wide feeds (and dropped when the last feed ends). Pure state: callers feed
 * it events and read parts back; it reports which sessions moved in a way a feed shows.
 */
export class PartMirror {
  private readonly bySid = new Map<string, Map<string, PartRecord>>();
  /** Beating nodes; undefined until the first membership is known (then all count as alive). */
  private alive: ReadonlySet<string> | undefined;

  constructor(private readonly self: string) {}

  /** An empty mirror that keeps what is known of the membership (for a refill). */
  emptied(): PartMirror {
    const m = new PartMirror(this.self);
    m.alive = this.alive;
    return m;
  }

  /** Stores parts, adding to `moved` the sessions whose visible content changed. */
  put(parts: Iterable<PartRecord>, moved: Set<string>): void {
    for (const p of parts) {
      let byNode = this.bySid.get(p.sid);
      if (!byNode) this.bySid.set(p.sid, (byNode = new Map()));
      const old = byNode.get(p.node);
      if (old && old.flushedAt > p.flushedAt) continue; // an older write arriving late
      byNode.set(p.node, p);
      if (!old || old.rev !== p.rev || old.messagesSent !== p.messagesSent || old.state !== p.state || old.loginAt !== p.loginAt)
        moved.add(p.sid);
    }
  }

  /** A session ended cluster-wide. */
  drop(sid: string): void {
    this.bySid.delete(sid);
  }

  /**
   * New membership; adds to `moved` the sessions with parts on nodes that died or came back.
   * Returns the nodes that died.
   */
  setAlive(alive: ReadonlySet<string>, moved: Set<string>): string[] {
    const before = this.alive;
    this.alive = new Set(alive);
    if (!before) return [];
    const flipped = new Set<string>();
    const died: string[] = [];
    for (const n of alive) if (!before.has(n)) flipped.add(n);
    for (const n of before) {
      if (alive.has(n)) continue;
      flipped.add(n);
      died.push(n);
    }
    if (flipped.size === 0) return died;
    for (const [sid, byNode] of this.bySid) for (const n of byNode.keys()) if (flipped.has(n)) moved.add(sid);
    return died;
  }

  /** Sessions this node holds a part of, in the mirror. */
  sidsOf(node: string): string[] {
    const out: string[] = [];
    for (const [sid, byNode] of this.bySid) if (byNode.has(node)) out.push(sid);
    return out;
  }

  /**
   * What Redis holds of a node's parts of `sids` (read at `asked`): those it has are stored
   * like any write; those it lacks leave the mirror, unless written since the read.
   */
  settle(node: string, sids: readonly string[], stored: readonly (PartRecord | undefined)[], asked: number, moved: Set<string>): void {
    sids.forEach((sid, i) => {
      const p = stored[i];
      if (p) {
        this.put([p], moved);
        return;
      }
      const byNode = this.bySid.get(sid);
      const held = byNode?.get(node);
      if (!byNode || !held || held.flushedAt > asked) return;
      byNode.delete(node);
      if (byNode.size === 0) this.bySid.delete(sid);
      moved.add(sid);
    });
  }

  isAlive(node: string): boolean {
    return !this.alive || this.alive.has(node);
  }

  sids(): IterableIterator<string> {
    return this.bySid.keys();
  }

  /**
   * A session's parts as seen now: a connected part of a node that no longer beats is
   * disconnected. This node's own entry counts only when `hasLocal` is false (a live local
   * session is read fresh from the registry instead).
   */
  partsOf(sid: string, hasLocal: boolean): PartRecord[] {
    const byNode = this.bySid.get(sid);
    if (!byNode) return [];
    const out: PartRecord[] = [];
    for (const p of byNode.values()) {
      if (p.node === this.self && hasLocal) continue;
      out.push(asSeen(p, (n) => this.isAlive(n)));
    }
    return out;
  }

  get size(): number {
    return this.bySid.size;
  }
}
