// Writes docs/schema.json from the zod schemas, so the published schema never drifts from the code.
import { writeFileSync } from 'node:fs';
import { protocolJsonSchema } from '../dist/index.js';

const out = new URL('../docs/schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(protocolJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
