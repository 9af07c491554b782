#!/usr/bin/env node
// `npm run bench`: runs each scenario against session-tracker, a bare `ws`
// server (the floor) and a hand-written Socket.IO 4 server, in separate
// processes from the load, and prints one table of medians over the
// repetitions with the ratios, then writes it to RESULTS.md.
//
//   node test/bench/run.mjs [--quick] [--scenario NAME[,NAME]] [--reps N]
//                           [--servers st,bare,sio] [--out FILE] [--profile]
// --profile writes a CPU profile of each server's measurement window to
// test/bench/profiles/ (read it with lib/profile-top.mjs).
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { medianRecords } from './lib/stats.mjs';
import { renderTable } from './lib/table.mjs';
import { dashboardSection } from './lib/dashboard-section.mjs';
import * as throughput from './scenarios/throughput.mjs';
import * as memory from './scenarios/memory.mjs';
import * as query from './scenarios/query.mjs';
import * as fairness from './scenarios/fairness.mjs';
import * as churn from './scenarios/churn.mjs';
import * as cluster from './scenarios/cluster.mjs';
import * as list from './scenarios/list.mjs';
import { machine } from './lib/machine.mjs';

const SCENARIOS = [throughput, memory, query, fairness, churn, cluster, list];
const SERVER_NAMES = { st: 'session-tracker', bare: 'bare ws', sio: 'socket.io' };
const ST_DIST = fileURLToPath(new URL('../../server/dist/index.js', import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    reps: { type: 'string' },
    servers: { type: 'string', default: 'st,bare,sio' },
    out: { type: 'string' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: node test/bench/run.mjs [--quick] [--scenario NAME[,NAME]] [--reps N] [--servers st,bare,sio] [--out FILE] [--profile]',
  );
  console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(0);
}

const wanted = (args.scenario ?? []).flatMap((s) => s.split(',')).filter(Boolean);
const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const scenarios = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
const servers = args.servers.split(',').filter((k) => k in SERVER_NAMES);
// Medians need at least 3 repetitions; the smoke check runs once.
const reps = Math.max(1, Number(args.reps ?? (args.quick ? 1 : 3)));
const outFile = args.out ?? fileURLToPath(new URL(args.quick ? './RESULTS-quick.md' : './RESULTS.md', import.meta.url));

const ctx = {
  quick: args.quick,
  adminToken: 'bench-admin-token-0123456789abcdef',
  jwtSecret: 'bench-jwt-secret-that-is-long-enough-0123456789',
  // Several source addresses so 15,000 sockets and 50,000 churn cycles do not run out of ephemeral ports.
  addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
  // session-tracker's per-address session cap (default 1,000) would refuse 15,000
  // sessions from 4 loopback addresses; real deployments behind NAT turn it off too.
  // The per-session rate limit (100 messages/s) would refuse an admin asking hundreds of
  // queries back to back, and a flood: the bench measures handling, not refusal.
  stOptions: { maxSessionsPerAddress: 0, rateLimitPerSecond: 0 },
  profileDir: args.profile ? fileURLToPath(new URL('./profiles/', import.meta.url)) : undefined,
};

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function command() {
  const parts = ['node test/bench/run.mjs'];
  if (args.quick) parts.push('--quick');
  if (wanted.length) parts.push(`--scenario ${wanted.join(',')}`);
  if (args.reps) parts.push(`--reps ${reps}`);
  if (args.servers !== 'st,bare,sio') parts.push(`--servers ${args.servers}`);
  return parts.join(' ');
}

async function main() {
  const started = Date.now();
  const info = machine();
  const skipped = {};
  if (servers.includes('st') && !existsSync(ST_DIST)) skipped.st = `server/dist not built (${ST_DIST} missing; run npm run build)`;
  log(`${info.cores} cores, ${info.cpu}, Node ${info.node}; ${reps} repetition(s); scenarios: ${scenarios.map((s) => s.name).join(', ')}`);

  const rows = [];
  const notes = [];
  for (const scenario of scenarios) {
    const kinds = scenario.kinds.filter((k) => servers.includes(k));
    const records = Object.fromEntries(kinds.map((k) => [k, []]));
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order each repetition so no server always runs first (or last) on a shared machine.
      const order = kinds.map((_, i) => kinds[(i + rep) % kinds.length]);
      for (const kind of order) {
        if (skipped[kind]) continue;
        const t0 = Date.now();
        try {
          const { figures, notes: n } = await scenario.run(kind, { ...ctx, scenario: scenario.name });
          records[kind].push(figures);
          notes.push({ scenario: scenario.name, server: SERVER_NAMES[kind], rep: rep + 1, ...n });
          log(
            `${scenario.name} ${SERVER_NAMES[kind]} rep ${rep + 1}: ${JSON.stringify(roundAll(figures))} ${JSON.stringify(n)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
          );
        } catch (err) {
          const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
          notes.push({ scenario: scenario.name, server: SERVER_NAMES[kind], rep: rep + 1, failed: msg });
          log(`${scenario.name} ${SERVER_NAMES[kind]} rep ${rep + 1} FAILED: ${msg}`);
          // A server that cannot start will not start next time either.
          if (/before ready|not ready|Cannot find (module|package)/.test(msg)) skipped[kind] = msg;
        }
      }
    }
    const medians = Object.fromEntries(Object.entries(records).map(([k, r]) => [k, r.length ? medianRecords(r) : {}]));
    rows.push(...scenario.rows(medians));
  }

  // --json: the raw rows, for compare.mjs (which runs two builds side by side).
  if (args.json) writeFileSync(args.json, JSON.stringify({ rows, notes }));
  const table = renderTable(rows);
  const elapsed = ((Date.now() - started) / 1000).toFixed(0);
  const machineLine = `${info.cores} cores · ${info.cpu} · Node ${info.node} · ${info.os} · ${info.memory} RAM · load average at start ${info.loadavg}`;
  console.log(`\n${table}\n\nmachine: ${machineLine}\nfigures: medians over ${reps} repetition(s); ${elapsed} s\n`);
  for (const [k, why] of Object.entries(skipped)) console.log(`${SERVER_NAMES[k]} not measured: ${why}`);

  const md = [
    `# Benchmark results${args.quick ? " (quick smoke run: small counts, not the targets' conditions)" : ''}`,
    '',
    `Reproduce: \`npm run build && ${command()}\` (see [README.md](README.md)).`,
    '',
    `- Machine: ${machineLine}`,
    `- Date: ${new Date().toISOString()}; run took ${elapsed} s`,
    `- Figures are medians over ${reps} repetition(s); each repetition starts a fresh server process.`,
    ...Object.entries(skipped).map(([k, why]) => `- ${SERVER_NAMES[k]} not measured: ${why}`),
    '',
    table,
    '',
    ...analysis(),
    '## Per-run notes',
    '',
    'One line per server and repetition: sanity figures (server and load CPU %, messages sent, drain time after the flood, errors).',
    '',
    '```',
    ...notes.map((n) => JSON.stringify(n)),
    '```',
    '',
  ].join('\n');
  // The dashboard's figures come from another script (dashboard-perf.mjs): kept as they were.
  const dashboard = dashboardSection(outFile);
  writeFileSync(outFile, dashboard === '' ? md : `${md}\n${dashboard}\n`);
  log(`wrote ${outFile}`);
}

/** The hand-written account of the figures (ANALYSIS.md), kept across runs. */
function analysis() {
  const file = fileURLToPath(new URL('./ANALYSIS.md', import.meta.url));
  return existsSync(file) ? [readFileSync(file, 'utf8').trim(), ''] : [];
}

function roundAll(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number.isFinite(v) ? +v.toFixed(2) : v]));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
