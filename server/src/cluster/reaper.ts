import type { Logger } from 'pino';
import type { ChangeStream } from './change-stream.js';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import type { Membership } from './membership.js';
import type { PartStore } from './store.js';
import type { PartWriter } from './writer.js';

export interface ReaperOptions {
  command: RedisClient;
  keys: Keys;
  nodeId: string;
  members: Membership;
  store: PartStore;
  stream: ChangeStream;
  writer: PartWriter;
  log: Logger;
  nodeTtlMs: number;
  /** How long the lock lasts: a holder that died gives it up after this. */
  lockMs: number;
}

/**
 * One node at a time (by a lock its holder renews, so a pass comes every reap period) ends
 * sessions whose every part is gone and retires dead nodes' parts of sessions that live on
 * elsewhere: dead nodes leave no zombies and no phantom pages, and are forgotten.
 */
export class Reaper {
  constructor(private readonly o: ReaperOptions) {}

  async pass(): Promise<void> {
    const { command, keys: k, members, store, stream, log } = this.o;
    const held = await command.stLock(k.reaperLock, this.o.nodeId, String(this.o.lockMs));
    if (held !== 1) return;
    const now = Date.now();
    const beats = await members.beats();
    // Whether a node beats is decided again inside each script, atomically with what it does.
    for (const n of members.known) {
      if (n === this.o.nodeId || now - Number(beats[n] ?? 0) < this.o.nodeTtlMs) continue;
      const { ended, retired, forgotten } = await store.reapNode(n, now, this.o.nodeTtlMs);
      stream.ended(ended);
      this.o.writer.announceRetired(retired);
      if (retired.length > 0)
        log.info(
          { event: 'cluster.retired', node: n, parts: retired.length },
          "dead node's parts of sessions that live on elsewhere retired",
        );
      if (forgotten) log.info({ event: 'cluster.reaped', node: n }, 'dead node reaped');
    }
    const { ended, retired } = await store.reapRetired(now);
    stream.ended(ended);
    this.o.writer.announceRetired(retired);
  }
}
