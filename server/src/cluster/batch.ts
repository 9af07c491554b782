import type { ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './connect.js';

/** What one command of a batch gave: an error, or its reply. */
export type Reply = [Error | null, unknown];

/** CRC16/XMODEM (polynomial 0x1021), the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * The Redis Cluster slot of a key (0 to 16383): only its hash tag, the text between the first
 * `{` and the next `}`, when that is not empty (the rule of the Redis Cluster specification).
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % 16_384;
}

/**
 * Commands sent together, each with the key that routes it. On one Redis server they go in one
 * pipeline, in order. On Redis Cluster a pipeline may only hold keys of slots served by the
 * same master (ioredis rejects it otherwise), so they go in one pipeline per master, all at
 * once: no order holds between commands on different masters. A caller that needs one write
 * to land before another (an index before the data it finds) sends two batches.
 */
export class Batch {
  private readonly items: { key: string; add: (p: ChainableCommander) => void }[] = [];

  constructor(private readonly client: RedisClient) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues a command on `key`'s slot: `add` calls one command on the pipeline it is given. */
  add(key: string, add: (p: ChainableCommander) => void): this {
    this.items.push({ key, add });
    return this;
  }

  /**
   * Runs `first`, then `second`, each command of `second` after every one of `first`: on one
   * server in one pipeline (Redis runs it in order, with no round trip between), on Redis
   * Cluster one batch after the other.
   */
  static async inOrder(first: Batch, second: Batch): Promise<[Reply[], Reply[]]> {
    if (first.client.isCluster) return [await first.exec(), await second.exec()];
    const both = new Batch(first.client);
    both.items.push(...first.items, ...second.items);
    const res = await both.exec();
    return [res.slice(0, first.length), res.slice(first.length)];
  }

  /** Every command's reply, in the order they were added; a pipeline that failed fails its commands. */
  async exec(): Promise<Reply[]> {
    if (this.items.length === 0) return [];
    if (!this.client.isCluster) {
      const pipe = this.client.pipeline();
      for (const it of this.items) it.add(pipe);
      return ((await pipe.exec()) ?? []) as Reply[];
    }
    const slots = (this.client as Cluster).slots;
    type Item = (typeof this.items)[number];
    const groups = new Map<string, { at: number; item: Item }[]>();
    this.items.forEach((item, at) => {
      const slot = keySlot(item.key);
      // Before the slot map arrives, by slot: still valid, only less batched.
      const group = slots[slot]?.[0] ?? `slot ${slot}`;
      const g = groups.get(group);
      if (g) g.push({ at, item });
      else groups.set(group, [{ at, item }]);
    });
    const out: Reply[] = new Array<Reply>(this.items.length);
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const pipe = this.client.pipeline();
        for (const { item } of members) item.add(pipe);
        try {
          const res = ((await pipe.exec()) ?? []) as Reply[];
          members.forEach(({ at }, j) => {
            out[at] = res[j] ?? [new Error('no reply'), null];
          });
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          for (const { at } of members) out[at] = [e, null];
        }
      }),
    );
    return out;
  }
}
