/**
 * Every module specifier a TypeScript file names: static imports (`import type` too), side-effect
 * imports, re-exports (`export ... from`), dynamic `import()` and `typeof import()` types.
 *
 * A token scan rather than a parser: the repo's TypeScript (7, native) has no JavaScript API, and
 * the layer test must not depend on a bundler's view (bundlers drop type-only imports). It skips
 * comments, the text of strings and templates and regex literals, so an import written inside
 * any of them is not one; test/unit/layers.test.ts holds it to that.
 */

export interface ImportRef {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  kind: 'import' | 'export' | 'dynamic';
}

/** A number literal is a word `0` whose `num` is its text as written (`32_001`, `0x10`). */
export type Token =
  | { t: 'word'; v: string; line: number; num?: string }
  | { t: 'str'; v: string; line: number }
  | { t: 'punct'; v: string; line: number };

/** Keywords after which a `/` starts a regex literal rather than a division. */
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'yield',
  'await',
]);

/** The tokens of a TypeScript file, comments left out (see the top of this file). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  /** Open `${` of templates: the brace depth at which each one closes. */
  const templates: number[] = [];
  let depth = 0;

  const regexAllowed = (): boolean => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.t === 'str') return false;
    if (prev.t === 'word') return REGEX_AFTER_WORD.has(prev.v);
    return !(prev.v === ')' || prev.v === ']' || prev.v === '}');
  };

  /** Skips a template's text from i (just after ` or the } closing a ${): stops after ` or ${. */
  const templateText = (): void => {
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n') line++;
      if (c === '`') {
        i++;
        out.push({ t: 'str', v: '', line });
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        i += 2;
        templates.push(depth);
        depth++;
        out.push({ t: 'punct', v: '(', line });
        return;
      }
      i++;
    }
  };

  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = line;
      let v = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          v += src[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (src[i] === '\n') line++;
        v += src[i];
        i++;
      }
      i++;
      out.push({ t: 'str', v, line: start });
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '/' && regexAllowed()) {
      // A regex literal: to its closing slash outside a character class, then its flags.
      let inClass = false;
      i++;
      while (i < src.length && src[i] !== '\n') {
        const r = src[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < src.length && /[a-z]/i.test(src[i] as string)) i++;
      out.push({ t: 'str', v: '', line });
    } else if (/[A-Za-z_$]/.test(c)) {
      let v = '';
      while (i < src.length && /[\w$]/.test(src[i] as string)) v += src[i++];
      // A property named like a keyword (`x.import`) is not the keyword.
      const prev = out[out.length - 1];
      out.push({ t: 'word', v: prev?.t === 'punct' && prev.v === '.' ? `.${v}` : v, line });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w.]/.test(src[i] as string)) i++;
      out.push({ t: 'word', v: '0', line, num: src.slice(start, i) });
    } else {
      i++;
      if (c === '{') depth++;
      if (c === '}') {
        depth--;
        if (templates.length > 0 && templates[templates.length - 1] === depth) {
          templates.pop();
          out.push({ t: 'punct', v: ')', line });
          templateText();
          continue;
        }
      }
      out.push({ t: 'punct', v: c, line });
    }
  }
  return out;
}

/** The module specifiers `src` imports or re-exports, in order. */
export function importsOf(src: string): ImportRef[] {
  const tokens = tokenize(src);
  const refs: ImportRef[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] as Token;
    if (tok.t !== 'word' || (tok.v !== 'import' && tok.v !== 'export')) continue;
    const next = tokens[k + 1];
    if (tok.v === 'import' && next?.t === 'punct' && next.v === '(') {
      const arg = tokens[k + 2];
      if (arg?.t === 'str') refs.push({ specifier: arg.v, line: arg.line, kind: 'dynamic' });
      continue;
    }
    if (tok.v === 'import' && next?.t === 'str') {
      refs.push({ specifier: next.v, line: next.line, kind: 'import' });
      continue;
    }
    // `import ... from 'x'` / `export ... from 'x'`: the clause is names, braces, commas, `*`,
    // `as` and `type`; anything else (export const, export function...) is no re-export.
    for (let j = k + 1; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.t === 'word' && t.v === 'from') {
        const spec = tokens[j + 1];
        if (spec?.t === 'str') refs.push({ specifier: spec.v, line: spec.line, kind: tok.v === 'import' ? 'import' : 'export' });
        break;
      }
      if (t.t === 'str') break;
      if (t.t === 'punct' && !['{', '}', ',', '*'].includes(t.v)) break;
      // After the closing brace only `from` may come (`export { a }` then a new statement).
      const prev = tokens[j - 1] as Token;
      if (prev.t === 'punct' && prev.v === '}') break;
      if (t.t === 'word' && tok.v === 'export' && j === k + 1 && !['type', '*'].includes(t.v)) break;
    }
  }
  return refs;
}
