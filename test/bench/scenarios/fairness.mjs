// fairness: N sessions open, `senders` of them sending page.update at a steady
// rate, while an admin lists all N every second. Figure = the server's
// event-loop delay p99 and max over the window (monitorEventLoopDelay in the
// server process), plus the list's latency under that load. The floor gets the
// same traffic and no admin.
//
// Senders are paced, not flooding: a saturating flood makes every event-loop
// turn as long as the kernel backlog takes to drain, on any server, and the
// figure would measure the load generator's window instead of the server.
import { connectAll, now, sleep, split, startHost, startWorkers, teardown, workersFor } from '../lib/harness.mjs';

export const name = 'fairness';
export const kinds = ['st', 'bare', 'sio'];

export function settings(quick) {
  // 10 messages a second per sender: a busy browser tab, far below saturation.
  return quick
    ? { sessions: 500, senders: 100, ratePerSession: 10, durationMs: 2_000 }
    : { sessions: 15_000, senders: 1_000, ratePerSession: 10, durationMs: 10_000 };
}

export async function run(kind, ctx) {
  const s = settings(ctx.quick);
  const host = await startHost(kind, ctx);
  let workers = [];
  try {
    // The admin gets a process of its own so session traffic never delays its timings.
    workers = await startWorkers(workersFor(s.sessions) + 1);
    const adminWorker = workers.at(-1);
    const loaders = workers.slice(0, -1);
    await connectAll(loaders, host, kind, ctx, { total: s.sessions, pages: 1 });
    const admin = kind !== 'bare';
    if (admin) await adminWorker.call('adminConnect', { url: host.url, kind, adminToken: ctx.adminToken });
    await sleep(ctx.quick ? 100 : 500);
    const senders = split(s.senders, loaders.length);
    const startAt = now() + 300;
    await sleep(250);
    await host.call('mark');
    const [listing, ...floods] = await Promise.all([
      admin
        ? adminWorker.call(
            'adminPeriodic',
            { method: 'getSessionInfo', params: {}, intervalMs: 1000, durationMs: s.durationMs, startAt },
            s.durationMs + 120_000,
          )
        : null,
      ...loaders.map((w, i) =>
        w.call(
          'paced',
          { startAt, durationMs: s.durationMs, senders: senders[i], ratePerSession: s.ratePerSession },
          s.durationMs + 120_000,
        ),
      ),
    ]);
    const stats = await host.call('stats');
    const sent = floods.reduce((a, r) => a + r.sent, 0);
    return {
      figures: {
        loopP99: stats.loop.p99,
        loopMax: stats.loop.max,
        listP99: listing?.p99 ?? NaN,
      },
      notes: {
        msgsPerSec: Math.round(sent / (s.durationMs / 1000)),
        lists: listing?.count,
        serverCpu: Math.round(stats.cpuPercent),
        ...(listing?.errors?.count ? { listErrors: listing.errors.samples } : {}),
      },
    };
  } finally {
    await teardown(host, workers);
  }
}

export function rows(m) {
  const v = (k, key) => m[k]?.[key];
  const p99 = v('st', 'loopP99');
  return [
    {
      scenario: name,
      figure: 'event-loop delay p99',
      unit: 'ms',
      st: p99,
      bare: v('bare', 'loopP99'),
      sio: v('sio', 'loopP99'),
      target: '< 20 ms',
      met: Number.isFinite(p99) ? p99 < 20 : undefined,
    },
    {
      scenario: name,
      figure: 'event-loop delay max',
      unit: 'ms',
      st: v('st', 'loopMax'),
      bare: v('bare', 'loopMax'),
      sio: v('sio', 'loopMax'),
    },
    { scenario: name, figure: 'list-all p99 under load', unit: 'ms', st: v('st', 'listP99'), bare: NaN, sio: v('sio', 'listP99') },
  ];
}
