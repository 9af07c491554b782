/**
 * Runs once before any test file. The browser, cluster and PostgreSQL suites need Debian's
 * chromium, redis-server and postgresql. On CI a missing one fails the run at once, saying which and how to install it
 * (a suite skipped in silence passes for tested when it is not); locally it says what will be
 * skipped, then the rest runs.
 */
import { CHROMIUM } from './browser.js';
import { hasPostgres } from './postgres.js';
import { hasRedis } from './redis.js';

export default function setup(): void {
  const missing: string[] = [];
  if (CHROMIUM === undefined) missing.push('chromium (the browser suites: apt-get install -y chromium, or set CHROMIUM_PATH)');
  if (!hasRedis()) missing.push('redis-server (the cluster suites: apt-get install -y redis-server)');
  if (!hasPostgres()) missing.push('postgresql (the PostgreSQL history suites: apt-get install -y postgresql)');
  if (missing.length === 0) return;
  const text = `missing: ${missing.join('; ')}`;
  if (process.env.CI) throw new Error(`${text}. .ci/run installs them; on CI nothing may be skipped.`);
  console.warn(`\n*** ${text}: those suites are SKIPPED on this machine ***\n`);
}
