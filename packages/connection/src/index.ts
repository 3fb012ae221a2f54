export type {
  AwsClientClass,
  AwsConnection,
  ConnectionContext,
  ConnectionTestOptions,
  ResolvedAwsConnectionConfig,
} from './awsConnection.js';
export {
  awsConnection,
  DEFAULT_ENDPOINT_REGION,
  resolveConnectionConfig,
  serviceIdOf,
} from './awsConnection.js';
export {
  ACCESS_DENIED_ERROR_NAMES,
  AUTH_ERROR_NAMES,
  deniedAction,
  isRetryableAwsError,
  NOT_FOUND_ERROR_NAMES,
  sanitizedCause,
  toTributaryError,
} from './awsErrors.js';
export type {
  AwsAuthConfig,
  AwsAuthMode,
  AwsConnectionConfig,
  ParsedAwsConnectionConfig,
  SecretRef,
} from './config.js';
export {
  awsAuthConfig,
  awsConnectionConfig,
  awsConnectionJsonSchema,
  REGION_PATTERN,
  secretRef,
  secretRefJsonSchemaOverride,
} from './config.js';
export type { ErrorDetails, TributaryErrorOptions } from './errors.js';
export { ConfigError, ErrorCode, isTributaryError, TributaryError } from './errors.js';
export type { LogFn, Logger, LogLevel } from './logger.js';
export { silentLogger } from './logger.js';
export type { MacroContext } from './macros.js';
export { expandConfigMacros, expandMacros, SECRET_FIELDS } from './macros.js';
export type { ConfigIssue } from './options.js';
export { configErrorFromIssues, configIssues, jsonPointer, parseOptions } from './options.js';
export { checkRequiredRoles } from './roles.js';
export { isSecret, redactSecrets, Secret } from './secret.js';
export type { SecretStore } from './secrets.js';
export {
  chainSecrets,
  environmentSecrets,
  fileSecrets,
  inMemorySecrets,
  secretNotFound,
  secretsManagerSecrets,
  ssmParameterSecrets,
} from './secrets.js';
export type { TestAwsConnectionContext } from './testAwsConnection.js';
export { testAwsConnection } from './testAwsConnection.js';
export type { ConnectionTestResult } from './testConnection.js';
export { ConnectionTestErrorCode, classifyConnectionError, stsEndpointOf } from './testConnection.js';
