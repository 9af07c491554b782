import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolJsonSchema } from '@session-tracker/shared';

describe('shared/docs/schema.json', () => {
  it('is what the zod schemas emit now (run `node shared/scripts/emit-schema.mjs` after changing them)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../shared/docs/schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(protocolJsonSchema())));
  });
});
