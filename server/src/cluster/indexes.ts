import { Batch } from './batch.js';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import { parsePart } from './records.js';
import type { PartRecord } from './types.js';

/**
 * The indexes that find parts, each in a slot other than the parts it finds: a node's set of
 * the sessions it holds unretired parts of, a token's key naming its session, the retired set.
 * On Redis Cluster they cannot change atomically with the parts, so the rule is: add an index
 * before the part it finds, remove it after the part went, then read the part again and put
 * the index back if the part came back meanwhile (a revive, a node back from a pause). A
 * crash between steps leaves an entry too many (readers skip an entry without its part, the
 * reaper drops it); never a part no index finds, except when a writer's index-then-part pair
 * straddles both reads of a removal (a node back from the dead in the same milliseconds): its
 * next write or re-announce puts the index back.
 */
export class Indexes {
  constructor(
    private readonly command: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * A session ended (its parts as they were): its node sets and tokens go, and with `retired`
   * its place in the retired set; then, if the session is back already, they come back.
   */
  async ended(ended: readonly { sid: string; parts: readonly PartRecord[] }[], retired: boolean): Promise<void> {
    if (ended.length === 0) return;
    const k = this.keys;
    const drop = new Batch(this.command);
    for (const { sid, parts } of ended) {
      for (const node of new Set(parts.map((p) => p.node))) drop.add(k.nodeParts(node), (p) => p.srem(k.nodeParts(node), sid));
      for (const t of new Set(parts.map((p) => p.tokenHash))) if (t) drop.add(k.token(t), (p) => p.del(k.token(t)));
      if (retired) drop.add(k.retired, (p) => p.srem(k.retired, sid));
    }
    await drop.exec();
    await this.again(ended.map((e) => e.sid));
  }

  /** `node` let go of its parts of `sids` (retired, or none there): its set loses them, then keeps those still there unretired. */
  async released(node: string, sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return;
    const k = this.keys;
    await this.command.srem(k.nodeParts(node), ...sids);
    const read = new Batch(this.command);
    for (const sid of sids) read.add(k.parts(sid), (p) => p.hget(k.parts(sid), node));
    const res = await read.exec();
    const back = sids.filter((_, i) => {
      const part = parsePart(res[i]?.[1] as string | null);
      return part !== undefined && part.state !== 'retired';
    });
    if (back.length > 0) await this.command.sadd(k.nodeParts(node), ...back);
  }

  /**
   * Sessions whose parts may be back (a revive raced the removal): each one that has parts
   * gets every index of them again. Also what a revive does before it writes (see put()).
   */
  async again(sids: readonly string[]): Promise<void> {
    const k = this.keys;
    const read = new Batch(this.command);
    for (const sid of sids) read.add(k.parts(sid), (p) => p.hvals(k.parts(sid)));
    const res = await read.exec();
    const add = new Batch(this.command);
    sids.forEach((sid, i) => {
      const texts = (res[i]?.[1] ?? []) as string[];
      this.addAll(add, sid, texts);
    });
    await add.exec();
  }

  /** Queues every index of a session's parts (as JSON texts): node sets, tokens, the retired set. */
  addAll(add: Batch, sid: string, texts: readonly string[]): void {
    const k = this.keys;
    let letGo = false;
    for (const text of texts) {
      const p = parsePart(text);
      if (!p) continue;
      if (p.state !== 'retired') add.add(k.nodeParts(p.node), (q) => q.sadd(k.nodeParts(p.node), sid));
      if (p.tokenHash) add.add(k.token(p.tokenHash), (q) => q.set(k.token(p.tokenHash), sid));
      if (p.state !== 'connected') letGo = true;
    }
    if (letGo) add.add(k.retired, (q) => q.sadd(k.retired, sid));
  }
}
