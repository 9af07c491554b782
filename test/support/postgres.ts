import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis.js';

/** Debian keeps PostgreSQL's programs off PATH, in /usr/lib/postgresql/<major>/bin: the newest one. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** True when Debian's postgresql is installed (.ci/run installs it). */
export function hasPostgres(): boolean {
  return postgresBin() !== undefined && (process.getuid?.() !== 0 || ids('postgres') !== undefined);
}

/** uid and gid of a user, when it exists. */
function ids(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Every postgres this test process started and has not seen exit: they die with it. */
const servers = new Set<ChildProcess>();
/** Processes a test froze and has not thawed: woken first, or they would outlive their postmaster stopped. */
const frozen = new Set<number>();
process.once('exit', () => {
  for (const pid of frozen) signal(pid, 'SIGCONT');
  for (const c of servers) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

/** A signal to a process that may have exited meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** A process's state letter from /proc (`T`: stopped). */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `pid` (from /proc: PostgreSQL forks a process per connection). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export const PG_USER = 'st';
/** A password with characters that need percent-encoding: the URL must be redacted in both forms. */
export const PG_PASSWORD = 'pw:s3cr3t/word';

/**
 * A private PostgreSQL: initdb in a temporary directory, listening on 127.0.0.1 on a free port
 * (its unix socket in that directory), run as the `postgres` user when the tests run as root
 * (PostgreSQL refuses root). Password login for TCP. stop()/restart() keep the data, for the
 * "database down" tests; dispose removes everything.
 */
export class PostgresServer {
  private child: ChildProcess | undefined;
  private dbs = 0;
  /** What freeze() stopped, for thaw(). */
  private stopped: number[] = [];

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  static async start(): Promise<PostgresServer> {
    const bin = postgresBin();
    if (bin === undefined) throw new Error('postgresql is not installed: apt-get install -y postgresql');
    const owner = process.getuid?.() === 0 ? ids('postgres') : undefined;
    if (process.getuid?.() === 0 && owner === undefined)
      throw new Error('running as root and there is no postgres user to run PostgreSQL as');
    const dir = mkdtempSync(join(tmpdir(), 'st-pg-'));
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, `${PG_PASSWORD}\n`);
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chownSync(pwfile, owner.uid, owner.gid);
    }
    const init = spawnSync(
      join(bin, 'initdb'),
      [
        '-D',
        join(dir, 'data'),
        '-U',
        PG_USER,
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
        ...(owner ?? {}),
      },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout} ${init.stderr}`);
    const server = new PostgresServer(await freePort(), dir, bin, owner);
    await server.restart();
    return server;
  }

  /** A URL of a fresh database of its own (one per test, so tests never see each other's rows). */
  async database(): Promise<string> {
    const name = `t${++this.dbs}`;
    const c = new pg.Client({ connectionString: this.urlOf('postgres') });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.urlOf(name);
  }

  urlOf(db: string): string {
    return `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${this.port}/${db}`;
  }

  /** Starts (again, if stopped) on the same port and data: durability-trading settings, this is a test. */
  async restart(): Promise<void> {
    if (this.running) return;
    const args = [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-k',
      this.dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=50',
      '-c',
      'shared_buffers=32MB',
    ];
    const child = spawn(join(this.bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(this.owner ?? {}) });
    this.child = child;
    servers.add(child);
    child.once('exit', () => servers.delete(child));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`postgres did not start: ${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited with ${code}: ${out}`));
      });
    });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * SIGSTOP to the postmaster, and once it has stopped (it forks no more), to every process it
   * started: its sockets stay open and it answers nothing, as a PostgreSQL stuck on a disk or
   * swapped out. (Its children are listed only then: one forked meanwhile would go on serving.)
   */
  async freeze(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) throw new Error('postgres is not running');
    this.stop1(pid);
    for (let i = 0; stateOf(pid) !== 'T'; i++) {
      if (i > 200) throw new Error('postgres did not stop on SIGSTOP');
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const p of childrenOf(pid)) this.stop1(p);
  }

  private stop1(pid: number): void {
    this.stopped.push(pid);
    frozen.add(pid);
    signal(pid, 'SIGSTOP');
  }

  /** SIGCONT to every process freeze() stopped. */
  thaw(): void {
    for (const p of this.stopped) {
      signal(p, 'SIGCONT');
      frozen.delete(p);
    }
    this.stopped = [];
  }

  /** Fast shutdown (SIGINT): clients are cut off, the data stays for restart(). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.thaw();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
