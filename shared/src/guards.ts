/**
 * Small structural checks for values that arrive as `unknown`, with no dependency: the
 * building blocks of the wire checks in checks.ts, which browser bundles take without zod.
 */
export type Guard<T> = (value: unknown) => value is T;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

export function isArrayOf<T>(value: unknown, item: Guard<T>): value is T[] {
  return Array.isArray(value) && value.every((v) => item(v));
}

/** True when `value` is an object whose listed fields pass their checks (other fields are allowed). */
export function hasFields(value: unknown, fields: Record<string, (v: unknown) => boolean>): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  for (const [key, check] of Object.entries(fields)) {
    if (!check(value[key])) return false;
  }
  return true;
}
