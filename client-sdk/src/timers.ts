/** Clock and timers, injectable so tests (and odd platforms) can drive time. */
export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  now(): number;
}

export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  now: () => Date.now(),
};

/** One optional timer slot: `set` replaces whatever was armed. */
export class TimerSlot {
  private handle: TimerHandle | undefined;

  constructor(private readonly timers: Timers) {}

  set(fn: () => void, ms: number): void {
    this.clear();
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      fn();
    }, ms);
  }

  clear(): void {
    if (this.handle !== undefined) {
      this.timers.clearTimeout(this.handle);
      this.handle = undefined;
    }
  }

  get armed(): boolean {
    return this.handle !== undefined;
  }
}
