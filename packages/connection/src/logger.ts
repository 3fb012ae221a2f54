/** One log call: an event name `service.operation[.outcome]` and flat, id-like data. */
export type LogFn = (event: string, data?: Record<string, unknown>) => void;

/**
 * Where Tributary logs. `console` fits as is.
 * @example
 * ```ts
 * awsConnection(config, { logger: console });
 * ```
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const drop: LogFn = () => {};

/** The default logger: drops everything. Pass `console` or your own logger to see events. */
export const silentLogger: Logger = Object.freeze({ debug: drop, info: drop, warn: drop, error: drop });
