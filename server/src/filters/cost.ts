/**
 * What compiling a filter would cost, read from the pattern's text alone, before re2js sees it.
 *
 * re2js unrolls counted repetitions: `\pL{0,999}` becomes about 2,000 instructions, and a
 * 1,000-character pattern of them about 200,000 (seconds of compiling, ~32 MiB kept). The
 * estimate follows the program-size rule of RE2's own parser (Go regexp/syntax calcSize):
 *
 *   literal character, class, `.`, anchor  1          x*   2 + x      x+, x?   1 + x
 *   (x)                                    2 + x      x{n,}   1 + n·x (x* when n = 0)
 *   x|y|z   x + y + z + 2                             x{n,m}  m·x + (m − n)
 *   concatenation: the sum                            a whole program: + 4
 *
 * and a unit test holds it at or above re2js's real program size on random patterns. Then
 * Unicode classes (`\pL`, `\p{Greek}`, `\PN`) are weighted for what they cost beyond their
 * instruction count: each instruction holding one costs UNICODE_INST, and each one written
 * costs UNICODE_PARSE once (re2js builds and case-folds its ranges at parse time).
 *
 * One pass, no recursion (an explicit stack of open groups), saturating arithmetic: cheap on
 * any 1,000-character input. Syntax errors are left to re2js, which reports them cheaply.
 */

/**
 * Weight of one instruction that holds a Unicode class: about as costly as a plain one to
 * compile, but matching steps through hundreds of ranges (measured 35x slower per instruction).
 */
export const UNICODE_INST = 4;
/** Cost of writing one Unicode class (measured: ~0.1 to 0.25 ms each to parse, with case folding). */
export const UNICODE_PARSE = 100;
/** Instructions every program has: capture 0 (two), match and fail. */
const FIXED = 4;
/** Far beyond any budget; keeps products of nested counts finite. */
const SATURATED = 1e12;

export interface PatternCost {
  /** Estimated instructions of the compiled program (an upper bound of re2js's programSize()). */
  instructions: number;
  /** Instructions with Unicode classes weighted, plus their parse cost: what the budget limits. */
  units: number;
}

/** One term of the estimate: plain instructions, and the same with Unicode classes weighted. */
interface Size {
  insts: number;
  units: number;
}

interface Group {
  capture: boolean;
  /** Finished alternatives. */
  alts: Size;
  nAlts: number;
  /** The alternative being read. */
  concat: Size;
  /** Its last atom, which a repetition applies to (undefined: none yet). */
  last: Size | undefined;
}

const sat = (n: number): number => Math.min(n, SATURATED);
const add = (a: Size, b: Size): Size => ({ insts: sat(a.insts + b.insts), units: sat(a.units + b.units) });
const scale = (a: Size, k: number, plus: number): Size => ({ insts: sat(a.insts * k + plus), units: sat(a.units * k + plus) });
const atLeastOne = (a: Size): Size => ({ insts: Math.max(1, a.insts), units: Math.max(1, a.units) });

const PLAIN: Size = { insts: 1, units: 1 };
const UNICODE: Size = { insts: 1, units: UNICODE_INST };
/** RE2's counted repetition; a count with a leading zero makes the braces literal text. */
const REPEAT = /^\{(0|[1-9]\d*)(?:(,)(0|[1-9]\d*)?)?\}/;
const REPEAT_MAX = 1_000; // RE2 refuses larger counts itself

function newGroup(capture: boolean): Group {
  return { capture, alts: { insts: 0, units: 0 }, nAlts: 0, concat: { insts: 0, units: 0 }, last: undefined };
}

/** A group's size once closed: its alternatives, the branches joining them, the capture. */
function closeGroup(g: Group): Size {
  let size = add(g.alts, atLeastOne(g.concat));
  const joins = g.nAlts; // n alternatives need n − 1 splits
  size = add(size, { insts: joins, units: joins });
  return g.capture ? add(size, { insts: 2, units: 2 }) : size;
}

function atom(g: Group, size: Size): void {
  g.concat = add(g.concat, size);
  g.last = size;
}

/** Applies a repetition to the last atom (min, max; max −1 means unbounded). */
function repeat(g: Group, min: number, max: number): void {
  const sub = g.last;
  if (!sub) return; // RE2 refuses a repetition with nothing before it
  let size: Size;
  if (max === -1) size = min === 0 ? scale(sub, 1, 2) : scale(sub, min, 1);
  else size = atLeastOne({ insts: sat(sub.insts * max + (max - min)), units: sat(sub.units * max + (max - min)) });
  g.concat = add({ insts: g.concat.insts - sub.insts, units: g.concat.units - sub.units }, size);
  g.last = size;
}

/** Where the `{...}` or single letter after `\p` / `\P` / `\x` ends. */
function escapeEnd(p: string, i: number): number {
  if (p[i] === '{') {
    const close = p.indexOf('}', i);
    return close === -1 ? p.length : close + 1;
  }
  return i + 1;
}

/** Reads a class `[...]` from its `[`; returns where it ends and whether it holds Unicode classes. */
function readClass(p: string, start: number): { end: number; unicode: number } {
  let j = start + 1;
  let unicode = 0;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++; // a leading ] is a literal
  while (j < p.length) {
    const c = p[j];
    if (c === ']') return { end: j + 1, unicode };
    if (c === '[' && p[j + 1] === ':') {
      const close = p.indexOf(':]', j + 2);
      j = close === -1 ? j + 1 : close + 2;
    } else if (c === '\\') {
      const e = p[j + 1];
      if (e === 'p' || e === 'P') {
        unicode++;
        j = escapeEnd(p, j + 2);
      } else if (e === 'x') j = escapeEnd(p, j + 2);
      else j += 2;
    } else j++;
  }
  return { end: p.length, unicode };
}

/** The estimated cost of compiling `pattern` with re2js (Perl syntax, as compileFilter does). */
export function estimateCost(pattern: string): PatternCost {
  const stack: Group[] = [newGroup(false)];
  let parse = 0;
  let i = 0;
  const p = pattern;
  while (i < p.length) {
    const g = stack[stack.length - 1] as Group;
    const c = p[i] as string;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === undefined) break;
      if (e === 'Q') {
        const close = p.indexOf('\\E', i + 2);
        const end = close === -1 ? p.length : close;
        for (let k = i + 2; k < end; k++) atom(g, PLAIN);
        i = close === -1 ? p.length : close + 2;
      } else if (e === 'p' || e === 'P') {
        parse += UNICODE_PARSE;
        atom(g, UNICODE);
        i = escapeEnd(p, i + 2);
      } else if (e === 'x') {
        atom(g, PLAIN);
        i = escapeEnd(p, i + 2);
      } else {
        atom(g, PLAIN);
        i += 2;
      }
    } else if (c === '[') {
      const { end, unicode } = readClass(p, i);
      parse += unicode * UNICODE_PARSE;
      atom(g, unicode > 0 ? UNICODE : PLAIN);
      i = end;
    } else if (c === '(') {
      if (p[i + 1] !== '?') {
        stack.push(newGroup(true));
        i++;
      } else if (p[i + 2] === 'P' || (p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!')) {
        const close = p.indexOf('>', i);
        stack.push(newGroup(true));
        i = close === -1 ? p.length : close + 1;
      } else {
        // (?flags) sets flags and opens nothing; (?flags:...), (?:...) and the syntax RE2 refuses open a group.
        let j = i + 2;
        while (j < p.length && /[a-zA-Z-]/.test(p[j] as string)) j++;
        if (p[j] === ')') i = j + 1;
        else {
          stack.push(newGroup(false));
          i = j + 1;
        }
      }
    } else if (c === ')') {
      if (stack.length > 1) {
        stack.pop();
        atom(stack[stack.length - 1] as Group, closeGroup(g));
      } else atom(g, PLAIN);
      i++;
    } else if (c === '|') {
      g.alts = add(g.alts, atLeastOne(g.concat));
      g.nAlts++;
      g.concat = { insts: 0, units: 0 };
      g.last = undefined;
      i++;
    } else if (c === '*' || c === '+' || c === '?') {
      if (c === '*') repeat(g, 0, -1);
      else if (c === '+') repeat(g, 1, -1);
      else repeat(g, 0, 1);
      i++;
      if (p[i] === '?') i++; // non-greedy
    } else if (c === '{') {
      const m = REPEAT.exec(p.slice(i, i + 24));
      if (m && g.last) {
        const min = Math.min(Number(m[1]), REPEAT_MAX);
        const max = m[2] === undefined ? min : m[3] === undefined ? -1 : Math.min(Number(m[3]), REPEAT_MAX);
        repeat(g, min, max);
        i += m[0].length;
        if (p[i] === '?') i++;
      } else {
        atom(g, PLAIN);
        i++;
      }
    } else {
      atom(g, PLAIN);
      i++;
    }
  }
  // Unclosed groups are a syntax error re2js reports; close them to finish the estimate.
  while (stack.length > 1) {
    const g = stack.pop() as Group;
    atom(stack[stack.length - 1] as Group, closeGroup(g));
  }
  const root = closeGroup(stack[0] as Group);
  return { instructions: sat(root.insts + FIXED), units: sat(root.units + FIXED + parse) };
}
