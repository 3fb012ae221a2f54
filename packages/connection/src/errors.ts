/** Stable error codes: branch on `error.code`, which survives duplicated installs where `instanceof` fails. */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_MACRO_UNRESOLVED: 'CONFIG_MACRO_UNRESOLVED',
  SECRET_NOT_FOUND: 'SECRET_NOT_FOUND',
  ROLES_MISSING: 'ROLES_MISSING',
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  LOCAL_AWS_UNAVAILABLE: 'LOCAL_AWS_UNAVAILABLE',
  LOCAL_AWS_START_FAILED: 'LOCAL_AWS_START_FAILED',
  AUTH_FAILED: 'AUTH_FAILED',
  ACCESS_DENIED: 'ACCESS_DENIED',
  RESOURCE_NOT_FOUND: 'RESOURCE_NOT_FOUND',
  AWS_REQUEST_FAILED: 'AWS_REQUEST_FAILED',
  WRITE_REJECTED: 'WRITE_REJECTED',
  WRITER_CLOSED: 'WRITER_CLOSED',
  SOURCE_FAILED: 'SOURCE_FAILED',
  ABORTED: 'ABORTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Names, ids, counts and JSON paths: never secrets, message bodies or headers. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export interface TributaryErrorOptions {
  cause?: unknown;
  /** What to do next, e.g. "check the role allows kinesis:PutRecords". */
  hint?: string;
  retryable?: boolean;
  details?: ErrorDetails;
}

/**
 * Base class of every error Tributary raises.
 * @example
 * ```ts
 * try { await sink.write(message); } catch (e) { if (isTributaryError(e) && e.code === 'WRITE_REJECTED') nack(); }
 * ```
 */
export class TributaryError extends Error {
  override name = 'TributaryError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly details: ErrorDetails;
  constructor(code: ErrorCode, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** Invalid configuration or options: `details.issues` lists every problem with its JSON path. */
export class ConfigError extends TributaryError {
  override name = 'ConfigError';
}

/** True for any Tributary error, also across duplicated installs of this package. */
export function isTributaryError(error: unknown): error is TributaryError {
  if (error instanceof TributaryError) return true;
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code in ErrorCode;
}
