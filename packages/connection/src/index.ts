export type { ErrorDetails, TributaryErrorOptions } from './errors.js';
export { ConfigError, ErrorCode, isTributaryError, TributaryError } from './errors.js';
export type { LogFn, Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { ConfigIssue } from './options.js';
export { configErrorFromIssues, configIssues, jsonPointer, parseOptions } from './options.js';
export { isSecret, Secret } from './secret.js';
