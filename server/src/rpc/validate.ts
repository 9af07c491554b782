import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { inboundCallSchema, paramsSchemas, type EnvelopeCheck, type MethodName } from '@session-tracker/shared';
import { describeParamsErrors, type Branch } from './describe.js';

/**
 * The zod schemas in shared/ are the single source of the wire shapes. On the server's
 * per-message path they run as Ajv-compiled JSON Schema: the same rules, about fifteen times
 * faster (a property test holds the two to the same verdicts).
 */
export interface ParamsCheck {
  (params: unknown): boolean;
  /** Why the check said no, naming the field. Runs only on refused params. */
  describe(params: unknown): string;
}

export interface Validators {
  envelope: EnvelopeCheck;
  params: Record<MethodName, ParamsCheck>;
}

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/**
 * A union of "by position" (array) and "by name" (object) is described by the branch the caller
 * used: named-param callers must hear about their object, never "params: must be array".
 */
function branchesOf(explain: Ajv2020, root: JsonSchema): { object?: Branch; array?: Branch } {
  const options = Array.isArray(root.anyOf) ? (root.anyOf as JsonSchema[]) : [root];
  const out: { object?: Branch; array?: Branch } = {};
  for (const option of options) {
    const type = option.type;
    if (type !== 'object' && type !== 'array') continue;
    const properties = option.properties;
    const names = type === 'object' && typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
    out[type] = { validate: explain.compile(option), names };
  }
  return out;
}

function paramsCheck(ajv: Ajv2020, explain: Ajv2020, method: MethodName, schema: z.ZodType): ParamsCheck {
  const json = toSchema(schema);
  const validate: ValidateFunction = ajv.compile(json);
  // JSON Schema cannot say "or absent": ask zod once whether params may be left out.
  // (unicode: false above makes maxLength count UTF-16 units, as zod does.)
  const optional = schema.safeParse(undefined).success;
  const branches = branchesOf(explain, json);
  const check = ((params: unknown) => (params === undefined ? optional : validate(params))) as ParamsCheck;
  check.describe = (params: unknown) => describeParamsErrors(method, branches, params);
  return check;
}

let compiled: Validators | undefined;

/** Compiled once per process, on first use. */
export function validators(): Validators {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ strict: false, allErrors: false, unicode: false, logger: false });
  // Only for explaining a refusal: every problem at once, so the most useful can be told first.
  const explain = new Ajv2020({ strict: false, allErrors: true, unicode: false, logger: false });
  const envelope = ajv.compile(toSchema(inboundCallSchema));
  const params = {} as Record<MethodName, ParamsCheck>;
  for (const [name, schema] of Object.entries(paramsSchemas) as [MethodName, z.ZodType][])
    params[name] = paramsCheck(ajv, explain, name, schema);
  compiled = { envelope: (v: unknown) => envelope(v), params };
  return compiled;
}
