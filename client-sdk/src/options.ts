import { DEFAULTS, isSessionScope, isValidProject, type SessionScope } from '@session-tracker/shared';
import { DEFAULT_BACKOFF, validateBackoff, type BackoffOptions } from './connection/backoff.js';
import { browserNetworkMonitor, type NetworkMonitor } from './connection/network.js';
import type { WebSocketConstructor } from './connection/transport.js';
import { ClientError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { defaultStorage, type KeyValueStorage } from './storage.js';
import { defaultTimers, type Timers } from './timers.js';
import type { TrackPageOptions } from './pages/tracker.js';

export interface ClientOptions {
  /** The WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`. In a browser it may be relative (`/ws`) or http(s). */
  url: string;
  /** Sent as `?project=`; the server's default is `default`. Also keys the stored resume token. */
  project?: string;
  /** Sent as `?scope=`; the server's default is `browser`. */
  scope?: SessionScope;
  /** Where the resume token is kept. Default: `localStorage` when present (tabs share the session), else memory. */
  storage?: KeyValueStorage;
  /** The WebSocket constructor. Default: the global `WebSocket`; in Node pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Default: silent. Any of `debug`, `info`, `warn`, `error` may be left out. */
  logger?: Partial<Logger>;
  /** Connect at once. Default true. */
  autoConnect?: boolean;
  /** Full-jitter exponential backoff between reconnects. Default `{initialMs: 500, maxMs: 20000}`. */
  backoff?: Partial<BackoffOptions>;
  /** Per-call timeout, time spent queued included. Default 10 000 ms. */
  callTimeoutMs?: number;
  /** From opening a socket to `session.welcome`; longer counts as a failed attempt. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** A connection must last this long before the backoff starts over. Default 5 000 ms. */
  minUptimeMs?: number;
  /** Calls waiting for a connection, at most. Default 100. */
  maxQueuedCalls?: number;
  /** Track this browser tab as a page (see `trackPage()`). Default false. */
  trackPages?: boolean | TrackPageOptions;
  /** Online/offline signals. Default: the browser's, when present; `false` to ignore them. */
  network?: NetworkMonitor | false;
  /** Clock and timers. Default: the global ones. */
  timers?: Timers;
  /** Random source in [0, 1) for the backoff jitter. Default `Math.random`. */
  random?: () => number;
}

export interface ResolvedOptions {
  url: URL;
  project: string | undefined;
  scope: SessionScope | undefined;
  storageProject: string;
  storage: KeyValueStorage;
  WebSocket: WebSocketConstructor;
  logger: Logger;
  autoConnect: boolean;
  backoff: BackoffOptions;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  minUptimeMs: number;
  maxQueuedCalls: number;
  trackPages: TrackPageOptions | null;
  network: NetworkMonitor | null;
  timers: Timers;
  random: () => number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MIN_UPTIME_MS = 5_000;
export const DEFAULT_MAX_QUEUED_CALLS = 100;

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const { project, scope } = options;
  if (project !== undefined && !isValidProject(project)) {
    throw new TypeError('project: 1 to 128 letters, digits, spaces or "_ . -"');
  }
  if (scope !== undefined && !isSessionScope(scope)) {
    throw new TypeError('scope: one of browser, designer, ios, android');
  }
  const WebSocketCtor = options.WebSocket ?? globalWebSocket();
  if (WebSocketCtor === undefined) {
    throw new ClientError('NOT_SUPPORTED', 'no global WebSocket: pass the WebSocket option (e.g. from the "ws" package)');
  }
  const trackPages =
    options.trackPages === true ? {} : options.trackPages === false || options.trackPages === undefined ? null : options.trackPages;
  return {
    url: resolveUrl(options.url),
    project,
    scope,
    storageProject: project ?? DEFAULTS.project,
    storage: options.storage ?? defaultStorage(),
    WebSocket: WebSocketCtor,
    logger: { ...silentLogger, ...bindLogger(options.logger) },
    autoConnect: options.autoConnect ?? true,
    backoff: validateBackoff({ ...DEFAULT_BACKOFF, ...options.backoff }),
    callTimeoutMs: positive('callTimeoutMs', options.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    minUptimeMs: positive('minUptimeMs', options.minUptimeMs, DEFAULT_MIN_UPTIME_MS),
    maxQueuedCalls: positive('maxQueuedCalls', options.maxQueuedCalls, DEFAULT_MAX_QUEUED_CALLS),
    trackPages,
    network: options.network === false ? null : (options.network ?? browserNetworkMonitor()),
    timers: options.timers ?? defaultTimers,
    random: options.random ?? Math.random,
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0`);
  return value;
}

function globalWebSocket(): WebSocketConstructor | undefined {
  const ctor: unknown = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof ctor === 'function' ? (ctor as WebSocketConstructor) : undefined;
}

/** Keeps `this` for loggers that are class instances (pino, console). */
function bindLogger(logger: Partial<Logger> | undefined): Partial<Logger> {
  if (logger === undefined) return {};
  const out: Partial<Logger> = {};
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    const fn = logger[level];
    if (typeof fn === 'function') out[level] = fn.bind(logger);
  }
  return out;
}

/** Accepts ws(s) URLs, http(s) ones (mapped to ws(s)) and, with a `location`, relative ones. */
export function resolveUrl(input: string): URL {
  const base = typeof location !== 'undefined' && typeof location.href === 'string' ? location.href : undefined;
  let url: URL;
  try {
    url = base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    throw new TypeError(`url: not a valid WebSocket URL: ${input}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new TypeError(`url: must be ws:, wss:, http: or https:, not ${url.protocol}`);
  url.hash = '';
  return url;
}

/**
 * The URL of one connection attempt: project and scope. Never the resume token: it travels
 * as a subprotocol (contract 1.1), out of URLs, browser consoles and proxy logs. A
 * `resume` the caller put in `url` is removed for the same reason.
 */
export function connectUrl(base: URL, project: string | undefined, scope: string | undefined): string {
  const url = new URL(base.href);
  if (project !== undefined) url.searchParams.set('project', project);
  if (scope !== undefined) url.searchParams.set('scope', scope);
  url.searchParams.delete('resume');
  return url.href;
}
