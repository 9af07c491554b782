import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { expectResult } from './contract.js';
import { userToken } from './jwt.js';
import type { RedisServer } from './redis.js';
import { ADMIN_TOKEN, JWT_SECRET } from './server.js';
import { RawClient, sleep } from './ws-client.js';

const BIN = fileURLToPath(new URL('../../server/bin/session-tracker.js', import.meta.url));

/**
 * Every node process this test process started and has not seen exit. A test that fails or
 * times out part-way never disposes what it started; leaked nodes would beat on and load the
 * machine for every later test. They die with the test process.
 */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

/** One tracker node in its own process, so it can be SIGKILLed or SIGSTOPped for real. */
export class NodeProcess {
  url = '';
  wsUrl = '';
  stderr = '';
  stdout = '';
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {}

  static async start(name: string, redisUrl: string, extra: string[] = []): Promise<NodeProcess> {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--redis',
        redisUrl,
        '--node-id',
        name,
        '--admin-token',
        ADMIN_TOKEN,
        '--jwt-secret',
        JWT_SECRET,
        '--log-level',
        'warn',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const node = new NodeProcess(name, child);
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.stdout?.on('data', (d: Buffer) => (node.stdout += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`node ${name} did not start: ${node.stderr}`));
      }, 15_000);
      child.stderr?.on('data', (d: Buffer) => {
        node.stderr += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(node.stderr);
        if (m?.[1] && !node.url) {
          clearTimeout(timer);
          node.url = m[1];
          node.wsUrl = `${m[1].replace('http', 'ws')}/ws`;
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}: ${node.stderr}`)));
    });
    return node;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.signalCode === 'SIGSTOP') this.child.kill('SIGCONT');
    await this.kill('SIGKILL');
  }
}

// Short, but with room for a busy 2-core machine: a node is dead after 5 beats (2.5 s).
export const FAST = ['--cluster-beat', '500', '--cluster-flush', '200', '--session-timeout', '2000', '--heartbeat', '500'];

/** Polls until `read` gives a value (cluster state settles through beats and flushes). */
export async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function threeNodes(redis: RedisServer, extra: string[] = []): Promise<[NodeProcess, NodeProcess, NodeProcess]> {
  const started = await Promise.allSettled(['node-a', 'node-b', 'node-c'].map((n) => NodeProcess.start(n, redis.url, [...FAST, ...extra])));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // The test never gets the ones that did start: stop them here.
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    throw failed.reason;
  }
  return nodes as [NodeProcess, NodeProcess, NodeProcess];
}

export async function list(admin: RawClient, params: unknown = {}): Promise<any[]> {
  return expectResult(await admin.call('getSessionInfo', params, 5_000));
}

export async function connectWithLogin(wsUrl: string, user: string, options: { project?: string } = {}): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl, options);
  expectResult(await c.call('auth.login', { token: await userToken(user) }));
  return c;
}

/** A node's record of a session as Redis holds it (default key prefix), or undefined. */
export async function storedPart(redisUrl: string, sid: string, node: string): Promise<any> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const text = await r.hget(`{st:${sid}}:parts`, node);
    return text ? JSON.parse(text) : undefined;
  } finally {
    r.disconnect();
  }
}

/**
 * Waits until `node`'s record of session `sid` is in Redis (and passes `check`): a node
 * writes a new session within moments, but a test that freezes or kills the node must not
 * do it before that write landed.
 */
export function untilStored(
  redisUrl: string,
  sid: string,
  node: string,
  check: (part: any) => boolean = () => true,
  timeoutMs?: number,
): Promise<any> {
  return until(
    `${node}'s record of ${sid} in redis`,
    async () => {
      const p = await storedPart(redisUrl, sid, node);
      return p && check(p) ? p : undefined;
    },
    timeoutMs,
  );
}

/** Whether Redis still lists `node` among the cluster's nodes. */
export async function nodeListed(redisUrl: string, node: string): Promise<boolean> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return (await r.sismember('{st}:nodes', node)) === 1;
  } finally {
    r.disconnect();
  }
}
