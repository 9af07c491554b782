// cluster: session-tracker in cluster mode on Redis (issue 5).
// - query: getSessionInfo across 4 nodes x N sessions, asked of one node (p50/p99 at the
//   admin client; unfiltered, and a username filter matching 1%).
// - throughput: the throughput scenario's flood against one node in cluster mode and
//   against a single node without Redis, side by side: what cluster mode costs a node.
// Needs Debian's redis-server; the scenario starts its own on a free port.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { connectAll, now, sleep, startHost, startWorkers, teardown, workersFor } from '../lib/harness.mjs';

export const name = 'cluster';
export const kinds = ['st'];

export function settings(quick) {
  return quick
    ? { nodes: 4, perNode: 250, queries: 10, floodSessions: 200, durationMs: 1_500, floods: 1 }
    : { nodes: 4, perNode: 10_000, queries: 30, floodSessions: 1_000, durationMs: 10_000, floods: 3 };
}

function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    throw new Error('redis-server not installed (apt-get install redis-server)');
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function queryFigures(ctx, s, redis) {
  const hosts = [];
  let workers = [];
  try {
    for (let i = 0; i < s.nodes; i++) hosts.push(await startHost('st', ctx, { stOptions: { redisUrl: redis.url, nodeId: `bench-${i}` } }));
    const perNode = workersFor(s.perNode);
    workers = await startWorkers(perNode * s.nodes + 1);
    const admin = workers.at(-1);
    for (let i = 0; i < s.nodes; i++) {
      await connectAll(workers.slice(i * perNode, (i + 1) * perNode), hosts[i], 'st', ctx, { total: s.perNode, pages: 2, loginEvery: 100 });
    }
    await sleep(2_500); // past a flush and a membership beat everywhere
    await admin.call('adminConnect', { url: hosts[0].url, kind: 'st', adminToken: ctx.adminToken });
    const figures = {};
    const notes = {};
    // --profile: the asked node's CPU profile covers the two query loops.
    await hosts[0].call('mark');
    for (const [label, params] of [
      ['unfiltered', {}],
      ['filtered', { usernameFilter: 'vip-.*' }],
    ]) {
      const r = await admin.call('adminLatency', { method: 'getSessionInfo', params, count: s.queries, timeoutMs: 120_000 }, 180_000);
      if (r.error) {
        notes[`${label}Error`] = r.error.code ?? r.error.message;
        continue;
      }
      figures[`${label}P50`] = r.p50;
      figures[`${label}P99`] = r.p99;
      notes[`${label}Items`] = r.items;
    }
    const st = await hosts[0].call('stats');
    if (st.profile) notes.profile = st.profile;
    // Cluster-wide feeds: the first watcher fills the node's mirror with one cluster query;
    // later ones read the mirror.
    for (const [label, count] of [
      ['watchFirst', 1],
      ['watchNext', 5],
    ]) {
      const r = await admin.call('adminLatency', { method: 'sessions.watch', params: {}, count, warmup: 0, timeoutMs: 120_000 }, 180_000);
      if (r.error) notes[`${label}Error`] = r.error.code ?? r.error.message;
      else figures[`${label}P50`] = r.p50;
    }
    return { figures, notes };
  } finally {
    await Promise.allSettled(hosts.map((h) => teardown(h)));
    await teardown(undefined, workers);
  }
}

async function flood(ctx, s, stOptions) {
  const host = await startHost('st', ctx, { stOptions: { rateLimitPerSecond: 0, ...stOptions } });
  let workers = [];
  try {
    workers = await startWorkers(1);
    await connectAll(workers, host, 'st', ctx, { total: s.floodSessions, pages: 1 });
    await sleep(300);
    const startAt = now() + 300;
    await host.call('mark'); // --profile: the flood window
    await sleep(250);
    const [r] = await Promise.all(workers.map((w) => w.call('flood', { startAt, durationMs: s.durationMs }, s.durationMs + 120_000)));
    await host.call('stats');
    return r.sent / ((r.doneAt - startAt) / 1000);
  } finally {
    await teardown(host, workers);
  }
}

export async function run(_kind, ctx) {
  const s = settings(ctx.quick);
  const redis = await startRedis();
  try {
    const { figures, notes } = await queryFigures(ctx, s, redis);
    // Single and cluster floods alternate, medians of each: this VM drifts by ±20% over a
    // minute, which one flood of each would report as a cost or a gain.
    const single = [];
    const cluster = [];
    for (let i = 0; i < s.floods; i++) {
      single.push(await flood(ctx, s, {}));
      cluster.push(await flood(ctx, s, { redisUrl: redis.url, nodeId: `bench-flood-${i}` }));
    }
    figures.singleMsgsPerSec = median(single);
    figures.clusterMsgsPerSec = median(cluster);
    figures.clusterRatio = figures.clusterMsgsPerSec / figures.singleMsgsPerSec;
    notes.floods = { single: single.map(Math.round), cluster: cluster.map(Math.round) };
    return { figures, notes: { ...notes, nodes: s.nodes, sessionsPerNode: s.perNode } };
  } finally {
    redis.stop();
  }
}

export function rows(m) {
  const st = m.st ?? {};
  const n = (label) => `${label} (4 nodes × sessions)`;
  return [
    { scenario: name, figure: n('getSessionInfo unfiltered p50'), unit: 'ms', st: st.unfilteredP50, bare: NaN, sio: NaN },
    {
      scenario: name,
      figure: n('getSessionInfo unfiltered p99'),
      unit: 'ms',
      st: st.unfilteredP99,
      bare: NaN,
      sio: NaN,
      target: 'answers < 2 s',
      met: Number.isFinite(st.unfilteredP99) ? st.unfilteredP99 < 2_000 : undefined,
    },
    { scenario: name, figure: n('getSessionInfo filtered p50'), unit: 'ms', st: st.filteredP50, bare: NaN, sio: NaN },
    { scenario: name, figure: n('getSessionInfo filtered p99'), unit: 'ms', st: st.filteredP99, bare: NaN, sio: NaN },
    { scenario: name, figure: n('sessions.watch snapshot, first watcher'), unit: 'ms', st: st.watchFirstP50, bare: NaN, sio: NaN },
    { scenario: name, figure: n('sessions.watch snapshot, next watchers p50'), unit: 'ms', st: st.watchNextP50, bare: NaN, sio: NaN },
    { scenario: name, figure: 'messages / s, single node', st: st.singleMsgsPerSec, bare: NaN, sio: NaN },
    { scenario: name, figure: 'messages / s, one node in cluster mode', st: st.clusterMsgsPerSec, bare: NaN, sio: NaN },
    {
      scenario: name,
      figure: 'cluster mode / single node',
      unit: '×',
      st: st.clusterRatio,
      bare: NaN,
      sio: NaN,
      ratios: false,
      target: '≥ 0.90',
      met: Number.isFinite(st.clusterRatio) ? st.clusterRatio >= 0.9 : undefined,
    },
  ];
}
