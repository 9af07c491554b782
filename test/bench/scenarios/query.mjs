// query: getSessionInfo over N sessions, 1% of them logged in with a JWT whose
// preferred_username is vip-<n>. p50/p99 at the admin client (send to arrival of
// the whole answer) for: the unfiltered list, a username filter matching the 1%,
// the dataset format, and getSessionStats. socket.io answers a hand-written admin
// event doing the same; the bare floor has no equivalent (n/a).
import { connectAll, startHost, startWorkers, teardown, workersFor } from '../lib/harness.mjs';

export const name = 'query';
export const kinds = ['st', 'sio'];

export function settings(quick) {
  return quick
    ? { sessions: 500, unfiltered: 10, filtered: 50, dataset: 10, stats: 30 }
    : { sessions: 15_000, unfiltered: 50, filtered: 300, dataset: 50, stats: 100 };
}

const QUERIES = [
  ['unfiltered', 'getSessionInfo', {}],
  ['filtered', 'getSessionInfo', { usernameFilter: 'vip-.*' }],
  ['dataset', 'getSessionInfo', { format: 'dataset' }],
  ['stats', 'getSessionStats', {}],
];

export async function run(kind, ctx) {
  const s = settings(ctx.quick);
  const host = await startHost(kind, ctx);
  let workers = [];
  try {
    // The admin gets a process of its own so session sockets never delay its timings.
    workers = await startWorkers(workersFor(s.sessions) + 1);
    const admin = workers.at(-1);
    await connectAll(workers.slice(0, -1), host, kind, ctx, { total: s.sessions, pages: 2, loginEvery: 100 });
    await admin.call('adminConnect', { url: host.url, kind, adminToken: ctx.adminToken });
    const figures = {};
    const notes = {};
    await host.call('mark');
    for (const [label, method, params] of QUERIES) {
      const r = await admin.call('adminLatency', { method, params, count: s[label], timeoutMs: 120_000 }, 180_000);
      if (r.error) {
        notes[`${label}Error`] = r.error.code ?? r.error.message;
        continue;
      }
      figures[`${label}P50`] = r.p50;
      figures[`${label}P99`] = r.p99;
      if (Number.isFinite(r.items)) notes[`${label}Items`] = r.items;
      notes[`${label}KiB`] = Math.round(r.bytes / 1024);
    }
    // The longest the server's event loop stalled while answering (one answer is built in one turn).
    const { loop } = await host.call('stats');
    notes.loopMaxMs = Math.round(loop.max);
    return { figures, notes };
  } finally {
    await teardown(host, workers);
  }
}

export function rows(m) {
  const row = (label, pct, target, limit) => {
    const key = `${label}${pct}`;
    const st = m.st?.[key];
    return {
      scenario: name,
      figure: `${label === 'stats' ? 'getSessionStats' : `getSessionInfo ${label}`} ${pct.toLowerCase()}`,
      unit: 'ms',
      st,
      bare: NaN,
      sio: m.sio?.[key],
      target,
      met: limit !== undefined && Number.isFinite(st) ? st < limit : undefined,
    };
  };
  return [
    row('unfiltered', 'P50'),
    row('unfiltered', 'P99', '< 100 ms', 100),
    row('filtered', 'P50'),
    row('filtered', 'P99', '< 15 ms', 15),
    row('dataset', 'P50'),
    row('dataset', 'P99'),
    row('stats', 'P50'),
    row('stats', 'P99'),
  ];
}
