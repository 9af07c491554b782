import type { Logger } from 'pino';
import type { Dataset, SessionInfo, SessionStats } from '@session-tracker/shared';
import { RawJson } from '../lib/raw-json.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import type { ClusterBackend } from './backend.js';
import { ChangeStream, type ChangeListener } from './change-stream.js';
import { connectRedis, deadline, readyWithin, type RedisClient } from './connect.js';
import { Gatherer, READ_WAIT_MS } from './gather.js';
import { Keys } from './keys.js';
import { LoginPropagation } from './logins.js';
import { Membership } from './membership.js';
import { parseNodeMessage } from './messages.js';
import { asSeen, decodeParts, prefilter, toPart } from './records.js';
import { Reaper } from './reaper.js';
import { Requests } from './requests.js';
import { PartStore, type SessionEndSink } from './store.js';
import { PartWriter } from './writer.js';
import { clusterDataset, clusterSelf, clusterSessions, clusterStats } from './query.js';
import type { ActionReply, ClusterAction, ClusterFilters, PartForm, PartRecord, RemoteParts, RemoteViews } from './types.js';
import { decodeViews, encodeViews, viewOfPart, viewsOfSessions } from './views.js';
import { answerList, clusterPage, type ListSpec } from './list.js';
import type { Filter } from '../filters/regex.js';
import type { ListQuery } from '../listing/answer.js';

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
  /** Told once per session the cluster ends, on the node that decided it (history records it there). */
  sessionEnded?: SessionEndSink;
}

/** Claims whose join never came (the socket went first) are forgotten past this many. */
const CARRIED_MAX = 1_000;

/** Claimed sessions remembered for sessions.list's count before those never joined are dropped. */
const JOINED_MAX = 100_000;

/** How long a starting node waits for Redis before it serves alone (degraded) and retries. */
const START_WAIT_MS = 2_000;

/** Cluster mode on Redis: node heartbeats with TTLs, batched pipelined part writes, pub/sub requests. */
export class RedisBackend implements ClusterBackend {
  readonly nodeId: string;
  private readonly keys: Keys;
  private readonly members: Membership;
  private readonly logins: LoginPropagation;
  private readonly writer: PartWriter;
  private readonly requests: Requests;
  private readonly timers: NodeJS.Timeout[] = [];
  private wasReady = false;
  /**
   * When this node's view of the cluster became current (start, back after an outage or a
   * pause). Until a node TTL later it does not reap: the others' beats may predate the outage.
   */
  private readySince = 0;
  /** False once a beat failed or timed out, until one goes through. */
  private reachable = true;
  private stopped = false;
  private readonly unlisten: () => void;
  private readonly stream: ChangeStream;
  private readonly store: PartStore;
  private readonly reaper: Reaper;
  private readonly gatherer: Gatherer;

  private constructor(
    private readonly o: RedisBackendOptions,
    private readonly command: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    this.nodeId = o.nodeId;
    this.keys = new Keys(o.prefix);
    this.store = new PartStore(command, this.keys, o.sessionTimeoutMs, o.sessionEnded);
    this.requests = new Requests({
      command,
      keys: this.keys,
      nodeId: o.nodeId,
      log: o.log,
      answerQuery: (filters, form) => this.answerQuery(filters, form),
      answerList: (filters, spec) => answerList(o.registry, o.nodeId, filters, spec, Date.now(), this.joinedHere),
      runLocal: o.runLocal,
      onWatcher: () => this.stream.heard(),
    });
    this.stream = new ChangeStream(command, subscriber, this.keys, o.nodeId, o.nodeTtlMs, o.log);
    this.members = new Membership(command, this.keys, o.nodeId, o.nodeTtlMs, (alive) => this.stream.emit({ kind: 'nodes', alive }));
    this.logins = new LoginPropagation(command, this.keys, o.nodeId, o.registry);
    const { registry, log } = o;
    this.writer = new PartWriter({
      command,
      keys: this.keys,
      nodeId: o.nodeId,
      registry,
      store: this.store,
      stream: this.stream,
      log,
      canWrite: () => this.ready && this.wasReady,
    });
    this.gatherer = new Gatherer({
      nodeId: o.nodeId,
      members: this.members,
      store: this.store,
      requests: this.requests,
      registry: o.registry,
      ready: () => this.ready,
      trouble: (err) => this.trouble(err),
    });
    this.reaper = new Reaper({
      command,
      keys: this.keys,
      nodeId: o.nodeId,
      members: this.members,
      store: this.store,
      stream: this.stream,
      writer: this.writer,
      log,
      nodeTtlMs: o.nodeTtlMs,
      lockMs: Math.max(2_000, o.beatMs * 4),
    });
    this.unlisten = registry.onChange((change, s) => {
      // New sessions go out at once (a resume elsewhere must find them); changes too while
      // someone watches the cluster.
      if (change === 'added') {
        this.carry(s);
        this.logins.joined(s);
      }
      if (change === 'added' || (change === 'updated' && this.stream.publishing)) this.writer.flushSoon();
      else if (change === 'removed') {
        this.writer.ended(s, this.ready);
        this.joinedHere.delete(s.id);
      }
    });
  }

  /**
   * Sessions claimed here from other nodes: they may have parts on several nodes, and a
   * sessions.list counts each once (see remoteList). Ended ones leave; claims whose join never
   * came are dropped past JOINED_MAX.
   */
  private readonly joinedHere = new Set<string>();

  /** Counters of this node's earlier part of a session being joined here (see claim). */
  private readonly carried = new Map<string, PartRecord>();

  private carry(s: Session): void {
    const old = this.carried.get(s.id);
    if (!old) return;
    this.carried.delete(s.id);
    s.totalBytesSent += old.totalBytesSent;
    s.totalBytesReceived += old.totalBytesReceived;
    s.messagesSent += old.messagesSent;
  }

  static async start(o: RedisBackendOptions): Promise<RedisBackend> {
    const { command, subscriber } = await connectRedis(o.url);
    const b = new RedisBackend(o, command, subscriber);
    subscriber.on('message', (channel: string, text: string) => b.onMessage(channel, text));
    subscriber.on('ready', () => void b.subscribe());
    // Join the cluster the moment Redis is reachable (at start and after an outage), not a beat later.
    command.on('ready', () => void b.beat().catch((err: unknown) => b.trouble(err)));
    // Until its first beat the others do not know this node: a query would miss its sessions.
    await Promise.all([readyWithin(command, START_WAIT_MS), readyWithin(subscriber, START_WAIT_MS)]);
    if (subscriber.status === 'ready') await b.subscribe();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => b.trouble(err)), ms);
      t.unref();
      b.timers.push(t);
    };
    every(o.beatMs, () => b.beat());
    every(o.flushMs, () => b.writer.flush());
    every(Math.max(1_000, o.beatMs * 2), () => b.reap());
    await b.beat().catch((err: unknown) => b.trouble(err));
    return b;
  }

  /** Connected, and the last beat went through: a frozen Redis counts as gone. */
  get ready(): boolean {
    return this.command.status === 'ready' && this.reachable && !this.stopped;
  }

  private trouble(err: unknown): void {
    this.o.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'redis trouble');
  }

  private async subscribe(): Promise<void> {
    const channels = [this.keys.requests, this.keys.replies(this.nodeId), this.keys.logins];
    if (this.stream.listening) channels.push(this.keys.changes);
    await this.subscriber.subscribe(...channels).catch((err: unknown) => this.trouble(err));
  }

  /** Heartbeat, then the membership everyone else derives their view from. */
  private beating: Promise<void> | undefined;

  /** One beat at a time: a caller during a beat waits for that one. */
  private beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** Set while a beat's commands are unanswered: a frozen Redis gets no new ones meanwhile. */
  private beatWaiting = false;

  private async beatOnce(): Promise<void> {
    if (this.command.status !== 'ready' || this.stopped || this.beatWaiting) return this.lost();
    let lapsed = false;
    try {
      this.beatWaiting = true;
      const work = (async () => {
        lapsed = await this.members.beat(Date.now());
        await this.stream.renew();
        await this.members.refresh();
      })().finally(() => (this.beatWaiting = false));
      // Slower than the node TTL, and the others count this node dead anyway.
      await deadline(work, this.o.nodeTtlMs, 'beat');
    } catch (err) {
      this.trouble(err);
      return this.lost();
    }
    this.reachable = true;
    if (!this.wasReady || lapsed) {
      // Back after an outage (or first start), or after a pause long enough for the others
      // to count this node dead: the reaper may have retired its parts and forgotten it, so
      // every live session is announced again.
      if (this.wasReady)
        this.o.log.warn({ event: 'cluster.rejoined', node: this.nodeId }, 'this node was counted dead: announcing its sessions again');
      else this.o.log.info({ event: 'cluster.ready', node: this.nodeId, nodes: [...this.members.alive] }, 'cluster view ready');
      this.wasReady = true;
      this.readySince = Date.now();
      await this.writer.rewriteAll();
      // Feeds may have missed changes meanwhile.
      if (this.stream.listening) this.stream.emit({ kind: 'resync' });
    }
  }

  /** Redis is out of reach: serve this node's sessions alone until a beat goes through. */
  private lost(): void {
    this.reachable = false;
    if (this.wasReady) this.o.log.warn({ event: 'cluster.degraded', node: this.nodeId }, 'redis unreachable: serving this node only');
    this.wasReady = false;
  }

  /** The reaper's pass, on a node whose view of the cluster is current (see readySince). */
  private async reap(): Promise<void> {
    if (!this.ready || Date.now() - this.readySince < this.o.nodeTtlMs) return;
    await this.reaper.pass();
  }

  async claim(tokenHash: string, project: string): Promise<PartRecord | undefined> {
    if (!this.ready) return undefined;
    const sid = await deadline(this.store.sessionOfToken(tokenHash), READ_WAIT_MS, 'resume');
    if (!sid) return undefined;
    const parts = await deadline(this.store.sessionParts(sid), READ_WAIT_MS, 'resume');
    const same = [...parts.values()].filter((p) => p.project === project && p.tokenHash === tokenHash);
    if (same.length === 0) return undefined;
    // A part this node name held before (retired by the reaper, or left by its previous run)
    // is overwritten by the part the join makes: its counters go into that part.
    const own = parts.get(this.nodeId);
    if (own && own.tokenHash === tokenHash) {
      if (this.carried.size >= CARRIED_MAX) this.carried.clear();
      this.carried.set(sid, own);
    }
    if (this.joinedHere.size >= JOINED_MAX) for (const j of this.joinedHere) if (!this.o.registry.get(j)) this.joinedHere.delete(j);
    this.joinedHere.add(sid);
    return same.reduce((a, b) => (b.loginAt > a.loginAt ? b : a));
  }

  async partsOf(sid: string): Promise<{ parts: PartRecord[]; beating: ReadonlySet<string> }> {
    const beating = this.members.alive;
    if (!this.ready) return { parts: [], beating };
    const all = await deadline(this.store.sessionParts(sid), READ_WAIT_MS, 'session parts').catch((err: unknown) => {
      this.trouble(err);
      return new Map<string, PartRecord>();
    });
    return { parts: [...all].filter(([node]) => node !== this.nodeId).map(([, p]) => this.asSeen(p)), beating };
  }

  /** See records.ts asSeen: by this node's view of who beats. */
  private asSeen(p: PartRecord): PartRecord {
    return asSeen(p, (n) => this.members.alive.has(n));
  }

  self(session: Session): Promise<SessionInfo> {
    return clusterSelf(this, session);
  }

  async sessionList(filters: ClusterFilters, local: readonly Session[], dataset: boolean, timeoutMs: number): Promise<RawJson | Dataset> {
    const a = await clusterSessions(this, filters, local, timeoutMs);
    return dataset ? clusterDataset(a.sessions) : RawJson.of('[', a.sessions, (s) => s.json, ']');
  }

  sessionStats(filters: ClusterFilters, local: readonly Session[], timeoutMs: number): Promise<SessionStats> {
    return clusterSessions(this, filters, local, timeoutMs).then(clusterStats);
  }

  async remoteViews(filters: ClusterFilters, timeoutMs: number): Promise<RemoteViews> {
    const now = Date.now();
    const g = await this.gatherer.gather(filters, 'views', timeoutMs, decodeViews, (p, confirmed, beating) =>
      viewOfPart(p, now, confirmed, beating),
    );
    return { views: g.items, unconfirmedNodes: g.unconfirmedNodes, degraded: g.degraded, answered: g.answered };
  }

  async remoteParts(filters: ClusterFilters, timeoutMs: number): Promise<RemoteParts> {
    const g = await this.gatherer.gather(filters, 'parts', timeoutMs, decodeParts, (p) => p);
    return { parts: g.items, unconfirmedNodes: g.unconfirmedNodes, degraded: g.degraded, answered: g.answered };
  }

  async sessionPage(
    registry: SessionRegistry,
    filters: ClusterFilters,
    q: ListQuery,
    user: Filter,
    project: Filter,
    timeoutMs: number,
  ): Promise<RawJson> {
    const spec: ListSpec = { sort: q.order.text, after: q.after, want: q.skip + q.limit + 1 };
    const remote = await this.gatherer.list(filters, spec, timeoutMs, this.joinedHere);
    return clusterPage(registry, this.nodeId, remote, q, user, project, Date.now());
  }

  /** This node's answer to a query: its parts matching the filters, one per line. */
  private answerQuery(filters: ClusterFilters, form: PartForm): string {
    const keep = prefilter(filters);
    const now = Date.now();
    const sessions = [...this.o.registry.values()].filter((s) => keep(s));
    if (form === 'views') return encodeViews(viewsOfSessions(sessions, this.nodeId, now));
    return sessions.map((s) => JSON.stringify(toPart(s, this.nodeId, now))).join('\n');
  }

  async storedParts(node: string, sids: readonly string[]): Promise<(PartRecord | undefined)[] | undefined> {
    if (!this.ready) return undefined;
    return deadline(this.store.partsAt(node, sids), READ_WAIT_MS, 'stored parts').catch((err: unknown) => {
      this.trouble(err);
      return undefined;
    });
  }

  async act(action: ClusterAction, timeoutMs: number): Promise<ActionReply[]> {
    if (!this.ready) return [];
    // Ask the beating nodes that hold parts of the session: a dead node has no sockets and
    // never answers. A part written moments ago may not be there yet: then every live node.
    const holders = await deadline(this.store.holders(action.sid), READ_WAIT_MS, 'holders').catch((err: unknown) => {
      this.trouble(err);
      return { all: [], beating: [] };
    });
    const expected = new Set((holders.all.length > 0 ? holders.beating : [...this.members.alive]).filter((n) => n !== this.nodeId));
    return (await this.requests.action(action, expected, timeoutMs)).replies;
  }

  async forget(sid: string): Promise<void> {
    if (!this.ready) return;
    try {
      await deadline(this.store.end(sid), READ_WAIT_MS, 'end session');
      this.stream.ended([sid]);
    } catch (err) {
      // Its parts stay in Redis: each node holding one lists it as an orphan once Redis is back.
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err), sessionId: sid }, 'could not end the session in redis');
    }
  }

  async listen(listener: ChangeListener): Promise<() => void> {
    const off = await this.stream.listen(listener);
    listener({ kind: 'nodes', alive: new Set(this.members.alive) });
    return off;
  }

  loginChanged(s: Session): void {
    if (!this.ready) return;
    void this.logins.publish(s).catch((err: unknown) => this.trouble(err));
    // Also into the part record at once: a tab resuming on another node right now reads the
    // record, and the broadcast above went out before that node held a copy to apply it to.
    this.writer.flushSoon();
  }

  /** Every message is checked (messages.ts) before use; each channel takes its own types only. */
  private onMessage(channel: string, text: string): void {
    try {
      const k = this.keys;
      // A query reply is its message's line, then the body.
      const nl = channel === k.replies(this.nodeId) ? text.indexOf('\n') : -1;
      const msg = parseNodeMessage(nl < 0 ? text : text.slice(0, nl), this.o.log, channel);
      if (msg === undefined) return;
      const t = msg.type;
      if (channel === k.logins && t === 'login') this.logins.onMessage(msg);
      else if (channel === k.changes && (t === 'parts' || t === 'ended')) this.stream.onMessage(msg);
      else if (channel === k.requests && (t === 'query' || t === 'list' || t === 'action' || t === 'watcher')) this.requests.onRequest(msg);
      else if (channel === k.replies(this.nodeId) && (t === 'queryReply' || t === 'actionReply'))
        this.requests.onReply(msg, nl < 0 ? '' : text.slice(nl + 1));
      else this.o.log.warn({ event: 'cluster.message', channel, type: t }, 'cluster message dropped: not of this channel');
    } catch (err) {
      this.o.log.warn({ err: err instanceof Error ? err.message : String(err), channel }, 'bad cluster message');
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const t of this.timers) clearInterval(t);
    const connected = this.command.status === 'ready';
    await this.writer.stop(connected);
    if (connected) await this.members.leave().catch((err: unknown) => this.trouble(err));
    this.stopped = true;
    this.unlisten();
    this.subscriber.disconnect();
    this.command.disconnect();
  }
}
