import { APP_TRAFFIC_OTHER } from '@session-tracker/shared';

/**
 * Running totals per registered method for /metrics. Only names with a handler get a label of
 * their own (bounded cardinality); anything else is `_other`.
 */
export interface MethodTotals {
  calls: number;
  errors: number;
  pushes: number;
  bytesIn: number;
  bytesOut: number;
}

export class AppStats {
  readonly byMethod = new Map<string, MethodTotals>();

  constructor(private readonly registered: (name: string) => boolean) {}

  private totals(name: string): MethodTotals {
    const key = this.registered(name) ? name : APP_TRAFFIC_OTHER;
    let t = this.byMethod.get(key);
    if (t === undefined) {
      t = { calls: 0, errors: 0, pushes: 0, bytesIn: 0, bytesOut: 0 };
      this.byMethod.set(key, t);
    }
    return t;
  }

  call(name: string, bytes: number): void {
    const t = this.totals(name);
    t.calls++;
    t.bytesIn += bytes;
  }

  answer(name: string, bytes: number, error: boolean): void {
    const t = this.totals(name);
    t.bytesOut += bytes;
    if (error) t.errors++;
  }

  push(name: string, bytes: number, sockets: number): void {
    const t = this.totals(name);
    t.pushes += sockets;
    t.bytesOut += bytes * sockets;
  }
}
