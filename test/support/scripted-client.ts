/**
 * The SDK driven by hand, for unit tests: a scripted WebSocket (the test opens it, feeds
 * it frames and closes it) and a manual clock. No server, no real time.
 */
import {
  createClient,
  memoryStorage,
  type ClientOptions,
  type KeyValueStorage,
  type NetworkMonitor,
  type StateChange,
  type Timers,
  type WebSocketLike,
} from '@session-tracker/client';

export class ManualClock implements Timers {
  private t = 0;
  private seq = 0;
  private tasks = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.tasks.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }
  now(): number {
    return this.t;
  }
  /** Delays of the timers armed now, soonest first. */
  pending(): number[] {
    return [...this.tasks.values()].map((x) => x.at - this.t).sort((a, b) => a - b);
  }
  /**
   * A stalled event loop: time jumps by `ms` and only then do the overdue timers run,
   * late, in order, all seeing the new time.
   */
  stall(ms: number): void {
    this.t += ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= this.t && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.tasks.delete(next[0]);
      next[1].fn();
    }
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.tasks.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

type Handler = ((event: never) => void) | null;

export interface ScriptedSocket extends WebSocketLike {
  readonly url: string;
  readonly protocols: string[];
  readyState: number;
  sent: Record<string, unknown>[];
  closedWith: { code?: number; reason?: string } | null;
  open(): void;
  receive(message: unknown): void;
  welcome(sessionId?: string, resumed?: boolean, heartbeatMs?: number): void;
  serverClose(code: number, reason?: string): void;
  answer(index: number, result: unknown): void;
}

export function scriptedSockets() {
  const sockets: ScriptedSocket[] = [];
  class Scripted implements ScriptedSocket {
    readyState = 0;
    sent: Record<string, unknown>[] = [];
    closedWith: { code?: number; reason?: string } | null = null;
    onopen: Handler = null;
    onmessage: Handler = null;
    onclose: Handler = null;
    onerror: Handler = null;
    readonly protocols: string[];
    constructor(
      readonly url: string,
      protocols?: string | string[],
    ) {
      this.protocols = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
      sockets.push(this);
    }
    send(data: string): void {
      this.sent.push(JSON.parse(data) as Record<string, unknown>);
    }
    close(code?: number, reason?: string): void {
      this.readyState = 3;
      this.closedWith = { code, reason };
    }
    // Test side:
    private fire(handler: Handler, event: unknown): void {
      (handler as ((e: unknown) => void) | null)?.(event);
    }
    open(): void {
      this.readyState = 1;
      this.fire(this.onopen, {});
    }
    receive(message: unknown): void {
      this.fire(this.onmessage, { data: JSON.stringify(message) });
    }
    welcome(sessionId = 's1', resumed = false, heartbeatMs = 15000): void {
      this.receive({
        jsonrpc: '2.0',
        method: 'session.welcome',
        params: { sessionId, resumeToken: `tok-${sessionId}`, resumed, heartbeatMs, serverTime: 0 },
      });
    }
    serverClose(code: number, reason = ''): void {
      this.readyState = 3;
      this.fire(this.onclose, { code, reason });
    }
    answer(index: number, result: unknown): void {
      this.receive({ jsonrpc: '2.0', id: this.sent[index]?.id, result });
    }
  }
  return { Scripted, sockets };
}

export interface SetupOptions {
  network?: NetworkMonitor;
  random?: () => number;
  callTimeoutMs?: number;
  storage?: KeyValueStorage;
  /** The clock to share with other clients of the same test. */
  clock?: ManualClock;
  extra?: Partial<ClientOptions>;
}

/** One SDK client on scripted sockets and a manual clock, with helpers to bring it up. */
export function setup(options: SetupOptions = {}) {
  const clock = options.clock ?? new ManualClock();
  const { Scripted, sockets } = scriptedSockets();
  const c = createClient({
    url: 'ws://tracker.test/ws',
    WebSocket: Scripted,
    storage: options.storage ?? memoryStorage(),
    timers: clock,
    random: options.random ?? (() => 0.5),
    backoff: { initialMs: 100, maxMs: 1_000 },
    minUptimeMs: 5_000,
    connectTimeoutMs: 3_000,
    callTimeoutMs: options.callTimeoutMs ?? 10_000,
    network: options.network ?? false,
    ...options.extra,
  });
  const states: StateChange[] = [];
  c.on('state', (s) => states.push(s));
  const last = (): ScriptedSocket => {
    const s = sockets.at(-1);
    if (s === undefined) throw new Error('no socket yet');
    return s;
  };
  const up = (sessionId = 's1', resumed = false, heartbeatMs = 15000) => {
    last().open();
    last().welcome(sessionId, resumed, heartbeatMs);
  };
  return { c, clock, sockets, states, last, up };
}
