import { RE2JS } from 're2js';
import { LIMITS } from '@session-tracker/shared';
import { invalidParams } from '../errors.js';
import { CompiledCache } from './cache.js';
import { estimateCost } from './cost.js';
import { explainRe2Error } from './errors.js';

/** A compiled whole-value matcher; `undefined` stands for "matches everything". */
export type Filter = ((value: string) => boolean) | undefined;

/**
 * The filter budgets (documented in shared/docs/protocol.md, "Filters").
 * - maxCostUnits: a pattern whose estimated program (filters/cost.ts) is over this is refused
 *   before re2js compiles it, in well under a millisecond. Random patterns within it compiled in
 *   1 to 15 ms on a loaded 2-core machine (62 ms once, a GC pause); ordinary filters cost 10 to
 *   300 units, a 1,000-character alternation of names about 2,300, `.{0,999}` 2,002,
 *   `\pL{0,999}` 5,099. The pattern (`\pL{0,999}` repeated to 1,000 characters) costs
 *   509,504: refused in 0.1 to 1 ms instead of 0.7 to 3.8 s of compiling and ~32 MiB kept.
 * - cacheBytes: what the compiled patterns kept across queries may hold (filters/cache.ts).
 */
export const FILTER_LIMITS = {
  maxCostUnits: 10_000,
  cacheBytes: 16 * 1024 * 1024,
} as const;

const compiledCache = new CompiledCache(FILTER_LIMITS.cacheBytes);
/** Verdicts per value: thousands of sessions share a few usernames and projects. */
const VERDICTS_MAX = 4_096;

/** 509504 → "509,504" (toLocaleString's first call loads ICU data: ~10 ms on the event loop). */
const thousands = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function compile(name: string, pattern: string): RE2JS {
  const hit = compiledCache.get(pattern);
  if (hit) return hit;
  // Priced before compiling: re2js unrolls counted repetitions, and compiling is the cost.
  const cost = estimateCost(pattern);
  if (cost.units > FILTER_LIMITS.maxCostUnits) {
    throw invalidParams(
      `${name}: pattern too large: its program would cost about ${thousands(cost.units)} units, over the limit of ` +
        `${thousands(FILTER_LIMITS.maxCostUnits)}; use fewer or smaller counted repetitions ({0,999}) and Unicode classes (\\pL)`,
    );
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw invalidParams(`${name}: invalid regular expression: ${explainRe2Error(reason, pattern)}`);
  }
  compiledCache.set(pattern, re);
  return re;
}

/**
 * Compiles a filter. RE2 semantics: time linear in the input, so a hostile pattern cannot
 * stall the event loop while matching, and the cost budget keeps it from doing so while
 * compiling. Matches the whole value, case-sensitively.
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
