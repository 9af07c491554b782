// The soak's load, run inside load/worker.mjs processes (merged into its IPC
// handlers): phase 1's connect/disconnect cycles on raw sockets, phase 2's
// mixed traffic from long-lived sessions, and phase 2's admin. Each handler
// runs until a count or a deadline, whichever comes first, and returns counts
// for the report. Only session-tracker is soaked: these speak its protocol.
import { BenchClient, maskedFrames, sessionUrl } from '../lib/clients.mjs';
import { signJwt } from '../lib/jwt.mjs';
import { rawSoakCycle } from '../lib/rawcycle.mjs';
import { summarize } from '../lib/stats.mjs';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const bump = (o, k, n = 1) => {
  o[k] = (o[k] ?? 0) + n;
};
const SAMPLE_KINDS_MAX = 20; // distinct error messages kept as samples

function recordError(errors, err) {
  errors.count++;
  const msg = (err instanceof Error ? err.message : String(err)).slice(0, 160);
  if (msg in errors.samples || Object.keys(errors.samples).length < SAMPLE_KINDS_MAX) bump(errors.samples, msg);
}

/** mulberry32: a seeded PRNG, so a soak's mix is the same from run to run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks a key of `weights` ({key: weight}) with `r` in [0, 1). */
function pick(weights, r) {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let x = r * total;
  for (const [k, w] of Object.entries(weights)) {
    x -= w;
    if (x < 0) return k;
  }
  return Object.keys(weights).at(-1);
}

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight, stopping at `deadline`. */
async function pool(count, concurrency, deadline, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count && now() < deadline) await fn(next++);
    }),
  );
  return next;
}

function cpuMeter() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(cpu0);
    return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  };
}

const SCOPES = ['browser', 'designer', 'ios', 'android'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Ignition Perspective/8.1 (Android 14)',
  '',
];

// ---------------------------------------------------------------- phase 1

/** Phase 1's mix of endings (see rawSoakCycle); weights in percent. */
export const CYCLE_MIX = { clean: 30, page: 20, resume: 20, reset: 15, drop: 15 };

/** Tokens kept across calls, with when they were seen, for resumes of expired sessions. */
const oldTokens = [];
let oldTokensAt = 0;

/**
 * `cycles` connect/disconnect cycles, `concurrency` at a time, until done or
 * `durationMs`. A resume uses a token from a recent cycle (its session is
 * still alive, disconnected: resumed) or, one time in four, one seen more than
 * `expiredAfterMs` ago (expired: a new session).
 */
async function soakCycles({
  url,
  cycles,
  concurrency = 50,
  durationMs = 600_000,
  localAddresses = ['127.0.0.1'],
  firstIndex = 0,
  seed = 1,
  mix = CYCLE_MIX,
  expiredAfterMs = 5_000,
}) {
  const t0 = now();
  const rand = rng(seed);
  const target = new URL(url);
  const errors = { count: 0, samples: {} };
  const byMode = {};
  const resume = { resumed: 0, fresh: 0, sameSession: 0 };
  let unexpectedResume = 0;
  const recent = [];
  let recentAt = 0;
  const latencies = [];
  const cpu = cpuMeter();
  let done = 0;
  const attempted = await pool(cycles, concurrency, t0 + durationMs, async (i) => {
    let mode = pick(mix, rand());
    let token;
    let sessionOfToken;
    if (mode === 'resume') {
      const old = i % 4 === 0 ? oldTokens[Math.floor(rand() * oldTokens.length)] : undefined;
      const entry = old && now() - old[2] > expiredAfterMs ? old : recent[Math.floor(rand() * recent.length)];
      if (entry) [token, sessionOfToken] = entry;
      else mode = 'clean';
    }
    try {
      const c0 = performance.now();
      const w = await rawSoakCycle(target, localAddresses[(firstIndex + i) % localAddresses.length], { mode, resume: token, seq: i });
      latencies.push(performance.now() - c0);
      done++;
      bump(byMode, mode);
      if (mode === 'resume') {
        if (w.resumed) {
          resume.resumed++;
          if (w.sessionId === sessionOfToken) resume.sameSession++;
        } else resume.fresh++;
      } else if (w.resumed) unexpectedResume++;
      recent[recentAt++ % 256] = [w.resumeToken, w.sessionId];
      if (i % 200 === 0) oldTokens[oldTokensAt++ % 64] = [w.resumeToken, w.sessionId, now()];
    } catch (err) {
      recordError(errors, err);
    }
  });
  return {
    attempted,
    cycles: done,
    byMode,
    resume,
    unexpectedResume,
    errors,
    ms: now() - t0,
    cpuPercent: cpu(),
    latency: summarize(latencies),
  };
}

// ---------------------------------------------------------------- phase 2

/** What a long-lived session does when its turn comes; weights in parts per 1,000. */
const ACTIONS = {
  updateNote: 400, // page.update notification
  updateReq: 100,
  openNote: 70, // page.open notification (a new page, or page.close when 5 are open)
  openReq: 50,
  closeReq: 50,
  self: 70, // session.self (getSessionStats when logged in as an admin)
  batch: 40, // [page.update, session.self] requests and a notification, in one batch
  login: 60, // auth.login (JWT user, JWT admin, admin token, bad token) or auth.logout
  unknown: 10, // an unknown method: -32601
  bad: 10, // invalid JSON, binary, oversize (1009), invalid UTF-8 (1007), over-long batch
};
const BAD_INPUT = { json: 35, binary: 30, bigBatch: 15, oversize: 10, utf8: 10 };
/** How a session leaves (turnover); `tab` opens a second socket on it instead. */
const LEAVE = { close: 35, terminate: 20, reset: 10, silent: 10, tab: 25 };
const LOGIN = { user: 55, jwtAdmin: 15, adminToken: 15, bad: 15 };
const TICK_MS = 50;
const MAX_INFLIGHT = 5_000;
const MAX_TABS = 50;
const MAX_PAGES = 5;
const OVERSIZE = `{"jsonrpc":"2.0","method":"page.update","params":{"pageId":"p1","path":"${'x'.repeat(70_000)}"}}`;
const INVALID_UTF8 = maskedFrames(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 1).buffer; // {"\xff\xfe"}

/**
 * ~`sessions` long-lived sessions sending `ratePerSession` messages a second
 * each for `durationMs`, with `turnoverPerSec` sessions a second leaving (clean
 * close, terminate, TCP reset, going silent until the heartbeat drops them) or
 * opening a second tab, and every session that closes, for whatever reason, is
 * replaced after 50 ms to 1 s (resuming its token six times in ten). At the
 * end every socket is closed (seven in ten cleanly, the rest terminated).
 */
async function soakMixed({
  wsUrl,
  sessions: count = 500,
  durationMs,
  ratePerSession = 2,
  turnoverPerSec = 10,
  localAddresses = ['127.0.0.1'],
  jwtSecret,
  adminToken,
  heartbeatMs = 15_000,
  projects = ['soak-a', 'soak-b', 'soak-c'],
  seed = 7,
}) {
  const rand = rng(seed);
  const cpu = cpuMeter();
  const errors = { count: 0, samples: {} };
  const st = {
    sent: { notifications: 0, requests: 0 },
    bad: {},
    answers: { ok: 0, expected: {}, unexpected: 0, timeouts: 0, abandoned: 0 },
    unexpectedSamples: {},
    nullErrors: {},
    batchAnswers: {},
    notifications: {},
    closeCodes: {},
    logins: {},
    turnover: {
      ...Object.fromEntries(Object.keys(LEAVE).map((k) => [k, 0])),
      reopened: 0,
      resumed: 0,
      fresh: 0,
      tabJoined: 0,
      tabMismatch: 0,
      silentDropped: 0,
      silentNotDropped: 0,
    },
    live: { min: Infinity, max: 0 },
  };
  const tokens = {
    user: Array.from({ length: 20 }, (_, n) =>
      signJwt({ sub: `user-${n}`, preferred_username: `user-${n}`, roles: ['operator'] }, jwtSecret, 4 * 3600),
    ),
    jwtAdmin: Array.from({ length: 4 }, (_, n) =>
      signJwt({ sub: `boss-${n}`, preferred_username: `boss-${n}`, roles: ['admin'] }, jwtSecret, 4 * 3600),
    ),
    adminToken: [adminToken],
    bad: [
      signJwt({ sub: 'mallory', roles: ['admin'] }, `${jwtSecret}-wrong`, 3600), // bad signature
      signJwt({ sub: 'late', roles: [] }, jwtSecret, -600), // expired
      'not-a-token-at-all',
    ],
  };
  const slots = new Array(count).fill(undefined);
  const tabs = new Set();
  const silent = new Set();
  const timers = new Set();
  let running = true;
  let opening = 0;
  let inflight = 0;

  const unexpected = (what) => {
    st.answers.unexpected++;
    if (what in st.unexpectedSamples || Object.keys(st.unexpectedSamples).length < SAMPLE_KINDS_MAX) bump(st.unexpectedSamples, what);
  };

  async function openClient(i, resumeToken) {
    const u = new URL(sessionUrl(wsUrl, projects[i % projects.length]));
    u.searchParams.set('scope', SCOPES[i % SCOPES.length]);
    if (resumeToken) u.searchParams.set('resume', resumeToken);
    const c = new BenchClient('st', u.toString(), {
      localAddress: localAddresses[i % localAddresses.length],
      userAgent: USER_AGENTS[i % USER_AGENTS.length],
    });
    opening++;
    try {
      await c.open();
      return c;
    } finally {
      opening--;
    }
  }

  function onOther(slot, msg) {
    if (Array.isArray(msg)) {
      for (const m of msg) bump(st.batchAnswers, m.error ? m.error.code : 'ok');
    } else if (msg.error && msg.id === null) {
      bump(st.nullErrors, msg.error.code);
    } else if (msg.method) {
      bump(st.notifications, msg.method);
      if (msg.method === 'page.closing' && slot) slot.pages.delete(msg.params?.pageId);
    } else unexpected(`unsolicited ${JSON.stringify(msg).slice(0, 80)}`);
  }

  function attach(i, c) {
    const slot = { i, c, pages: new Set(), seq: 0, loggedIn: false, isAdmin: false, silent: false };
    slots[i] = slot;
    c.onUnsolicited = (msg) => onOther(slot, msg);
    c.ws.on('close', (code) => {
      bump(st.closeCodes, code);
      if (slot.silent || slots[i] !== slot) return;
      slots[i] = undefined;
      if (!running) return;
      const token = rand() < 0.6 ? c.welcome?.resumeToken : undefined;
      later(50 + rand() * 950, () => reopen(i, token, 3));
    });
    return slot;
  }

  function later(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  async function reopen(i, token, attempts) {
    if (!running || slots[i]) return;
    try {
      const c = await openClient(i, token);
      if (!running || slots[i]) {
        c.ws.close(1000);
        return;
      }
      attach(i, c);
      st.turnover.reopened++;
      if (token) st.turnover[c.welcome?.resumed ? 'resumed' : 'fresh']++;
      if (rand() < 0.5) act(slots[i], 'openReq');
    } catch (err) {
      recordError(errors, err);
      if (attempts > 1 && running) later(1_000, () => reopen(i, token, attempts - 1));
    }
  }

  function open(c) {
    return c.ws.readyState === 1;
  }

  function notify(slot, method, params) {
    slot.c.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    st.sent.notifications++;
  }

  /** A request; resolves with its result, or undefined after an error (counted). */
  function request(slot, method, params, expected = []) {
    if (inflight >= MAX_INFLIGHT) return Promise.resolve(undefined);
    inflight++;
    st.sent.requests++;
    return slot.c.request(method, params, 30_000).then(
      (res) => {
        inflight--;
        if (!res.error) {
          st.answers.ok++;
          return res.result;
        }
        if (expected.includes(res.error.code)) bump(st.answers.expected, res.error.code);
        else unexpected(`${method} -> ${res.error.code} ${String(res.error.message).slice(0, 80)}`);
        return undefined;
      },
      (err) => {
        inflight--;
        if (/timeout/.test(err.message)) {
          st.answers.timeouts++;
          unexpected(`${method} timeout`);
        } else st.answers.abandoned++; // the socket closed first
        return undefined;
      },
    );
  }

  const anyPage = (slot) => {
    let n = Math.floor(rand() * slot.pages.size);
    for (const p of slot.pages) if (n-- === 0) return p;
    return undefined;
  };
  const newPageId = (slot) => `p${++slot.seq}`;

  function act(slot, forced) {
    if (!slot || slot.silent || !open(slot.c)) return;
    const action = forced ?? pick(ACTIONS, rand());
    const path = `/soak/${Math.floor(rand() * 40)}`;
    switch (action) {
      case 'updateNote': {
        const pageId = anyPage(slot);
        if (pageId) return notify(slot, 'page.update', { pageId, path });
        const id = newPageId(slot);
        slot.pages.add(id);
        return notify(slot, 'page.open', { pageId: id, path, title: 'Soak' });
      }
      case 'updateReq': {
        const pageId = anyPage(slot);
        if (pageId) return void request(slot, 'page.update', { pageId, path, title: `T${slot.seq}` }, [-32004]);
        return act(slot, 'openReq');
      }
      case 'openNote': {
        if (slot.pages.size >= MAX_PAGES) {
          const pageId = anyPage(slot);
          slot.pages.delete(pageId);
          return notify(slot, 'page.close', { pageId });
        }
        const id = newPageId(slot);
        slot.pages.add(id);
        return notify(slot, 'page.open', { pageId: id, path, title: 'Soak' });
      }
      case 'openReq': {
        const id = slot.pages.size >= MAX_PAGES ? anyPage(slot) : newPageId(slot);
        slot.pages.add(id);
        return void request(slot, 'page.open', { pageId: id, path, title: 'Soak' });
      }
      case 'closeReq': {
        const pageId = anyPage(slot);
        if (!pageId) return act(slot, 'self');
        slot.pages.delete(pageId);
        return void request(slot, 'page.close', { pageId }, [-32004]);
      }
      case 'self':
        return void (slot.isAdmin ? request(slot, 'getSessionStats', { projectFilter: 'soak-.*' }) : request(slot, 'session.self'));
      case 'batch': {
        const pageId = anyPage(slot) ?? 'none';
        const base = 1e9 + Math.floor(rand() * 1e9);
        slot.c.ws.send(
          JSON.stringify([
            { jsonrpc: '2.0', id: base, method: 'page.update', params: { pageId, path } },
            { jsonrpc: '2.0', method: 'page.update', params: { pageId, title: 'B' } },
            { jsonrpc: '2.0', id: base + 1, method: 'session.self' },
          ]),
        );
        st.sent.requests += 2;
        st.sent.notifications++;
        return undefined;
      }
      case 'login': {
        if (slot.loggedIn) {
          slot.loggedIn = false;
          slot.isAdmin = false;
          bump(st.logins, 'logout');
          return void request(slot, 'auth.logout');
        }
        const kind = pick(LOGIN, rand());
        const list = tokens[kind];
        const token = list[Math.floor(rand() * list.length)];
        bump(st.logins, kind);
        return void request(slot, 'auth.login', { token }, kind === 'bad' ? [-32001] : []).then((r) => {
          if (!r) return;
          slot.loggedIn = true;
          slot.isAdmin = kind !== 'user';
        });
      }
      case 'unknown':
        bump(st.bad, 'unknownMethod');
        return void request(slot, `no.such.method.${Math.floor(rand() * 3)}`, {}, [-32601]);
      case 'bad': {
        const kind = pick(BAD_INPUT, rand());
        bump(st.bad, kind);
        if (kind === 'json') return slot.c.ws.send('{"jsonrpc":"2.0","method":"page.update","params":{"pageId":');
        if (kind === 'binary') return slot.c.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
        if (kind === 'oversize') return slot.c.ws.send(OVERSIZE); // the server closes with 1009
        if (kind === 'utf8') return void slot.c.socket.write(INVALID_UTF8); // the server closes with 1007
        const calls = Array.from({ length: 101 }, (_, n) => ({ jsonrpc: '2.0', id: 2e9 + n, method: 'session.self' }));
        return slot.c.ws.send(JSON.stringify(calls)); // each gets -32029
      }
      default:
        return undefined;
    }
  }

  function leave() {
    let slot;
    for (let tries = 0; tries < 8 && !slot; tries++) {
      const s = slots[Math.floor(rand() * count)];
      if (s && !s.silent && open(s.c)) slot = s;
    }
    if (!slot) return;
    const mode = pick(LEAVE, rand());
    const { c } = slot;
    if (mode === 'tab' && (tabs.size >= MAX_TABS || !c.welcome)) return;
    st.turnover[mode]++;
    if (mode === 'close') c.ws.close(1000, 'bye');
    else if (mode === 'terminate') c.ws.terminate();
    else if (mode === 'reset') c.socket.resetAndDestroy();
    else if (mode === 'silent') {
      // Stops reading (so never answers a ping) and writing: the heartbeat must drop it.
      slot.silent = true;
      slots[slot.i] = undefined;
      c.socket.pause();
      silent.add({ c, checkAt: now() + 2.5 * heartbeatMs + 1_000, resumed: false });
      later(50, () => reopen(slot.i, undefined, 3));
    } else openTab(slot);
  }

  async function openTab(slot) {
    const { sessionId, resumeToken } = slot.c.welcome;
    const tab = { c: undefined, closeAt: now() + 1_000 + rand() * 3_000 };
    tabs.add(tab);
    try {
      const c = await openClient(slot.i, resumeToken);
      tab.c = c;
      c.onUnsolicited = (msg) => onOther(undefined, msg);
      c.ws.on('close', (code) => {
        bump(st.closeCodes, code);
        tabs.delete(tab);
      });
      if (!running) return void c.ws.close(1000);
      if (c.welcome?.resumed && c.welcome.sessionId === sessionId) st.turnover.tabJoined++;
      else st.turnover.tabMismatch++; // the session ended meanwhile (an admin closed it): legal, but counted
      request({ c }, 'page.open', { pageId: `t${slot.i}-${++slot.seq}`, path: '/tab', title: 'Tab' });
    } catch (err) {
      tabs.delete(tab);
      recordError(errors, err);
    }
  }

  function housekeeping(t) {
    for (const tab of tabs) if (tab.c && t >= tab.closeAt && open(tab.c)) tab.c.ws.close(1000, 'tab closed');
    for (const s of silent) {
      if (t < s.checkAt) continue;
      if (!s.resumed) {
        // Read again: the server's FIN (heartbeat drop) is waiting behind the unread pings.
        s.resumed = true;
        s.c.socket.resume();
        s.checkAt = t + 1_000;
        continue;
      }
      silent.delete(s);
      if (s.c.closed) st.turnover.silentDropped++;
      else {
        st.turnover.silentNotDropped++;
        s.c.ws.terminate();
      }
    }
    let live = 0;
    for (const s of slots) if (s) live++;
    st.live.min = Math.min(st.live.min, live);
    st.live.max = Math.max(st.live.max, live);
  }

  // Open the sessions, one or two pages each, a tenth logged in with a JWT.
  const t0 = now();
  await pool(count, 50, t0 + 120_000, async (i) => {
    try {
      const c = await openClient(i);
      const slot = attach(i, c);
      act(slot, 'openReq');
      if (i % 2) act(slot, 'openReq');
      if (i % 10 === 0) {
        bump(st.logins, 'user');
        slot.loggedIn = true;
        await request(slot, 'auth.login', { token: tokens.user[i % tokens.user.length] });
      }
    } catch (err) {
      recordError(errors, err);
    }
  });
  const openMs = now() - t0;

  const start = now();
  const endAt = start + durationMs;
  const groups = Math.max(1, Math.round(1000 / (ratePerSession * TICK_MS)));
  let turnoverDue = 0;
  for (let k = 0; start + k * TICK_MS < endAt; k++) {
    await sleep(start + k * TICK_MS - now());
    for (let i = k % groups; i < count; i += groups) act(slots[i]);
    turnoverDue += (turnoverPerSec * TICK_MS) / 1000;
    for (; turnoverDue >= 1; turnoverDue--) leave();
    if (k % 20 === 0) housekeeping(now());
  }
  const ranMs = now() - start;

  // The end: every socket closes, seven in ten cleanly.
  running = false;
  for (const t of timers) clearTimeout(t);
  timers.clear();
  const all = () => [
    ...slots.filter(Boolean).map((s) => s.c),
    ...[...tabs].map((t) => t.c).filter(Boolean),
    ...[...silent].map((s) => s.c),
  ];
  for (const s of silent) s.c.ws.terminate();
  for (const c of all()) {
    if (rand() < 0.7) c.ws.close(1000, 'soak over');
    else c.ws.terminate();
  }
  const closeDeadline = now() + 15_000;
  while (now() < closeDeadline && (opening > 0 || all().some((c) => !c.closed))) await sleep(100);
  const leftOpen = all().filter((c) => !c.closed).length;
  for (const c of all()) c.ws.terminate();

  return {
    ...st,
    live: { ...st.live, min: Number.isFinite(st.live.min) ? st.live.min : 0 },
    inflightAtEnd: inflight,
    leftOpen,
    openMs,
    ranMs,
    errors,
    cpuPercent: cpu(),
  };
}

// ---------------------------------------------------------------- the admin

const INFO_QUERIES = [
  undefined,
  ['user-.*'],
  [null, 'soak-a'],
  { projectFilter: 'soak-.*', format: 'dataset' },
  { usernameFilter: 'boss-.*|admin', projectFilter: 'soak-.*' },
  {},
];
const STATS_QUERIES = [{}, { projectFilter: 'soak-b' }];
const WATCH_QUERIES = [{ projectFilter: 'soak-.*' }, {}, { usernameFilter: 'user-.*' }];

/**
 * An admin, every `intervalMs`: getSessionInfo (rotating filters and shapes),
 * getSessionStats, a new sessions.watch (keeping the two newest, unwatching
 * older ones); now and then session.sendMessage, pages.close and sessions.close
 * on a random soak session, a logout (then a refused call) and login again;
 * and every `reconnectEveryMs` a fresh socket (the old one closes with its
 * subscriptions live).
 */
async function soakAdmin({ wsUrl, adminToken, durationMs, intervalMs = 1_000, reconnectEveryMs = 30_000, seed = 11 }) {
  const rand = rng(seed);
  const errors = { count: 0, samples: {} };
  const st = {
    calls: {},
    expected: {},
    unexpected: 0,
    unexpectedSamples: {},
    changed: 0,
    changedItems: 0,
    reconnects: 0,
    dropped: 0,
    listed: { min: Infinity, max: 0 },
  };
  const latency = {};
  let admin;
  let subs = [];

  async function call(method, params, expected = []) {
    bump(st.calls, method);
    let res;
    try {
      res = await admin.request(method, params, 30_000);
    } catch (err) {
      st.unexpected++;
      bump(st.unexpectedSamples, `${method}: ${err.message}`);
      return undefined;
    }
    (latency[method] ??= []).push(res.ms);
    if (!res.error) return res.result;
    if (expected.includes(res.error.code)) bump(st.expected, `${method} ${res.error.code}`);
    else {
      st.unexpected++;
      bump(st.unexpectedSamples, `${method} -> ${res.error.code} ${String(res.error.message).slice(0, 80)}`);
    }
    return undefined;
  }

  async function connect() {
    admin = new BenchClient('st', sessionUrl(wsUrl, 'ops'), { maxPayload: 256 * 1024 * 1024, userAgent: 'session-tracker-soak-admin/1.0' });
    await admin.open();
    admin.onUnsolicited = (msg) => {
      if (msg.method === 'sessions.changed') {
        st.changed++;
        st.changedItems += msg.params.added.length + msg.params.updated.length + msg.params.removed.length;
      }
    };
    subs = [];
    if (!(await call('auth.login', { token: adminToken }))) throw new Error('admin login refused');
  }

  const randomOf = (list) => list[Math.floor(rand() * list.length)];
  let soakSessions = [];
  await connect();
  const start = now();
  const endAt = start + durationMs;
  let nextReconnect = start + reconnectEveryMs;
  for (let k = 0; start + k * intervalMs < endAt; k++) {
    await sleep(start + k * intervalMs - now());
    try {
      if (admin.closed) {
        st.dropped++; // the server closed the admin's socket: not expected
        await connect();
      } else if (now() >= nextReconnect) {
        nextReconnect += reconnectEveryMs;
        admin.ws.close(1000, 'reconnect');
        st.reconnects++;
        await connect();
      }
      const list = await call('getSessionInfo', INFO_QUERIES[k % INFO_QUERIES.length]);
      if (Array.isArray(list)) {
        soakSessions = list.filter((s) => s.project.startsWith('soak-'));
        st.listed.min = Math.min(st.listed.min, list.length);
        st.listed.max = Math.max(st.listed.max, list.length);
      }
      await call('getSessionStats', STATS_QUERIES[k % STATS_QUERIES.length]);
      const w = await call('sessions.watch', WATCH_QUERIES[k % WATCH_QUERIES.length]);
      if (w) subs.push(w.subscription);
      while (subs.length > 2) await call('sessions.unwatch', { subscription: subs.shift() });
      const victim = soakSessions.length ? randomOf(soakSessions) : undefined;
      if (victim && k % 3 === 1) {
        const pageId = victim.pageIds.length && rand() < 0.5 ? randomOf(victim.pageIds) : undefined;
        await call(
          'session.sendMessage',
          { sessionId: victim.id, type: 'soak.note', payload: { k }, ...(pageId ? { pageId } : {}) },
          [-32004],
        );
      }
      if (victim && k % 5 === 2 && victim.pageIds.length) {
        await call('pages.close', { sessionId: victim.id, pageId: randomOf(victim.pageIds), message: 'soak' }, [-32004]);
      }
      if (victim && k % 10 === 5) await call('sessions.close', { sessionId: victim.id, message: 'soak' }, [-32004]);
      if (k % 15 === 7) {
        await call('auth.logout');
        await call('getSessionStats', {}, [-32003]);
        await call('auth.login', { token: adminToken });
        // A logout may end the socket's feeds (the server drops them when the session stops being an admin).
        for (const subscription of subs) await call('sessions.unwatch', { subscription }, [-32004]);
        subs = [];
      }
    } catch (err) {
      recordError(errors, err);
    }
  }
  admin.ws.close(1000, 'soak over');
  const closeDeadline = now() + 5_000;
  while (!admin.closed && now() < closeDeadline) await sleep(50);
  if (!admin.closed) admin.ws.terminate();
  return {
    ...st,
    listed: { ...st.listed, min: Number.isFinite(st.listed.min) ? st.listed.min : 0 },
    latency: Object.fromEntries(Object.entries(latency).map(([m, xs]) => [m, summarize(xs)])),
    errors,
  };
}

/** Merged into load/worker.mjs's IPC handlers. */
export const soakHandlers = { soakCycles, soakMixed, soakAdmin };
