/** Admin dashboard: human formats (durations, byte sizes, devices, times). */
import { describe, expect, it } from 'vitest';
import {
  formatBool,
  formatBytes,
  formatClock,
  formatTime,
  formatCount,
  formatDateTime,
  formatDevice,
  formatDuration,
  formatDurationLong,
  formatExactBytes,
} from '../../server/dashboard/src/format.js';

describe('formatDuration', () => {
  it('shows at most two units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(60_000)).toBe('1m 00s');
    expect(formatDuration(4 * 60_000 + 7_000)).toBe('4m 07s');
    expect(formatDuration(3_600_000 - 1)).toBe('59m 59s');
    expect(formatDuration(3_600_000)).toBe('1h 00m');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 59_000)).toBe('2h 05m');
    expect(formatDuration(86_400_000)).toBe('1d 0h');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 1)).toBe('3d 4h');
  });

  it('treats negative and non-finite input as zero', () => {
    expect(formatDuration(-5_000)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0s');
  });
});

describe('formatDurationLong', () => {
  it('spells out units, singular and plural', () => {
    expect(formatDurationLong(0)).toBe('0 seconds');
    expect(formatDurationLong(1_000)).toBe('1 second');
    expect(formatDurationLong(4 * 60_000 + 7_000)).toBe('4 minutes 7 seconds');
    expect(formatDurationLong(3_600_000 + 60_000)).toBe('1 hour 1 minute');
    expect(formatDurationLong(2 * 86_400_000 + 3_600_000 + 5_000)).toBe('2 days 1 hour');
  });
});

describe('formatBytes', () => {
  it('uses IEC units, one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(15_565)).toBe('15.2 KiB');
    expect(formatBytes(155_648)).toBe('152 KiB');
    expect(formatBytes(1024 ** 2)).toBe('1.0 MiB');
    expect(formatBytes(5.5 * 1024 ** 3)).toBe('5.5 GiB');
    expect(formatBytes(2 * 1024 ** 4)).toBe('2.0 TiB');
  });

  it('never shows 1024 of a unit or "100.0"', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatBytes(1024 * 1023.97)).toBe('1.0 MiB');
    expect(formatBytes(1024 * 99.97)).toBe('100 KiB');
    expect(formatBytes(1024 * 99.9)).toBe('99.9 KiB');
  });

  it('stops at PiB and treats bad input as zero', () => {
    expect(formatBytes(3 * 1024 ** 6)).toBe('3072 PiB');
    expect(formatBytes(-1)).toBe('0 B');
    expect(formatBytes(Number.NaN)).toBe('0 B');
  });

  it('has an exact form for tooltips', () => {
    expect(formatExactBytes(5120)).toBe('5,120 bytes');
    expect(formatExactBytes(1)).toBe('1 byte');
  });
});

describe('formatDevice', () => {
  it('joins the known parts with a middle dot', () => {
    expect(formatDevice({ browser: 'Chrome 126', os: 'Windows 10', type: 'desktop' })).toBe('Chrome 126 · Windows 10 · desktop');
    expect(formatDevice({ browser: '', os: 'Linux', type: 'desktop' })).toBe('Linux · desktop');
    expect(formatDevice({ browser: '', os: '', type: '' })).toBe('—');
    expect(formatDevice(undefined)).toBe('—');
  });
});

describe('times and counts', () => {
  it('formats an ISO time in local time', () => {
    const iso = new Date(2026, 10, 21, 23, 5, 12).toISOString();
    expect(formatDateTime(iso)).toBe('2026-11-21 23:05:12');
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatClock(new Date(2026, 0, 2, 7, 4, 59).getTime())).toBe('07:04');
    expect(formatTime(new Date(2026, 0, 2, 7, 4, 9).getTime())).toBe('07:04:09');
  });

  it('counts with separators, booleans as words', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
    expect(formatBool(true)).toBe('Yes');
    expect(formatBool(false)).toBe('No');
  });
});
