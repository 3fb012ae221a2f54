import { mapBatchAnswer } from '@tributary/stream';
import { describe, expect, it } from 'vitest';

describe('mapBatchAnswer', () => {
  it('maps Successful and Failed back by Id, never by position, and marks unnamed entries retryable', () => {
    // Prepare
    const answer = {
      Successful: [
        { Id: '3', MessageId: 'm3' },
        { Id: '0', MessageId: 'm0', SequenceNumber: '18800000000000000001' },
      ],
      Failed: [
        { Id: '2', Code: 'InvalidParameterValue', Message: 'bad', SenderFault: true },
        { Id: '1', Code: 'InternalError', Message: 'again', SenderFault: false },
      ],
    };
    // Act
    const outcomes = mapBatchAnswer(answer, 5);
    // Assess
    expect(outcomes).toEqual([
      { status: 'ok', id: 'm0', details: { SequenceNumber: '18800000000000000001' } },
      { status: 'retryable', code: 'InternalError', message: 'again' },
      { status: 'fatal', code: 'InvalidParameterValue', message: 'bad' },
      { status: 'ok', id: 'm3' },
      {
        status: 'retryable',
        code: 'MissingFromResponse',
        message: 'the batch response named this entry neither successful nor failed',
      },
    ]);
  });

  it.each(['ThrottlingException', 'Throttling', 'ServiceUnavailable', 'InternalError', 'InternalFailure'])(
    'keeps %s retryable even with SenderFault: true',
    (code) => {
      // Act
      const [outcome] = mapBatchAnswer({ Failed: [{ Id: '0', Code: code, SenderFault: true }] }, 1);
      // Assess
      expect(outcome).toEqual({ status: 'retryable', code, message: code });
    },
  );

  it("treats the service's own transient codes as retryable only when given", () => {
    // Prepare
    const answer = { Failed: [{ Id: '0', Code: 'RequestThrottled', Message: 'slow', SenderFault: true }] };
    // Act
    const without = mapBatchAnswer(answer, 1);
    const withCodes = mapBatchAnswer(answer, 1, { transientCodes: new Set(['RequestThrottled']) });
    // Assess
    expect(without).toEqual([{ status: 'fatal', code: 'RequestThrottled', message: 'slow' }]);
    expect(withCodes).toEqual([{ status: 'retryable', code: 'RequestThrottled', message: 'slow' }]);
  });

  it('names a failure without code UnknownError, retryable unless the sender is at fault', () => {
    // Act
    const outcomes = mapBatchAnswer({ Failed: [{ Id: '0' }, { Id: '1', SenderFault: true }] }, 2);
    // Assess
    expect(outcomes).toEqual([
      { status: 'retryable', code: 'UnknownError', message: 'UnknownError' },
      { status: 'fatal', code: 'UnknownError', message: 'UnknownError' },
    ]);
  });

  it('ignores entries whose Id is missing, not an index or out of range', () => {
    // Prepare
    const answer = {
      Successful: [{ MessageId: 'no-id' }, { Id: 'a', MessageId: 'x' }, { Id: '2', MessageId: 'y' }],
      Failed: [
        { Id: '-1', Code: 'InvalidParameterValue', SenderFault: true },
        { Id: '100' },
        { Id: '' },
        { Id: ' 1' },
        { Id: '1 ' },
        { Id: '+1' },
        { Id: '0x' },
        { Id: '1.' },
      ],
    };
    // Act
    const outcomes = mapBatchAnswer(answer, 2);
    // Assess
    expect(outcomes.map((o) => o.status === 'ok' || o.code)).toEqual([
      'MissingFromResponse',
      'MissingFromResponse',
    ]);
  });

  it('accepts an answer without lists', () => {
    // Act
    const outcomes = mapBatchAnswer({}, 1);
    // Assess
    expect(outcomes).toMatchObject([{ status: 'retryable', code: 'MissingFromResponse' }]);
  });
});
