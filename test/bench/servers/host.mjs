// Runs one server under test (session-tracker, bare ws or socket.io) in its own
// process and answers the bench parent over IPC. All three go through this same
// wrapper so they are measured identically: event-loop delay from
// monitorEventLoopDelay, RSS/heap after forced GC (needs --expose-gc), CPU time.
//
// Usage (by run.mjs only): node --expose-gc host.mjs '<json options>'
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { serve } from '../lib/ipc.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

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
    const { startServer } = await import('@session-tracker/server');
    const srv = await startServer({ ...common, logLevel: 'warn' });
    const healthUrl = srv.wsUrl.replace(/^ws/, 'http').replace(/\/ws(\?.*)?$/, '/healthz');
    return {
      kind: 'st',
      wsUrl: srv.wsUrl,
      // session-tracker exposes no message counter; the load workers sync per socket instead.
      counters: async () => {
        const res = await fetch(healthUrl);
        const body = await res.json();
        return { connections: body.sessions, messages: NaN, bytes: NaN };
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

const target = await startTarget();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

serve(
  {
    async stats() {
      const cpu = process.cpuUsage(cpuMark);
      const wall = performance.now() - wallMark;
      return {
        ...memory(),
        ...(await target.counters()),
        loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, mean: loop.mean / 1e6, count: loop.count },
        cpuPercent: wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : NaN,
      };
    },
    // Starts a measurement window: loop histogram and CPU accounting restart here.
    async mark() {
      loop.reset();
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      return { at: performance.timeOrigin + performance.now() };
    },
    async gc() {
      const forced = await fullGc();
      return { forced, ...memory() };
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
