import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';
import { type ErrorCode, type ErrorDetails, isTributaryError, TributaryError } from './errors.js';
import { redactSecrets } from './secret.js';

/** The fields Tributary reads from an SDK (or Node.js network) error. */
interface AwsErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown };
  cause?: unknown;
}

function shape(err: unknown): AwsErrorShape | undefined {
  return err !== null && typeof err === 'object' ? (err as AwsErrorShape) : undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Error names AWS services answer when a resource does not exist. */
export const NOT_FOUND_ERROR_NAMES: ReadonlySet<string> = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'ResourceNotFoundException',
  'ResourceNotFound',
  'NoSuchBucket',
  'NoSuchKey',
  'NoSuchUpload',
  'NotFound',
  'NotFoundException',
  'NoSuchEntity',
  'ParameterNotFound',
  'StreamNotFound',
  'TopicNotFound',
]);
/** Error names of wrong or deactivated keys (part of {@link AUTH_ERROR_NAMES}). */
export const INVALID_KEY_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'IncompleteSignature',
  'InvalidSignatureException',
  'AuthFailure',
]);
/** Error names of an expired session token (part of {@link AUTH_ERROR_NAMES}). */
export const EXPIRED_TOKEN_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
]);
/** Error names of refused or invalid credentials. */
export const AUTH_ERROR_NAMES: ReadonlySet<string> = new Set([
  ...INVALID_KEY_ERROR_NAMES,
  ...EXPIRED_TOKEN_ERROR_NAMES,
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);
/** Error names of a request the caller's policy does not allow (SNS answers `AuthorizationError`). */
export const ACCESS_DENIED_ERROR_NAMES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
  'Forbidden',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * True when retrying the same request may succeed: throttling, HTTP 5xx and 429, `$retryable`, timeouts
 * and network errors (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, socket hang up, TimeoutError).
 * A {@link TributaryError} answers its own `retryable`. An abort is never retryable.
 * @example
 * ```ts
 * if (isRetryableAwsError(error)) requeue(entry); else reject(entry, error);
 * ```
 */
export function isRetryableAwsError(err: unknown): boolean {
  if (isTributaryError(err)) return err.retryable;
  const e = shape(err);
  if (e === undefined) return false;
  const name = str(e.name) ?? '';
  if (name === 'AbortError') return false;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  const code = str(e.code) ?? '';
  if (NETWORK_ERROR_CODES.has(code)) return true;
  const message = str(e.message) ?? '';
  if (name === 'TimeoutError' || /socket hang up/i.test(message)) return true;
  const sdkError = err as SdkError;
  return isThrottlingError(sdkError) || isTransientError(sdkError);
}

/** The IAM action named in an AccessDenied message (`not authorized to perform: sqs:SendMessage`). */
export function deniedAction(message: string): string | undefined {
  return /not authorized to perform:?\s+([\w-]+:[\w*-]+)/i.exec(message)?.[1];
}

function classify(name: string, status: number | undefined): ErrorCode {
  if (ACCESS_DENIED_ERROR_NAMES.has(name)) return 'ACCESS_DENIED';
  if (NOT_FOUND_ERROR_NAMES.has(name)) return 'RESOURCE_NOT_FOUND';
  if (AUTH_ERROR_NAMES.has(name)) return 'AUTH_FAILED';
  if (status === 403) return 'ACCESS_DENIED';
  if (status === 404) return 'RESOURCE_NOT_FOUND';
  return 'AWS_REQUEST_FAILED';
}

/**
 * A copy of an error holding only safe fields (name, message, code, `$metadata`, `$fault`, `$retryable`),
 * with known secret values scrubbed: never the SDK's `$response`, request headers or bodies.
 */
export function sanitizedCause(err: unknown): Error {
  const e = shape(err);
  const message = redactSecrets(str(e?.message) ?? String(err));
  const copy = new Error(message) as Error & Record<string, unknown>;
  copy.name = str(e?.name) ?? 'Error';
  for (const key of ['code', 'errno', 'syscall', '$fault'] as const) {
    const value = (e as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'string' || typeof value === 'number') copy[key] = value;
  }
  if (e?.$retryable !== undefined) copy.$retryable = e.$retryable;
  if (e?.$metadata !== undefined) {
    const { httpStatusCode, requestId, extendedRequestId } = e.$metadata;
    copy.$metadata = { httpStatusCode, requestId, extendedRequestId };
  }
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}

/**
 * Wraps any SDK error into a {@link TributaryError}: `ACCESS_DENIED`, `RESOURCE_NOT_FOUND`, `AUTH_FAILED`
 * or `AWS_REQUEST_FAILED`, with a hint, `retryable` from {@link isRetryableAwsError}, and `details`
 * `awsErrorCode` (the SDK error's name), `httpStatusCode`, `requestId`, `operation`, `resource`.
 * A Tributary error is returned as is. The `cause` is a sanitized copy (no `$response`, no headers).
 * @example
 * ```ts
 * try { await client.send(new PutRecordsCommand(input)); }
 * catch (e) { throw toTributaryError(e, { operation: 'PutRecords', resource: streamName }); }
 * ```
 */
export function toTributaryError(
  err: unknown,
  { operation, resource }: { operation: string; resource?: string },
) {
  if (isTributaryError(err)) return err;
  const e = shape(err);
  const awsErrorCode = str(e?.name) ?? 'Error';
  const rawStatus = e?.$metadata?.httpStatusCode;
  const httpStatusCode = typeof rawStatus === 'number' ? rawStatus : undefined;
  const requestId = str(e?.$metadata?.requestId);
  const networkCode = str(e?.code);
  const awsMessage = redactSecrets(str(e?.message) ?? String(err));
  const code = classify(awsErrorCode, httpStatusCode);
  const target = resource === undefined ? '' : ` on ${resource}`;
  const details: Record<string, string | number> = { awsErrorCode, operation };
  if (httpStatusCode !== undefined) details.httpStatusCode = httpStatusCode;
  if (requestId !== undefined) details.requestId = requestId;
  if (resource !== undefined) details.resource = resource;
  if (networkCode !== undefined) details.errorCode = networkCode;
  let hint: string;
  switch (code) {
    case 'ACCESS_DENIED':
      hint = `check that the connection's identity is allowed ${deniedAction(awsMessage) ?? `the ${operation} action`}${resource === undefined ? '' : ` on ${resource}`}`;
      break;
    case 'RESOURCE_NOT_FOUND':
      hint = `check that ${resource ?? 'the resource'} exists in the connection's account and region`;
      break;
    case 'AUTH_FAILED':
      hint = "check the connection's credentials: keys, session token expiry and the host clock";
      break;
    default:
      hint = isRetryableAwsError(err)
        ? 'a transient failure: retry later, or raise retry.maxAttempts on the connection'
        : `see details.awsErrorCode (${awsErrorCode}) in the AWS documentation of ${operation}`;
  }
  return new TributaryError(code, `${operation} failed${target}: ${awsErrorCode}: ${awsMessage}`, {
    cause: sanitizedCause(err),
    hint,
    retryable: isRetryableAwsError(err),
    details: details as ErrorDetails,
  });
}
