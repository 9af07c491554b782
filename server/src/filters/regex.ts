import { RE2JS } from 're2js';
import { LIMITS } from '@session-tracker/shared';
import { invalidParams } from '../rpc/errors.js';

/** A compiled whole-value matcher; `undefined` stands for "matches everything". */
export type Filter = ((value: string) => boolean) | undefined;

/**
 * Compiles a filter once per query. RE2 semantics: time linear in the input, so a
 * hostile pattern cannot stall the event loop. Matches the whole value, case-sensitively.
 */
export function compileFilter(name: string, pattern: string | null | undefined): Filter {
  if (pattern === undefined || pattern === null || pattern === '') return undefined;
  if (pattern.length > LIMITS.filterMaxLength) {
    throw invalidParams(`${name}: pattern is over ${LIMITS.filterMaxLength} characters`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw invalidParams(`${name}: invalid regular expression: ${reason}`);
  }
  return (value: string) => re.testExact(value);
}
