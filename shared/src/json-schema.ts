import { z } from 'zod';
import { inboundCallSchema } from './jsonrpc.js';
import { paramsSchemas } from './methods.js';

/** JSON Schema (draft 2020-12) of the inbound envelope and each method's params, for other-language clients. */
export function protocolJsonSchema(): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(paramsSchemas)) {
    methods[name] = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'session-tracker wire protocol, version 1: client-to-server calls',
    envelope: z.toJSONSchema(inboundCallSchema, { unrepresentable: 'any', io: 'input' }),
    params: methods,
  };
}
