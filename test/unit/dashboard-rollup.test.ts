/** The History charts' series from sessions.rollup (pure: no DOM). */
import { describe, expect, it } from 'vitest';
import type { RollupMinute } from '@session-tracker/shared';
import { MAX_POINTS, OTHER, rollupChart } from '../../server/dashboard/src/rollup-model.js';

const M = 60_000;
const T0 = Date.parse('2026-11-30T03:00:00Z');
const row = (minute: number, project: string, sessions: number, bytes = 0): RollupMinute => ({
  at: new Date(T0 + minute * M).toISOString(),
  project,
  sessions,
  users: sessions,
  pages: 0,
  bytesFromClients: bytes,
  bytesToClients: 2 * bytes,
});

describe('rollupChart', () => {
  it('draws one series per project, a minute per point, missing minutes as zeros', () => {
    const c = rollupChart([row(0, 'A', 2), row(2, 'A', 5), row(1, 'B', 1)], T0, T0 + 4 * M, 'sessions');
    expect(c.bucketMs).toBe(M);
    expect(c.series.map((s) => [s.project, s.rank])).toEqual([
      ['A', 5],
      ['B', 1],
    ]);
    expect(c.series[0]?.points.map((p) => p.count)).toEqual([2, 0, 5, 0]);
    expect(c.series[0]?.points.map((p) => p.t)).toEqual([0, 1, 2, 3].map((i) => T0 + i * M));
    expect(c.series[1]?.points.map((p) => p.count)).toEqual([0, 1, 0, 0]);
  });

  it('keeps peaks of sessions and sums bytes both ways when minutes share a bucket', () => {
    const day = Array.from({ length: 1_440 }, (_, i) => row(i, 'A', i === 700 ? 50 : 1, 10));
    const sessions = rollupChart(day, T0, T0 + 1_440 * M, 'sessions');
    expect(sessions.series[0]?.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(sessions.bucketMs).toBe(6 * M);
    expect(Math.max(...(sessions.series[0]?.points.map((p) => p.count) ?? []))).toBe(50);
    const bytes = rollupChart(day, T0, T0 + 1_440 * M, 'bytes');
    expect(bytes.series[0]?.points[0]?.count).toBe(6 * 30);
    expect(bytes.series[0]?.rank).toBe(1_440 * 30);
  });

  it('adds the quieter projects up as one series past the most it draws apart', () => {
    const rows = ['A', 'B', 'C', 'D', 'E', 'F'].map((p, i) => row(0, p, 10 - i));
    const c = rollupChart(rows, T0, T0 + M, 'sessions', 3);
    expect(c.series.map((s) => s.project)).toEqual(['A', 'B', OTHER]);
    expect(c.series[2]?.points[0]?.count).toBe(8 + 7 + 6 + 5);
  });

  it('leaves out minutes outside the window and starts on a whole minute', () => {
    const c = rollupChart([row(-5, 'A', 9), row(1, 'A', 1)], T0 + 30_000, T0 + 3 * M, 'sessions');
    expect(c.from).toBe(T0);
    expect(c.series[0]?.points.map((p) => p.count)).toEqual([0, 1, 0]);
  });
});
