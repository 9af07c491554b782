/** Admin dashboard: the session-count chart's samples and geometry. */
import { describe, expect, it } from 'vitest';
import {
  LABEL_GAP,
  MAX_SAMPLES,
  SAMPLE_EVERY_MS,
  WINDOW_MS,
  addSample,
  chartGeometry,
  estimateLabelWidth,
  leftPad,
  niceMax,
  type Sample,
} from '../../server/dashboard/src/chart.js';

describe('samples', () => {
  it('keeps 360 samples, one every 10 s: an hour', () => {
    expect(MAX_SAMPLES).toBe(360);
    expect(SAMPLE_EVERY_MS).toBe(10_000);
    expect(WINDOW_MS).toBe(3_600_000);
    const samples: Sample[] = [];
    for (let i = 0; i < 400; i++) addSample(samples, { t: i * SAMPLE_EVERY_MS, count: i });
    expect(samples).toHaveLength(360);
    expect(samples[0]).toEqual({ t: 40 * SAMPLE_EVERY_MS, count: 40 });
    expect(samples.at(-1)).toEqual({ t: 399 * SAMPLE_EVERY_MS, count: 399 });
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 5, 6, 11, 20, 21, 99, 101, 1_001].map(niceMax)).toEqual([1, 1, 2, 5, 5, 10, 20, 20, 50, 100, 200, 2_000]);
  });
});

describe('chartGeometry', () => {
  const box = { width: 360, height: 100, windowMs: 3_600_000 };

  it('is empty without samples', () => {
    expect(chartGeometry([], 0, box)).toEqual({ line: '', area: '', yMax: 1, last: null });
  });

  it('places samples by age and count, as steps', () => {
    const now = 3_600_000;
    const g = chartGeometry(
      [
        { t: 0, count: 0 },
        { t: 1_800_000, count: 5 },
        { t: now, count: 2 },
      ],
      now,
      box,
    );
    expect(g.yMax).toBe(5);
    expect(g.line).toBe('M0 100 H180 V0 H360 V60');
    expect(g.area).toBe('M0 100 H180 V0 H360 V60 L360 100 L0 100 Z');
    expect(g.last).toEqual({ x: 360, y: 60 });
  });

  it('drops samples older than the window and draws a single one up to now', () => {
    const now = 10_000_000;
    const g = chartGeometry(
      [
        { t: now - 4_000_000, count: 50 },
        { t: now - 900_000, count: 3 },
      ],
      now,
      box,
    );
    expect(g.yMax).toBe(5);
    expect(g.line).toBe('M270 40 H360 V40');
  });
});

describe("the y labels' margin", () => {
  it('fits the widest label, the gap to the axis and a unit to spare', () => {
    expect(leftPad([6.4, 28.3])).toBe(29 + LABEL_GAP + 1);
    expect(leftPad([6.4, 28.3])).toBeGreaterThanOrEqual(28.3 + LABEL_GAP);
    expect(leftPad([])).toBe(16);
    expect(leftPad([2])).toBe(16);
  });

  it('estimates unmeasured labels wide enough (DejaVu Sans "2,000" at 10 px is 28.4 wide), growing with the text', () => {
    expect(estimateLabelWidth('2,000')).toBeGreaterThanOrEqual(28.4);
    expect(estimateLabelWidth('10,000')).toBeGreaterThan(estimateLabelWidth('2,000'));
    expect(estimateLabelWidth('5')).toBeLessThan(estimateLabelWidth('50'));
    expect(estimateLabelWidth('')).toBe(0);
  });
});
