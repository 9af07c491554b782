/** Defaults and limits named by the contract, in one place for both sides. */
export const PROTOCOL_VERSION = 1;

export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  path: '/ws',
  project: 'default',
  scope: 'browser',
  heartbeatMs: 15_000,
  sessionTimeoutMs: 30_000,
  maxPayload: 64 * 1024,
  adminRoles: ['admin'] as readonly string[],
  maxBatch: 100,
} as const;

/**
 * 1.1: the resume token may travel as a WebSocket subprotocol instead of `?resume=`, so it
 * stays out of URLs, browser consoles and proxy logs. The client offers both; the server
 * selects SUBPROTOCOL.
 */
export const SUBPROTOCOL = 'session-tracker.v1';
export const RESUME_SUBPROTOCOL_PREFIX = 'resume.';

export const LIMITS = {
  projectMaxLength: 128,
  filterMaxLength: 1_000,
  pageIdMaxLength: 128,
  pathMaxLength: 2_048,
  titleMaxLength: 512,
  tokenMaxLength: 16_384,
  messageTypeMaxLength: 128,
} as const;

export const SCOPES = ['browser', 'designer', 'ios', 'android'] as const;
export type SessionScope = (typeof SCOPES)[number];

export const UNAUTHENTICATED = 'Unauthenticated';

/** Letters, digits, space, `_ . -`; 1 to 128 characters. */
const PROJECT_RE = /^[\p{L}\p{Nd} _.-]{1,128}$/u;

export function isValidProject(value: string): boolean {
  return PROJECT_RE.test(value);
}

export function isSessionScope(value: string): value is SessionScope {
  return (SCOPES as readonly string[]).includes(value);
}
