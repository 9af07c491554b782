import { TimerSlot, type Timers } from '../timers.js';

export interface LivenessHooks {
  /** Send `session.ping`: the connection has been silent for one heartbeat. */
  ping(): void;
  /** Nothing at all arrived within one heartbeat of the ping: the socket is dead. */
  dead(): void;
}

/**
 * Contract 1.1 liveness. Browsers cannot see WebSocket pings, so a half-open socket (a
 * frozen proxy, a NAT that forgot us) looks open for ever. The rule: silent for
 * `heartbeatMs` (no frame received) → ping; still silent `heartbeatMs` later → dead.
 *
 * `heard()` runs on every frame, so it only notes the time; the one timer re-arms itself
 * for the remaining silence instead of being reset per frame.
 */
export class Liveness {
  private readonly slot: TimerSlot;
  private intervalMs = 0;
  private lastHeard = 0;
  /** When the unanswered ping went out, or null when none is pending. */
  private probeAt: number | null = null;
  private heardSinceProbe = false;
  private lateRetried = false;

  constructor(
    private readonly timers: Timers,
    private readonly hooks: LivenessHooks,
  ) {
    this.slot = new TimerSlot(timers);
  }

  /** Starts watching a connection (on its welcome). A non-positive interval turns it off. */
  start(heartbeatMs: number): void {
    this.stop();
    if (!(heartbeatMs > 0) || !Number.isFinite(heartbeatMs)) return;
    this.intervalMs = heartbeatMs;
    this.lastHeard = this.timers.now();
    this.arm(heartbeatMs);
  }

  /** A frame arrived. */
  heard(): void {
    this.lastHeard = this.timers.now();
    this.heardSinceProbe = true;
  }

  stop(): void {
    this.slot.clear();
    this.probeAt = null;
    this.lateRetried = false;
  }

  private arm(ms: number): void {
    this.slot.set(() => this.check(), Math.max(1, ms));
  }

  private check(): void {
    const now = this.timers.now();
    const interval = this.intervalMs;
    if (this.probeAt !== null) {
      if (!this.heardSinceProbe) {
        // A timer that fires far too late means this page's own event loop stalled (a busy
        // or throttled tab): the answer may sit in the queue behind us. Probe once more.
        if (now - this.probeAt < interval * 1.5 || this.lateRetried) {
          this.stop();
          this.hooks.dead();
          return;
        }
        this.lateRetried = true;
        this.probe(now);
        return;
      }
      this.probeAt = null;
      this.lateRetried = false;
    }
    const silent = now - this.lastHeard;
    if (silent >= interval) this.probe(now);
    else this.arm(interval - silent);
  }

  private probe(now: number): void {
    this.probeAt = now;
    this.heardSinceProbe = false;
    this.arm(this.intervalMs);
    this.hooks.ping();
  }
}
