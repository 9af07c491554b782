// churn: sessions opened and closed as fast as `concurrency` loops per worker
// allow (open = handshake done: welcome for session-tracker, "40" for
// socket.io, the upgrade for the floor; close = closing handshake done).
// Figure = cycles per second; then, once the server holds no session (for
// session-tracker: after its session timeout), memory after forced GC against
// memory before, taken after a warm-up so first-use allocations are not counted.
import { sleep, split, startHost, startWorkers, teardown, waitFor } from '../lib/harness.mjs';

export const name = 'churn';
export const kinds = ['st', 'bare', 'sio'];

export function settings(quick) {
  // session-tracker keeps a closed session listed for its session timeout; the
  // quick run shortens it so the memory check fits in the smoke budget.
  return quick
    ? { cycles: 800, warmup: 200, workers: 1, concurrency: 50, sessionTimeoutMs: 500 }
    : { cycles: 50_000, warmup: 2_000, workers: 2, concurrency: 50, sessionTimeoutMs: 30_000 };
}

async function churn(workers, host, kind, ctx, cycles, concurrency) {
  const counts = split(cycles, workers.length);
  const rs = await Promise.all(
    workers.map((w, i) =>
      w.call(
        'churn',
        { url: host.url, kind, cycles: counts[i], concurrency, durationMs: 600_000, localAddresses: ctx.addresses, firstIndex: i * 7 },
        660_000,
      ),
    ),
  );
  return {
    cycles: rs.reduce((a, r) => a + r.cycles, 0),
    ms: Math.max(...rs.map((r) => r.ms)),
    errors: rs.reduce((a, r) => a + r.errors.count, 0),
    samples: Object.assign({}, ...rs.map((r) => r.errors.samples)),
    loadCpu: Math.max(...rs.map((r) => r.cpuPercent)),
    cycleP99: Math.max(...rs.map((r) => r.latency.p99)),
    cycleMax: Math.max(...rs.map((r) => r.latency.max)),
  };
}

/** Waits until the server lists no session (bounded by the session timeout plus slack). */
async function drained(host, s) {
  const ok = await waitFor(async () => (await host.call('stats')).connections === 0, {
    timeoutMs: s.sessionTimeoutMs * 2 + 35_000,
    intervalMs: 250,
  });
  return Boolean(ok);
}

export async function run(kind, ctx) {
  const s = settings(ctx.quick);
  const host = await startHost(kind, ctx, { sessionTimeoutMs: s.sessionTimeoutMs });
  let workers = [];
  try {
    workers = await startWorkers(s.workers);
    await churn(workers, host, kind, ctx, s.warmup, s.concurrency);
    await drained(host, s);
    const before = await host.call('gc', {}, 60_000);
    await host.call('mark');
    const r = await churn(workers, host, kind, ctx, s.cycles, s.concurrency);
    const { cpuPercent: serverCpu } = await host.call('stats');
    const emptied = await drained(host, s);
    await sleep(200);
    const after = await host.call('gc', {}, 60_000);
    const mib = (b) => b / 2 ** 20;
    return {
      figures: {
        cyclesPerSec: r.cycles / (r.ms / 1000),
        rssDeltaMiB: mib(after.rss - before.rss),
        heapDeltaMiB: mib(after.heapUsed - before.heapUsed),
      },
      notes: {
        cycles: r.cycles,
        serverCpu: Math.round(serverCpu),
        loadCpu: Math.round(r.loadCpu),
        cycleP99Ms: Math.round(r.cycleP99),
        cycleMaxMs: Math.round(r.cycleMax),
        ...(r.errors ? { errors: r.errors, errorSamples: r.samples } : {}),
        ...(emptied ? {} : { notDrained: true }),
      },
    };
  } finally {
    await teardown(host, workers);
  }
}

export function rows(m) {
  const v = (k, key) => m[k]?.[key];
  const st = v('st', 'cyclesPerSec');
  const bare = v('bare', 'cyclesPerSec');
  const heap = v('st', 'heapDeltaMiB');
  return [
    {
      scenario: name,
      figure: 'sessions opened+closed / s',
      unit: '',
      st,
      bare,
      sio: v('sio', 'cyclesPerSec'),
      target: '≥0.8× bare',
      met: Number.isFinite(st) && Number.isFinite(bare) ? st >= 0.8 * bare : undefined,
    },
    {
      scenario: name,
      figure: 'heap after − before',
      unit: 'MiB',
      st: heap,
      bare: v('bare', 'heapDeltaMiB'),
      sio: v('sio', 'heapDeltaMiB'),
      target: '≤ 1 MiB (back to start)',
      met: Number.isFinite(heap) ? heap <= 1 : undefined,
      ratios: false,
    },
    {
      scenario: name,
      figure: 'RSS after − before',
      unit: 'MiB',
      st: v('st', 'rssDeltaMiB'),
      bare: v('bare', 'rssDeltaMiB'),
      sio: v('sio', 'rssDeltaMiB'),
      ratios: false,
    },
  ];
}
