import {
  isContractMethod,
  isResultOf,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type MethodName,
  type MethodResults,
} from '@session-tracker/shared';
import { ClientError, RpcError } from '../errors.js';
import type { Logger } from '../logger.js';
import { TimerSlot, type Timers } from '../timers.js';

interface Entry {
  /** A contract method, or `app.<name>` (1.1: the app's own traffic, results unchecked). */
  readonly method: string;
  readonly params: unknown;
  /** A notification: sent without an id, settled once it is written. */
  readonly notify?: boolean;
  readonly timer: TimerSlot;
  /** The request id once the call went out on a socket. */
  id: number | null;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface ChannelOptions {
  timers: Timers;
  /** Per-call timeout, counted from the call (time spent queued included). */
  callTimeoutMs: number;
  /** At most this many calls wait for a connection; more are rejected with `QUEUE_FULL`. */
  maxQueued: number;
  /** Writes one text frame; false when no socket is open. */
  send(text: string): boolean;
  logger: Logger;
}

/** Pending calls: queued ones (not yet sent) and in-flight ones (sent, awaiting their response). */
export interface CallOptions {
  timeoutMs?: number | undefined;
  /** false: a call the socket cannot take now fails with DISCONNECTED instead of waiting. */
  queue?: boolean;
}

export class RpcChannel {
  private nextId = 1;
  private readonly inFlight = new Map<number, Entry>();
  private queued: Entry[] = [];

  constructor(private readonly options: ChannelOptions) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /**
   * Sends the call at once when `sendNow`, else queues it until `flush()`. With
   * `queue: false` a call the socket cannot take fails with `DISCONNECTED` instead.
   */
  call<M extends MethodName>(method: M, params: unknown, sendNow: boolean, options: CallOptions = {}): Promise<MethodResults[M]> {
    return this.enqueue(method, params, sendNow, options, false) as Promise<MethodResults[M]>;
  }

  /** An app method (`app.<name>`): queued and timed like any call; its result is the app's own. */
  callApp(method: string, params: unknown, sendNow: boolean, timeoutMs?: number): Promise<unknown> {
    return this.enqueue(method, params, sendNow, { timeoutMs }, false);
  }

  /** A notification: in the same queue (so in order with calls), settled once written. */
  notify(method: string, params: unknown, sendNow: boolean, timeoutMs?: number): Promise<void> {
    return this.enqueue(method, params, sendNow, { timeoutMs }, true) as Promise<void>;
  }

  private enqueue(method: string, params: unknown, sendNow: boolean, options: CallOptions, notify: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const entry: Entry = {
        method,
        params,
        notify,
        timer: new TimerSlot(this.options.timers),
        id: null,
        settled: false,
        resolve,
        reject,
      };
      const ms = options.timeoutMs ?? this.options.callTimeoutMs;
      entry.timer.set(() => this.timeout(entry, ms), ms);
      if (sendNow && this.transmit(entry)) return;
      if (entry.settled) return;
      if (options.queue === false) {
        this.fail(entry, new ClientError('DISCONNECTED', `${method}: no open socket`));
        return;
      }
      if (this.queued.length >= this.options.maxQueued) {
        this.fail(entry, new ClientError('QUEUE_FULL', `${method}: ${this.options.maxQueued} calls already wait for a connection`));
        return;
      }
      this.queued.push(entry);
    });
  }

  /** Sends the queued calls in order; stops (keeping the rest) if the socket refuses a frame. */
  flush(): void {
    const waiting = this.queued;
    this.queued = [];
    for (let i = 0; i < waiting.length; i++) {
      const entry = waiting[i];
      if (entry === undefined || entry.settled) continue;
      if (!this.transmit(entry)) {
        if (!entry.settled) this.queued.push(entry);
        for (const rest of waiting.slice(i + 1)) if (!rest.settled) this.queued.push(rest);
        return;
      }
    }
  }

  /** True when a call matching `predicate` waits in the queue. */
  hasQueued(predicate: (method: string, params: unknown) => boolean): boolean {
    return this.queued.some((e) => !e.settled && predicate(e.method, e.params));
  }

  /** Settles the call a response answers. False when no call waits for that id (e.g. it timed out). */
  settle(id: JsonRpcId, outcome: { result: unknown } | { error: JsonRpcErrorObject }): boolean {
    if (typeof id !== 'number') return false;
    const entry = this.inFlight.get(id);
    if (entry === undefined) return false;
    this.inFlight.delete(id);
    if ('error' in outcome) {
      const { code, message, data } = outcome.error;
      this.fail(entry, new RpcError(code, message, data, entry.method));
    } else if (!isContractMethod(entry.method) || isResultOf(entry.method, outcome.result)) {
      this.succeed(entry, outcome.result);
    } else {
      this.fail(
        entry,
        new ClientError('INVALID_RESPONSE', `${entry.method}: the result does not have the shape of the contract`, outcome.result),
      );
    }
    return true;
  }

  /** Rejects every call already sent (their answers can no longer arrive). */
  rejectInFlight(makeError: () => Error): void {
    const entries = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const entry of entries) this.fail(entry, makeError());
  }

  /** Rejects every call still waiting to be sent. */
  rejectQueued(makeError: () => Error): void {
    const entries = this.queued;
    this.queued = [];
    for (const entry of entries) this.fail(entry, makeError());
  }

  private transmit(entry: Entry): boolean {
    if (entry.notify === true) return this.transmitNotification(entry);
    const id = this.nextId++;
    let text: string;
    try {
      const frame: Record<string, unknown> = { jsonrpc: '2.0', id, method: entry.method };
      if (entry.params !== undefined) frame.params = entry.params;
      text = JSON.stringify(frame);
    } catch (err) {
      this.fail(entry, err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    entry.id = id;
    this.inFlight.set(id, entry);
    if (this.options.send(text)) return true;
    this.inFlight.delete(id);
    entry.id = null;
    return false;
  }

  private transmitNotification(entry: Entry): boolean {
    let text: string;
    try {
      const frame: Record<string, unknown> = { jsonrpc: '2.0', method: entry.method };
      if (entry.params !== undefined) frame.params = entry.params;
      text = JSON.stringify(frame);
    } catch (err) {
      this.fail(entry, err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    if (!this.options.send(text)) return false;
    this.succeed(entry, undefined);
    return true;
  }

  private timeout(entry: Entry, ms: number): void {
    if (entry.settled) return;
    if (entry.id !== null) this.inFlight.delete(entry.id);
    else this.queued = this.queued.filter((e) => e !== entry);
    this.fail(entry, new ClientError('TIMEOUT', `${entry.method}: no answer within ${ms} ms`));
  }

  private succeed(entry: Entry, value: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.timer.clear();
    entry.resolve(value);
  }

  private fail(entry: Entry, error: Error): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.timer.clear();
    entry.reject(error);
  }
}
