import type { Connection } from './connection.js';

/** Most slots an interval is cut into; each slot's sockets are pinged in their own tick. */
const MAX_SLOTS = 150;
/** Shortest tick: short intervals (tests) get fewer slots. */
const MIN_TICK_MS = 20;

/**
 * One shared timer pings every socket once per interval, spread over the interval in
 * slots (socketId % slots) so that 15,000 pings (a write system call each) never land in
 * one event-loop turn. Any frame from a socket marks it alive; a socket still not alive when
 * its slot comes round again has been silent for up to two intervals and is dropped.
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private readonly slots: number;
  private slot = 0;

  constructor(
    private readonly connections: ReadonlySet<Connection>,
    intervalMs: number,
  ) {
    this.slots = Math.max(1, Math.min(MAX_SLOTS, Math.floor(intervalMs / MIN_TICK_MS)));
    this.timer = setInterval(() => this.tick(), intervalMs / this.slots);
    this.timer.unref();
  }

  private tick(): void {
    const slot = this.slot;
    this.slot = (slot + 1) % this.slots;
    for (const conn of this.connections) {
      if (conn.socketId % this.slots !== slot) continue;
      if (!conn.alive) {
        conn.terminate('heartbeat timeout');
        continue;
      }
      conn.alive = false;
      conn.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
