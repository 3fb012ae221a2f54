import { mapPositionalAnswer, type PositionalAnswerRules } from '@tributary/stream';
import { describe, expect, it } from 'vitest';

interface Result {
  SequenceNumber?: string;
  EventId?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const shard = Object.freeze({ shardId: 'shardId-000' });
const rules: PositionalAnswerRules<Result> = {
  operation: 'PutRecords',
  sent: 'records',
  target: { streamName: 'orders' },
  idField: 'SequenceNumber',
  details: (r) => (r.ShardId === undefined ? undefined : shard),
  retryableCodes: new Set(['ProvisionedThroughputExceededException']),
};

describe('mapPositionalAnswer', () => {
  it('maps each result to the entry at its position: ok with details, retryable, fatal, missing id', () => {
    // Prepare
    const results: Result[] = [
      { SequenceNumber: 's0', ShardId: 'shardId-000' },
      { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
      { ErrorCode: 'AccessDenied' },
      {},
      { SequenceNumber: 's4' },
      // An error code wins over an id given with it.
      { SequenceNumber: 's5', ErrorCode: 'InternalFailure', ErrorMessage: 'odd' },
    ];
    // Act
    const { outcomes, failed } = mapPositionalAnswer(results, 6, rules);
    // Assess
    expect(outcomes).toEqual([
      { status: 'ok', id: 's0', details: { shardId: 'shardId-000' } },
      { status: 'retryable', code: 'ProvisionedThroughputExceededException', message: 'slow down' },
      {
        status: 'fatal',
        code: 'AccessDenied',
        message: 'AccessDenied',
      },
      {
        status: 'fatal',
        code: 'MissingSequenceNumber',
        message: 'PutRecords answered neither a SequenceNumber nor an ErrorCode',
      },
      { status: 'ok', id: 's4' },
      { status: 'fatal', code: 'InternalFailure', message: 'odd' },
    ]);
    expect(outcomes[4]).not.toHaveProperty('details');
    expect(failed).toBe(4);
  });

  it('names the id field with its article in the missing-id message', () => {
    // Act
    const { outcomes } = mapPositionalAnswer([{}], 1, {
      ...rules,
      operation: 'PutEvents',
      idField: 'EventId',
    });
    // Assess
    expect(outcomes[0]).toMatchObject({
      code: 'MissingEventId',
      message: 'PutEvents answered neither an EventId nor an ErrorCode',
    });
  });

  it('throws a non-retryable AWS_REQUEST_FAILED naming the target when the count of results differs', () => {
    // Act
    const short = (() => {
      try {
        mapPositionalAnswer([{ SequenceNumber: 's0' }], 2, rules);
      } catch (error) {
        return error;
      }
    })();
    const none = (() => {
      try {
        mapPositionalAnswer(undefined, 1, rules);
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(short).toMatchObject({
      code: 'AWS_REQUEST_FAILED',
      retryable: false,
      message: 'PutRecords answered 1 results for 2 records',
      details: { operation: 'PutRecords', streamName: 'orders', sent: 2, answered: 1 },
    });
    expect(none).toMatchObject({ code: 'AWS_REQUEST_FAILED', details: { sent: 1, answered: 0 } });
  });
});
