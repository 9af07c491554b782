// throughput: N sessions each write page.update notifications as fast as
// backpressure allows for D seconds; figure = messages the server handled per
// second, from the flood's start until the server had handled the last one
// (known from the pong answering the last ping each socket sent, see
// load/worker.mjs). bare and socket.io also count messages themselves, which
// cross-checks the figure.
import { connectAll, now, startHost, startWorkers, teardown, waitForCount, sleep } from '../lib/harness.mjs';

export const name = 'throughput';
export const kinds = ['st', 'bare', 'sio'];

export function settings(quick) {
  return quick ? { sessions: 200, durationMs: 1_500, workers: 1 } : { sessions: 1_000, durationMs: 10_000, workers: 1 };
}

export async function run(kind, ctx) {
  const s = settings(ctx.quick);
  // The per-session rate limit (100/s by default) would refuse nearly all of a
  // flood and then close the sockets: turned off, so this measures handling.
  const host = await startHost(kind, ctx, { stOptions: { rateLimitPerSecond: 0 } });
  let workers = [];
  try {
    workers = await startWorkers(s.workers);
    await connectAll(workers, host, kind, ctx, { total: s.sessions, pages: 1 });
    // The floor never answers page.open: wait until it has at least read them.
    if (kind === 'bare') await waitForCount(host, 0, s.sessions, 30_000);
    await sleep(200);
    const base = (await host.call('stats')).messages;
    const startAt = now() + 300;
    await sleep(250);
    await host.call('mark');
    const results = await Promise.all(
      workers.map((w) => w.call('flood', { startAt, durationMs: s.durationMs, ...ctx.floodTuning }, s.durationMs + 120_000)),
    );
    const sent = results.reduce((a, r) => a + r.sent, 0);
    const endAt = Math.max(...results.map((r) => r.doneAt));
    const stats = await host.call('stats');
    const closed = results.reduce((a, r) => a + r.closed, 0);
    if (!Number.isFinite(endAt)) throw new Error(`flood did not complete (${closed} sockets closed by the server)`);
    return {
      figures: { msgsPerSec: sent / ((endAt - startAt) / 1000) },
      notes: {
        sent,
        // Server's own count over the sent count (bare, socket.io): 1 means every message was seen.
        ...(Number.isFinite(stats.messages) ? { serverCounted: +((stats.messages - base) / sent).toFixed(4) } : {}),
        drainMs: Math.round(endAt - startAt - s.durationMs),
        serverCpu: Math.round(stats.cpuPercent),
        loadCpu: Math.round(Math.max(...results.map((r) => r.cpuPercent))),
      },
    };
  } finally {
    await teardown(host, workers);
  }
}

export function rows(m) {
  const st = m.st?.msgsPerSec;
  const bare = m.bare?.msgsPerSec;
  const sio = m.sio?.msgsPerSec;
  const met = [st, bare, sio].every(Number.isFinite) ? st >= 0.85 * bare && st >= 1.3 * sio : undefined;
  return [{ scenario: name, figure: 'messages handled / s', unit: '', st, bare, sio, target: '≥0.85× bare, ≥1.3× socket.io', met }];
}
