#!/usr/bin/env node
// Same-run before/after: runs scenarios against this checkout's session-tracker and a
// baseline build (another checkout, e.g. a git worktree of an older commit, built with
// `npm run build`), alternating which goes first each repetition, and prints each
// figure's median for both with the ratio current / baseline.
//
//   node test/bench/compare.mjs --baseline ../base [--scenario throughput,query] [--reps 3] [--quick] [--out FILE]
//   node test/bench/compare.mjs --baseline . --current-options '{"dataDir":"tmp"}'   # one build, two settings ("tmp": a fresh directory per run)
//
// The load, the clients and the harness are this checkout's for both: only the server
// module differs (ST_SERVER_MODULE, read by servers/host.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt } from './lib/table.mjs';
import { machine } from './lib/machine.mjs';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    scenario: { type: 'string', default: 'throughput,query' },
    reps: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    // JSON server options for each side (e.g. the history store on disk against in memory).
    'current-options': { type: 'string' },
    'baseline-options': { type: 'string' },
  },
});
for (const k of ['current-options', 'baseline-options']) if (args[k] !== undefined) JSON.parse(args[k]); // fail early on bad JSON
if (!args.baseline) {
  console.error('usage: node test/bench/compare.mjs --baseline DIR [--scenario a,b] [--reps N] [--quick] [--out FILE]');
  process.exit(2);
}
const baseModule = resolve(args.baseline, 'server/dist/index.js');
if (!existsSync(baseModule)) {
  console.error(`${baseModule} missing: build the baseline checkout first (npm ci && npm run build there)`);
  process.exit(2);
}
const reps = Math.max(1, Number(args.reps));
const RUN = fileURLToPath(new URL('./run.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'st-compare-'));
const log = (m) => process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function runOnce(which, rep) {
  const json = join(tmp, `${which}-${rep}.json`);
  const argv = [
    RUN,
    '--servers',
    'st',
    '--scenario',
    args.scenario,
    '--reps',
    '1',
    '--out',
    join(tmp, `${which}-${rep}.md`),
    '--json',
    json,
  ];
  if (args.quick) argv.push('--quick');
  const env = { ...process.env };
  if (which === 'baseline') env.ST_SERVER_MODULE = baseModule;
  else delete env.ST_SERVER_MODULE;
  const options = which === 'baseline' ? args['baseline-options'] : args['current-options'];
  if (options === undefined) delete env.ST_SERVER_OPTIONS;
  else env.ST_SERVER_OPTIONS = options;
  log(`rep ${rep + 1}: ${which}`);
  const r = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${which} run ${rep + 1} failed (exit ${r.status})`);
  return JSON.parse(readFileSync(json, 'utf8')).rows;
}

const samples = new Map(); // "scenario|figure" -> {unit, baseline: [], current: []}
for (let rep = 0; rep < reps; rep++) {
  const order = rep % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
  for (const which of order) {
    for (const row of runOnce(which, rep)) {
      const key = `${row.scenario}|${row.figure}`;
      const s = samples.get(key) ?? { scenario: row.scenario, figure: row.figure, unit: row.unit, baseline: [], current: [] };
      if (Number.isFinite(row.st)) s[which].push(row.st);
      samples.set(key, s);
    }
  }
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const header = ['scenario', 'figure', 'baseline', 'current', 'current / baseline'];
const body = [...samples.values()].map((s) => {
  const b = median(s.baseline);
  const c = median(s.current);
  return [
    s.scenario,
    s.figure,
    fmt(b, s.unit),
    fmt(c, s.unit),
    Number.isFinite(b) && Number.isFinite(c) && b !== 0 ? `${(c / b).toFixed(2)}×` : 'n/a',
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
const info = machine();
const text = [
  `Reproduce: \`node test/bench/compare.mjs --baseline <built checkout of the baseline> --scenario ${args.scenario} --reps ${reps}${args.quick ? ' --quick' : ''}${[
    'current-options',
    'baseline-options',
  ]
    .map((k) => (args[k] === undefined ? '' : ` --${k} '${args[k]}'`))
    .join('')}\``,
  '',
  `- Machine: ${info.cores} cores · ${info.cpu} · Node ${info.node} · load average at start ${info.loadavg}`,
  `- Date: ${new Date().toISOString()}; medians over ${reps} alternating repetition(s) of each build`,
  '',
  table,
  '',
].join('\n');
console.log(`\n${text}`);
if (args.out) writeFileSync(args.out, text);
