import { readFileSync } from 'node:fs';
import { documentJsonSchema } from '@tributary/engine';
import { describe, expect, it } from 'vitest';

describe('tributary.schema.json', () => {
  it('is the schema `tributary schema` prints (regenerate: node packages/engine/bin/tributary.js schema)', () => {
    // Prepare
    const file = new URL('../../tributary.schema.json', import.meta.url);
    // Act
    const published = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    // Assess
    expect(published).toEqual(documentJsonSchema());
  });
});
