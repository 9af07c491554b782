// Runs one server under test (session-tracker, bare ws or socket.io) in its own
// process and answers the bench parent over IPC. All three go through this same
// wrapper so they are measured identically: event-loop delay from
// monitorEventLoopDelay, RSS/heap after forced GC (needs --expose-gc), CPU time.
//
// Usage (by run.mjs only): node --expose-gc host.mjs '<json options>'
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { serve } from '../lib/ipc.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
// The histogram records the whole interval between its timer's runs (Node 20),
// so the delay is the value minus the resolution.
const RESOLUTION_MS = 5;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loop.enable();
const delayMs = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

async function startTarget() {
  const common = {
    host: '127.0.0.1',
    port: 0,
    adminToken: opts.adminToken,
    jwtSecret: opts.jwtSecret,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    sessionTimeoutMs: opts.sessionTimeoutMs ?? 30_000,
    maxPayload: 65_536,
  };
  if (opts.kind === 'bare') return (await import('./bare-ws.mjs')).start(common);
  if (opts.kind === 'sio') return (await import('./socketio.mjs')).start(common);
  if (opts.kind === 'st') {
    // ST_SERVER_MODULE: another build's server/dist/index.js (compare.mjs runs a baseline checkout so).
    const { startServer } = await import(
      process.env.ST_SERVER_MODULE ? pathToFileURL(process.env.ST_SERVER_MODULE).href : '@session-tracker/server'
    );
    // ST_SERVER_OPTIONS: JSON options for this build's server (compare.mjs --current-options / --baseline-options).
    const fromEnv = process.env.ST_SERVER_OPTIONS ? JSON.parse(process.env.ST_SERVER_OPTIONS) : {};
    // "dataDir": "tmp" is a fresh directory per run: nothing restored from the run before.
    if (fromEnv.dataDir === 'tmp') fromEnv.dataDir = mkdtempSync(join(tmpdir(), 'st-bench-data-'));
    const srv = await startServer({ ...common, logLevel: 'warn', ...opts.stOptions, ...fromEnv });
    const metric = (text, name) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : NaN;
    };
    return {
      kind: 'st',
      wsUrl: srv.wsUrl,
      // The server's own counters, from its /healthz and /metrics.
      counters: async () => {
        const [health, metrics] = await Promise.all([
          fetch(`${srv.url}/healthz`).then((r) => r.json()),
          fetch(`${srv.url}/metrics`).then((r) => (r.ok ? r.text() : '')),
        ]);
        return {
          connections: health.sessions,
          messages: metric(metrics, 'session_tracker_received_messages_total'),
          bytes: metric(metrics, 'session_tracker_received_bytes_total'),
          rateLimited: metric(metrics, 'session_tracker_rate_limited_total'),
        };
      },
      close: () => srv.close(),
    };
  }
  throw new Error(`unknown server kind ${opts.kind}`);
}

async function fullGc() {
  if (typeof globalThis.gc !== 'function') return false;
  // Several passes with turns in between so weak callbacks and finalizers run.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await tick();
  }
  return true;
}

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

// Live libuv handles (sockets, servers, pipes: timers are not handles since Node 11)
// and what keeps the loop alive by type (ref'd timers included, unref'd ones not),
// for the soak's "back to baseline" check.
function handles() {
  const resources = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  return { handles: process._getActiveHandles().length, requests: process._getActiveRequests().length, resources };
}

/** Bytes used per V8 heap space (old, code, large objects...), to say where a heap change sits. */
function heapSpaces() {
  return Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
}

// --profile: a CPU profile of the measurement window only (mark to the next
// stats), not of start-up and connection set-up.
let profiler = null;
let profiles = 0;
async function profileStart() {
  if (!opts.profileDir || profiler) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  await profiler.post('Profiler.start');
}
async function profileStop() {
  if (!profiler) return undefined;
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = null;
  mkdirSync(opts.profileDir, { recursive: true });
  const file = join(opts.profileDir, `${opts.label ?? opts.kind}-${process.pid}-${++profiles}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

const target = await startTarget();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

serve(
  {
    async stats() {
      const cpu = process.cpuUsage(cpuMark);
      const wall = performance.now() - wallMark;
      const profile = await profileStop();
      return {
        profile,
        ...memory(),
        ...(await target.counters()),
        loop: {
          p50: delayMs(loop.percentile(50)),
          p99: delayMs(loop.percentile(99)),
          max: delayMs(loop.max),
          mean: delayMs(loop.mean),
          count: loop.count,
        },
        cpuPercent: wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : NaN,
      };
    },
    // Starts a measurement window: loop histogram and CPU accounting restart here.
    async mark() {
      loop.reset();
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      await profileStart();
      return { at: performance.timeOrigin + performance.now() };
    },
    async gc() {
      const forced = await fullGc();
      return { forced, ...memory(), ...handles(), spaces: heapSpaces() };
    },
    async handles() {
      return handles();
    },
    async close() {
      await target.close();
      setTimeout(() => process.exit(0), 50);
      return {};
    },
  },
  { maxLifeMs: opts.maxLifeMs ?? 15 * 60_000 },
);

process.send({ type: 'ready', kind: target.kind, wsUrl: target.wsUrl, pid: process.pid });
