import type { Connection } from './connection.js';

/**
 * One shared timer pings every socket. Any frame from a socket marks it alive; a socket
 * still not alive at the next tick has been silent for up to two intervals and is dropped.
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly connections: ReadonlySet<Connection>,
    intervalMs: number,
  ) {
    this.timer = setInterval(tick, intervalMs, this.connections);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function tick(connections: ReadonlySet<Connection>): void {
  for (const conn of connections) {
    if (!conn.alive) {
      conn.terminate('heartbeat timeout');
      continue;
    }
    conn.alive = false;
    conn.ping();
  }
}
