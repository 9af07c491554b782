import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, type ServerOptions } from '../options.js';

/** One CLI flag: its env twin, its help line, and how it maps onto ServerOptions. */
interface Flag {
  flag: string;
  env: string;
  help: string;
  apply(o: Partial<ServerOptions>, value: string): void;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function int(flag: string, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new Error(`--${flag} takes a whole number, got "${v}"`);
  return Number(v);
}

export const SERVE_FLAGS: Flag[] = [
  {
    flag: 'port',
    env: 'SESSION_TRACKER_PORT',
    help: `HTTP port (default ${DEFAULT_OPTIONS.port})`,
    apply: (o, v) => (o.port = int('port', v)),
  },
  {
    flag: 'host',
    env: 'SESSION_TRACKER_HOST',
    help: `interface to listen on (default ${DEFAULT_OPTIONS.host})`,
    apply: (o, v) => (o.host = v),
  },
  {
    flag: 'admin-token',
    env: 'SESSION_TRACKER_ADMIN_TOKEN',
    help: 'admin secret, 16+ characters (default: generated and printed once)',
    apply: (o, v) => (o.adminToken = v),
  },
  { flag: 'jwt-secret', env: 'SESSION_TRACKER_JWT_SECRET', help: 'HS256 secret for JWT logins', apply: (o, v) => (o.jwtSecret = v) },
  {
    flag: 'jwt-public-key',
    env: 'SESSION_TRACKER_JWT_PUBLIC_KEY',
    help: 'PEM file with an RSA or EC public key for RS256/ES256 JWT logins',
    apply: (o, v) => (o.jwtPublicKey = readFileSync(v, 'utf8')),
  },
  {
    flag: 'admin-roles',
    env: 'SESSION_TRACKER_ADMIN_ROLES',
    help: 'comma-separated JWT roles that grant admin (default admin)',
    apply: (o, v) => (o.adminRoles = list(v)),
  },
  {
    flag: 'allowed-origins',
    env: 'SESSION_TRACKER_ALLOWED_ORIGINS',
    help: 'comma-separated Origin allow-list (default: any)',
    apply: (o, v) => (o.allowedOrigins = list(v)),
  },
  {
    flag: 'trust-proxy',
    env: 'SESSION_TRACKER_TRUST_PROXY',
    help: 'comma-separated CIDRs of proxies whose X-Forwarded-For is believed',
    apply: (o, v) => (o.trustProxy = list(v)),
  },
  {
    flag: 'session-timeout',
    env: 'SESSION_TRACKER_SESSION_TIMEOUT',
    help: `ms a disconnected session stays listed (default ${DEFAULT_OPTIONS.sessionTimeoutMs})`,
    apply: (o, v) => (o.sessionTimeoutMs = int('session-timeout', v)),
  },
  {
    flag: 'heartbeat',
    env: 'SESSION_TRACKER_HEARTBEAT',
    help: `ping interval in ms (default ${DEFAULT_OPTIONS.heartbeatMs})`,
    apply: (o, v) => (o.heartbeatMs = int('heartbeat', v)),
  },
  {
    flag: 'max-payload',
    env: 'SESSION_TRACKER_MAX_PAYLOAD',
    help: `largest inbound message in bytes (default ${DEFAULT_OPTIONS.maxPayload})`,
    apply: (o, v) => (o.maxPayload = int('max-payload', v)),
  },
  {
    flag: 'max-batch',
    env: 'SESSION_TRACKER_MAX_BATCH',
    help: `most calls in one JSON-RPC batch (default ${DEFAULT_OPTIONS.maxBatch})`,
    apply: (o, v) => (o.maxBatch = int('max-batch', v)),
  },
  {
    flag: 'rate-limit',
    env: 'SESSION_TRACKER_RATE_LIMIT',
    help: `messages per second a session may send, sustained; 0 = off (default ${DEFAULT_OPTIONS.rateLimitPerSecond})`,
    apply: (o, v) => (o.rateLimitPerSecond = int('rate-limit', v)),
  },
  {
    flag: 'rate-burst',
    env: 'SESSION_TRACKER_RATE_BURST',
    help: `messages a session may send in a burst (default ${DEFAULT_OPTIONS.rateLimitBurst})`,
    apply: (o, v) => (o.rateLimitBurst = int('rate-burst', v)),
  },
  {
    flag: 'max-pages',
    env: 'SESSION_TRACKER_MAX_PAGES',
    help: `open pages per session (default ${DEFAULT_OPTIONS.maxPagesPerSession})`,
    apply: (o, v) => (o.maxPagesPerSession = int('max-pages', v)),
  },
  {
    flag: 'max-sessions-per-address',
    env: 'SESSION_TRACKER_MAX_SESSIONS_PER_ADDRESS',
    help: `sessions per client address; 0 = off, for plants behind NAT (default ${DEFAULT_OPTIONS.maxSessionsPerAddress})`,
    apply: (o, v) => (o.maxSessionsPerAddress = int('max-sessions-per-address', v)),
  },
  {
    flag: 'max-sockets',
    env: 'SESSION_TRACKER_MAX_SOCKETS',
    help: `open sockets per server; more get HTTP 503 (default ${DEFAULT_OPTIONS.maxSockets})`,
    apply: (o, v) => (o.maxSockets = int('max-sockets', v)),
  },
  {
    flag: 'redis',
    env: 'SESSION_TRACKER_REDIS',
    help: 'Redis URL: cluster mode (redis://, rediss://, redis+sentinel://h:p/master, redis+cluster://h:p,h:p for a Redis Cluster: sessions spread over its masters)',
    apply: (o, v) => (o.redisUrl = v),
  },
  {
    flag: 'redis-prefix',
    env: 'SESSION_TRACKER_REDIS_PREFIX',
    help: `prefix of every Redis key, so trackers can share a Redis (default ${DEFAULT_OPTIONS.redisPrefix})`,
    apply: (o, v) => (o.redisPrefix = v),
  },
  {
    flag: 'node-id',
    env: 'SESSION_TRACKER_NODE_ID',
    help: "this node's name in the cluster (default: host-pid-random)",
    apply: (o, v) => (o.nodeId = v),
  },
  {
    flag: 'cluster-beat',
    env: 'SESSION_TRACKER_CLUSTER_BEAT',
    help: `node heartbeat in ms; a node silent for 5 beats is dead (default ${DEFAULT_OPTIONS.clusterBeatMs})`,
    apply: (o, v) => (o.clusterBeatMs = int('cluster-beat', v)),
  },
  {
    flag: 'cluster-flush',
    env: 'SESSION_TRACKER_CLUSTER_FLUSH',
    help: `ms between writes of changed sessions to Redis: the most a crash loses (default ${DEFAULT_OPTIONS.clusterFlushMs})`,
    apply: (o, v) => (o.clusterFlushMs = int('cluster-flush', v)),
  },
  {
    flag: 'data-dir',
    env: 'SESSION_TRACKER_DATA_DIR',
    help: 'directory of the history store, made 0700; ":memory:" keeps it in memory only (default: $XDG_STATE_HOME or ~/.local/state, /session-tracker)',
    apply: (o, v) => (o.dataDir = v),
  },
  {
    flag: 'database',
    env: 'SESSION_TRACKER_DATABASE',
    help: 'postgres://user:password@host:port/db: keep history in PostgreSQL, shared by every node of a cluster, instead of --data-dir',
    apply: (o, v) => (o.database = v),
  },
  {
    flag: 'history-days',
    env: 'SESSION_TRACKER_HISTORY_DAYS',
    help: `days of history kept; 0 keeps all (default ${DEFAULT_OPTIONS.historyDays})`,
    apply: (o, v) => (o.historyDays = int('history-days', v)),
  },
  {
    flag: 'metrics-token',
    env: 'SESSION_TRACKER_METRICS_TOKEN',
    help: 'bearer token GET /metrics requires (default: open)',
    apply: (o, v) => (o.metricsToken = v),
  },
  {
    flag: 'log-level',
    env: 'SESSION_TRACKER_LOG_LEVEL',
    help: `fatal, error, warn, info, debug, trace or silent (default ${DEFAULT_OPTIONS.logLevel})`,
    apply: (o, v) => (o.logLevel = v),
  },
];

/** Where `serve` keeps history when no --data-dir is given: the user's state directory (XDG). */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'session-tracker');
}

/** Flags win over env variables; env variables over defaults. */
export function serveOptions(values: Record<string, string | undefined>, env: NodeJS.ProcessEnv): Partial<ServerOptions> {
  const o: Partial<ServerOptions> = {};
  for (const f of SERVE_FLAGS) {
    const v = values[f.flag] ?? env[f.env];
    if (v !== undefined && v !== '') f.apply(o, v);
  }
  // The server keeps history on disk by default; the library in memory unless told.
  o.dataDir ??= defaultDataDir(env);
  return o;
}

export function serveHelp(): string {
  const width = Math.max(...SERVE_FLAGS.map((f) => f.flag.length)) + 4;
  const lines = SERVE_FLAGS.map((f) => `  --${f.flag.padEnd(width)}${f.help}\n  ${''.padEnd(width + 2)}env ${f.env}`);
  return `Usage: session-tracker serve [options]\n\nStarts the tracker: WebSocket at /ws, GET /healthz, the browser SDK at /sdk.js.\n\nOptions:\n${lines.join('\n')}\n  --help${''.padEnd(width - 2)}show this help\n`;
}
