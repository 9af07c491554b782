// A load-generator process: holds up to ~7,500 bench sessions (one process may
// hold at most about 20,000 file descriptors), floods, churns, or plays the
// admin, on command from run.mjs. Every loop is bounded by a count and a
// deadline, and the process exits by itself after its maximum lifetime.
import { serve } from '../lib/ipc.mjs';
import { BenchClient, encode, maskedFrames } from '../lib/clients.mjs';
import { signJwt } from '../lib/jwt.mjs';
import { rawCycle } from '../lib/rawcycle.mjs';
import { summarize } from '../lib/stats.mjs';
import { soakHandlers } from '../scenarios/soak-load.mjs';

const FRAMES_PER_CHUNK = 128; // ~10 KB per write: cheap for the client; one ping (and pong) per 128 messages
const WINDOW = 2; // chunks in flight per socket: enough to keep the server busy, bounded kernel buffers
// A masked ping with no payload (mask key 0 is legal; there is nothing to mask).
const PING = Buffer.from([0x89, 0x80, 0, 0, 0, 0]);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const sessions = [];
let admin = null;

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight, stopping at `deadline`. */
async function pool(count, concurrency, deadline, fn) {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count && now() < deadline) await fn(next++);
  });
  await Promise.all(runners);
  return next;
}

function recordError(errors, err) {
  errors.count++;
  const msg = err instanceof Error ? err.message : String(err);
  errors.samples[msg] = (errors.samples[msg] ?? 0) + 1;
}

function cpuMeter() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(cpu0);
    return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  };
}

/**
 * Writes pre-built chunks (FRAMES_PER_CHUNK frames then a ping) on one socket
 * until `endAt`, with at most WINDOW chunks not yet answered by a pong. Every
 * server here runs on `ws`, which answers a ping when its receiver reaches it,
 * after handing every earlier frame to the server's message handler; so the
 * pong both bounds what sits in kernel buffers and proves the frames before it
 * were handled. Resolves with the time the last pong arrived (NaN if the socket
 * closed first).
 */
function flood(client, chunk, endAt, state) {
  return new Promise((resolve) => {
    const { ws } = client;
    const sock = client.socket;
    let chunks = 0;
    let pongs = 0;
    let stopped = false;
    const finish = (at) => {
      ws.off('pong', onPong);
      ws.off('close', onClose);
      resolve(at);
    };
    const pump = () => {
      while (chunks - pongs < chunk.window) {
        if (now() >= endAt) {
          stopped = true;
          break;
        }
        sock.write(chunk.buffer);
        chunks++;
        state.sent += chunk.frames;
      }
      if (stopped && pongs === chunks) finish(now());
    };
    const onPong = () => {
      pongs++;
      if (stopped) {
        if (pongs === chunks) finish(now());
      } else pump();
    };
    const onClose = () => finish(NaN);
    ws.on('pong', onPong);
    ws.on('close', onClose);
    pump();
  });
}

serve(
  {
    /** Opens `count` sessions, each with `pages` open pages; every `loginEvery`-th logs in with a JWT. */
    async connect({
      url,
      kind,
      count,
      firstIndex = 0,
      localAddresses = ['127.0.0.1'],
      pages = 0,
      loginEvery = 0,
      jwtSecret,
      usernamePrefix = 'vip-',
      concurrency = 200,
      timeoutMs = 120_000,
    }) {
      const t0 = now();
      const deadline = t0 + timeoutMs;
      const errors = { count: 0, samples: {} };
      const opened = new Array(count);
      await pool(count, concurrency, deadline, async (i) => {
        const index = firstIndex + i;
        const c = new BenchClient(kind, url, { localAddress: localAddresses[index % localAddresses.length] });
        try {
          await c.open();
          // Path and title of 20 to 40 characters each, as real screens have (issue 14's memory figure).
          for (let p = 1; p <= pages; p++) {
            await c.request('page.open', {
              pageId: `p${p}`,
              path: `/plant/line-${p}/overview/${index}`,
              title: `Line ${p} overview, station ${index}`,
            });
          }
          if (loginEvery > 0 && index % loginEvery === 0) {
            const token = signJwt(
              { sub: `${usernamePrefix}${index}`, preferred_username: `${usernamePrefix}${index}`, roles: [] },
              jwtSecret,
            );
            const res = await c.request('auth.login', { token });
            if (res.error) throw new Error(`auth.login: ${JSON.stringify(res.error)}`);
          }
          opened[i] = c;
        } catch (err) {
          recordError(errors, err);
          c.ws?.terminate();
        }
      });
      const ok = opened.filter(Boolean);
      sessions.push(...ok);
      return { opened: ok.length, errors, ms: now() - t0 };
    },

    /**
     * The first `senders` sessions write `page.update` notifications as fast as
     * backpressure allows from `startAt` for `durationMs`; `doneAt` is when the
     * server had handled the last of them (the last pong).
     */
    async flood({ startAt, durationMs, senders, path = '/b', framesPerChunk = FRAMES_PER_CHUNK, window = WINDOW }) {
      const list = sessions.slice(0, senders ?? sessions.length);
      if (list.length === 0) return { sent: 0, senders: 0, doneAt: NaN };
      const kind = list[0].kind;
      const frames = maskedFrames(encode(kind === 'bare' ? 'st' : kind, 'page.update', { pageId: 'p1', path }), framesPerChunk);
      const chunk = { buffer: Buffer.concat([frames.buffer, PING]), frames: framesPerChunk, window };
      await sleep(startAt - now());
      const cpu = cpuMeter();
      const state = { sent: 0 };
      const timeout = sleep(durationMs + 60_000).then(() => [NaN]);
      const ends = await Promise.race([Promise.all(list.map((c) => flood(c, chunk, startAt + durationMs, state))), timeout]);
      const closed = list.filter((c) => c.closed).length;
      const doneAt = ends.some((t) => Number.isNaN(t)) ? NaN : Math.max(...ends);
      return { sent: state.sent, senders: list.length, closed, doneAt, cpuPercent: cpu(), payloadBytes: frames.payloadBytes };
    },

    /**
     * The first `senders` sessions each send `ratePerSession` page.update
     * notifications a second, spread evenly over time, from `startAt` for
     * `durationMs`: steady traffic that leaves the server headroom, so the
     * event-loop delay shows what other work (an admin's list) does to it.
     */
    async paced({ startAt, durationMs, senders, ratePerSession = 10 }) {
      const list = sessions.slice(0, senders ?? sessions.length);
      if (list.length === 0) return { sent: 0, senders: 0 };
      const kind = list[0].kind;
      const frame = maskedFrames(encode(kind === 'bare' ? 'st' : kind, 'page.update', { pageId: 'p1', path: '/b' }), 1).buffer;
      const TICK_MS = 10;
      const slots = Math.max(1, Math.round(1000 / ratePerSession / TICK_MS));
      await sleep(startAt - now());
      let sent = 0;
      // Tick k sends for every session in slot k % slots; late ticks catch up, so the rate holds.
      for (let k = 0; startAt + k * TICK_MS < startAt + durationMs; k++) {
        await sleep(startAt + k * TICK_MS - now());
        for (let i = k % slots; i < list.length; i += slots) {
          if (list[i].closed) continue;
          list[i].socket.write(frame);
          sent++;
        }
      }
      return { sent, senders: list.length, closed: list.filter((c) => c.closed).length };
    },

    /** Opens and closes sessions `concurrency` at a time until `cycles` or `durationMs`. */
    async churn({ url, kind, cycles, concurrency = 50, durationMs = 120_000, localAddresses = ['127.0.0.1'], firstIndex = 0 }) {
      const t0 = now();
      const errors = { count: 0, samples: {} };
      let done = 0;
      const cpu = cpuMeter();
      const target = new URL(url);
      const latencies = [];
      await pool(cycles, concurrency, t0 + durationMs, async (i) => {
        try {
          const c0 = performance.now();
          await rawCycle(kind, target, localAddresses[(firstIndex + i) % localAddresses.length]);
          latencies.push(performance.now() - c0);
          done++;
        } catch (err) {
          recordError(errors, err);
        }
      });
      return { cycles: done, errors, ms: now() - t0, cpuPercent: cpu(), latency: summarize(latencies) };
    },

    async adminConnect({ url, kind, adminToken }) {
      admin = new BenchClient(kind, url, { maxPayload: 512 * 1024 * 1024 });
      await admin.open();
      const res = await admin.request('auth.login', { token: adminToken });
      if (res.error) throw new Error(`admin login failed: ${JSON.stringify(res.error)}`);
      return res.result;
    },

    /** `count` sequential calls; latency is send to arrival of the whole answer. */
    async adminLatency({ method, params, count, timeoutMs = 60_000, warmup = 2 }) {
      const samples = [];
      let bytes = 0;
      let items = NaN;
      const deadline = now() + timeoutMs;
      for (let i = 0; i < count + warmup && now() < deadline; i++) {
        const res = await admin.request(method, params, timeoutMs);
        if (res.error) return { error: res.error };
        if (i < warmup) continue;
        samples.push(res.ms);
        bytes = res.bytes;
        items = Array.isArray(res.result)
          ? res.result.length
          : Array.isArray(res.result?.rows)
            ? res.result.rows.length
            : Array.isArray(res.result?.sessions)
              ? res.result.sessions.length
              : NaN;
      }
      return { ...summarize(samples), bytes, items };
    },

    /** One call every `intervalMs` for `durationMs` (the next waits if one is still running). */
    async adminPeriodic({ method, params, intervalMs = 1000, durationMs, startAt = now() }) {
      await sleep(startAt - now());
      const samples = [];
      const endAt = startAt + durationMs;
      const errors = { count: 0, samples: {} };
      for (let at = startAt; at < endAt; at += intervalMs) {
        await sleep(at - now());
        try {
          const res = await admin.request(method, params, 60_000);
          if (res.error) recordError(errors, new Error(JSON.stringify(res.error)));
          else samples.push(res.ms);
        } catch (err) {
          recordError(errors, err);
        }
      }
      return { ...summarize(samples), errors };
    },

    // The soak's load (soak.mjs): soakCycles, soakMixed, soakAdmin.
    ...soakHandlers,
  },
  { maxLifeMs: Number(process.env.BENCH_WORKER_MAX_LIFE_MS) || 15 * 60_000 },
);

process.send({ type: 'ready', pid: process.pid });
