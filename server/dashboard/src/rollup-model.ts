/**
 * The History view's charts from `sessions.rollup`, without the DOM: one series per project
 * (the busiest few, the rest added up as "other"), minutes gathered into at most MAX_POINTS
 * buckets, and the minutes the server left out (no session then) read as zeros.
 */
import type { RollupMinute } from '@session-tracker/shared';
import type { Sample } from './chart.js';

export const MINUTE_MS = 60_000;
/** Points per series at most: a week of minutes would be 10,080 steps in a 480-unit chart. */
export const MAX_POINTS = 240;
/** Projects drawn apart at most; the others are added up as one series. */
export const MAX_SERIES = 5;
export const OTHER = 'other projects';

export type RollupMetric = 'sessions' | 'bytes';

export interface Series {
  project: string;
  points: Sample[];
  /** The peak (sessions) or total (bytes) that ranked it. */
  rank: number;
}

export interface RollupChart {
  series: Series[];
  /** Width of one bucket (a whole number of minutes). */
  bucketMs: number;
  /** The window drawn: [from, to]. */
  from: number;
  to: number;
}

/** A minute's value for the metric: sessions at once, or bytes both ways. */
function metricOf(m: RollupMinute, metric: RollupMetric): number {
  return metric === 'sessions' ? m.sessions : m.bytesFromClients + m.bytesToClients;
}

/**
 * Series for the window [from, to]. In a bucket of several minutes, sessions take the
 * minute with the most (a peak is never averaged away), bytes add up.
 */
export function rollupChart(
  minutes: readonly RollupMinute[],
  from: number,
  to: number,
  metric: RollupMetric,
  maxSeries = MAX_SERIES,
): RollupChart {
  const start = from - (from % MINUTE_MS);
  const spanMinutes = Math.max(1, Math.ceil((to - start) / MINUTE_MS));
  const bucketMs = Math.ceil(spanMinutes / MAX_POINTS) * MINUTE_MS;
  const buckets = Math.max(1, Math.ceil((to - start) / bucketMs));
  const byProject = new Map<string, number[]>();
  for (const m of minutes) {
    const t = Date.parse(m.at);
    const i = Math.floor((t - start) / bucketMs);
    if (!(i >= 0 && i < buckets)) continue;
    let values = byProject.get(m.project);
    if (values === undefined) {
      values = new Array<number>(buckets).fill(0);
      byProject.set(m.project, values);
    }
    const v = metricOf(m, metric);
    values[i] = metric === 'sessions' ? Math.max(values[i] ?? 0, v) : (values[i] ?? 0) + v;
  }
  const rankOf = (values: number[]) => (metric === 'sessions' ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0));
  const ranked = [...byProject.entries()]
    .map(([project, values]) => ({ project, values, rank: rankOf(values) }))
    .sort((a, b) => b.rank - a.rank || (a.project < b.project ? -1 : 1));
  const shown = ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked;
  const rest = ranked.slice(shown.length);
  if (rest.length > 0) {
    const values = new Array<number>(buckets).fill(0);
    for (const r of rest) {
      r.values.forEach((v, i) => {
        values[i] = (values[i] ?? 0) + v;
      });
    }
    shown.push({ project: OTHER, values, rank: rankOf(values) });
  }
  const series = shown.map((s) => ({
    project: s.project,
    rank: s.rank,
    points: s.values.map((count, i) => ({ t: start + i * bucketMs, count })),
  }));
  return { series, bucketMs, from: start, to };
}
