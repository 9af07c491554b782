/**
 * What a store's index can do for an RE2 filter: the literal every match starts with (or the one
 * value it matches), read off the pattern. The regex stays the exact check; this only narrows the
 * rows a store reads, so it must never leave a match out: anything not plainly literal stops it.
 */

/** `exact`: the pattern matches this value only. `prefix`: every value it matches starts with this. */
export interface TextKey {
  kind: 'exact' | 'prefix';
  value: string;
}

/** Characters with a meaning in RE2 outside a class. */
const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);
/** After a literal, these make it optional or repeated: it is not part of every match. */
const OPTIONAL = new Set(['*', '?', '{']);

/**
 * The literal start of a whole-value pattern, or undefined when there is none to use. An
 * alternation anywhere (`a|b`, `x(a|b)` alike) gives none: telling a top-level `|` from a
 * nested one is not worth the risk. Flags (`(?i)`) start with `(`, so they give none either.
 */
export function literalKey(pattern: string): TextKey | undefined {
  if (pattern.includes('|')) return undefined;
  const cps = [...pattern];
  let i = cps[0] === '^' ? 1 : 0; // at the start, `^` is the start of the value anyway
  let value = '';
  while (i < cps.length) {
    let c = cps[i] as string;
    let width = 1;
    if (c === '\\') {
      // An escaped ASCII punctuation character is itself; any other escape is a class or more.
      const next = cps[i + 1];
      if (next === undefined || !/^[!-/:-@[-`{-~]$/.test(next)) break;
      c = next;
      width = 2;
    } else if (META.has(c)) break;
    // PostgreSQL text holds no NUL; a key must be a string both stores can compare.
    if (c === '\u0000') break;
    const after = cps[i + width];
    if (after !== undefined && OPTIONAL.has(after)) break;
    value += c;
    i += width;
    // `c+`: c comes at least once, and what follows it is no longer a fixed start.
    if (after === '+') break;
  }
  if (value === '') return undefined;
  return { kind: i === cps.length ? 'exact' : 'prefix', value };
}

/**
 * The least string greater than every string starting with `prefix`, in code point order (which
 * is UTF-8 byte order: SQLite's BINARY and PostgreSQL's "C"); undefined when there is none (a
 * prefix of U+10FFFF only). The last code point goes up by one, skipping the surrogates.
 */
export function prefixUpper(prefix: string): string | undefined {
  const cps = [...prefix].map((c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < 0x10ffff) {
      const up = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...cps, up);
    }
  }
  return undefined;
}

/** A key as the comparisons a store runs: one value, or a range `lo <= v < hi` (no `hi`: `lo <= v`). */
export type KeyRange = { eq: string } | { lo: string; hi: string | undefined };

export function keyRange(key: TextKey): KeyRange {
  return key.kind === 'exact' ? { eq: key.value } : { lo: key.value, hi: prefixUpper(key.value) };
}

/**
 * The SQL condition on `column` (an expression already in byte order) for a key, its values
 * added through `arg` (which returns the placeholder).
 */
export function keySql(column: string, key: TextKey, arg: (v: string) => string): string {
  const r = keyRange(key);
  if ('eq' in r) return `${column} = ${arg(r.eq)}`;
  return r.hi === undefined ? `${column} >= ${arg(r.lo)}` : `${column} >= ${arg(r.lo)} AND ${column} < ${arg(r.hi)}`;
}
