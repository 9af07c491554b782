import type { ErrorObject, ValidateFunction } from 'ajv';

/** One form a method's params may take (by name or by position), compiled to report every problem. */
export interface Branch {
  validate: ValidateFunction;
  /** The names an object branch defines (empty for arrays and for methods without params). */
  names: string[];
}

const MAX_SHOWN = 64;
const MAX_PARTS = 3;

/** Client text echoed in an error stays short. */
function shown(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The defined name a misspelt one most likely meant, if any is close. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  if (name.length > MAX_SHOWN) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate);
    if (d < bestDistance && d <= Math.max(2, Math.floor(candidate.length / 3))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function where(instancePath: string): string {
  if (instancePath === '') return 'params';
  return instancePath
    .slice(1)
    .split('/')
    .map((p, i) =>
      /^\d+$/.test(p) ? `${i === 0 ? 'params' : ''}[${p}]` : `${i === 0 ? '' : '.'}${p.replaceAll('~1', '/').replaceAll('~0', '~')}`,
    )
    .join('');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'null',
  object: 'an object',
  array: 'an array',
};

function one(method: string, names: readonly string[], e: ErrorObject): string {
  const field = where(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(e.params.additionalProperty);
      const at = field === 'params' ? '' : `${field}.`;
      if (names.length === 0) return `${at}${shown(name)}: unknown name (${method} takes no params)`;
      const guess = closestName(name, names);
      return `${at}${shown(name)}: unknown name${guess ? ` (did you mean ${guess}?)` : ''}; ${method} takes ${names.join(', ')}`;
    }
    case 'required':
      return `${field === 'params' ? '' : `${field}.`}${String(e.params.missingProperty)}: required`;
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `${field}: must be one of ${allowed}`;
    }
    case 'type': {
      const types = String(e.params.type).split(',');
      return `${field}: must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`;
    }
    default:
      return `${field}: ${e.message ?? 'invalid'}`;
  }
}

/** Unknown names first (the misspelling that matters most), then missing ones, then the rest. */
const RANK: Record<string, number> = { additionalProperties: 0, required: 1 };

/** Why params were refused, naming the field; told for the form (by name or by position) the caller used. */
export function describeParamsErrors(method: string, branches: { object?: Branch; array?: Branch }, params: unknown): string {
  if (params === undefined) return 'Invalid params: params: required';
  const kind = Array.isArray(params) ? 'array' : 'object';
  const branch = branches[kind];
  if (!branch) {
    return branches.object
      ? `Invalid params: ${method} takes its params by name (an object), not by position`
      : `Invalid params: ${method} takes its params by position (an array), not by name`;
  }
  if (kind === 'array' && branches.object?.names.length === 0) return `Invalid params: ${method} takes no params`;
  if (branch.validate(params)) return 'Invalid params: params: invalid';
  const errors = [...(branch.validate.errors ?? [])]
    // anyOf/if wrappers repeat what their own branches said.
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
    .sort((a, b) => (RANK[a.keyword] ?? 2) - (RANK[b.keyword] ?? 2));
  const parts = [...new Set(errors.map((e) => one(method, branch.names, e)))].slice(0, MAX_PARTS);
  return `Invalid params: ${parts.join('; ') || 'params: invalid'}`;
}
