import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRedis, RedisServer } from '../support/redis.js';
import { sleep } from '../support/ws-client.js';
import { Nodes, rng, SimClient, violations, type Highs } from './nemesis.js';

/**
 * The nemesis, short: three nodes, one Redis, 100 SDK-like clients; faults every 2 to 4 s
 * (SIGKILL and restart a node, SIGSTOP a node for 2 to 8 s, restart Redis, drop sockets);
 * after each round a quiet period, then the cluster must agree with the clients: each live
 * client's session listed once, with exactly the pages its socket holds, connected,
 * confirmed, on its node only, never more messages than it sent and never fewer than it
 * sent less what a lost socket or a crash may have lost; totals never decrease; no session
 * nobody holds. Redis keeps an append-only file synced on every write (as a production
 * Redis for the tracker should), so its restarts lose nothing and totals can be held to that.
 * NEMESIS_MS (chaos in all), NEMESIS_CLIENTS and NEMESIS_SEED change the run (see nemesis-long.sh).
 */
const CHAOS_MS = Number(process.env.NEMESIS_MS ?? 30_000);
const CLIENTS = Number(process.env.NEMESIS_CLIENTS ?? 100);
const ROUND_MS = 10_000;
/** Converging after a round: a session timeout (4 s), a node TTL (2.5 s), a reap pass, and room for load. */
const SETTLE_MS = 30_000;

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`nemesis: timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.skipIf(!hasRedis())('nemesis: random faults, then the cluster agrees with its clients', () => {
  it(
    `${CLIENTS} clients, ${CHAOS_MS / 1000} s of faults`,
    async () => {
      const seed = Number(process.env.NEMESIS_SEED ?? Math.floor(Math.random() * 1e9));
      const random = rng(seed);
      const log = (line: string) => process.stderr.write(`[nemesis seed=${seed}] ${line}\n`);
      const redisDir = mkdtempSync(join(tmpdir(), 'nemesis-redis-'));
      const redis = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir]);
      const highs: Highs = new Map();
      const nodes = new Nodes(redis);
      const clients: SimClient[] = [];
      const runs: Promise<void>[] = [];
      try {
        await nodes.startAll();
        for (let i = 0; i < CLIENTS; i++) {
          const c = new SimClient(`user${i}`, nodes, rng(seed + i + 1));
          clients.push(c);
          runs.push(c.run());
        }
        await waitFor('every client connected', () => clients.every((c) => c.connected), 30_000);
        const faults = { kill: 0, freeze: 0, redis: 0, drop: 0 };
        // One draw inside each fault's range below: kill, freeze, Redis restart, socket drops.
        const plan = [0.1, 0.4, 0.6, 0.9].sort(() => random() - 0.5);
        for (let chaos = 0, round = 1; chaos < CHAOS_MS; chaos += ROUND_MS, round++) {
          const end = Date.now() + Math.min(ROUND_MS, CHAOS_MS - chaos);
          while (Date.now() < end) {
            // Every kind of fault once (in a random order), then at random.
            const r = plan.shift() ?? random();
            const names = nodes
              .running()
              .map((p) => p.name)
              .filter((n) => !nodes.frozen.has(n));
            const victim = names[Math.floor(random() * names.length)];
            if (r < 0.3 && victim && names.length > 1) {
              faults.kill++;
              log(`${(Date.now() / 1000).toFixed(1)} kill ${victim}`);
              await nodes.kill(victim);
              await sleep(1_000);
              await nodes.restart(victim);
              log(`${(Date.now() / 1000).toFixed(1)} restarted ${victim}`);
            } else if (r < 0.55 && victim && nodes.frozen.size === 0) {
              faults.freeze++;
              log(`${(Date.now() / 1000).toFixed(1)} freeze ${victim}`);
              nodes.freeze(victim);
              setTimeout(() => nodes.thaw(victim), 2_000 + random() * 6_000).unref();
            } else if (r < 0.7) {
              faults.redis++;
              log(`${(Date.now() / 1000).toFixed(1)} restart redis`);
              await redis.stop();
              await sleep(500);
              await redis.restart();
            } else {
              faults.drop++;
              log(`${(Date.now() / 1000).toFixed(1)} drop sockets`);
              for (const c of clients) if (random() < 0.2) c.drop();
            }
            await sleep(2_000 + random() * 2_000);
          }
          // Quiet: every node up, clients reconnected and still, then the cluster must agree.
          await nodes.heal();
          for (const c of clients) c.paused = true;
          await waitFor('every client back and still', () => clients.every((c) => c.idle), SETTLE_MS);
          let last: string[] = [];
          await waitFor(
            'the cluster to agree with its clients',
            async () => {
              last = await violations(nodes, clients, highs).catch((err: unknown) => [String(err)]);
              return last.length === 0;
            },
            SETTLE_MS,
          ).catch((err: unknown) => {
            log(`round ${round}: ${last.length} violations, first: ${last.slice(0, 10).join(' | ')}`);
            throw err;
          });
          log(
            `round ${round} agreed: faults so far ${JSON.stringify(faults)}, sessions lost to late resumes ${clients.reduce((n, c) => n + c.lostSessions, 0)}`,
          );
          for (const c of clients) c.paused = false;
        }
        expect(faults.kill + faults.freeze + faults.redis + faults.drop).toBeGreaterThan(0);
      } finally {
        for (const c of clients) c.stop();
        await Promise.all(runs);
        await nodes.stop();
        await redis.stop();
        rmSync(redisDir, { recursive: true, force: true });
      }
    },
    Math.max(170_000, CHAOS_MS * 3),
  );
});
