import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import type { ListSpec } from './list.js';
import type { ActionReply, ClusterAction, ClusterFilters, PartForm } from './types.js';

/**
 * Replies larger than this go through a key, read once and deleted, instead of pub/sub:
 * Redis cuts a subscriber off when its pending pub/sub output passes 32 MiB (the default
 * client-output-buffer-limit), and a 40,000-session answer from several nodes gets close.
 */
const INLINE_MAX = 256 * 1024;
/** A stored reply nobody read (its asker died) expires. */
const STORED_TTL_MS = 10_000;

type Request =
  | { t: 'q'; id: string; from: string; filters: ClusterFilters; form: PartForm }
  /** sessions.list: the node's first parts after a cursor (cluster/list.ts). */
  | { t: 'l'; id: string; from: string; filters: ClusterFilters; list: ListSpec }
  | { t: 'a'; id: string; from: string; action: ClusterAction } | { t: 'w'; from: string };
type ReplyHead = { t: 'r'; id: string; node: string; key?: string } | { t: 'ar'; id: string; reply: ActionReply };

interface Waiting {
  /** False once the asker stopped waiting: late replies are dropped. */
  open: boolean;
  expected: Set<string>;
  /** Each answering node's reply body (lines of views or records). */
  bodies: string[];
  replies: ActionReply[];
  done: () => void;
}

export interface RequestsOptions {
  command: RedisClient;
  keys: Keys;
  nodeId: string;
  log: Logger;
  /** This node's parts matching the filters, as lines of text in the form asked for. */
  answerQuery(filters: ClusterFilters, form: PartForm): string;
  /** This node's first parts for a sessions.list (cluster/list.ts answerList). */
  answerList(filters: ClusterFilters, spec: ListSpec): string;
  runLocal(action: ClusterAction): ActionReply;
  /** Another node has a live feed: publish writes on the change stream. */
  onWatcher(): void;
}

/** Requests to every node over pub/sub and their replies: cluster queries and admin actions. */
export class Requests {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly o: RequestsOptions) {}

  query(filters: ClusterFilters, form: PartForm, expected: Set<string>, timeoutMs: number) {
    return this.ask({ t: 'q', id: randomUUID(), from: this.o.nodeId, filters, form }, expected, timeoutMs);
  }

  list(filters: ClusterFilters, spec: ListSpec, expected: Set<string>, timeoutMs: number) {
    return this.ask({ t: 'l', id: randomUUID(), from: this.o.nodeId, filters, list: spec }, expected, timeoutMs);
  }

  action(action: ClusterAction, expected: Set<string>, timeoutMs: number) {
    return this.ask({ t: 'a', id: randomUUID(), from: this.o.nodeId, action }, expected, timeoutMs);
  }

  /** Publishes a request and gathers answers until every expected node replied or time is up. */
  private async ask(msg: Request & { id: string }, expected: Set<string>, timeoutMs: number) {
    const answered = new Set<string>();
    const w: Waiting = { open: true, expected, bodies: [], replies: [], done: () => undefined };
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
    // Not awaited: a frozen Redis never confirms, and the wait below is bounded anyway.
    else void this.o.command.publish(this.o.keys.requests, JSON.stringify(msg)).catch(() => w.done());
    await finished;
    w.open = false;
    this.waiting.delete(msg.id);
    for (const n of asked) if (!w.expected.has(n)) answered.add(n);
    return { bodies: w.bodies, replies: w.replies, answered };
  }

  /** A message on the request channel (every node's). */
  onRequest(text: string): void {
    const msg = JSON.parse(text) as Request;
    if (msg.from === this.o.nodeId) return;
    if (msg.t === 'w') return this.o.onWatcher();
    const to = this.o.keys.replies(msg.from);
    if (msg.t === 'a') {
      const head: ReplyHead = { t: 'ar', id: msg.id, reply: { ...this.o.runLocal(msg.action), node: this.o.nodeId } };
      return this.publish(to, JSON.stringify(head));
    }
    if (msg.t === 'l') return this.reply(msg.id, to, this.o.answerList(msg.filters ?? {}, msg.list));
    if (msg.t !== 'q') return;
    this.reply(msg.id, to, this.o.answerQuery(msg.filters ?? {}, msg.form === 'parts' ? 'parts' : 'views'));
  }

  /** A query's answer: inline when small, else through a key read once (see INLINE_MAX). */
  private reply(id: string, to: string, body: string): void {
    if (body.length <= INLINE_MAX) return this.publish(to, `${JSON.stringify({ t: 'r', id, node: this.o.nodeId })}\n${body}`);
    const key = this.o.keys.answer(id, this.o.nodeId);
    const head: ReplyHead = { t: 'r', id, node: this.o.nodeId, key };
    void this.o.command
      .multi()
      .set(key, body, 'PX', STORED_TTL_MS)
      .publish(to, JSON.stringify(head))
      .exec()
      .catch((err: unknown) => this.trouble(err));
  }

  /** A message on this node's reply channel: a head line, then (inline replies) the body. */
  onReply(text: string): void {
    const nl = text.indexOf('\n');
    const head = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as ReplyHead;
    const w = this.waiting.get(head.id);
    if (!w) return;
    if (head.t === 'ar') return this.answered(w, head.reply.node, () => w.replies.push(head.reply));
    if (!head.key) return this.answered(w, head.node, () => w.bodies.push(nl < 0 ? '' : text.slice(nl + 1)));
    const key = head.key;
    void this.o.command
      .multi()
      .get(key)
      .del(key)
      .exec()
      .then((res) => {
        const body = res?.[0]?.[1];
        if (typeof body === 'string') this.answered(w, head.node, () => w.bodies.push(body));
      })
      .catch((err: unknown) => this.trouble(err));
  }

  private answered(w: Waiting, node: string, take: () => void): void {
    if (!w.open) return;
    take();
    w.expected.delete(node);
    if (w.expected.size === 0) w.done();
  }

  private publish(channel: string, text: string): void {
    void this.o.command.publish(channel, text).catch((err: unknown) => this.trouble(err));
  }

  private trouble(err: unknown): void {
    this.o.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'redis trouble (requests)');
  }
}
