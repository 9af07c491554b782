import type { Logger } from 'pino';
import type { RedisClient } from './connect.js';
import type { Keys } from './keys.js';
import { NODE_MESSAGE_VERSION, nodeMessageText, type NodeMessageOf } from './messages.js';
import { isPart } from './records.js';
import type { ClusterChange, PartRecord } from './types.js';

export type ChangeListener = (change: ClusterChange) => void;

type StreamMessage = NodeMessageOf<'parts'> | NodeMessageOf<'ended'>;

/**
 * The cluster's change stream, for live feeds. Nodes publish their part writes on one
 * channel, but only while some node listens (it renews a mark in Redis at every beat and
 * announces itself at once on the request channel): a cluster nobody watches pays nothing.
 * Session ends are rare and always published.
 */
export class ChangeStream {
  private readonly listeners = new Set<ChangeListener>();
  /** This node publishes its writes until then: someone in the cluster listens. */
  private publishUntil = 0;
  private started: Promise<void> | undefined;

  constructor(
    private readonly command: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly keys: Keys,
    private readonly nodeId: string,
    /** How long one listener mark lasts without renewal (the node TTL). */
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * True while any node listens: writes go out on the stream too. A plain field: it is read
   * on every page change; it turns off at the first beat after the last listener's mark lapsed.
   */
  publishing = false;

  /** True while this node listens. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  /** Another node announced a listener, or its mark was seen at a beat. */
  heard(): void {
    this.publishUntil = Date.now() + this.ttlMs;
    this.publishing = true;
  }

  /** Resolves once subscribed and announced: from then on no node's write is missed. */
  async listen(listener: ChangeListener): Promise<() => void> {
    this.listeners.add(listener);
    this.started ??= this.start().catch((err: unknown) => {
      // Redis is away: the feed still starts (degraded) and resyncs when it returns.
      this.trouble(err);
    });
    await this.started;
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.started = undefined;
      void this.subscriber.unsubscribe(this.keys.changes).catch((err: unknown) => this.trouble(err));
    };
  }

  /** Subscribes first, then announces: no write after the announcement can be missed. */
  private async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.changes);
    await this.renew();
    await this.command.publish(this.keys.requests, nodeMessageText({ type: 'watcher', from: this.nodeId }));
  }

  /** At every beat: renews this node's listener mark; reads whether anyone else listens. */
  async renew(): Promise<void> {
    if (this.listening) await this.command.set(this.keys.watched, this.nodeId, 'PX', this.ttlMs);
    if ((await this.command.exists(this.keys.watched)) === 1) this.heard();
    else this.publishing = Date.now() < this.publishUntil;
  }

  /** The stream message for part writes (each part already JSON), or undefined when nobody listens. */
  partsMessage(partJsons: readonly string[]): string | undefined {
    if (!this.publishing || partJsons.length === 0) return undefined;
    if (Date.now() >= this.publishUntil) {
      this.publishing = false;
      return undefined;
    }
    // By hand: the parts are JSON already (the same text as their records in Redis).
    return `{"version":${NODE_MESSAGE_VERSION},"type":"parts","node":${JSON.stringify(this.nodeId)},"parts":[${partJsons.join(',')}]}`;
  }

  /** Sessions ended cluster-wide (by timeout, reaping or an admin). */
  ended(sids: readonly string[]): void {
    if (sids.length === 0) return;
    void this.command
      .publish(this.keys.changes, nodeMessageText({ type: 'ended', node: this.nodeId, sids: [...sids] }))
      .catch((err: unknown) => this.trouble(err));
  }

  /** Tells this node's listeners (membership moves, resyncs). */
  emit(change: ClusterChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log.error({ err }, 'cluster change listener failed');
      }
    }
  }

  /** A message on the change channel (only subscribed while listening), checked by parseNodeMessage. */
  onMessage(msg: StreamMessage): void {
    if (msg.type === 'parts') {
      if (msg.node === this.nodeId) return;
      const parts = msg.parts.filter((p): p is PartRecord => isPart(p));
      if (parts.length > 0) this.emit({ kind: 'parts', parts });
    } else {
      // Our own ends too: a reaper's end must reach this node's feeds like any other.
      this.emit({ kind: 'ended', sids: msg.sids });
    }
  }

  private trouble(err: unknown): void {
    this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'redis trouble (change stream)');
  }
}
