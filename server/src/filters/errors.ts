/**
 * RE2's reasons, retold for people whose habit is Java regular expressions (Ignition's
 * scripting): RE2 leaves out what cannot run in linear time, and some of its messages name
 * the wrong thing (a lookbehind reads "invalid named capture").
 */

/** `fragment` is what RE2 quotes after its reason: "...: `(?<=a)b`". */
function fragmentOf(message: string): string {
  const m = /`([^`]*)`\s*$/.exec(message);
  return m?.[1] ?? '';
}

const LOOKAROUND = 'RE2 syntax: no lookaround or backreferences';

/** A readable reason for one RE2 syntax error (without the filter's name, which the caller adds). */
export function explainRe2Error(message: string, pattern: string): string {
  const reason = message.replace(/^error parsing regexp: /, '');
  const fragment = fragmentOf(reason);
  const quoted = fragment === '' ? '' : ` (at \`${fragment.length > 40 ? `${fragment.slice(0, 40)}…` : fragment}\`)`;
  if (/^\(\?<[=!]/.test(fragment) || /^\(\?[=!]/.test(fragment)) return `${LOOKAROUND}${quoted}`;
  if (/^\\[1-9k]/.test(fragment)) return `${LOOKAROUND}${quoted}`;
  if (fragment === '(?P' && pattern.includes('(?P=')) return `${LOOKAROUND} (at \`(?P=\`)`;
  if (fragment === '(?>') return `RE2 syntax: no atomic groups${quoted}`;
  if (/^invalid nested repetition operator/.test(reason)) {
    // Java reads a + after a repetition as possessive; RE2 as a repetition repeated.
    return /[*+?}]\+$/.test(fragment)
      ? `RE2 syntax: no possessive quantifiers such as *+ or ++; use * or +${quoted}`
      : `RE2 syntax: a repetition of a repetition; put the inner one in (?:...)${quoted}`;
  }
  if (fragment === '(?#') return `RE2 syntax: no inline comments${quoted}`;
  if (/^\(\?[a-zA-Z]/.test(fragment) && /^invalid or unsupported Perl syntax/.test(reason)) {
    return `RE2 syntax: flags may only be i, m, s and U${quoted}`;
  }
  if (/^invalid escape sequence/.test(reason)) {
    if (fragment === '\\Z') return 'RE2 syntax: no \\Z; use \\z (end of text)';
    return `RE2 syntax: no such escape${quoted}; RE2 knows \\d \\s \\w \\b \\pL \\p{Greek} \\x{41} \\Q...\\E and the usual \\. \\* \\\\`;
  }
  if (/^invalid repeat count/.test(reason)) {
    return `a repetition count over 1000, or its minimum over its maximum${quoted}; nested counts multiply: (a{0,100}){0,100} counts 10,000`;
  }
  if (/^invalid character class range/.test(reason) && /^\\[pP]|^\[:/.test(fragment)) return `no such character class${quoted}`;
  return reason;
}
