import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalAwsError, startLocalAws } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';

describe('startLocalAws with the LocalStack backend', () => {
  it('round-trips an SQS message through LocalStack, or says why it cannot run', async (ctx) => {
    // Prepare
    let local: Awaited<ReturnType<typeof startLocalAws>>;
    try {
      local = await startLocalAws({ services: ['sqs'], backend: 'localstack', startupTimeoutMs: 180_000 });
    } catch (error) {
      if (error instanceof LocalAwsError && error.code === 'LOCAL_AWS_UNAVAILABLE') {
        expect(error.message).toMatch(/Docker engine/);
        ctx.skip(`no Docker engine reachable: ${error.message}`);
      }
      throw error;
    }
    await using _local = local;
    const queue = await local.createQueue();
    // Act
    await local
      .connection()
      .client(SQSClient)
      .send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'ls' }));
    const messages = await local.drainQueue(queue.url, { expected: 1 });
    // Assess
    expect(local.backend).toBe('localstack');
    expect(messages.map((m) => m.Body)).toEqual(['ls']);
  });
});
