// App-traffic bench (issue 12): session-tracker as the app's realtime channel, side by side with
// Socket.IO 4 and a bare `ws` server in one run. Each server runs alone in its own process
// (servers/app-host.mjs); the load runs here. Figures are medians over --reps repetitions.
//
//   npm run build && node test/bench/app-traffic.mjs            # full size, writes RESULTS-app.md
//   node test/bench/app-traffic.mjs --quick                      # small counts, prints only
//
// 1. App call round trips per second: 200 clients, each a closed loop of one call with 100-byte
//    params: session-tracker `app.echo` (tracker.handle), Socket.IO emit with acknowledgement,
//    a bare ws server doing JSON-RPC by hand.
// 2. A push to 10,000 sessions selected by projectFilter against a Socket.IO room broadcast to
//    the same 10,000: time from the push request to the last delivery.
// 3. A tracked socket (tracker.track) against the same app ws server untracked: echo messages
//    per second, 200 clients in closed loops.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io as ioClient } from 'socket.io-client';
import { machine } from './lib/machine.mjs';
import { median } from './lib/stats.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsArg = args.indexOf('--reps');
const reps = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 1 : 3;
const CLIENTS = quick ? 50 : 200;
const PUSH_SESSIONS = quick ? 1_000 : 10_000;
const WINDOW_MS = quick ? 2_000 : 5_000;
const WARMUP_MS = quick ? 300 : 1_000;
const PARAMS = { text: 'x'.repeat(89) }; // 100 bytes of JSON
const HOST = fileURLToPath(new URL('./servers/app-host.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startHost(kind) {
  const child = spawn(process.execPath, [HOST, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m)
        resolve({
          port: Number(m[1]),
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGKILL');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`${kind} host exited ${code}`)));
  });
}

/** Opens `n` connections, at most 200 at a time. */
async function openAll(n, open) {
  const out = [];
  for (let i = 0; i < n; i += 200) out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, open))));
  return out;
}

function wsClient(url, awaitFirst) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    if (awaitFirst) ws.once('message', () => resolve(ws));
    else ws.once('open', () => resolve(ws));
  });
}

function sioClient(port, project) {
  return new Promise((resolve, reject) => {
    const s = ioClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: project ? { project } : {},
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** Closed loops on every client for the window; returns completed exchanges per second. */
async function closedLoops(clients, oneExchange) {
  let counting = false;
  let done = 0;
  let running = true;
  const loops = clients.map(async (c, i) => {
    while (running) {
      await oneExchange(c, i);
      if (counting) done++;
    }
  });
  await sleep(WARMUP_MS);
  counting = true;
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  counting = false;
  const rate = done / ((performance.now() - t0) / 1000);
  running = false;
  await Promise.all(loops);
  return rate;
}

/** A JSON-RPC client over ws: one call at a time, answers matched by id. */
function rpcExchange(method) {
  const ids = new WeakMap();
  return (ws) =>
    new Promise((resolve) => {
      const id = (ids.get(ws) ?? 0) + 1;
      ids.set(ws, id);
      ws.once('message', (data) => {
        JSON.parse(data.toString());
        resolve();
      });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: PARAMS }));
    });
}

async function roundTrips(kind) {
  const host = await startHost(kind === 'st' ? 'st' : kind);
  try {
    if (kind === 'sio') {
      const clients = await openAll(CLIENTS, () => sioClient(host.port));
      const rate = await closedLoops(clients, (s) => s.emitWithAck('echo', PARAMS));
      for (const s of clients) s.close();
      return rate;
    }
    const url = kind === 'st' ? `ws://127.0.0.1:${host.port}/ws?project=bench` : `ws://127.0.0.1:${host.port}/`;
    const clients = await openAll(CLIENTS, () => wsClient(url, kind === 'st'));
    const rate = await closedLoops(clients, rpcExchange(kind === 'st' ? 'app.echo' : 'echo'));
    for (const ws of clients) ws.terminate();
    return rate;
  } finally {
    await host.stop();
  }
}

/** ms from the push request to the last of PUSH_SESSIONS deliveries (median of 5 pushes). */
async function pushLatency(kind) {
  const host = await startHost(kind);
  try {
    let got = 0;
    let last = 0;
    const onTick = () => {
      got++;
      last = performance.now();
    };
    const clients =
      kind === 'sio'
        ? await openAll(PUSH_SESSIONS, () => sioClient(host.port, 'P').then((s) => s.on('tick', onTick)))
        : await openAll(PUSH_SESSIONS, () =>
            wsClient(`ws://127.0.0.1:${host.port}/ws?project=P`, true).then((ws) => ws.on('message', onTick)),
          );
    const times = [];
    for (let i = 0; i < 5; i++) {
      got = 0;
      const t0 = performance.now();
      const reached = JSON.parse(await (await fetch(`http://127.0.0.1:${host.port}/push`)).text()).reached;
      if (reached !== PUSH_SESSIONS) throw new Error(`${kind}: push reached ${reached} of ${PUSH_SESSIONS}`);
      while (got < PUSH_SESSIONS) await sleep(1);
      times.push(last - t0);
      await sleep(200);
    }
    for (const c of clients) kind === 'sio' ? c.close() : c.terminate();
    return median(times);
  } finally {
    await host.stop();
  }
}

async function appSocketRate(kind) {
  const host = await startHost(kind);
  try {
    const clients = await openAll(CLIENTS, () => wsClient(`ws://127.0.0.1:${host.port}/app?project=bench`, false));
    const text = JSON.stringify(PARAMS);
    const rate = await closedLoops(
      clients,
      (ws) =>
        new Promise((resolve) => {
          ws.once('message', () => resolve());
          ws.send(text);
        }),
    );
    for (const ws of clients) ws.terminate();
    return rate;
  } finally {
    await host.stop();
  }
}

const started = Date.now();
const m = machine();
const samples = { rtSt: [], rtSio: [], rtBare: [], pushSt: [], pushSio: [], trackSt: [], trackPlain: [] };
for (let r = 0; r < reps; r++) {
  // The order rotates between repetitions, so no server always runs first.
  const jobs = [
    async () => samples.rtSt.push(await roundTrips('st')),
    async () => samples.rtSio.push(await roundTrips('sio')),
    async () => samples.rtBare.push(await roundTrips('bare')),
    async () => samples.pushSt.push(await pushLatency('st')),
    async () => samples.pushSio.push(await pushLatency('sio')),
    async () => samples.trackSt.push(await appSocketRate('st')),
    async () => samples.trackPlain.push(await appSocketRate('st-plain')),
  ];
  for (let i = 0; i < jobs.length; i++) await jobs[(i + r) % jobs.length]();
  console.error(`repetition ${r + 1}/${reps} done`);
}

const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const n = (v, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d });
const x = (a, b) => `${(a / b).toFixed(2)}×`;
const rows = [
  [
    'app call round trips / s (200 clients, 100-byte params)',
    `${n(med.rtSt)}`,
    `socket.io ${n(med.rtSio)} · bare ws ${n(med.rtBare)}`,
    `${x(med.rtSt, med.rtSio)} socket.io · ${x(med.rtSt, med.rtBare)} bare`,
    '≥1.3× socket.io, ≥0.8× bare',
    med.rtSt >= 1.3 * med.rtSio && med.rtSt >= 0.8 * med.rtBare ? 'yes' : 'NO',
  ],
  [
    `push to ${n(PUSH_SESSIONS)} sessions by projectFilter: ms to the last delivery`,
    `${n(med.pushSt, 1)} ms`,
    `socket.io room ${n(med.pushSio, 1)} ms`,
    x(med.pushSt, med.pushSio),
    '≤ socket.io room broadcast',
    med.pushSt <= med.pushSio ? 'yes' : 'NO',
  ],
  [
    'app ws echo messages / s: tracked vs untracked',
    `${n(med.trackSt)}`,
    `untracked ${n(med.trackPlain)}`,
    x(med.trackSt, med.trackPlain),
    '≥0.9× untracked',
    med.trackSt >= 0.9 * med.trackPlain ? 'yes' : 'NO',
  ],
];
const table = [
  '| figure | session-tracker | alternative | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const report = `# App-traffic benchmark results

Reproduce: \`npm run build && node test/bench/app-traffic.mjs${quick ? ' --quick' : ''}\` (servers in \`servers/app-host.mjs\`).

- Machine: ${m.cores} cores · ${m.cpu} · Node ${m.node} · ${m.os} · ${m.memory} RAM · load average at start ${m.loadavg}
- Date: ${new Date(started).toISOString()}; run took ${Math.round((Date.now() - started) / 1000)} s
- Medians over ${reps} repetition(s); each figure starts a fresh server process; the load runs in the bench process.

${table}

Raw samples: ${JSON.stringify(samples)}
`;
console.log(report);
const outArg = args.indexOf('--out');
const out = outArg >= 0 ? args[outArg + 1] : quick ? undefined : fileURLToPath(new URL('./RESULTS-app.md', import.meta.url));
if (out) writeFileSync(out, report);
