import { RE2JS } from 're2js';
import { LIMITS } from '@session-tracker/shared';
import { invalidParams } from '../rpc/errors.js';

/** A compiled whole-value matcher; `undefined` stands for "matches everything". */
export type Filter = ((value: string) => boolean) | undefined;

/** Compiled patterns, kept across queries: dashboards and timer scripts ask the same ones. */
const compiledCache = new Map<string, RE2JS>();
const COMPILED_MAX = 256;
/** Verdicts per value: thousands of sessions share a few usernames and projects. */
const VERDICTS_MAX = 4_096;

function compile(name: string, pattern: string): RE2JS {
  const hit = compiledCache.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw invalidParams(`${name}: invalid regular expression: ${reason}`);
  }
  if (compiledCache.size >= COMPILED_MAX) compiledCache.clear();
  compiledCache.set(pattern, re);
  return re;
}

/**
 * Compiles a filter. RE2 semantics: time linear in the input, so a hostile pattern cannot
 * stall the event loop. Matches the whole value, case-sensitively.
 */
export function compileFilter(name: string, pattern: string | null | undefined): Filter {
  if (pattern === undefined || pattern === null || pattern === '') return undefined;
  if (pattern.length > LIMITS.filterMaxLength) {
    throw invalidParams(`${name}: pattern is over ${LIMITS.filterMaxLength} characters`);
  }
  const re = compile(name, pattern);
  const verdicts = new Map<string, boolean>();
  return (value: string) => {
    let v = verdicts.get(value);
    if (v === undefined) {
      v = re.testExact(value);
      if (verdicts.size >= VERDICTS_MAX) verdicts.clear();
      verdicts.set(value, v);
    }
    return v;
  };
}
