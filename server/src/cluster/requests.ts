import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import type { ListSpec } from './list.js';
import { nodeMessageText, type NodeMessageOf } from './messages.js';
import type { ActionReply, ClusterAction, ClusterFilters, PartForm } from './types.js';

/**
 * Replies larger than this go through a key, read once and deleted, instead of pub/sub:
 * Redis cuts a subscriber off when its pending pub/sub output passes 32 MiB (the default
 * client-output-buffer-limit), and a 40,000-session answer from several nodes gets close.
 */
const INLINE_MAX = 256 * 1024;
/** A stored reply nobody read (its asker died) expires. */
const STORED_TTL_MS = 10_000;

type Request = NodeMessageOf<'query'> | NodeMessageOf<'list'> | NodeMessageOf<'action'> | NodeMessageOf<'watcher'>;
type ReplyHead = NodeMessageOf<'queryReply'> | NodeMessageOf<'actionReply'>;

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
    return this.ask({ type: 'query', id: randomUUID(), from: this.o.nodeId, filters, form }, expected, timeoutMs);
  }

  /** sessions.list: each node's first parts after a cursor (cluster/list.ts). */
  list(filters: ClusterFilters, spec: ListSpec, expected: Set<string>, timeoutMs: number) {
    return this.ask({ type: 'list', id: randomUUID(), from: this.o.nodeId, filters, list: spec }, expected, timeoutMs);
  }

  action(action: ClusterAction, expected: Set<string>, timeoutMs: number) {
    return this.ask({ type: 'action', id: randomUUID(), from: this.o.nodeId, action }, expected, timeoutMs);
  }

  /** Publishes a request and gathers answers until every expected node replied or time is up. */
  private async ask(
    msg: Omit<NodeMessageOf<'query'>, 'version'> | Omit<NodeMessageOf<'list'>, 'version'> | Omit<NodeMessageOf<'action'>, 'version'>,
    expected: Set<string>,
    timeoutMs: number,
  ) {
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
    else void this.o.command.publish(this.o.keys.requests, nodeMessageText(msg)).catch(() => w.done());
    await finished;
    w.open = false;
    this.waiting.delete(msg.id);
    for (const n of asked) if (!w.expected.has(n)) answered.add(n);
    return { bodies: w.bodies, replies: w.replies, answered };
  }

  /** A message on the request channel (every node's), checked by parseNodeMessage. */
  onRequest(msg: Request): void {
    if (msg.from === this.o.nodeId) return;
    if (msg.type === 'watcher') return this.o.onWatcher();
    const to = this.o.keys.replies(msg.from);
    if (msg.type === 'action') {
      return this.publish(
        to,
        nodeMessageText({ type: 'actionReply', id: msg.id, reply: { ...this.o.runLocal(msg.action), node: this.o.nodeId } }),
      );
    }
    const body = msg.type === 'list' ? this.o.answerList(msg.filters, msg.list) : this.o.answerQuery(msg.filters, msg.form);
    this.reply(msg.id, to, body);
  }

  /** A query's or list's answer: inline when small, else through a key read once (see INLINE_MAX). */
  private reply(id: string, to: string, body: string): void {
    if (body.length <= INLINE_MAX) return this.publish(to, `${nodeMessageText({ type: 'queryReply', id, node: this.o.nodeId })}\n${body}`);
    const key = this.o.keys.answer(id, this.o.nodeId);
    void this.o.command
      .multi()
      .set(key, body, 'PX', STORED_TTL_MS)
      .publish(to, nodeMessageText({ type: 'queryReply', id, node: this.o.nodeId, key }))
      .exec()
      .catch((err: unknown) => this.trouble(err));
  }

  /**
   * A message on this node's reply channel: its head line (checked by parseNodeMessage), then
   * for inline query replies the body.
   */
  onReply(head: ReplyHead, body: string): void {
    const w = this.waiting.get(head.id);
    if (!w) return;
    if (head.type === 'actionReply') return this.answered(w, head.reply.node, () => w.replies.push(head.reply));
    if (!head.key) return this.answered(w, head.node, () => w.bodies.push(body));
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
