import { TributaryError } from '@tributary/connection';

/** Codes of {@link LocalAwsError}. */
export type LocalAwsErrorCode =
  /** The requested backend cannot run here (no Docker engine for LocalStack, a capability an external backend lacks). */
  | 'LOCAL_AWS_UNAVAILABLE'
  /** An emulator did not start or failed its health check; the message ends with its log tail. */
  | 'LOCAL_AWS_START_FAILED';

/**
 * Why {@link startLocalAws} could not provide a local AWS. The message ends with the emulator's log tail,
 * which {@link LocalAwsError.logTail} also holds.
 * @example
 * ```ts
 * try { await startLocalAws({ backend: 'localstack' }); } catch (e) { if (e instanceof LocalAwsError) console.log(e.code); }
 * ```
 */
export class LocalAwsError extends TributaryError {
  override name = 'LocalAwsError';
  declare readonly code: LocalAwsErrorCode;
  /** Last lines the emulator wrote, or '' when none was started. */
  readonly logTail: string;
  constructor(code: LocalAwsErrorCode, message: string, options: { logTail?: string; cause?: unknown } = {}) {
    const logTail = options.logTail ?? '';
    super(code, logTail ? `${message}\n--- log tail ---\n${logTail}` : message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      hint:
        code === 'LOCAL_AWS_UNAVAILABLE'
          ? 'choose another backend: TRIBUTARY_LOCAL_AWS=embedded, or TRIBUTARY_AWS_ENDPOINT=<url>'
          : 'read the log tail above: moto needs a Python with moto[server] (python3 on the PATH, or the one TRIBUTARY_PYTHON names); a port may have been taken',
    });
    this.logTail = logTail;
  }
}
