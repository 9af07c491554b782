// Process plumbing shared by the scenarios: start a server under test in its
// host process, start load workers, spread sessions over them, wait for things
// with a bound, tear everything down.
import { fileURLToPath } from 'node:url';
import { spawnChild } from './ipc.mjs';
import { sessionUrl } from './clients.mjs';

const HOST = fileURLToPath(new URL('../servers/host.mjs', import.meta.url));
const WORKER = fileURLToPath(new URL('../load/worker.mjs', import.meta.url));

// One process may hold about 20,000 descriptors; stay well under it.
export const SESSIONS_PER_WORKER = 7_500;
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Starts `kind` in servers/host.mjs with --expose-gc; resolves once it listens.
 * `spawnOptions` go to spawnChild (e.g. `onOutput` to capture the server's output).
 */
export async function startHost(kind, ctx, extra = {}, spawnOptions = {}) {
  const opts = {
    kind,
    adminToken: ctx.adminToken,
    jwtSecret: ctx.jwtSecret,
    profileDir: ctx.profileDir,
    label: `${ctx.scenario ?? 'run'}-${kind}`,
    ...extra,
    stOptions: { ...ctx.stOptions, ...extra.stOptions },
  };
  const host = spawnChild(HOST, [JSON.stringify(opts)], {
    execArgv: ['--expose-gc'],
    readyTimeoutMs: 60_000,
    ...spawnOptions,
  });
  try {
    await host.ready;
  } catch (err) {
    await host.stop(1_000);
    throw err;
  }
  host.url = sessionUrl(host.info.wsUrl);
  return host;
}

/** `spawnOptions` go to spawnChild (e.g. `env: {BENCH_WORKER_MAX_LIFE_MS}` for runs over 15 minutes). */
export async function startWorkers(n, spawnOptions = {}) {
  const workers = Array.from({ length: n }, () => spawnChild(WORKER, [], { readyTimeoutMs: 30_000, ...spawnOptions }));
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}

/** Splits `total` into `n` near-equal integer parts. */
export function split(total, n) {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

export function workersFor(sessions) {
  return Math.max(1, Math.ceil(sessions / SESSIONS_PER_WORKER));
}

/** Opens `total` sessions spread over the workers and source addresses. */
export async function connectAll(workers, host, kind, ctx, { total, pages = 0, loginEvery = 0 }) {
  const counts = split(total, workers.length);
  let first = 0;
  const results = await Promise.all(
    workers.map((w, i) => {
      const firstIndex = first;
      first += counts[i];
      return w.call(
        'connect',
        { url: host.url, kind, count: counts[i], firstIndex, localAddresses: ctx.addresses, pages, loginEvery, jwtSecret: ctx.jwtSecret },
        180_000,
      );
    }),
  );
  const opened = results.reduce((s, r) => s + r.opened, 0);
  const errors = mergeErrors(results.map((r) => r.errors));
  if (opened < total) throw new Error(`only ${opened}/${total} sessions opened: ${JSON.stringify(errors.samples)}`);
  return { opened, errors, ms: Math.max(...results.map((r) => r.ms)) };
}

export function mergeErrors(list) {
  const out = { count: 0, samples: {} };
  for (const e of list) {
    if (!e) continue;
    out.count += e.count;
    for (const [k, v] of Object.entries(e.samples)) out.samples[k] = (out.samples[k] ?? 0) + v;
  }
  return out;
}

/** Polls `probe()` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function waitFor(probe, { timeoutMs = 60_000, intervalMs = 20 } = {}) {
  const deadline = now() + timeoutMs;
  let value;
  while (now() < deadline) {
    value = await probe();
    if (value) return value;
    await sleep(intervalMs);
  }
  return value;
}

/**
 * For servers that count messages themselves (bare, socket.io): waits until the
 * server has handled `expected` messages beyond `base`; returns when it did.
 */
export async function waitForCount(host, base, expected, timeoutMs = 120_000) {
  let last;
  const ok = await waitFor(
    async () => {
      last = await host.call('stats');
      return last.messages - base >= expected ? now() : false;
    },
    { timeoutMs, intervalMs: 10 },
  );
  if (!ok) throw new Error(`server handled ${last?.messages - base} of ${expected} messages in ${timeoutMs} ms`);
  return ok;
}

/**
 * Ends the run: measurements are taken, so the processes are simply stopped
 * (their sockets die with them) instead of closing 15,000 sockets politely.
 * Never throws.
 */
export async function teardown(host, workers = []) {
  await Promise.allSettled([...workers.map((w) => w.stop(5_000)), host?.stop(5_000)]);
}
