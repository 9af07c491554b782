/** Human formats for the dashboard: durations, byte sizes, devices, times. Pure, no DOM. */
import type { DeviceInfo } from '@session-tracker/shared';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * A compact duration, two units at most: `0s`, `42s`, `4m 07s`, `2h 05m`, `3d 4h`.
 * Negative or non-finite input counts as 0.
 */
export function formatDuration(ms: number): string {
  const t = Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
  if (t < MINUTE) return `${Math.floor(t / SECOND)}s`;
  if (t < HOUR) return `${Math.floor(t / MINUTE)}m ${pad2(Math.floor((t % MINUTE) / SECOND))}s`;
  if (t < DAY) return `${Math.floor(t / HOUR)}h ${pad2(Math.floor((t % HOUR) / MINUTE))}m`;
  return `${Math.floor(t / DAY)}d ${Math.floor((t % DAY) / HOUR)}h`;
}

/** A spoken-friendly duration for titles and labels: `4 minutes 7 seconds`. */
export function formatDurationLong(ms: number): string {
  const t = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / SECOND) : 0;
  const parts: [number, string][] = [
    [Math.floor(t / 86_400), 'day'],
    [Math.floor((t % 86_400) / 3_600), 'hour'],
    [Math.floor((t % 3_600) / 60), 'minute'],
    [t % 60, 'second'],
  ];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  if (shown.length === 0) return '0 seconds';
  return shown.map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`).join(' ');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Bytes in IEC units (1 KiB = 1024 B): `0 B`, `512 B`, `1.5 KiB`, `15.2 KiB`, `152 KiB`, `1.0 MiB`.
 * One decimal below 100 of a unit, none above; never shows `1024 KiB`.
 */
export function formatBytes(bytes: number): string {
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  if (n < 1024) return `${Math.round(n)} B`;
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let text = value < 99.95 ? value.toFixed(1) : value.toFixed(0);
  // Rounding can reach the next unit (1023.96 KiB -> "1024"): step up instead.
  if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) {
    unit++;
    text = (Number(text) / 1024).toFixed(1);
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** One formatter, made once: `toLocaleString` builds a new one on every call (slow over 1,000 rows). */
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An integer with thousands separators: `5,120`. */
export function formatCount(n: number): string {
  const v = Math.round(Number.isFinite(n) ? n : 0);
  return v > -1000 && v < 1000 ? String(v) : INTEGER.format(v);
}

/** Exact bytes for a tooltip: `5,120 bytes`. */
export function formatExactBytes(n: number): string {
  return `${formatCount(n)} byte${n === 1 ? '' : 's'}`;
}

/** `Chrome 126 · Windows 10 · desktop`; the known parts only, or an em dash when nothing is known. */
export function formatDevice(device: DeviceInfo | undefined | null): string {
  if (!device) return '—';
  const parts = [device.browser, device.os, device.type].filter((p) => typeof p === 'string' && p.trim() !== '');
  return parts.length === 0 ? '—' : parts.join(' · ');
}

/** An ISO time as local `YYYY-MM-DD HH:MM:SS`; the input unchanged when it is not a date. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local `HH:MM` of an epoch ms value (chart axis). */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Local `HH:MM:SS` of an epoch ms value (when something happened, today). */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `Yes` / `No`. */
export function formatBool(value: boolean): string {
  return value ? 'Yes' : 'No';
}
