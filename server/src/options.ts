import type { Logger } from 'pino';
import { DEFAULTS } from '@session-tracker/shared';

/** Every server option, with its default in DEFAULT_OPTIONS. */
export interface ServerOptions {
  /** TCP port for `startServer`; 0 picks a free one. Default 8080. */
  port: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host: string;
  /** WebSocket upgrade path. Default `/ws`. */
  path: string;
  /** Secret that logs a session in as admin. Generated when absent. */
  adminToken: string | undefined;
  /** HS256 secret for JWT logins. */
  jwtSecret: string | undefined;
  /** PEM public key (RSA or EC) for RS256/ES256 JWT logins. */
  jwtPublicKey: string | undefined;
  /** JWT roles that make a session an admin. Default `['admin']`. */
  adminRoles: string[];
  /** Allowed `Origin` values; empty lets every origin through. */
  allowedOrigins: string[];
  /** CIDRs of proxies whose `X-Forwarded-For` is believed. */
  trustProxy: string[];
  /** How long a session with no socket stays listed before it ends. Default 30 000 ms. */
  sessionTimeoutMs: number;
  /** Ping interval; a socket silent for two intervals is dropped. Default 15 000 ms. */
  heartbeatMs: number;
  /** Largest inbound message in bytes; larger closes with 1009. Default 65 536. */
  maxPayload: number;
  /** Most calls in one JSON-RPC batch. Default 100. */
  maxBatch: number;
  /** Messages a session may send per second, sustained (token bucket); 0 turns it off. Default 100. */
  rateLimitPerSecond: number;
  /** Messages a session may send in a burst. Default 200. */
  rateLimitBurst: number;
  /** A socket refused by the rate limit for this long without pause is closed with 1008. Default 10 000 ms. */
  abuseCloseAfterMs: number;
  /** Open pages a session may hold. Default 50. */
  maxPagesPerSession: number;
  /** Sessions one client address may hold; 0 turns it off (plants sit behind NAT). Default 1 000. */
  maxSessionsPerAddress: number;
  /** Open sockets the server accepts; more get HTTP 503. Default 50 000. */
  maxSockets: number;
  /** Unsent bytes past which a socket is closed with 1008 (slow consumer). Default 16 MiB. */
  sendHardLimit: number;
  /** Time a client has to send its HTTP upgrade request, from connect. Default 10 000 ms. */
  handshakeTimeoutMs: number;
  /** Tolerance for JWT `exp`/`nbf`, in seconds. Default 30. */
  jwtClockToleranceSec: number;
  /** How long a close the server starts waits for the close handshake (shutdown, slow readers) before the socket is cut. Default 2 000 ms. */
  closeTimeoutMs: number;
  /** Unsent bytes past which a socket's live feed is held back (slow consumer). Default 4 MiB. */
  feedHighWaterMark: number;
  /** How long a `session.ticket` stays valid (single use, for `tracker.track`). Default 60 000 ms. */
  appTicketTtlMs: number;
  /** Bearer token that GET /metrics requires; open when absent. */
  metricsToken: string | undefined;
  /** Redis URL: turns cluster mode on (redis://, rediss://, redis+sentinel://, redis+cluster://h:p,h:p for a Redis Cluster, whose masters the sessions spread over: cluster/keys.ts). */
  redisUrl: string | undefined;
  /** Prefix of every key, hash tag and channel: several trackers can share a Redis. Default `st`. */
  redisPrefix: string;
  /** This node's name in the cluster. Default: host name, pid and a random suffix. */
  nodeId: string | undefined;
  /** How long a cluster-wide query waits for other nodes before using what Redis holds. Default 1 500 ms. */
  clusterTimeoutMs: number;
  /** How often a node writes its changed sessions to Redis: the most a crash loses. Default 1 000 ms. */
  clusterFlushMs: number;
  /** Node heartbeat period; a node silent for 5 beats is dead. Default 1 000 ms. */
  clusterBeatMs: number;
  /**
   * Directory of the embedded history store (SQLite), created 0700. Undefined (the library's
   * default) keeps history in memory only; the CLI's default is the user's state directory.
   */
  dataDir: string | undefined;
  /**
   * A postgres:// (or postgresql://) URL: history goes to that PostgreSQL instead of the data
   * directory, shared by every node of a cluster (any node answers for all). Undefined: no database.
   * The password is never logged.
   */
  database: string | undefined;
  /** Days of history kept (ended sessions, events); older rows are pruned in the background. 0 keeps all. Default 30. */
  historyDays: number;
  /** How often history is written to the store: the most a crash loses. Default 1 000 ms. */
  historyFlushMs: number;
  /** History records held unwritten while the store fails; past it the oldest events are dropped. Default 100 000. */
  historyMaxPending: number;
  /**
   * How long one history store operation may take (PostgreSQL: connecting, or a statement)
   * before it fails; a history read also waits at most this long for the writes buffered before
   * it. A slow or frozen database fails writes (kept for the next flush) and reads (an error
   * naming why), it never holds them. Default 10 000 ms.
   */
  historyTimeoutMs: number;
  /** In memory (no dataDir), history rows kept per table (events; ended sessions), oldest dropped first. Default 20 000 (about 25 MiB at most). */
  historyMemoryRows: number;
  /** pino level. Default `info`. */
  logLevel: string;
  /** A pino logger to use instead of creating one. */
  logger: Logger | undefined;
}

export const DEFAULT_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  port: DEFAULTS.port,
  host: DEFAULTS.host,
  path: DEFAULTS.path,
  adminToken: undefined,
  jwtSecret: undefined,
  jwtPublicKey: undefined,
  adminRoles: [...DEFAULTS.adminRoles],
  allowedOrigins: [],
  trustProxy: [],
  sessionTimeoutMs: DEFAULTS.sessionTimeoutMs,
  heartbeatMs: DEFAULTS.heartbeatMs,
  maxPayload: DEFAULTS.maxPayload,
  maxBatch: DEFAULTS.maxBatch,
  jwtClockToleranceSec: 30,
  rateLimitPerSecond: 100,
  rateLimitBurst: 200,
  abuseCloseAfterMs: 10_000,
  maxPagesPerSession: 50,
  maxSessionsPerAddress: 1_000,
  maxSockets: 50_000,
  sendHardLimit: 16 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  closeTimeoutMs: 2_000,
  feedHighWaterMark: 4 * 1024 * 1024,
  appTicketTtlMs: 60_000,
  metricsToken: undefined,
  redisUrl: undefined,
  redisPrefix: 'st',
  nodeId: undefined,
  clusterTimeoutMs: 1_500,
  clusterFlushMs: 1_000,
  clusterBeatMs: 1_000,
  dataDir: undefined,
  database: undefined,
  historyDays: 30,
  historyFlushMs: 1_000,
  historyMaxPending: 100_000,
  historyMemoryRows: 20_000,
  historyTimeoutMs: 10_000,
  logLevel: 'info',
  logger: undefined,
});

function positiveInt(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/** Fills defaults and checks ranges; throws a RangeError naming the bad option. */
export function resolveOptions(partial: Partial<ServerOptions> = {}): ServerOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: ServerOptions = { ...DEFAULT_OPTIONS, adminRoles: [...DEFAULT_OPTIONS.adminRoles], ...defined };
  positiveInt('port', o.port, 0);
  if (o.port > 65_535) throw new RangeError(`option port must be <= 65535, got ${o.port}`);
  positiveInt('sessionTimeoutMs', o.sessionTimeoutMs, 0);
  positiveInt('heartbeatMs', o.heartbeatMs, 10);
  positiveInt('maxPayload', o.maxPayload, 64);
  positiveInt('maxBatch', o.maxBatch);
  positiveInt('closeTimeoutMs', o.closeTimeoutMs, 0);
  positiveInt('rateLimitPerSecond', o.rateLimitPerSecond, 0);
  positiveInt('rateLimitBurst', o.rateLimitBurst);
  positiveInt('abuseCloseAfterMs', o.abuseCloseAfterMs);
  positiveInt('maxPagesPerSession', o.maxPagesPerSession);
  positiveInt('maxSessionsPerAddress', o.maxSessionsPerAddress, 0);
  positiveInt('maxSockets', o.maxSockets);
  positiveInt('sendHardLimit', o.sendHardLimit, 1024);
  positiveInt('handshakeTimeoutMs', o.handshakeTimeoutMs, 100);
  positiveInt('clusterTimeoutMs', o.clusterTimeoutMs, 50);
  if (o.clusterTimeoutMs > 1_900) throw new RangeError('option clusterTimeoutMs must be <= 1900: cluster queries answer within 2 s');
  positiveInt('clusterFlushMs', o.clusterFlushMs, 50);
  positiveInt('historyDays', o.historyDays, 0);
  // The message never repeats the URL: it may hold a password.
  if (o.database !== undefined && !/^postgres(?:ql)?:\/\/\S+$/.test(o.database))
    throw new RangeError('option database must be a postgres:// or postgresql:// URL');
  positiveInt('historyFlushMs', o.historyFlushMs, 10);
  positiveInt('historyMaxPending', o.historyMaxPending, 100);
  positiveInt('historyMemoryRows', o.historyMemoryRows, 100);
  positiveInt('historyTimeoutMs', o.historyTimeoutMs, 100);
  positiveInt('clusterBeatMs', o.clusterBeatMs, 50);
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(o.redisPrefix)) throw new RangeError('option redisPrefix: 1 to 64 of letters, digits, _ . : -');
  positiveInt('feedHighWaterMark', o.feedHighWaterMark, 0);
  positiveInt('appTicketTtlMs', o.appTicketTtlMs, 1);
  if (!o.path.startsWith('/')) throw new RangeError(`option path must start with "/", got ${o.path}`);
  if (o.adminToken !== undefined && o.adminToken.length < 16) {
    throw new RangeError('option adminToken must be at least 16 characters');
  }
  return o;
}
