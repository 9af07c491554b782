// History stores side by side, in one run: SQLite (the embedded default) and PostgreSQL
// (--database). For each: 1,000,000 events (and 100,000 ended sessions) written through the
// store in the journal's slices of 1,000 records per transaction: rate and disk size; then a
// tracker on that store answers sessions.events / sessions.history pages over a real socket:
// p50/p99 per kind of page. Writes HISTORY.md (or --out). `--events N` for a smaller run.
//
//   npm run build && node test/bench/history-store.mjs [--events 1000000] [--queries 200] [--out file]
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { startServer } from '@session-tracker/server';
import { SqliteStore } from '../../server/dist/history/sqlite-store.js';
import { PgStore } from '../../server/dist/history/pg-store.js';
import { machine } from './lib/machine.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { summarize } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, queries: { type: 'string', default: '200' }, out: { type: 'string' } },
});
const EVENTS = Number(args.events);
const QUERIES = Number(args.queries);
const SESSIONS = Math.max(1, Math.floor(EVENTS / 10));
const SLICE = 1_000;
const ADMIN = 'bench-admin-token-0123456789';
const DAY = 24 * 3_600_000;
const START = Date.now() - 30 * DAY;
const STEP = (30 * DAY) / EVENTS;
const TYPES = ['page.open', 'page.close', 'page.open', 'page.close', 'login', 'logout', 'page.open', 'page.close', 'admin.action'];

/** Event i: 10 per session, a user per session (1 % of them vip-*), 1 % of events login.failed. */
function event(i) {
  const session = Math.floor(i / 10);
  const user = session % 100 === 0 ? `vip-${session}` : `user-${session % 1_000}`;
  const type = i % 10 === 0 ? 'session.start' : i % 10 === 9 ? 'session.end' : i % 100 === 55 ? 'login.failed' : TYPES[i % TYPES.length];
  return {
    at: Math.floor(START + i * STEP),
    type,
    sessionId: `s-${session}`,
    username: user,
    project: `Line${session % 7}`,
    clientAddress: '10.0.0.1',
    detail: { path: `/line/${i % 50}`, title: 'Overview', pageId: 'p1' },
  };
}

function ended(n) {
  const endedAt = Math.floor(START + (n * 10 + 9) * STEP);
  const id = `s-${n}`;
  const info = {
    id,
    username: n % 100 === 0 ? `vip-${n}` : `user-${n % 1_000}`,
    project: `Line${n % 7}`,
    state: 'disconnected',
    endedAt: new Date(endedAt).toISOString(),
    endReason: 'timeout',
    totalBytesSent: 1_234,
  };
  return {
    id,
    project: info.project,
    username: info.username,
    clientAddress: '10.0.0.1',
    createdAt: Math.floor(START + n * 10 * STEP),
    endedAt,
    endReason: 'timeout',
    info: JSON.stringify(info),
  };
}

async function fill(store) {
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += SLICE) {
    const events = [];
    for (let j = i; j < Math.min(EVENTS, i + SLICE); j++) events.push(event(j));
    const endedRows = [];
    for (let n = i / 10; n < Math.min(SESSIONS, (i + SLICE) / 10); n++) endedRows.push(ended(n));
    await store.write({ events, ended: endedRows, live: [], gone: [] });
  }
  const s = (performance.now() - t0) / 1_000;
  return { seconds: s, eventsPerSecond: EVENTS / s };
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/** An admin socket: call(method, params) resolves to the result, timing excluded from nothing. */
async function admin(wsUrl) {
  const ws = new WebSocket(`${wsUrl}?project=bench`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.id !== undefined && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    }
  });
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
    });
  await call('auth.login', { token: ADMIN });
  return { call, close: () => ws.close() };
}

/** Kinds of page an admin asks for, each with fresh params per call. */
const rnd = (n) => Math.floor(Math.random() * n);
const PAGES = {
  'events, newest 100': () => ['sessions.events', { limit: 100 }],
  'events, 100 before a random time': () => ['sessions.events', { to: Math.floor(START + rnd(EVENTS) * STEP), limit: 100 }],
  'events of one session': () => ['sessions.events', { sessionId: `s-${rnd(SESSIONS)}`, limit: 100 }],
  'events, type login.failed (1 %)': () => ['sessions.events', { types: ['login.failed'], limit: 100 }],
  'events, usernameFilter vip-.* (1 %)': () => ['sessions.events', { usernameFilter: 'vip-.*', limit: 100 }],
  'events, usernameFilter vip-.*, before a random time': () => [
    'sessions.events',
    { usernameFilter: 'vip-.*', to: Math.floor(START + rnd(EVENTS) * STEP), limit: 100 },
  ],
  'events, usernameFilter one user (0.1 %)': () => ['sessions.events', { usernameFilter: `user-${1 + rnd(999)}`, limit: 100 }],
  'events, usernameFilter no user': () => ['sessions.events', { usernameFilter: 'nobody', limit: 100 }],
  'history, usernameFilter vip-.* (1 %)': () => ['sessions.history', { usernameFilter: 'vip-.*', limit: 100 }],
  'history, newest 100': () => ['sessions.history', { limit: 100 }],
  'history, connected at a random time': () => {
    const t = Math.floor(START + rnd(EVENTS) * STEP);
    return ['sessions.history', { from: t, to: t, limit: 100 }];
  },
};

async function pages(options) {
  const srv = await startServer({
    host: '127.0.0.1',
    port: 0,
    adminToken: ADMIN,
    logLevel: 'warn',
    historyDays: 0,
    rateLimitPerSecond: 0,
    ...options,
  });
  const a = await admin(srv.wsUrl);
  const out = {};
  for (const [name, make] of Object.entries(PAGES)) {
    await a.call(...make()); // warm
    const samples = [];
    for (let i = 0; i < QUERIES; i++) {
      const [method, params] = make();
      const t0 = performance.now();
      await a.call(method, params);
      samples.push(performance.now() - t0);
    }
    out[name] = summarize(samples);
  }
  a.close();
  await srv.close();
  return out;
}

// The load average as the run starts (the machine is shared): read now, not when the file is written.
const m = machine();
const results = {};
const dir = mkdtempSync(join(tmpdir(), 'st-bench-sqlite-'));
try {
  const store = new SqliteStore(dir);
  const write = await fill(store);
  await store.close();
  results.sqlite = { write, bytes: dirBytes(dir), pages: await pages({ dataDir: dir }) };
  console.log('sqlite', JSON.stringify(results.sqlite));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const server = await startPostgres();
try {
  const before = dirBytes(server.dataDir);
  const store = new PgStore(server.url);
  const write = await fill(store);
  await store.close();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  // What autovacuum does soon after a bulk load: without statistics the planner guesses.
  await c.query('ANALYZE');
  await c.query('CHECKPOINT');
  const rel = (await c.query("SELECT pg_total_relation_size('st_events') AS e, pg_total_relation_size('st_ended_sessions') AS s")).rows[0];
  await c.end();
  results.postgres = {
    write,
    bytes: Number(rel.e) + Number(rel.s),
    dirGrowth: dirBytes(server.dataDir) - before,
    pages: await pages({ database: server.url }),
  };
  console.log('postgres', JSON.stringify(results.postgres));
} finally {
  await server.stop();
}

const mib = (n) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const ms = (n) => n.toFixed(1);
const lines = [
  '# History stores: SQLite and PostgreSQL side by side',
  '',
  `Machine: ${m.cores} cores, ${m.cpu}, ${m.memory}, Node ${m.node}, load ${m.loadavg} at start. ${new Date().toISOString()}.`,
  `Command: \`node test/bench/history-store.mjs --events ${EVENTS} --queries ${QUERIES}\` (after \`npm run build\`).`,
  '',
  `${EVENTS.toLocaleString('en')} events and ${SESSIONS.toLocaleString('en')} ended sessions over 30 days, written through each store in the journal's slices (1,000 records per transaction);`,
  "PostgreSQL 15 on the same machine, default settings (fsync on). Disk: SQLite's directory (file and WAL); PostgreSQL's tables with their indexes (and the growth of its data directory, WAL included).",
  '',
  '| | SQLite | PostgreSQL |',
  '|---|---|---|',
  `| write rate (events/s) | ${Math.round(results.sqlite.write.eventsPerSecond).toLocaleString('en')} | ${Math.round(results.postgres.write.eventsPerSecond).toLocaleString('en')} |`,
  `| time to write | ${results.sqlite.write.seconds.toFixed(1)} s | ${results.postgres.write.seconds.toFixed(1)} s |`,
  `| disk | ${mib(results.sqlite.bytes)} | ${mib(results.postgres.bytes)} (data dir +${mib(results.postgres.dirGrowth)}) |`,
  '',
  `Pages over a real socket (a tracker on that store, an admin asking ${QUERIES} times each, one at a time), ms p50 / p99; target p99 ≤ 50 ms:`,
  '',
  '| page | SQLite p50 / p99 | PostgreSQL p50 / p99 |',
  '|---|---|---|',
  ...Object.keys(PAGES).map(
    (k) =>
      `| ${k} | ${ms(results.sqlite.pages[k].p50)} / ${ms(results.sqlite.pages[k].p99)} | ${ms(results.postgres.pages[k].p50)} / ${ms(results.postgres.pages[k].p99)} |`,
  ),
  '',
];
const out = args.out ?? fileURLToPath(new URL('HISTORY.md', import.meta.url));
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
