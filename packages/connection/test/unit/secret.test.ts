import { inspect } from 'node:util';
import { Secret } from '@tributary/connection';
import { describe, expect, it } from 'vitest';

describe('Secret', () => {
  it('is redacted in every printable form and revealed only by reveal()', () => {
    // Prepare
    const secret = new Secret('s3cr3t-value');
    // Act
    const printed = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ secret }),
    ];
    // Assess
    for (const text of printed) expect(text).not.toContain('s3cr3t-value');
    expect(secret.reveal()).toBe('s3cr3t-value');
  });
});
