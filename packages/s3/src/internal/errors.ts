import { isRetryableAwsError, type TributaryError, toTributaryError } from '@tributary/connection';

/** True for S3/SQS "does not exist" answers (NoSuchKey, NotFound on HEAD, NoSuchUpload). */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  return (
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    name === 'NoSuchUpload' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

/** True when the error is the subscription's abort, not a failure. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted && (error === signal.reason || (error as { name?: unknown })?.name === 'AbortError'))
    return true;
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** Wraps an SDK error with the operation and the resource (`s3://bucket/key`). */
export function wrapAwsError(error: unknown, operation: string, resource: string): TributaryError {
  return toTributaryError(error, { operation, resource });
}

export { isRetryableAwsError };
