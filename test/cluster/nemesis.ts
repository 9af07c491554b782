import { execFileSync } from 'node:child_process';
import { connectAdmin, expectResult } from '../support/contract.js';
import { FAST, NodeProcess } from '../support/cluster.js';
import { userToken } from '../support/jwt.js';
import type { RedisServer } from '../support/redis.js';
import { RawClient, sleep } from '../support/ws-client.js';

/**
 * A fault-injection run (a "nemesis", in the spirit of Jepsen): three node processes on one
 * private Redis, many clients that behave like the SDK, and random faults; after each quiet
 * period the cluster's answers are checked against what the clients themselves know.
 */
export interface NemesisOptions {
  redis: RedisServer;
  clients: number;
  /** How long faults are injected in all (quiet periods and checks come on top). */
  chaosMs: number;
  /** Chaos before each check. */
  roundMs: number;
  seed: number;
  log: (line: string) => void;
}

export const NODE_ARGS = [...FAST, '--session-timeout', '4000'];
/** The nodes' flush interval (FAST's `--cluster-flush`): what a SIGKILL may lose. */
const FLUSH_MS = Number(FAST[FAST.indexOf('--cluster-flush') + 1]);
/** Slack on top of it for the write itself and the scheduler of a loaded 2-core machine. */
const FLUSH_SLACK_MS = 1_000;
const NAMES = ['node-a', 'node-b', 'node-c'];
/** The clients' project: the checker looks at these sessions only (not its own admins'). */
const PROJECT = 'chaos';

/** A small seeded PRNG (mulberry32): a failing run can be replayed with its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The nodes, as they are killed, frozen and restarted. */
export class Nodes {
  readonly procs = new Map<string, NodeProcess>();
  readonly frozen = new Set<string>();

  constructor(readonly redis: RedisServer) {}

  async startAll(): Promise<void> {
    await Promise.all(NAMES.map(async (n) => this.procs.set(n, await NodeProcess.start(n, this.redis.url, NODE_ARGS))));
  }

  /** Nodes a client may dial (frozen ones included: a client cannot tell until it times out). */
  running(): NodeProcess[] {
    return [...this.procs.values()].filter((p) => p.running);
  }

  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    this.frozen.delete(name);
    await p.kill('SIGKILL');
  }

  async restart(name: string): Promise<void> {
    this.procs.set(name, await NodeProcess.start(name, this.redis.url, NODE_ARGS));
  }

  freeze(name: string): void {
    const p = this.procs.get(name);
    if (!p?.running || this.frozen.has(name)) return;
    this.frozen.add(name);
    p.child.kill('SIGSTOP');
  }

  thaw(name: string): void {
    if (!this.frozen.delete(name)) return;
    this.procs.get(name)?.child.kill('SIGCONT');
  }

  /** All three up and running again (the start of a quiet period). */
  async heal(): Promise<void> {
    for (const n of [...this.frozen]) this.thaw(n);
    for (const n of NAMES) if (!this.procs.get(n)?.running) await this.restart(n);
  }

  async stop(): Promise<void> {
    for (const n of [...this.frozen]) this.thaw(n);
    await Promise.all([...this.procs.values()].map((p) => p.kill('SIGKILL')));
  }
}

/** One SDK-like client: one tab, resumes on a random node after a drop, re-announces its pages. */
export class SimClient {
  token: string | undefined;
  sid: string | undefined;
  node: string | undefined;
  conn: RawClient | undefined;
  /** Pages this tab has open, as confirmed by the server on its current socket. */
  readonly pages = new Set<string>();
  /** Frames sent in the current session (over every socket it had). */
  sent = 0;
  /**
   * Frames of this session that the cluster may have lost, summed over the sockets it lost:
   * those the server may never have read (sent after the last answered call) and those it
   * may have read too late to write to Redis before a crash (see surelyKept).
   */
  mayBeLost = 0;
  /** What happened to the current session, for a violation's report: `+node-a`, a lost socket's unsure frames... */
  readonly trail: string[] = [];
  /**
   * The calls answered on the current socket: how many frames had been sent with it (its
   * answer proves the server read them) and when the answer arrived.
   */
  private answered: { frames: number; at: number }[] = [];
  lostSessions = 0;
  private nextPage = 0;
  private stopped = false;
  /** Set by the checker: the client keeps its socket but does nothing else. */
  paused = false;
  idle = false;
  private loggedIn = false;

  constructor(
    readonly name: string,
    private readonly nodes: Nodes,
    private readonly random: () => number,
  ) {}

  stop(): void {
    this.stopped = true;
    this.conn?.ws.terminate();
  }

  /** Drops the socket (a network blip): the client reconnects on its own. */
  drop(): void {
    this.conn?.ws.terminate();
  }

  get connected(): boolean {
    return this.conn !== undefined && this.conn.closeInfo === undefined && this.conn.ws.readyState === 1;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      this.idle = false;
      try {
        if (!this.connected) await this.connect();
        else if (!this.paused) await this.act();
      } catch {
        // A call timed out or the socket died: drop it and come back elsewhere, like the SDK.
        this.drop();
        await sleep(100 + this.random() * 400);
      }
      this.idle = this.paused && this.connected;
      // About one action a second each: 100 clients are a real load without starving the
      // other test file that runs beside this one on a 2-core machine.
      await sleep(this.paused ? 50 : 500 + this.random() * 1_000);
    }
  }

  private pick(): NodeProcess {
    const up = this.nodes.running();
    const p = up[Math.floor(this.random() * up.length)];
    if (!p) throw new Error('no node running');
    return p;
  }

  private async connect(): Promise<void> {
    const p = this.pick();
    const old = this.conn;
    if (old) {
      this.sent += old.messagesSent;
      const lost = old.messagesSent - this.surelyKept();
      this.mayBeLost += lost;
      this.trail.push(`-(${lost} of ${old.messagesSent} unsure)`);
    }
    this.conn = undefined;
    this.answered = [];
    const c = await RawClient.connect(p.wsUrl, { project: PROJECT, ...(this.token ? { resume: this.token } : {}), timeoutMs: 3_000 });
    if (this.stopped) return void c.ws.terminate();
    if (!c.welcome.resumed) {
      if (this.sid !== undefined) this.lostSessions++;
      this.trail.length = 0;
      this.sid = c.welcome.sessionId;
      this.token = c.welcome.resumeToken;
      this.sent = 0;
      this.mayBeLost = 0;
      this.loggedIn = false;
    }
    this.conn = c;
    this.node = p.name;
    this.trail.push(`${(Date.now() / 1000).toFixed(1)}+${p.name}(sent ${this.sent})`);
    // The SDK re-announces its pages on every new socket.
    for (const id of [...this.pages]) await this.call(c, 'page.open', { pageId: id, path: `/${id}` });
  }

  /** A call whose answer proves the server read every frame sent before it. */
  private async call(c: RawClient, method: string, params?: unknown): Promise<void> {
    const pending = c.call(method, params, 2_000);
    const frames = c.messagesSent;
    expectResult(await pending);
    if (c === this.conn) this.answered.push({ frames, at: Date.now() });
  }

  /**
   * Frames of the current socket the cluster must have kept whatever happened to its node
   * after: those read by the server (before a call's answer) at least one flush interval
   * (plus slack for the write and a loaded machine) before the node last answered. A crash
   * can only come after that last answer, so what it may lose was read later than that.
   */
  private surelyKept(): number {
    const last = this.answered.at(-1)?.at ?? 0;
    let kept = 0;
    for (const a of this.answered) if (a.at < last - FLUSH_MS - FLUSH_SLACK_MS) kept = a.frames;
    return kept;
  }

  private async act(): Promise<void> {
    const c = this.conn;
    if (!c) return;
    const r = this.random();
    if (r < 0.3 && this.pages.size < 3) {
      const id = `p${this.nextPage++}`;
      await this.call(c, 'page.open', { pageId: id, path: `/${id}` });
      this.pages.add(id);
    } else if (r < 0.45 && this.pages.size > 0) {
      const id = [...this.pages][Math.floor(this.random() * this.pages.size)] as string;
      this.pages.delete(id); // closed whatever the answer: a lost answer means a dead socket
      await this.call(c, 'page.close', { pageId: id });
    } else if (r < 0.5 && !this.loggedIn) {
      const token = await userToken(this.name);
      await this.call(c, 'auth.login', { token });
      this.loggedIn = true;
    } else if (r < 0.8) {
      c.sendJson({ jsonrpc: '2.0', method: 'app.data', params: { n: this.random() } });
    } else {
      await this.call(c, 'session.ping');
    }
  }

  /** Frames sent in the current session, the open socket's included. */
  get sentNow(): number {
    return this.sent + (this.conn?.messagesSent ?? 0);
  }
}

/** The highest counters each session was ever seen with: totals never decrease. */
export type Highs = Map<string, { messagesSent: number; totalBytesSent: number }>;

/**
 * What the cluster says against what the clients know; empty when they agree. `highs` is
 * carried from check to check (and updated only by a check that agreed).
 */
export async function violations(nodes: Nodes, clients: readonly SimClient[], highs: Highs = new Map()): Promise<string[]> {
  const up = nodes.running();
  const at = up[0];
  if (!at) return ['no node running'];
  await using admin = await connectAdmin(at);
  const stats = expectResult(await admin.call('getSessionStats', {}, 5_000));
  const list = expectResult(await admin.call('getSessionInfo', { projectFilter: `^${PROJECT}$` }, 5_000)) as any[];
  const out: string[] = [];
  if (stats.cluster.degraded) out.push('answer degraded');
  if (stats.cluster.unconfirmed.length > 0) out.push(`unconfirmed nodes: ${stats.cluster.unconfirmed.join(',')}`);
  if (stats.cluster.nodes.length !== 3) out.push(`nodes answering: ${stats.cluster.nodes.join(',')}`);
  const byId = new Map<string, any[]>();
  for (const s of list) byId.set(s.id, [...(byId.get(s.id) ?? []), s]);
  const mine = new Set<string>();
  for (const c of clients) {
    if (!c.sid) continue;
    mine.add(c.sid);
    const found = byId.get(c.sid) ?? [];
    if (found.length !== 1) {
      out.push(`${c.name}: its session ${c.sid} listed ${found.length} times`);
      continue;
    }
    const s = found[0];
    const want = [...c.pages].sort();
    if (JSON.stringify([...s.pageIds].sort()) !== JSON.stringify(want))
      out.push(`${c.name}: pages ${JSON.stringify(s.pageIds)} but its socket holds ${JSON.stringify(want)}`);
    if (s.state !== 'connected' || s.confirmed !== true) out.push(`${c.name}: state ${s.state}, confirmed ${s.confirmed}`);
    if (JSON.stringify(s.nodes) !== JSON.stringify([c.node]))
      out.push(`${c.name}: nodes ${JSON.stringify(s.nodes)}, its socket is on ${c.node}`);
    if (s.messagesSent > c.sentNow) out.push(`${c.name}: ${s.messagesSent} messages counted, ${c.sentNow} sent`);
    if (s.messagesSent < c.sentNow - c.mayBeLost) {
      out.push(
        `${c.name}: ${s.messagesSent} messages counted, ${c.sentNow} sent, at most ${c.mayBeLost} of them may have been lost; session ${s.id}, its trail ${c.trail.join(' ')}`,
      );
    }
    const high = highs.get(s.id);
    if (high && (s.messagesSent < high.messagesSent || s.totalBytesSent < high.totalBytesSent)) {
      out.push(
        `${c.name}: totals went down, messages ${high.messagesSent} -> ${s.messagesSent}, bytes ${high.totalBytesSent} -> ${s.totalBytesSent}; its trail ${c.trail.join(' ')}; in Redis ${redisParts(nodes.redis, s.id)}`,
      );
    }
  }
  // Sessions nobody holds any more (lost on a resume that came too late) end within the
  // timeout, a node TTL and a reap pass: the checker waits that long before calling them zombies.
  for (const s of list) if (!mine.has(s.id)) out.push(`zombie session ${s.id} (${s.state}, nodes ${JSON.stringify(s.nodes)})`);
  if (out.length === 0) for (const s of list) highs.set(s.id, { messagesSent: s.messagesSent, totalBytesSent: s.totalBytesSent });
  return out;
}

/** What Redis holds of a session's parts, for a violation's report (never fails). */
function redisParts(redis: RedisServer, sid: string): string {
  try {
    const cli = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8', timeout: 2_000 }).trim();
    const key = cli('--scan', '--pattern', `{*:${sid}}:parts`).split('\n')[0] ?? '';
    const retired = cli('--scan', '--pattern', '*:retired').split('\n')[0] ?? '';
    return `${key}: ${cli('hgetall', key).replace(/\s+/g, ' ')}; in ${retired}: ${cli('sismember', retired, sid)}`;
  } catch (err) {
    return `(unread: ${String(err)})`;
  }
}
