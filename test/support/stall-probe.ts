/**
 * Measures how long this process's event loop was kept from running a timer.
 *
 * A timer due every `intervalMs` that fires late means the loop was busy, or the process was not
 * scheduled at all (two cores shared with other test processes and builds). Only the first is a
 * stall of ours, and it burns CPU in this process for as long as it lasts; the second does not.
 * So each late tick is counted as the lesser of its lateness and the CPU time the process used
 * over the same gap (`busyLagMs`); the raw lateness is reported too (`maxLagMs`).
 */
export interface StallReport {
  /** The longest a timer fired late, whatever the cause. */
  maxLagMs: number;
  /** The longest lateness the process's own CPU use accounts for: a stall of its own making. */
  maxBusyLagMs: number;
}

export function startStallProbe(intervalMs = 5): { stop(): StallReport } {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let maxLagMs = 0;
  let maxBusyLagMs = 0;
  const tick = (): void => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const late = now - last - intervalMs;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    maxLagMs = Math.max(maxLagMs, late);
    maxBusyLagMs = Math.max(maxBusyLagMs, Math.min(late, cpuMs));
    last = now;
    lastCpu = process.cpuUsage();
    timer = setTimeout(tick, intervalMs);
  };
  let timer = setTimeout(tick, intervalMs);
  return {
    stop() {
      clearTimeout(timer);
      return { maxLagMs, maxBusyLagMs };
    },
  };
}
