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
  /**
   * Optional: whether lines of `level` are logged right now (pino and winston have a method of this name,
   * which an adapter can pass through). While it answers `false` for `debug`, the connection's SDK clients
   * skip their per-request log line, and with it the sensitive-data filter the SDK runs over every request's
   * input and output (a walk over every entry of a batch). It is asked on each request, so a level changed at
   * run time takes effect at the next one. Without it, the SDK's lines are always built and forwarded as
   * `debug`.
   */
  isLevelEnabled?(level: LogLevel): boolean;
}

/** The levels of a {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const drop: LogFn = () => {};

/** The default logger: drops everything. Pass `console` or your own logger to see events. */
export const silentLogger: Logger = Object.freeze({ debug: drop, info: drop, warn: drop, error: drop });
