import { SESSION_INFO_FIELDS, type SessionInfoField } from '@session-tracker/shared';

/** Which SessionInfo fields a list returns: `undefined` means every one (the renderers' whole output). */
export type FieldSet = ReadonlySet<string> | undefined;

export class FieldsError extends Error {}

const KNOWN: ReadonlySet<string> = new Set<string>(SESSION_INFO_FIELDS);

/**
 * Reads `fields`: each must be a SessionInfo field (an unknown one is a FieldsError naming it);
 * `id` always comes. Naming every field is the same as naming none.
 */
export function parseFields(fields: readonly string[] | undefined): FieldSet {
  if (fields === undefined) return undefined;
  const unknown = fields.filter((f) => !KNOWN.has(f));
  if (unknown.length > 0) {
    const names = unknown
      .slice(0, 3)
      .map((f) => `"${f.slice(0, 64)}"`)
      .join(', ');
    throw new FieldsError(
      `fields: ${names} ${unknown.length === 1 ? 'is not a SessionInfo field' : 'are not SessionInfo fields'}; the fields are ${SESSION_INFO_FIELDS.join(', ')}`,
    );
  }
  const set = new Set<string>(fields);
  set.add('id');
  return set.size === KNOWN.size ? undefined : set;
}

/**
 * The named fields of a rendered SessionInfo, in the renderer's own order, as JSON text.
 * Fields the renderer adds beyond SessionInfo (cluster mode's node, nodes, confirmed) always come.
 */
export function pickFields(info: object, fields: ReadonlySet<string>): string {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(info)) {
    if (fields.has(name) || !KNOWN.has(name as SessionInfoField)) out[name] = value;
  }
  return JSON.stringify(out);
}
