#!/usr/bin/env node
// What cluster mode costs Redis (issue 11, "Scale past one Redis shard"): two tracker nodes
// (servers/host.mjs, the real server with its default flush and beat of 1 s) hold --sessions
// real WebSocket sessions (two pages each, one in 100 logged in) from load/worker.mjs, on one
// redis-server and then on a 3-master Redis Cluster. Read from INFO on every master:
//   memory    used_memory after the sessions are written, minus before, per session
//   idle      commands/s while the sessions sit connected (beats, membership, reaper)
//   active    commands/s, CPU and network while every session sends a page.update every
//             --period seconds (so each part changes, and is written, about once a period)
//   script    calls and microseconds per call of the part-write script (cmdstat_evalsha)
//   ended     used_memory once every session ended (workers stopped, timeout 3 s) and its
//             parts sit under the ended key (ENDED_JOIN_KEEP_MS), per session
// Prints JSON and a table; CAPACITY.md records a run and the model built on it.
//
//   node test/bench/redis-capacity.mjs [--sessions 10000] [--period 5] [--seconds 20]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectAll, sleep, startHost, startWorkers, teardown, workersFor } from './lib/harness.mjs';

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10000' },
    period: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    modes: { type: 'string', default: 'single,cluster' },
  },
});
const SESSIONS = Number(args.sessions);
const PERIOD = Number(args.period);
const SECONDS = Number(args.seconds);
const NODES = 2;
const log = (m) => process.stderr.write(`[capacity ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const ctx = {
  adminToken: 'bench-admin-token-0123456789abcdef',
  jwtSecret: 'bench-jwt-secret-that-is-long-enough-0123456789',
  addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
  // Default flush and beat (1 s); a short session timeout only so the ended phase comes soon.
  stOptions: { maxSessionsPerAddress: 0, rateLimitPerSecond: 0, sessionTimeoutMs: 3_000 },
  scenario: 'capacity',
};

async function freePort() {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 12_000);
    const ok = await Promise.all(
      [port, port + 10_000].map(
        (p) =>
          new Promise((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return port;
  }
}

function redisServer(port, extra = []) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

/** One redis-server, or three cluster masters with every slot assigned. */
async function startRedis(mode) {
  if (mode === 'single') {
    const port = await freePort();
    const child = await redisServer(port);
    return { url: `redis://127.0.0.1:${port}`, ports: [port], stop: () => child.kill('SIGKILL') };
  }
  const dir = mkdtempSync(join(tmpdir(), 'st-capacity-'));
  const ports = [];
  const children = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    ports.push(port);
    children.push(await redisServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `n${i}.conf`), '--dir', dir]));
  }
  const made = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`cluster create failed: ${made.stdout}${made.stderr}`);
  for (let i = 0; i < 150; i++) {
    if (ports.every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok'))) break;
    await sleep(100);
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    stop: () => {
      for (const c of children) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const cli = (port, ...a) => execFileSync('redis-cli', ['-p', String(port), ...a], { encoding: 'utf8' });

/** INFO of one master as numbers (commandstats lines kept whole). */
function info(port) {
  const out = {};
  for (const line of cli(port, 'info', 'everything').split('\r\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    out[k] = k.startsWith('cmdstat_')
      ? Object.fromEntries(
          v
            .split(',')
            .map((kv) => kv.split('='))
            .map(([a, b]) => [a, Number(b)]),
        )
      : Number(v);
  }
  return out;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** Per-master and total deltas over a window of `seconds`. */
async function window(redis, seconds, during = async () => sleep(seconds * 1000)) {
  for (const p of redis.ports) cli(p, 'config', 'resetstat');
  const before = redis.ports.map(info);
  await during();
  const after = redis.ports.map(info);
  const per = redis.ports.map((_, i) => {
    const a = after[i];
    const b = before[i];
    const calls = (name) => a[`cmdstat_${name}`]?.calls ?? 0;
    return {
      commandsPerSec: (a.total_commands_processed - b.total_commands_processed) / seconds,
      cpuPerSec: (a.used_cpu_sys + a.used_cpu_user - b.used_cpu_sys - b.used_cpu_user) / seconds,
      netInPerSec: (a.total_net_input_bytes - b.total_net_input_bytes) / seconds,
      netOutPerSec: (a.total_net_output_bytes - b.total_net_output_bytes) / seconds,
      evalshaCalls: calls('evalsha'),
      evalshaUsec: a.cmdstat_evalsha?.usec ?? 0,
      top: Object.entries(a)
        .filter(([k]) => k.startsWith('cmdstat_'))
        .map(([k, v]) => [k.slice(8), v.calls])
        .sort((x, y) => y[1] - x[1])
        .slice(0, 6),
    };
  });
  return per;
}

async function run(mode) {
  log(`${mode}: starting redis and ${NODES} nodes`);
  const redis = await startRedis(mode);
  const hosts = [];
  let workers = [];
  try {
    for (let i = 0; i < NODES; i++) hosts.push(await startHost('st', ctx, { stOptions: { redisUrl: redis.url, nodeId: `cap-${i}` } }));
    await sleep(3_000);
    const mem0 = redis.ports.map((p) => info(p).used_memory);
    const perNode = SESSIONS / NODES;
    workers = await startWorkers(workersFor(perNode) * NODES);
    const w = workersFor(perNode);
    for (let i = 0; i < NODES; i++)
      await connectAll(workers.slice(i * w, (i + 1) * w), hosts[i], 'st', ctx, { total: perNode, pages: 2, loginEvery: 100 });
    log(`${mode}: ${SESSIONS} sessions open`);
    await sleep(5_000); // past several flushes: every part written
    const mem1 = redis.ports.map((p) => info(p).used_memory);
    const keys = redis.ports.map((p) => Number(cli(p, 'dbsize').trim()));
    const idle = await window(redis, SECONDS);
    log(`${mode}: idle measured; paced traffic, one message per session every ${PERIOD} s`);
    const active = await window(redis, SECONDS, async () => {
      const startAt = performance.timeOrigin + performance.now() + 500;
      await Promise.all(
        workers.map((wk) => wk.call('paced', { startAt, durationMs: SECONDS * 1000, ratePerSession: 1 / PERIOD }, (SECONDS + 60) * 1000)),
      );
    });
    // Every session ends: its sockets go with the workers, its timeout (3 s) runs out.
    await Promise.allSettled(workers.map((wk) => wk.stop(5_000)));
    workers = [];
    let ended;
    for (let i = 0; i < 60; i++) {
      await sleep(1_000);
      const parts = sum(redis.ports.map((p) => Number(cli(p, 'eval', "return #redis.call('keys', '*:parts')", '0').trim() || 0)));
      if (parts === 0) {
        ended = redis.ports.map((p) => Number(cli(p, 'eval', "return #redis.call('keys', '*:ended')", '0').trim() || 0));
        break;
      }
    }
    const mem2 = redis.ports.map((p) => info(p).used_memory);
    return { mode, masters: redis.ports.length, sessions: SESSIONS, mem0, mem1, mem2, keys, endedKeys: ended, idle, active };
  } finally {
    await Promise.allSettled(hosts.map((h) => teardown(h, workers)));
    redis.stop();
  }
}

const results = [];
for (const mode of args.modes.split(',')) results.push(await run(mode));
console.log(JSON.stringify(results, null, 2));
for (const r of results) {
  const tot = (list, k) => sum(list.map((x) => x[k]));
  const perSession = (sum(r.mem1) - sum(r.mem0)) / r.sessions;
  const endedPer = r.endedKeys ? (sum(r.mem2) - sum(r.mem0)) / r.sessions : NaN;
  const script = tot(r.active, 'evalshaUsec') / Math.max(1, tot(r.active, 'evalshaCalls'));
  console.log(
    `\n${r.mode} (${r.masters} master${r.masters > 1 ? 's' : ''}, ${r.sessions} sessions, ${NODES} nodes)\n` +
      `  memory per session         ${perSession.toFixed(0)} B   (keys per master ${r.keys.join(' / ')})\n` +
      `  ended-key memory/session   ${endedPer.toFixed(0)} B   (ended keys per master ${r.endedKeys?.join(' / ')})\n` +
      `  idle   commands/s          ${tot(r.idle, 'commandsPerSec').toFixed(0)} total, per master ${r.idle.map((x) => x.commandsPerSec.toFixed(0)).join(' / ')}\n` +
      `  active commands/s          ${tot(r.active, 'commandsPerSec').toFixed(0)} total (${(tot(r.active, 'commandsPerSec') / NODES).toFixed(0)} per tracker node), per master ${r.active.map((x) => x.commandsPerSec.toFixed(0)).join(' / ')}\n` +
      `  active redis CPU           ${(tot(r.active, 'cpuPerSec') * 100).toFixed(1)} % of a core total, per master ${r.active.map((x) => (x.cpuPerSec * 100).toFixed(1)).join(' / ')}\n` +
      `  active network in/out      ${(tot(r.active, 'netInPerSec') / 1024).toFixed(0)} / ${(tot(r.active, 'netOutPerSec') / 1024).toFixed(0)} KiB/s\n` +
      `  part-write script          ${tot(r.active, 'evalshaCalls')} calls, ${script.toFixed(1)} µs per call (= ${script.toFixed(1)} ms per 1,000)\n` +
      `  top commands (active)      ${r.active.map((x) => x.top.map(([k, v]) => `${k} ${v}`).join(', ')).join(' | ')}`,
  );
}
