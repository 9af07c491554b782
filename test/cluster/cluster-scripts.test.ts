import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CHECK_SCRIPT } from '../../server/src/cluster/lua.js';
import { hasRedis, RedisServer } from '../support/redis.js';

/**
 * The per-session end decision (lua.ts CHECK_SCRIPT) on a real redis-server, with the node
 * liveness snapshot it is given (liveness.ts): whether a node's part keeps its session alive
 * is decided from the snapshot, except for a part its node wrote after the snapshot was read
 * (the node came back meanwhile: a decision on the old view must not end what it re-announced).
 */
const TIMEOUT = 2_000;

function part(node: string, flushedAt: number): string {
  return JSON.stringify({ sid: 's1', node, state: 'connected', disconnectedAt: 0, pages: [], flushedAt });
}

describe.skipIf(!hasRedis())('CHECK_SCRIPT and the liveness snapshot', () => {
  it('ends a session whose only live part is on a node silent past the timeout, unless that part was written after the snapshot', async () => {
    await using redis = await RedisServer.start();
    const r = new Redis(redis.url);
    try {
      const now = Date.now();
      const snapshotAt = now - 100;
      const lastBeat = now - 10_000; // silent in the snapshot, past the timeout
      const live = `${snapshotAt}\nnode-b\t${lastBeat}\nnode-c\t-1\n`;
      const check = (sid: string) => r.eval(CHECK_SCRIPT, 2, `{st:${sid}}:parts`, `{st:${sid}}:ended`, String(now), String(TIMEOUT), live);

      // Written before the snapshot: node-b counts as silent since its last beat, so it ends.
      await r.hset('{st:old}:parts', 'node-b', part('node-b', snapshotAt - 50));
      const ended = await check('old');
      expect(Array.isArray(ended) && ended[0]).toBe(1);
      expect(await r.exists('{st:old}:ended')).toBe(1);

      // Written after the snapshot (node-b came back and re-announced it): it lives.
      await r.hset('{st:new}:parts', 'node-b', part('node-b', snapshotAt + 50));
      expect(await check('new')).toBe(0);
      expect(await r.exists('{st:new}:parts')).toBe(1);

      // A part on a node beating in the snapshot lives whenever it was written.
      await r.hset('{st:c}:parts', 'node-c', part('node-c', 0));
      expect(await check('c')).toBe(0);

      // A node the snapshot does not name counts as silent since 0.
      await r.hset('{st:gone}:parts', 'node-x', part('node-x', snapshotAt - 50));
      const gone = await check('gone');
      expect(Array.isArray(gone) && gone[0]).toBe(1);
    } finally {
      r.disconnect();
    }
  });
});
