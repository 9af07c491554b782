#!/usr/bin/env node
// The soak: session-tracker alone (in servers/host.mjs, its own process,
// 127.0.0.1), driven by two load/worker.mjs processes.
//   warm-up  a few thousand phase-1 cycles and a short phase 2, then the baseline
//   phase 1  --cycles connect/disconnect cycles (clean close, page open then
//            close, resume of an earlier token, TCP reset, FIN without a close frame)
//   phase 2  --minutes of mixed traffic: ~--sessions long-lived sessions sending
//            paced page notifications and requests, logins and logouts (admin
//            token, JWTs, bad tokens), bad input (invalid JSON, binary frames,
//            oversize frames, invalid UTF-8, over-long batches, unknown methods),
//            sessions leaving and coming back, and an admin querying every second
// After the warm-up and each phase: wait until /healthz lists no session, force
// full GCs in the server (host IPC `gc`), read heap used, RSS and live handles.
// Pass: heap back within max(2 MiB, 5 %) of the baseline, handles within ±2,
// /healthz at 0, no crash, nothing on the server's stderr and no error-level
// log line, and the load itself ran as the contract says. Prints a table, writes
// SOAK.md, exits 1 if anything failed. Not part of `npm test`.
//
//   node test/bench/soak.mjs [--minutes 10] [--cycles 50000] [--sessions 500] [--out FILE]
//   node test/bench/soak.mjs --minutes 1 --cycles 5000      # smoke check, about 2 minutes
import http from 'node:http';
import { writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep, split, startHost, startWorkers, teardown } from './lib/harness.mjs';
import { fmt } from './lib/table.mjs';
import { machine } from './lib/machine.mjs';

const ST_DIST = fileURLToPath(new URL('../../server/dist/index.js', import.meta.url));
const FULL = { minutes: 10, cycles: 50_000 };
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: String(FULL.minutes) },
    cycles: { type: 'string', default: String(FULL.cycles) },
    sessions: { type: 'string', default: '500' },
    rate: { type: 'string', default: '2' }, // messages per second per long-lived session
    turnover: { type: 'string', default: '10' }, // sessions leaving per second in phase 2
    'session-timeout': { type: 'string', default: '2000' },
    heartbeat: { type: 'string', default: '5000' },
    'warmup-cycles': { type: 'string' },
    'warmup-seconds': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: node test/bench/soak.mjs [--minutes N] [--cycles N] [--sessions N] [--rate N] [--turnover N]');
  console.log(
    '                                [--session-timeout MS] [--heartbeat MS] [--warmup-cycles N] [--warmup-seconds N] [--out FILE]',
  );
  console.log(`defaults: --minutes ${FULL.minutes} --cycles ${FULL.cycles} --sessions 500; smoke check: --minutes 1 --cycles 5000`);
  process.exit(0);
}
const num = (name, min) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min) {
    console.error(`--${name} must be a number >= ${min}, got ${args[name]}`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  minutes: num('minutes', 0.1),
  cycles: Math.round(num('cycles', 100)),
  sessions: Math.round(num('sessions', 1)),
  rate: num('rate', 0.1),
  turnover: num('turnover', 0),
  sessionTimeoutMs: Math.round(num('session-timeout', 100)),
  heartbeatMs: Math.round(num('heartbeat', 100)),
};
cfg.warmupCycles = args['warmup-cycles']
  ? Math.round(num('warmup-cycles', 0))
  : Math.max(500, Math.min(2_000, Math.round(cfg.cycles / 10)));
cfg.warmupSeconds = args['warmup-seconds'] ? num('warmup-seconds', 0) : cfg.minutes >= 5 ? 30 : 15;
const isFull = cfg.minutes >= FULL.minutes && cfg.cycles >= FULL.cycles;
const outFile = args.out ?? fileURLToPath(new URL('./SOAK.md', import.meta.url));

const ctx = {
  scenario: 'soak',
  adminToken: 'soak-admin-token-0123456789abcdef',
  jwtSecret: 'soak-jwt-secret-that-is-long-enough-0123456789',
  // Several loopback source addresses: 50,000 cycles (a fifth ending with the
  // client's FIN, so TIME_WAIT on the client side) must not run out of ports.
  addresses: Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`),
  // The default per-address cap (1,000) would refuse sessions from 8 loopback
  // addresses during the cycles; deployments behind NAT turn it off too.
  stOptions: { maxSessionsPerAddress: 0 },
};

const MIB = 2 ** 20;
const HEAP_ABS = 2 * MIB;
const HEAP_REL = 0.05;
const HANDLES_SLACK = 2;
const STATS_KEEPALIVE_MS = 7_000; // the host's /metrics fetch leaves keep-alive sockets for ~5 s
const log = (msg) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function command() {
  const parts = ['node test/bench/soak.mjs'];
  if (cfg.minutes !== FULL.minutes) parts.push(`--minutes ${cfg.minutes}`);
  if (cfg.cycles !== FULL.cycles) parts.push(`--cycles ${cfg.cycles}`);
  for (const k of ['sessions', 'rate', 'turnover', 'session-timeout', 'heartbeat', 'warmup-cycles', 'warmup-seconds']) {
    if (process.argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`))) parts.push(`--${k} ${args[k]}`);
  }
  return parts.join(' ');
}

/** GET /healthz on a connection of its own that closes after the answer (no keep-alive handle left behind). */
function healthz(baseUrl) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/healthz`, { agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('healthz timeout')));
    req.on('error', reject);
  });
}

/** The server's output: stderr kept whole (bounded), stdout's pino lines counted by level and event. */
function outputWatch() {
  const out = { stderr: '', stderrBytes: 0, levels: {}, events: {}, errorLines: [], otherStdout: [] };
  let partial = '';
  const line = (text) => {
    if (!text.trim()) return;
    let rec;
    try {
      rec = JSON.parse(text);
    } catch {
      if (out.otherStdout.length < 20) out.otherStdout.push(text.slice(0, 300));
      return;
    }
    out.levels[rec.level] = (out.levels[rec.level] ?? 0) + 1;
    const ev = `${rec.level >= 50 ? 'error' : rec.level >= 40 ? 'warn' : 'info'} ${rec.event ?? rec.msg}`;
    out.events[ev] = (out.events[ev] ?? 0) + 1;
    if (rec.level >= 50 && out.errorLines.length < 20) out.errorLines.push(text.slice(0, 500));
  };
  out.onOutput = (stream, text) => {
    if (stream === 'stderr') {
      out.stderrBytes += text.length;
      if (out.stderr.length < 20_000) out.stderr += text;
      process.stderr.write(`[server stderr] ${text}`);
      return;
    }
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > 1_000_000) partial = '';
    for (const l of lines) line(l);
  };
  out.flush = () => {
    line(partial);
    partial = '';
  };
  return out;
}

async function main() {
  const started = Date.now();
  const info = machine();
  const machineLine = `${info.cores} cores · ${info.cpu} · Node ${info.node} · ${info.os} · ${info.memory} RAM · load average at start ${info.loadavg}`;
  if (!existsSync(ST_DIST)) {
    console.error(`server/dist not built (${ST_DIST} missing): run npm run build first`);
    process.exit(2);
  }
  log(`${machineLine}`);
  log(
    `warm-up ${cfg.warmupCycles} cycles + ${cfg.warmupSeconds} s mixed; phase 1 ${cfg.cycles} cycles; phase 2 ${cfg.minutes} min with ${cfg.sessions} sessions`,
  );

  // Bounds: every load call has a deadline; the children outlive the worst case, no more.
  const cycleBoundMs = (n) => Math.max(120_000, n * 20);
  const mixedBoundMs = (ms) => ms + 180_000;
  const drainBoundMs = cfg.sessionTimeoutMs + 3 * cfg.heartbeatMs + 30_000;
  const measureMs = STATS_KEEPALIVE_MS + 10_000 + drainBoundMs;
  const lifeMs =
    cycleBoundMs(cfg.warmupCycles) +
    mixedBoundMs(cfg.warmupSeconds * 1000) +
    cycleBoundMs(cfg.cycles) +
    mixedBoundMs(cfg.minutes * 60_000) +
    3 * measureMs +
    120_000;

  const output = outputWatch();
  let expectedExit = false;
  let crash;
  const host = await startHost(
    'st',
    ctx,
    { sessionTimeoutMs: cfg.sessionTimeoutMs, heartbeatMs: cfg.heartbeatMs, maxLifeMs: lifeMs, label: 'soak-st' },
    { onOutput: output.onOutput },
  );
  host.child.on('exit', (code, signal) => {
    if (!expectedExit) crash = `server process exited (${code ?? signal}) during the soak`;
  });
  const baseUrl = new URL(host.info.wsUrl.replace(/^ws/, 'http')).origin;
  const wsUrl = host.info.wsUrl;
  const cycleUrl = host.url; // ?project=bench
  let workers = [];
  const checkpoints = [];
  const phases = {};
  let lastStatsAt = 0;

  const serverStats = async () => {
    const s = await host.call('stats', {}, 30_000);
    lastStatsAt = Date.now();
    return s;
  };

  /** Waits for /healthz to list no session (bounded), then GCs and reads memory and handles three times. */
  async function checkpoint(name) {
    const t0 = Date.now();
    let health;
    while (Date.now() - t0 < drainBoundMs) {
      health = await healthz(baseUrl);
      if (health.sessions === 0) break;
      await sleep(250);
    }
    const drainedMs = Date.now() - t0;
    // Keep-alive sockets of the host's own /metrics fetch close after ~5 s idle.
    await sleep(lastStatsAt + STATS_KEEPALIVE_MS - Date.now());
    const reads = [];
    for (let i = 0; i < 3; i++) {
      if (i) await sleep(1_000);
      reads.push(await host.call('gc', {}, 60_000));
    }
    health = await healthz(baseUrl);
    const last = reads.at(-1);
    const cp = {
      name,
      heapUsed: last.heapUsed,
      heapSpread: Math.max(...reads.map((r) => r.heapUsed)) - Math.min(...reads.map((r) => r.heapUsed)),
      rss: last.rss,
      external: last.external,
      handles: last.handles,
      handlesSeen: [...new Set(reads.map((r) => r.handles))],
      resources: last.resources,
      spaces: last.spaces,
      sessions: health.sessions,
      drainedMs,
    };
    checkpoints.push(cp);
    log(
      `${name}: heap ${fmt(cp.heapUsed / MIB, 'MiB')}, RSS ${fmt(cp.rss / MIB, 'MiB')}, handles ${cp.handles} ${JSON.stringify(cp.resources)}, /healthz sessions ${cp.sessions} (drained in ${(drainedMs / 1000).toFixed(1)} s)`,
    );
    return cp;
  }

  async function cycles(n, seed) {
    const counts = split(n, workers.length);
    const rs = await Promise.all(
      workers.map((w, i) =>
        w.call(
          'soakCycles',
          {
            url: cycleUrl,
            cycles: counts[i],
            concurrency: 50,
            durationMs: cycleBoundMs(n),
            localAddresses: ctx.addresses,
            firstIndex: i * 3,
            seed: seed + i,
            expiredAfterMs: cfg.sessionTimeoutMs + 2_000,
          },
          cycleBoundMs(n) + 60_000,
        ),
      ),
    );
    const sum = (f) => rs.reduce((a, r) => a + f(r), 0);
    const merge = (f) =>
      rs.reduce((acc, r) => {
        for (const [k, v] of Object.entries(f(r))) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {});
    return {
      requested: n,
      attempted: sum((r) => r.attempted),
      cycles: sum((r) => r.cycles),
      ms: Math.max(...rs.map((r) => r.ms)),
      byMode: merge((r) => r.byMode),
      resume: merge((r) => r.resume),
      unexpectedResume: sum((r) => r.unexpectedResume),
      errors: sum((r) => r.errors.count),
      errorSamples: merge((r) => r.errors.samples),
      loadCpu: Math.max(...rs.map((r) => r.cpuPercent)),
      cycleP99: Math.max(...rs.map((r) => r.latency.p99)),
    };
  }

  async function mixed(durationMs, seed) {
    const [load, admin] = await Promise.all([
      workers[0].call(
        'soakMixed',
        {
          wsUrl,
          sessions: cfg.sessions,
          durationMs,
          ratePerSession: cfg.rate,
          turnoverPerSec: cfg.turnover,
          localAddresses: ctx.addresses,
          jwtSecret: ctx.jwtSecret,
          adminToken: ctx.adminToken,
          heartbeatMs: cfg.heartbeatMs,
          seed,
        },
        mixedBoundMs(durationMs),
      ),
      // The admin starts once the sessions are open (a few seconds), and stops with them.
      sleep(3_000).then(() =>
        workers[1].call(
          'soakAdmin',
          { wsUrl, adminToken: ctx.adminToken, durationMs: Math.max(1_000, durationMs - 1_000), seed: seed + 1 },
          mixedBoundMs(durationMs),
        ),
      ),
    ]);
    return { load, admin };
  }

  let failedRun;
  try {
    workers = await startWorkers(2, { env: { BENCH_WORKER_MAX_LIFE_MS: String(lifeMs) } });

    log(`warm-up: ${cfg.warmupCycles} cycles`);
    await host.call('mark');
    phases.warmup = { cycles: await cycles(cfg.warmupCycles, 100) };
    log(`warm-up: ${cfg.warmupSeconds} s mixed traffic`);
    phases.warmup.mixed = await mixed(cfg.warmupSeconds * 1000, 200);
    phases.warmup.server = await serverStats();
    await checkpoint('baseline (after warm-up)');

    log(`phase 1: ${cfg.cycles} connect/disconnect cycles`);
    await host.call('mark');
    phases.p1 = await cycles(cfg.cycles, 1_000);
    phases.p1.server = await serverStats();
    log(`phase 1: ${phases.p1.cycles} cycles in ${(phases.p1.ms / 1000).toFixed(1)} s, ${phases.p1.errors} errors`);
    await checkpoint('after phase 1 (cycles)');

    log(`phase 2: ${cfg.minutes} min of mixed traffic, ${cfg.sessions} sessions`);
    await host.call('mark');
    const t2 = Date.now();
    phases.p2 = await mixed(cfg.minutes * 60_000, 2_000);
    phases.p2.ms = Date.now() - t2;
    phases.p2.server = await serverStats();
    log(`phase 2: done (${JSON.stringify(phases.p2.load.sent)}, admin ${JSON.stringify(phases.p2.admin.calls)})`);
    await checkpoint('after phase 2 (mixed)');

    // A graceful stop must work too, and print nothing on stderr.
    expectedExit = true;
    const exited = new Promise((res) => host.child.once('exit', (code, signal) => res(code ?? signal)));
    await host.call('close', {}, 30_000);
    phases.exit = await Promise.race([exited, sleep(15_000).then(() => 'did not exit within 15 s')]);
  } catch (err) {
    failedRun = err instanceof Error ? err.message.split('\n')[0] : String(err);
    log(`FAILED: ${failedRun}`);
  } finally {
    expectedExit = true;
    await teardown(host, workers);
  }
  await sleep(200);
  output.flush();

  // ---- verdicts
  const base = checkpoints[0];
  const heapLimit = base ? Math.max(HEAP_ABS, HEAP_REL * base.heapUsed) : NaN;
  const criteria = [];
  const crit = (name, value, limit, ok) => criteria.push({ name, value, limit, ok: Boolean(ok) });
  crit('soak ran to the end', failedRun ?? 'yes', 'no harness failure', !failedRun);
  crit(
    'server process',
    crash ?? (phases.exit === 0 ? 'alive throughout; graceful stop exit 0' : `graceful stop: ${phases.exit ?? 'not reached'}`),
    'no crash; exit 0 on close',
    !crash && phases.exit === 0,
  );
  crit('server stderr', output.stderrBytes ? `${output.stderrBytes} bytes` : 'empty', 'empty', output.stderrBytes === 0);
  crit(
    'server error-level log lines',
    output.errorLines.length
      ? `${Object.entries(output.levels)
          .filter(([l]) => l >= 50)
          .reduce((a, [, n]) => a + n, 0)}`
      : '0',
    '0',
    output.errorLines.length === 0,
  );
  for (const cp of checkpoints.slice(1)) {
    const short = cp.name.replace(/ \(.*\)/, '');
    const dh = cp.heapUsed - base.heapUsed;
    crit(`heap used ${short} − baseline`, `${fmt(dh / MIB, 'MiB')}`, `≤ ${fmt(heapLimit / MIB, 'MiB')}`, dh <= heapLimit);
    const dn = cp.handles - base.handles;
    crit(
      `handles ${short} − baseline`,
      `${dn >= 0 ? '+' : ''}${dn} (${base.handles} → ${cp.handles})`,
      `±${HANDLES_SLACK}`,
      Math.abs(dn) <= HANDLES_SLACK,
    );
    crit(`/healthz sessions ${short}`, String(cp.sessions), '0', cp.sessions === 0);
  }
  if (phases.p1) {
    const p1 = phases.p1;
    const okShare = p1.cycles / p1.requested;
    crit(
      'phase 1 cycles completed',
      `${p1.cycles} / ${p1.requested} (${p1.errors} errors)`,
      '≥ 99.9 %, nothing unexpected',
      okShare >= 0.999 && p1.unexpectedResume === 0,
    );
  }
  if (phases.p2) {
    const { load, admin } = phases.p2;
    const badCloses = Object.entries(load.closeCodes).filter(([c]) => !['1000', '1005', '1006', '1007', '1009', '4000'].includes(c));
    crit(
      'phase 2 answers as the contract says',
      `${load.answers.unexpected + admin.unexpected} unexpected (${load.answers.timeouts} timeouts), close codes ${JSON.stringify(load.closeCodes)}`,
      '0 unexpected; closes 1000/1005/1006/1007/1009/4000 only',
      load.answers.unexpected === 0 && admin.unexpected === 0 && badCloses.length === 0 && admin.dropped === 0,
    );
    crit(
      'phase 2 silent sockets dropped by the heartbeat',
      `${load.turnover.silentDropped} / ${load.turnover.silentDropped + load.turnover.silentNotDropped}`,
      'all',
      load.turnover.silentNotDropped === 0,
    );
  }
  const pass = criteria.every((c) => c.ok);

  // ---- report
  const elapsed = ((Date.now() - started) / 1000).toFixed(0);
  const cpTable = renderRows(
    [
      'checkpoint',
      'heap used',
      'Δ heap',
      'RSS',
      'Δ RSS',
      'handles',
      'Δ handles',
      '/healthz sessions',
      'drained in',
      'live resources (by type)',
    ],
    checkpoints.map((cp) => [
      cp.name,
      fmt(cp.heapUsed / MIB, 'MiB'),
      cp === base ? '' : signed(fmt((cp.heapUsed - base.heapUsed) / MIB, 'MiB'), cp.heapUsed - base.heapUsed),
      fmt(cp.rss / MIB, 'MiB'),
      cp === base ? '' : signed(fmt((cp.rss - base.rss) / MIB, 'MiB'), cp.rss - base.rss),
      String(cp.handles) + (cp.handlesSeen.length > 1 ? ` (seen ${cp.handlesSeen.join('/')})` : ''),
      cp === base ? '' : signed(String(cp.handles - base.handles), cp.handles - base.handles),
      String(cp.sessions),
      `${(cp.drainedMs / 1000).toFixed(1)} s`,
      Object.entries(cp.resources)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]),
  );
  const spaceLines = checkpoints.slice(1).map((cp) => {
    const parts = Object.entries(cp.spaces ?? {})
      .map(([k, v]) => [k, v - (base.spaces?.[k] ?? 0)])
      .filter(([, d]) => Math.abs(d) >= 16 * 1024)
      .map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${fmt(d / MIB, 'MiB')}`);
    return `- Heap used by V8 space, ${cp.name.replace(/ \(.*\)/, '')} − baseline: ${parts.join(', ') || 'no space moved by 16 KiB or more'}`;
  });
  const critTable = renderRows(
    ['criterion', 'value', 'limit', 'met'],
    criteria.map((c) => [c.name, c.value, c.limit, c.ok ? 'yes' : 'NO']),
  );
  const loadTable = renderRows(['phase', 'figure', 'value'], loadRows(phases));
  const title = isFull
    ? 'Soak results'
    : `Soak results (short run: ${cfg.cycles} cycles, ${cfg.minutes} min; the full soak is ${FULL.cycles} cycles and ${FULL.minutes} min)`;
  console.log(
    `\n${critTable}\n\n${cpTable}\n${spaceLines.join('\n')}\n\n${loadTable}\n\nmachine: ${machineLine}\nverdict: ${pass ? 'PASS' : 'FAIL'} (${elapsed} s)\n`,
  );

  const serverLog = Object.entries(output.events).sort((a, b) => b[1] - a[1]);
  const md = [
    `# ${title}`,
    '',
    `Reproduce: \`npm run build && ${command()}\` (see [README.md](README.md#soak)).`,
    '',
    `- Verdict: **${pass ? 'PASS' : 'FAIL'}**`,
    `- Machine: ${machineLine}`,
    `- Date: ${new Date().toISOString()}; run took ${elapsed} s`,
    `- Server: session-tracker (\`server/dist\`) in \`servers/host.mjs\` with \`--expose-gc\`, 127.0.0.1, sessionTimeoutMs ${cfg.sessionTimeoutMs}, heartbeatMs ${cfg.heartbeatMs}, maxSessionsPerAddress 0, other options default (rate limit 100/s, max payload 64 KiB, admin token and an HS256 JWT secret set), log level warn`,
    `- Load: warm-up ${cfg.warmupCycles} cycles + ${cfg.warmupSeconds} s mixed; phase 1 ${cfg.cycles} cycles (2 processes × 50 in flight); phase 2 ${cfg.minutes} min, ${cfg.sessions} sessions × ${cfg.rate} messages/s, ${cfg.turnover} leaving/s, one admin every second`,
    `- Each checkpoint: /healthz at 0 sessions, then ≥ ${STATS_KEEPALIVE_MS / 1000} s after the last /metrics read, then three rounds of forced full GCs 1 s apart; figures from the last round. Heap limit: max(2 MiB, 5 % of the baseline).`,
    '',
    '## Criteria',
    '',
    critTable,
    '',
    '## Server memory and handles',
    '',
    cpTable,
    '',
    ...spaceLines,
    '',
    "`handles` is `process._getActiveHandles().length` (sockets, servers, pipes: the IPC channel and the piped stdout/stderr included); the last column is `process.getActiveResourcesInfo()` by type (ref'd timers included).",
    '',
    '## Load',
    '',
    loadTable,
    '',
    '## Server log (level warn and above, by event)',
    '',
    serverLog.length ? serverLog.map(([k, v]) => `- ${k}: ${v}`).join('\n') : '- nothing',
    ...(output.stderr ? ['', '## Server stderr', '', '```', output.stderr.slice(0, 5_000), '```'] : []),
    ...(output.errorLines.length ? ['', '## Error-level log lines (first 20)', '', '```', ...output.errorLines, '```'] : []),
    '',
    '## Raw figures',
    '',
    "One JSON line each: the settings, the checkpoints, then per phase the load workers' answers and the server's `stats`.",
    '',
    '```',
    JSON.stringify({ cfg }),
    ...checkpoints.map((cp) => JSON.stringify({ checkpoint: cp })),
    ...Object.entries(phases).map(([name, p]) => JSON.stringify({ phase: name, ...(p && typeof p === 'object' ? p : { value: p }) })),
    '```',
    '',
  ].join('\n');
  writeFileSync(outFile, md);
  log(`wrote ${outFile}`);
  return pass;
}

function signed(text, v) {
  return v > 0 && !text.startsWith('+') ? `+${text}` : text;
}

function renderRows(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const j = (o) =>
  Object.entries(o ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function serverRows(phase, s) {
  if (!s) return [];
  return [
    [phase, 'server CPU', `${Math.round(s.cpuPercent)} %`],
    [phase, 'server event-loop delay p99 / max', `${fmt(s.loop.p99, 'ms')} / ${fmt(s.loop.max, 'ms')}`],
  ];
}

function loadRows(p) {
  const rows = [];
  const cyc = (phase, c) => {
    if (!c) return;
    rows.push(
      [
        phase,
        'cycles done / requested',
        `${c.cycles} / ${c.requested} in ${(c.ms / 1000).toFixed(1)} s (${Math.round(c.cycles / (c.ms / 1000))}/s)`,
      ],
      [phase, 'cycles by ending', j(c.byMode)],
      [
        phase,
        'resumes: resumed (same session) / new session',
        `${c.resume.resumed ?? 0} (${c.resume.sameSession ?? 0}) / ${c.resume.fresh ?? 0}`,
      ],
      [phase, 'cycle p99, errors', `${fmt(c.cycleP99, 'ms')}, ${c.errors}${c.errors ? ` ${JSON.stringify(c.errorSamples)}` : ''}`],
    );
  };
  const mix = (phase, m) => {
    if (!m) return;
    const { load: l, admin: a } = m;
    rows.push(
      [
        phase,
        'long-lived sessions live (min–max)',
        `${l.live.min}–${l.live.max}, opened in ${(l.openMs / 1000).toFixed(1)} s, ran ${(l.ranMs / 1000).toFixed(0)} s`,
      ],
      [phase, 'sent: notifications / requests', `${l.sent.notifications} / ${l.sent.requests}`],
      [
        phase,
        'answers: ok / expected errors / unexpected / timeouts / abandoned (socket closed first)',
        `${l.answers.ok} / ${j(l.answers.expected) || 0} / ${l.answers.unexpected} / ${l.answers.timeouts} / ${l.answers.abandoned}`,
      ],
      [phase, 'bad input sent', j(l.bad)],
      [phase, 'id:null errors received', j(l.nullErrors)],
      [phase, 'batch answers', j(l.batchAnswers)],
      [phase, 'logins', j(l.logins)],
      [phase, 'turnover', j(l.turnover)],
      [phase, 'close codes seen by clients', j(l.closeCodes)],
      [phase, 'notifications received', j(l.notifications)],
      [phase, 'admin calls', j(a.calls)],
      [phase, 'admin expected errors', j(a.expected) || '0'],
      [
        phase,
        'admin getSessionInfo p50 / p99',
        `${fmt(a.latency.getSessionInfo?.p50, 'ms')} / ${fmt(a.latency.getSessionInfo?.p99, 'ms')}`,
      ],
      [phase, 'admin sessions.changed received (items)', `${a.changed} (${a.changedItems}); reconnects ${a.reconnects}`],
      [
        phase,
        'load errors',
        `${l.errors.count + a.errors.count}${l.errors.count + a.errors.count ? ` ${JSON.stringify({ ...l.errors.samples, ...a.errors.samples })}` : ''}`,
      ],
    );
    if (l.answers.unexpected || a.unexpected)
      rows.push([phase, 'unexpected (samples)', JSON.stringify({ ...l.unexpectedSamples, ...a.unexpectedSamples })]);
  };
  if (p.warmup) {
    cyc('warm-up', p.warmup.cycles);
    mix('warm-up', p.warmup.mixed);
  }
  cyc('1', p.p1);
  rows.push(...serverRows('1', p.p1?.server));
  mix('2', p.p2);
  rows.push(...serverRows('2', p.p2?.server));
  return rows;
}

main().then(
  (pass) => process.exit(pass ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
