import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports for private redis-servers: below the kernel's ephemeral range (32768-60999 on Linux). */
const PORT_MIN = 10_000;
const PORT_SPAN = 12_000;

/** Whether a port is free to listen on at 127.0.0.1 now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1 for a redis-server, with its Redis Cluster bus port (port +
 * 10000) free too. Both lie below the ephemeral range: a port the kernel hands out for
 * listen(0) is also what it hands to outgoing connections, and a busy test (hundreds of
 * client sockets) took such a port between the check and redis-server's bind.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_MIN + Math.floor(Math.random() * PORT_SPAN);
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
}

/** Every redis-server this test process started and has not seen exit: they die with it (see cluster.ts). */
const servers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of servers) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

/** A private redis-server on its own port (never a shared one), no persistence. */
export class RedisServer {
  private child: ChildProcess | undefined;

  /** `extra`: more redis-server arguments (cluster mode, say). */
  constructor(
    readonly port: number,
    private readonly extra: string[] = [],
  ) {}

  static async start(extra: string[] = []): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), extra);
    await r.restart();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      ...this.extra,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    servers.add(child);
    child.once('exit', () => servers.delete(child));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGCONT');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** True when Debian's redis-server is installed (.ci/run installs it). */
export function hasRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Waits for `log` to show `text` (redis-server writes its state to stdout). */
function waitFor(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

/** A Redis master watched by one Sentinel, both private: for redis+sentinel:// URLs. */
export class RedisSentinel {
  private constructor(
    readonly master: RedisServer,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisSentinel> {
    const master = await RedisServer.start();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'st-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file: it must be its own, writable.
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds mymaster 2000',
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitFor(child, '+monitor master mymaster', 'redis sentinel');
    return new RedisSentinel(master, port, child, dir);
  }

  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.port}/mymaster`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    await this.master.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three private Redis Cluster masters (no replicas), slots assigned: for redis+cluster:// URLs. */
export class RedisClusterServers {
  private constructor(
    readonly servers: RedisServer[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisClusterServers> {
    const dir = mkdtempSync(join(tmpdir(), 'st-rcluster-'));
    const servers = await Promise.all(
      [0, 1, 2].map(async (i) =>
        RedisServer.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${i}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ]),
      ),
    );
    const hosts = servers.map((r) => `127.0.0.1:${r.port}`);
    const made = spawnSync('redis-cli', ['--cluster', 'create', ...hosts, '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout} ${made.stderr}`);
    // Every node must agree before clients arrive.
    const end = Date.now() + 15_000;
    for (;;) {
      const states = servers.map((r) => spawnSync('redis-cli', ['-p', String(r.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
      if (states.every((x) => x.includes('cluster_state:ok'))) break;
      if (Date.now() > end) throw new Error(`redis cluster not ok: ${states.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return new RedisClusterServers(servers, dir);
  }

  get url(): string {
    return `redis+cluster://${this.servers.map((r) => `127.0.0.1:${r.port}`).join(',')}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.servers.map((r) => r.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
