import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';

/**
 * Which nodes exist and which beat. Each node writes a key with a TTL at every beat; a node
 * whose key expired is dead. Queries and actions are addressed by this view.
 */
export class Membership {
  /** Nodes that ever joined and are not reaped yet. */
  known = new Set<string>();
  /** Nodes beating now. */
  alive = new Set<string>();

  constructor(
    private readonly command: RedisClient,
    private readonly keys: Keys,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    /** Told when the set of beating nodes changes. */
    private readonly moved: (alive: ReadonlySet<string>) => void,
  ) {}

  /**
   * This node's heartbeat: its key with a TTL, and its place in the node list. Returns true
   * when its key had expired: the others counted it dead meanwhile (a long pause), and the
   * reaper may have retired its parts or forgotten it.
   */
  async beat(now: number): Promise<boolean> {
    const k = this.keys;
    const res = await this.command
      .multi()
      .exists(k.alive(this.nodeId))
      .set(k.alive(this.nodeId), JSON.stringify({ node: this.nodeId, pid: process.pid, at: now }), 'PX', this.ttlMs)
      .sadd(k.nodes, this.nodeId)
      .hset(k.beats, this.nodeId, String(now))
      .exec();
    return res?.[0]?.[1] === 0;
  }

  async refresh(): Promise<void> {
    const k = this.keys;
    const nodes = await this.command.smembers(k.nodes);
    const pipe = this.command.pipeline();
    for (const n of nodes) pipe.exists(k.alive(n));
    const res = (await pipe.exec()) ?? [];
    const alive = new Set(nodes.filter((_, i) => res[i]?.[1] === 1));
    const moved = alive.size !== this.alive.size || [...alive].some((n) => !this.alive.has(n));
    this.known = new Set(nodes);
    this.alive = alive;
    if (moved) this.moved(alive);
  }

  /** When each node last beat (the reaper's evidence). */
  async beats(): Promise<Record<string, string>> {
    return this.command.hgetall(this.keys.beats);
  }

  /** This node leaves: its key goes at once rather than at TTL. */
  async leave(): Promise<void> {
    await this.command.del(this.keys.alive(this.nodeId));
  }
}
