import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { TrackerContext } from '../context.js';
import { safeEqual } from '../sessions/tokens.js';
import type { AppStats, MethodTotals } from '../app/stats.js';

/** Project names come from clients: past this many label values the rest fold into `_other`. */
const MAX_PROJECT_LABELS = 50;

/** Counter whose value is a running total kept elsewhere, read at scrape time. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A Prometheus registry of one tracker, built from its sessions and running totals. */
export function createMetrics(ctx: TrackerContext): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'session_tracker_' });
  const { registry: sessions, stats } = ctx;

  new Gauge({
    name: 'session_tracker_sessions',
    help: 'Sessions listed now, by project, scope and state',
    labelNames: ['project', 'scope', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      const projects = new Set<string>();
      for (const s of sessions.values()) {
        const project = projects.has(s.project) || projects.size < MAX_PROJECT_LABELS ? s.project : '_other';
        projects.add(project);
        const key = `${project}\u0000${s.scope}\u0000${s.state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [project = '', scope = '', state = ''] = key.split('\u0000');
        this.set({ project, scope, state }, n);
      }
    },
  });
  new Gauge({
    name: 'session_tracker_users',
    help: 'Distinct logged-in usernames among listed sessions',
    registers: [registry],
    collect() {
      const users = new Set<string>();
      for (const s of sessions.values()) if (s.loggedIn) users.add(s.username);
      this.set(users.size);
    },
  });
  new Gauge({
    name: 'session_tracker_pages',
    help: 'Open pages across all sessions',
    registers: [registry],
    collect() {
      let n = 0;
      for (const s of sessions.values()) n += s.pages.size;
      this.set(n);
    },
  });
  new Gauge({
    name: 'session_tracker_sockets',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(ctx.connections.size);
    },
  });
  new Gauge({
    name: 'session_tracker_watchers',
    help: 'Live sessions.watch subscriptions',
    registers: [registry],
    collect() {
      this.set(ctx.feeds.size);
    },
  });
  totalCounter(
    registry,
    'session_tracker_received_bytes_total',
    'Payload bytes of data messages received from clients',
    () => stats.bytesFromClients,
  );
  totalCounter(registry, 'session_tracker_received_messages_total', 'Data messages received from clients', () => stats.messagesFromClients);
  totalCounter(registry, 'session_tracker_sent_bytes_total', 'Payload bytes of data messages sent to clients', () => stats.bytesToClients);
  totalCounter(registry, 'session_tracker_sent_messages_total', 'Data messages sent to clients', () => stats.messagesToClients);
  totalCounter(
    registry,
    'session_tracker_history_dropped_total',
    'History events dropped while the store could not keep up (past historyMaxPending)',
    () => ctx.history.journal.droppedTotal,
  );
  new Gauge({
    name: 'session_tracker_history_pending',
    help: 'History records waiting to be written to the store',
    registers: [registry],
    collect() {
      this.set(ctx.history.journal.pending);
    },
  });
  totalCounter(registry, 'session_tracker_rate_limited_total', 'Requests refused for a rate or size limit', () => stats.rateLimited);
  new Counter({
    name: 'session_tracker_logins_total',
    help: 'auth.login attempts by result',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'success' }, stats.loginsOk);
      this.inc({ result: 'failure' }, stats.loginsFailed);
    },
  });
  new Counter({
    name: 'session_tracker_protocol_errors_total',
    help: 'JSON-RPC errors answered, by code',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of stats.protocolErrors) this.inc({ code: String(code) }, n);
    },
  });
  new Counter({
    name: 'session_tracker_refused_upgrades_total',
    help: 'WebSocket upgrades refused, by HTTP status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of stats.refusedUpgrades) this.inc({ status: String(status) }, n);
    },
  });
  if (ctx.appStats !== undefined) appMetrics(registry, ctx.appStats);
  return registry;
}

/** 1.1: app calls, errors, pushes and bytes by method (registered names; the rest `_other`). */
function appMetrics(registry: Registry, app: AppStats): void {
  const byMethod = (name: string, help: string, read: (t: MethodTotals) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['method'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [method, t] of app.byMethod) this.inc({ method }, read(t));
      },
    });
  };
  byMethod('session_tracker_app_calls_total', 'App calls and notifications received, by method', (t) => t.calls);
  byMethod('session_tracker_app_errors_total', 'App calls answered with an error, by method', (t) => t.errors);
  byMethod('session_tracker_app_pushes_total', 'App pushes delivered (one per socket reached), by method', (t) => t.pushes);
  new Counter({
    name: 'session_tracker_app_bytes_total',
    help: 'Payload bytes of app traffic, by method and direction (in: from clients, out: to clients)',
    labelNames: ['method', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [method, t] of app.byMethod) {
        this.inc({ method, direction: 'in' }, t.bytesIn);
        this.inc({ method, direction: 'out' }, t.bytesOut);
      }
    },
  });
}

/** GET /metrics, behind an optional bearer token. */
export function serveMetrics(registry: Registry, token: string | undefined, req: IncomingMessage, res: ServerResponse): void {
  if (token !== undefined) {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!safeEqual(given, token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' });
      res.end(JSON.stringify({ error: 'metrics need a bearer token' }));
      return;
    }
  }
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
    },
    () => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'metrics collection failed' }));
    },
  );
}
