import { type AwsConnection, awsConnection, type ConnectionContext } from './awsConnection.js';
import type { AwsConnectionConfig } from './config.js';
import { type ConnectionTestResult, classifyConnectionError } from './testConnection.js';

/** Context of {@link testAwsConnection}: the connection context plus the test environment. */
export type TestAwsConnectionContext = ConnectionContext & {
  /** Environment used to resolve macros for the test (a "test environment"); default `environment`. */
  testEnvironment?: Readonly<Record<string, string>>;
  /** Give up after this many ms; default 5000. */
  timeoutMs?: number;
};

/**
 * Builds a connection from a config, tests it and closes it. Macros resolve from `testEnvironment`
 * (default `environment`). Never throws: a {@link ConfigError} becomes `ok: false` with its code.
 * @example
 * ```ts
 * const result = await testAwsConnection(json.connections[0], { testEnvironment: dev, secrets });
 * if (!result.ok) console.error(result.error.code, result.error.hint);
 * ```
 */
export async function testAwsConnection(
  config: AwsConnectionConfig,
  context: TestAwsConnectionContext = {},
): Promise<ConnectionTestResult> {
  const { testEnvironment, timeoutMs, ...rest } = context;
  const environment = testEnvironment ?? rest.environment;
  let connection: AwsConnection;
  try {
    connection = awsConnection(config, { ...rest, ...(environment ? { environment } : {}) });
  } catch (error) {
    return { ok: false, latencyMs: 0, error: classifyConnectionError(error) };
  }
  try {
    return await connection.test(timeoutMs === undefined ? {} : { timeoutMs });
  } finally {
    await connection.close();
  }
}
