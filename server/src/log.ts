import { pino, type Logger } from 'pino';

/** Paths pino must never print: secrets that could let a reader take over a session. */
export const REDACT_PATHS = [
  'token',
  'resumeToken',
  'adminToken',
  'params.token',
  '*.token',
  '*.resumeToken',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string): Logger {
  return pino({ name: 'session-tracker', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
