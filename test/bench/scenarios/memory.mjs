// memory: N idle sessions, each with 2 open pages (the floor gets the same
// frames and ignores them). Figure = (server RSS with N sessions - RSS empty) / N,
// both taken after forced full GCs; heap per session is printed alongside.
import { connectAll, sleep, startHost, startWorkers, teardown, waitForCount, workersFor } from '../lib/harness.mjs';

export const name = 'memory';
export const kinds = ['st', 'bare', 'sio'];

export function settings(quick) {
  return quick ? { sessions: 500 } : { sessions: 15_000 };
}

export async function run(kind, ctx) {
  const s = settings(ctx.quick);
  const host = await startHost(kind, ctx);
  let workers = [];
  try {
    workers = await startWorkers(workersFor(s.sessions));
    await sleep(300);
    const empty = await host.call('gc', {}, 60_000);
    const conn = await connectAll(workers, host, kind, ctx, { total: s.sessions, pages: 2 });
    if (kind === 'bare') await waitForCount(host, 0, 2 * s.sessions, 60_000);
    await sleep(500);
    const full = await host.call('gc', {}, 60_000);
    const kib = (bytes) => bytes / 1024;
    return {
      figures: {
        rssPerSession: kib(full.rss - empty.rss) / s.sessions,
        heapPerSession: kib(full.heapUsed - empty.heapUsed) / s.sessions,
      },
      notes: {
        sessions: s.sessions,
        emptyRssMiB: +(empty.rss / 2 ** 20).toFixed(1),
        connectMs: Math.round(conn.ms),
        gcForced: full.forced,
      },
    };
  } finally {
    await teardown(host, workers);
  }
}

export function rows(m) {
  const v = (k, key) => m[k]?.[key];
  const st = v('st', 'rssPerSession');
  const bare = v('bare', 'rssPerSession');
  return [
    {
      scenario: name,
      figure: 'RSS per session',
      unit: 'KiB',
      st,
      bare,
      sio: v('sio', 'rssPerSession'),
      target: '≤ bare + 2 KiB',
      met: Number.isFinite(st) && Number.isFinite(bare) ? st <= bare + 2 : undefined,
    },
    {
      scenario: name,
      figure: 'heap per session',
      unit: 'KiB',
      st: v('st', 'heapPerSession'),
      bare: v('bare', 'heapPerSession'),
      sio: v('sio', 'heapPerSession'),
    },
  ];
}
