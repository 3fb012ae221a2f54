import { localAwsBackend } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.ts';

describe('demo', () => {
  it('runs the JSON-configured demo workflow end to end with every count verified', async () => {
    // Prepare
    const events = (await localAwsBackend()) === 'moto' ? 800 : 4000;
    // Act
    const result = await runDemo({ events, objects: 4 });
    // Assess
    for (const row of result.rows)
      expect(row, row.sink).toMatchObject({ readBack: row.expected, passed: true });
    expect(result.workflow).toMatchObject({ received: events, acked: events, nacked: 0 });
    expect(result.passed).toBe(true);
  });
});
