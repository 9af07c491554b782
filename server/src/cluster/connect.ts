import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { defineScripts } from './scripts.js';

export type RedisClient = Redis | Cluster;

/** Fail fast while Redis is away instead of queueing without bound; reconnect forever, gently. */
const COMMON: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(100 * times, 2_000),
  connectTimeout: 2_000,
  lazyConnect: false,
};

function hosts(list: string): { host: string; port: number }[] {
  return list.split(',').map((hp) => {
    const [host = '127.0.0.1', port = '6379'] = hp.trim().split(':');
    return { host, port: Number(port) };
  });
}

/**
 * Connects to Redis by URL, loading ioredis only now (an optional dependency: single-node
 * users never install it). Forms: redis://, rediss://, redis+sentinel://h1:p1,h2:p2/master,
 * redis+cluster://h1:p1,h2:p2 (credentials as user:password@ before the hosts).
 */
export async function connectRedis(url: string): Promise<{ command: RedisClient; subscriber: RedisClient }> {
  let Redis: typeof import('ioredis').Redis;
  let Cluster: typeof import('ioredis').Cluster;
  try {
    ({ Redis, Cluster } = await import('ioredis'));
  } catch {
    throw new Error('cluster mode needs the ioredis package: npm install ioredis');
  }
  const m = /^(redis\+sentinel|redis\+cluster):\/\/(?:([^:@/]*):?([^@/]*)@)?([^/]+)(?:\/([^/]+))?(?:\/(\d+))?$/.exec(url);
  let command: RedisClient;
  if (!m) {
    if (!/^rediss?:\/\//.test(url))
      throw new RangeError(`redis: unsupported URL "${url}" (redis://, rediss://, redis+sentinel://, redis+cluster://)`);
    command = new Redis(url, COMMON);
  } else {
    const [, scheme, user, password, list = '', name, db] = m;
    const auth = {
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
    };
    if (scheme === 'redis+sentinel') {
      if (!name) throw new RangeError('redis+sentinel:// needs the master name: redis+sentinel://host:port/mymaster');
      command = new Redis({ ...COMMON, ...auth, sentinels: hosts(list), name, db: db ? Number(db) : 0 });
    } else {
      command = new Cluster(hosts(list), { enableOfflineQueue: false, redisOptions: { ...COMMON, ...auth } });
    }
  }
  defineScripts(command);
  const subscriber = command.duplicate();
  // Connection trouble is reported through status changes; never let it crash the process.
  command.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  return { command, subscriber };
}

/**
 * Rejects when `p` has not settled within `ms`. A Redis that stops answering (frozen, or a
 * network that drops packets) leaves the connection "ready" while commands wait forever:
 * every wait that a caller sees goes through this.
 */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis: no answer within ${ms} ms (${what})`)), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Resolves when the client is ready, or after `ms` (it keeps trying in the background). */
export function readyWithin(client: RedisClient, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.on('ready', done);
  });
}
