import { isRetryableAwsError, TributaryError, toTributaryError } from '@tributary/connection';
import { describe, expect, it } from 'vitest';

/** An error shaped like the SDK's ServiceException. */
function sdkError(
  name: string,
  message: string,
  httpStatusCode?: number,
  extra: Record<string, unknown> = {},
) {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode !== undefined && httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'req-1', attempts: 1 },
    ...extra,
  });
}
const netError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('toTributaryError', () => {
  it('maps AccessDenied to ACCESS_DENIED naming the action from the message', () => {
    // Act
    const error = toTributaryError(
      sdkError(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/a is not authorized to perform: kinesis:PutRecords on resource',
        400,
      ),
      { operation: 'PutRecords', resource: 'events' },
    );
    // Assess
    expect(error).toBeInstanceOf(TributaryError);
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.hint).toContain('kinesis:PutRecords');
    expect(error.details).toEqual({
      awsErrorCode: 'AccessDeniedException',
      operation: 'PutRecords',
      resource: 'events',
      httpStatusCode: 400,
      requestId: 'req-1',
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('PutRecords failed on events');
  });

  it("maps SNS's AuthorizationError to ACCESS_DENIED naming the action from the message", () => {
    // Act
    const error = toTributaryError(
      // No HTTP status: the name alone must classify it.
      sdkError('AuthorizationError', 'User: arn:aws:iam::1:user/a is not authorized to perform: SNS:Publish'),
      { operation: 'PublishBatch', resource: 'orders' },
    );
    // Assess
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.hint).toContain('SNS:Publish');
    expect(error.details.awsErrorCode).toBe('AuthorizationError');
  });

  it('names the operation in the hint when the message names no action', () => {
    const error = toTributaryError(sdkError('AccessDenied', 'Access Denied', 403), {
      operation: 'PutObject',
    });
    expect(error.hint).toContain('PutObject');
  });

  it('maps not-found errors to RESOURCE_NOT_FOUND', () => {
    for (const name of ['QueueDoesNotExist', 'ResourceNotFoundException', 'NoSuchBucket', 'NotFound']) {
      const error = toTributaryError(sdkError(name, 'gone', 400), { operation: 'Op', resource: 'r' });
      expect(error.code).toBe('RESOURCE_NOT_FOUND');
      expect(error.hint).toContain('r');
    }
    expect(toTributaryError(sdkError('UnknownError', '', 404), { operation: 'HeadObject' }).code).toBe(
      'RESOURCE_NOT_FOUND',
    );
  });

  it('maps credential errors to AUTH_FAILED', () => {
    for (const name of [
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'SignatureDoesNotMatch',
      'ExpiredToken',
    ]) {
      expect(toTributaryError(sdkError(name, 'x', 403), { operation: 'Op' }).code).toBe('AUTH_FAILED');
    }
  });

  it('maps anything else to AWS_REQUEST_FAILED, retryable when the error is', () => {
    const throttled = toTributaryError(sdkError('ThrottlingException', 'slow down', 400), {
      operation: 'PutEvents',
    });
    expect(throttled.code).toBe('AWS_REQUEST_FAILED');
    expect(throttled.retryable).toBe(true);
    const network = toTributaryError(netError('ECONNRESET'), { operation: 'SendMessageBatch' });
    expect(network.retryable).toBe(true);
    expect(network.details.errorCode).toBe('ECONNRESET');
    const invalid = toTributaryError(sdkError('ValidationException', 'bad', 400), {
      operation: 'PutRecords',
    });
    expect(invalid.retryable).toBe(false);
  });

  it('keeps a sanitized cause: no $response', () => {
    // Prepare
    const raw = sdkError('InternalFailure', 'oops', 500, { $response: { headers: { 'x-secret': 'h' } } });
    // Act
    const error = toTributaryError(raw, { operation: 'Op' });
    // Assess
    const cause = error.cause as Record<string, unknown>;
    expect(cause.name).toBe('InternalFailure');
    expect(cause.$metadata).toMatchObject({ httpStatusCode: 500, requestId: 'req-1' });
    expect(cause.$response).toBeUndefined();
  });

  it('returns a TributaryError as is', () => {
    const original = new TributaryError('WRITE_REJECTED', 'no');
    expect(toTributaryError(original, { operation: 'x' })).toBe(original);
  });
});

describe('isRetryableAwsError', () => {
  it('is true for throttling, 5xx, 429, $retryable, timeouts and network errors', () => {
    const retryable = [
      sdkError('ThrottlingException', '', 400),
      sdkError('ProvisionedThroughputExceededException', '', 400),
      sdkError('SlowDown', '', 503),
      sdkError('InternalError', '', 500),
      sdkError('Whatever', '', 429),
      sdkError('Custom', '', 400, { $retryable: {} }),
      netError('ECONNRESET'),
      netError('ECONNREFUSED'),
      netError('ETIMEDOUT'),
      netError('EPIPE'),
      new Error('socket hang up'),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      new TributaryError('AWS_REQUEST_FAILED', 'x', { retryable: true }),
    ];
    for (const error of retryable) expect(isRetryableAwsError(error), String(error)).toBe(true);
  });

  it('is false for client errors, aborts and non-errors', () => {
    const final = [
      sdkError('ValidationException', '', 400),
      sdkError('AccessDeniedException', 'denied', 400),
      sdkError('QueueDoesNotExist', '', 400),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      new TributaryError('WRITE_REJECTED', 'x'),
      'a string',
      undefined,
    ];
    for (const error of final) expect(isRetryableAwsError(error), String(error)).toBe(false);
  });
});
