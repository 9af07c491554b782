import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { compileFilter } from '../filters/regex.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import type { ClusterBackend } from './backend.js';
import { connectRedis, type RedisClient } from './connect.js';
import { CHECK_SCRIPT, END_SCRIPT, Keys } from './keys.js';
import { parsePart, toPart } from './records.js';
import type { ActionReply, ClusterAction, ClusterFilters, PartRecord, RemoteParts } from './types.js';

export interface RedisBackendOptions {
  url: string;
  prefix: string;
  nodeId: string;
  sessionTimeoutMs: number;
  /** Node heartbeat period; a node silent for nodeTtlMs is dead. */
  beatMs: number;
  nodeTtlMs: number;
  /** How often changed parts are written: the most byte counts a crash can lose. */
  flushMs: number;
  log: Logger;
  registry: SessionRegistry;
  /** Runs an admin action on this node's part of a session. */
  runLocal(action: ClusterAction): ActionReply;
}

/** A query refreshes the cluster membership it addresses when it is older than this. */
const MEMBERSHIP_MAX_AGE_MS = 200;

type Message =
  | { t: 'q'; id: string; from: string; filters: ClusterFilters }
  | { t: 'r'; id: string; node: string; parts: PartRecord[] }
  | { t: 'a'; id: string; from: string; action: ClusterAction }
  | { t: 'ar'; id: string; reply: ActionReply };

interface Login {
  sid: string;
  from: string;
  username: string;
  roles: string[];
  loggedIn: boolean;
  isAdmin: boolean;
  loginAt: number;
}

interface Waiting {
  expected: Set<string>;
  parts: PartRecord[];
  replies: ActionReply[];
  done: () => void;
}

/** Marks of what was last written for a part, to write only what moved. */
interface Flushed {
  msgs: number;
  changes: number;
  comm: number;
}

/** Cluster mode on Redis: node heartbeats with TTLs, batched pipelined part writes, pub/sub requests. */
export class RedisBackend implements ClusterBackend {
  readonly mode = 'redis' as const;
  readonly nodeId: string;
  private readonly keys: Keys;
  private alive = new Set<string>();
  private known = new Set<string>();
  private readonly flushed = new WeakMap<Session, Flushed>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly timers: NodeJS.Timeout[] = [];
  private wasReady = false;
  private stopped = false;
  private readonly unlisten: () => void;
  /** Writes started by session ends: stop() waits for them. */
  private readonly inflight = new Set<Promise<void>>();

  private constructor(
    private readonly o: RedisBackendOptions,
    private readonly command: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    this.nodeId = o.nodeId;
    this.keys = new Keys(o.prefix);
    this.unlisten = o.registry.onChange((change, s) => {
      if (change === 'added') this.flushSoon();
      else if (change === 'removed') {
        const p = this.partEnded(s).catch((err: unknown) => this.trouble(err));
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      }
    });
  }

  static async start(o: RedisBackendOptions): Promise<RedisBackend> {
    const { command, subscriber } = await connectRedis(o.url);
    const b = new RedisBackend(o, command, subscriber);
    subscriber.on('message', (channel: string, text: string) => b.onMessage(channel, text));
    subscriber.on('ready', () => void b.subscribe());
    if (subscriber.status === 'ready') await b.subscribe();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => b.trouble(err)), ms);
      t.unref();
      b.timers.push(t);
    };
    every(o.beatMs, () => b.beat());
    every(o.flushMs, () => b.flush());
    every(Math.max(1_000, o.beatMs * 2), () => b.reap());
    await b.beat().catch((err: unknown) => b.trouble(err));
    return b;
  }

  get ready(): boolean {
    return this.command.status === 'ready' && !this.stopped;
  }

  private trouble(err: unknown): void {
    this.o.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'redis trouble');
  }

  private async subscribe(): Promise<void> {
    await this.subscriber.subscribe(this.keys.requests, this.keys.replies(this.nodeId), this.keys.logins).catch((err: unknown) => this.trouble(err));
  }

  /** Heartbeat, then the membership everyone else derives their view from. */
  private async beat(): Promise<void> {
    if (!this.ready) {
      if (this.wasReady) this.o.log.warn({ event: 'cluster.degraded', node: this.nodeId }, 'redis unreachable: serving this node only');
      this.wasReady = false;
      return;
    }
    const now = Date.now();
    const k = this.keys;
    await this.command
      .multi()
      .set(k.alive(this.nodeId), JSON.stringify({ node: this.nodeId, pid: process.pid, at: now }), 'PX', this.o.nodeTtlMs)
      .sadd(k.nodes, this.nodeId)
      .hset(k.beats, this.nodeId, String(now))
      .exec();
    await this.refreshMembership();
    if (!this.wasReady) {
      // Back after an outage (or first start): write every part again.
      this.wasReady = true;
      for (const s of this.o.registry.values()) this.flushed.delete(s);
      this.o.log.info({ event: 'cluster.ready', node: this.nodeId, nodes: [...this.alive] }, 'cluster view ready');
      await this.flush();
    }
  }

  private membershipAt = 0;

  /** Which nodes exist and which beat: queries and actions are addressed by it. */
  private async refreshMembership(): Promise<void> {
    const k = this.keys;
    const nodes = await this.command.smembers(k.nodes);
    const pipe = this.command.pipeline();
    for (const n of nodes) pipe.exists(k.alive(n));
    const res = (await pipe.exec()) ?? [];
    this.known = new Set(nodes);
    this.alive = new Set(nodes.filter((_, i) => res[i]?.[1] === 1));
    this.membershipAt = Date.now();
  }

  /** A query must not miss a node that joined since the last beat: refresh a stale view first. */
  private async freshMembership(): Promise<void> {
    if (Date.now() - this.membershipAt > MEMBERSHIP_MAX_AGE_MS) await this.refreshMembership();
  }

  private flushTimer: NodeJS.Timeout | undefined;
  /** New sessions are written at once, so a resume on another node finds them. */
  private flushSoon(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch((err: unknown) => this.trouble(err));
    }, 20);
  }

  /** Writes every part that moved since its last write, in one pipeline. */
  async flush(): Promise<void> {
    if (!this.ready) return;
    const now = Date.now();
    const k = this.keys;
    const pipe = this.command.pipeline();
    const written: [Session, Flushed][] = [];
    for (const s of this.o.registry.values()) {
      const f = this.flushed.get(s);
      if (f && f.msgs === s.messagesSent && f.changes === s.changes && f.comm === s.lastCommAt) continue;
      pipe.hset(k.parts(s.id), this.nodeId, JSON.stringify(toPart(s, this.nodeId, now)));
      if (!f) pipe.sadd(k.nodeParts(this.nodeId), s.id).hset(k.tokens, s.tokenHash, s.id);
      written.push([s, { msgs: s.messagesSent, changes: s.changes, comm: s.lastCommAt }]);
    }
    if (written.length === 0) return;
    await pipe.exec();
    for (const [s, f] of written) if (!s.ended) this.flushed.set(s, f);
  }

  /** A local part ended: a timeout retires it (ending the session if it was the last live part). */
  private async partEnded(s: Session): Promise<void> {
    if (!this.ready || s.endReason === 'terminated by admin') return;
    const k = this.keys;
    const now = Date.now();
    if (s.endReason === 'shutdown') {
      // This node is going away; the session lives on for its clients to resume elsewhere.
      const part = { ...toPart(s, this.nodeId, now), state: 'disconnected' as const, disconnectedAt: now, pages: [] };
      await this.command.hset(k.parts(s.id), this.nodeId, JSON.stringify(part)).catch((err: unknown) => this.trouble(err));
      return;
    }
    const retired = { ...toPart(s, this.nodeId, now), state: 'retired' as const, pages: [] };
    const ended = await this.command
      .eval(CHECK_SCRIPT, 3, k.parts(s.id), k.tokens, k.retired, s.id, String(now), String(this.o.sessionTimeoutMs), this.o.prefix, this.nodeId, JSON.stringify(retired))
      .catch((err: unknown) => this.trouble(err));
    if (ended === 1) this.o.log.debug({ sessionId: s.id }, 'session ended cluster-wide');
  }

  /** One node at a time ends sessions whose every part is gone: dead nodes leave no zombies. */
  private async reap(): Promise<void> {
    if (!this.ready) return;
    const k = this.keys;
    const got = await this.command.set(k.reaperLock, this.nodeId, 'PX', Math.max(2_000, this.o.beatMs * 4), 'NX');
    if (got !== 'OK') return;
    const now = Date.now();
    const beats = await this.command.hgetall(k.beats);
    const check = (sid: string) => this.command.eval(CHECK_SCRIPT, 3, k.parts(sid), k.tokens, k.retired, sid, String(now), String(this.o.sessionTimeoutMs), this.o.prefix);
    for (const n of this.known) {
      if (this.alive.has(n) || now - Number(beats[n] ?? 0) < this.o.nodeTtlMs) continue;
      const sids = await this.command.srandmember(k.nodeParts(n), 2_000);
      for (const sid of sids) await check(sid);
      if ((await this.command.scard(k.nodeParts(n))) === 0) {
        await this.command.multi().srem(k.nodes, n).hdel(k.beats, n).del(k.nodeParts(n)).exec();
        this.o.log.info({ event: 'cluster.reaped', node: n }, 'dead node reaped');
      }
    }
    for (const sid of await this.command.srandmember(k.retired, 2_000)) await check(sid);
  }

  async claim(tokenHash: string, project: string): Promise<PartRecord | undefined> {
    if (!this.ready) return undefined;
    const sid = await this.command.hget(this.keys.tokens, tokenHash);
    if (!sid) return undefined;
    const parts = Object.values(await this.command.hgetall(this.keys.parts(sid))).map(parsePart).filter((p): p is PartRecord => p !== undefined);
    const same = parts.filter((p) => p.project === project && p.tokenHash === tokenHash);
    if (same.length === 0) return undefined;
    return same.reduce((a, b) => (b.loginAt > a.loginAt ? b : a));
  }

  async partsOf(sid: string): Promise<PartRecord[]> {
    if (!this.ready) return [];
    const all = await this.command.hgetall(this.keys.parts(sid));
    return Object.entries(all)
      .filter(([node]) => node !== this.nodeId)
      .map(([, text]) => parsePart(text))
      .filter((p): p is PartRecord => p !== undefined)
      .map((p) => this.asSeen(p));
  }

  /** A part of a node that no longer beats is disconnected, whatever it said last. */
  private asSeen(p: PartRecord): PartRecord {
    return p.state === 'connected' && !this.alive.has(p.node) ? { ...p, state: 'disconnected' } : p;
  }

  async remoteParts(filters: ClusterFilters, timeoutMs: number): Promise<RemoteParts> {
    if (!this.ready) return { parts: [], unconfirmedNodes: [], degraded: true, answered: [] };
    try {
      await this.freshMembership();
    } catch (err) {
      this.trouble(err);
      return { parts: [], unconfirmedNodes: [], degraded: true, answered: [] };
    }
    const expected = new Set([...this.alive].filter((n) => n !== this.nodeId));
    const w = await this.ask({ t: 'q', id: randomUUID(), from: this.nodeId, filters }, expected, timeoutMs);
    const silent = [...this.known].filter((n) => n !== this.nodeId && !w.answered.has(n));
    const unconfirmed: string[] = [];
    try {
      const k = this.keys;
      const parts = w.parts;
      const keep = prefilter(filters);
      for (const n of silent) {
        const sids = await this.command.smembers(k.nodeParts(n));
        // A silent node counts as unconfirmed when it is alive or still holds sessions.
        if (this.alive.has(n) || sids.length > 0) unconfirmed.push(n);
        const pipe = this.command.pipeline();
        for (const sid of sids) pipe.hget(k.parts(sid), n);
        for (const r of (await pipe.exec()) ?? []) {
          const p = parsePart(r[1] as string | null);
          if (p && keep(p)) parts.push(this.asSeen(p));
        }
      }
      // Retired parts hold counters of sessions that live on elsewhere.
      const retired = await this.command.smembers(k.retired);
      const pipe = this.command.pipeline();
      for (const sid of retired) pipe.hgetall(k.parts(sid));
      for (const r of (await pipe.exec()) ?? []) {
        for (const text of Object.values((r[1] ?? {}) as Record<string, string>)) {
          const p = parsePart(text);
          if (p && p.state === 'retired' && keep(p)) parts.push(p);
        }
      }
      return { parts, unconfirmedNodes: unconfirmed, degraded: false, answered: [...w.answered] };
    } catch (err) {
      this.trouble(err);
      return { parts: w.parts, unconfirmedNodes: unconfirmed, degraded: true, answered: [...w.answered] };
    }
  }

  async act(action: ClusterAction, timeoutMs: number): Promise<ActionReply[]> {
    if (!this.ready) return [];
    // Ask the nodes that hold parts of the session (a part written moments ago may not be
    // there yet: then every live node).
    const holders = Object.keys(await this.command.hgetall(this.keys.parts(action.sid)));
    const expected = new Set((holders.length > 0 ? holders : [...this.alive]).filter((n) => n !== this.nodeId));
    return (await this.ask({ t: 'a', id: randomUUID(), from: this.nodeId, action }, expected, timeoutMs)).replies;
  }

  async forget(sid: string): Promise<void> {
    if (!this.ready) return;
    await this.command.eval(END_SCRIPT, 3, this.keys.parts(sid), this.keys.tokens, this.keys.retired, sid, this.o.prefix);
  }

  loginChanged(s: Session): void {
    if (!this.ready) return;
    const msg: Login = { sid: s.id, from: this.nodeId, username: s.username, roles: s.roles, loggedIn: s.loggedIn, isAdmin: s.isAdmin, loginAt: s.loginAt };
    void this.command.publish(this.keys.logins, JSON.stringify(msg)).catch((err: unknown) => this.trouble(err));
  }

  /** Publishes a request and gathers answers until every expected node replied or time is up. */
  private async ask(msg: Message & { id: string }, expected: Set<string>, timeoutMs: number) {
    const answered = new Set<string>();
    const w: Waiting = { expected, parts: [], replies: [], done: () => undefined };
    const finished = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      w.done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const asked = [...expected];
    this.waiting.set(msg.id, w);
    if (expected.size === 0) w.done();
    else await this.command.publish(this.keys.requests, JSON.stringify(msg)).catch(() => w.done());
    await finished;
    this.waiting.delete(msg.id);
    for (const n of asked) if (!w.expected.has(n)) answered.add(n);
    return { parts: w.parts, replies: w.replies, answered };
  }

  private onMessage(channel: string, text: string): void {
    try {
      if (channel === this.keys.logins) return this.onLogin(JSON.parse(text) as Login);
      const msg = JSON.parse(text) as Message;
      if (msg.t === 'q' && msg.from !== this.nodeId) {
        const keep = prefilter(msg.filters);
        const now = Date.now();
        const parts: PartRecord[] = [];
        for (const s of this.o.registry.values()) {
          const p = toPart(s, this.nodeId, now);
          if (keep(p)) parts.push(p);
        }
        void this.command.publish(this.keys.replies(msg.from), JSON.stringify({ t: 'r', id: msg.id, node: this.nodeId, parts })).catch((err: unknown) => this.trouble(err));
      } else if (msg.t === 'a' && msg.from !== this.nodeId) {
        const reply = this.o.runLocal(msg.action);
        void this.command.publish(this.keys.replies(msg.from), JSON.stringify({ t: 'ar', id: msg.id, reply: { ...reply, node: this.nodeId } })).catch((err: unknown) => this.trouble(err));
      } else if (msg.t === 'r' || msg.t === 'ar') {
        const w = this.waiting.get(msg.id);
        if (!w) return;
        const node = msg.t === 'r' ? msg.node : msg.reply.node;
        if (msg.t === 'r') for (const p of msg.parts) w.parts.push(p);
        else w.replies.push(msg.reply);
        w.expected.delete(node);
        if (w.expected.size === 0) w.done();
      }
    } catch (err) {
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err), channel }, 'bad cluster message');
    }
  }

  private onLogin(m: Login): void {
    if (m.from === this.nodeId) return;
    const s = this.o.registry.get(m.sid);
    if (!s || m.loginAt <= s.loginAt) return;
    if (m.loggedIn) s.login(m.username, m.roles, m.isAdmin, m.loginAt);
    else s.logout(m.loginAt);
    this.o.registry.touched(s);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await Promise.all([...this.inflight]);
    if (this.command.status === 'ready') {
      await this.flush().catch((err: unknown) => this.trouble(err));
      await this.command.del(this.keys.alive(this.nodeId)).catch((err: unknown) => this.trouble(err));
    }
    this.stopped = true;
    this.unlisten();
    this.subscriber.disconnect();
    this.command.disconnect();
  }
}

/** Project and username filters applied to parts before they travel. */
function prefilter(f: ClusterFilters): (p: PartRecord) => boolean {
  const user = compileFilter('usernameFilter', f.usernameFilter);
  const project = compileFilter('projectFilter', f.projectFilter);
  return (p) => (!user || user(p.username)) && (!project || project(p.project));
}
