// The markers around the dashboard section of RESULTS.md: dashboard-perf.mjs writes between
// them, run.mjs keeps what is between them when it rewrites the file.
import { existsSync, readFileSync } from 'node:fs';

export const DASHBOARD_BEGIN = '<!-- dashboard-perf: written by test/bench/dashboard-perf.mjs --record -->';
export const DASHBOARD_END = '<!-- /dashboard-perf -->';
/** Where the hand-written reading of the figures starts (a new run of the script keeps it). */
export const DASHBOARD_READING = '### Reading the figures (hand-written, kept across runs)';

/** The dashboard section of `file` (with its markers), or '' when it has none. */
export function dashboardSection(file) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(DASHBOARD_BEGIN);
  const end = text.indexOf(DASHBOARD_END);
  return at >= 0 && end > at ? text.slice(at, end + DASHBOARD_END.length) : '';
}
