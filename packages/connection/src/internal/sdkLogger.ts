import type { Logger as SdkLogger } from '@smithy/types';
import { type Logger, type LogLevel, silentLogger } from '../logger.js';
import { redactSecrets } from '../secret.js';

/** Id-like fields of the SDK's log objects; never `input` / `output` (message bodies, attributes). */
function summarize(content: readonly unknown[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const messages: string[] = [];
  for (const item of content) {
    if (typeof item === 'string') messages.push(redactSecrets(item));
    else if (item instanceof Error) messages.push(redactSecrets(`${item.name}: ${item.message}`));
    else if (item !== null && typeof item === 'object') {
      const record = item as Record<string, unknown>;
      for (const key of ['clientName', 'commandName'] as const) {
        if (typeof record[key] === 'string') data[key] = record[key];
      }
      const metadata = record.metadata as Record<string, unknown> | undefined;
      if (metadata !== null && typeof metadata === 'object') {
        for (const key of ['httpStatusCode', 'requestId', 'attempts', 'totalRetryDelay'] as const) {
          const value = metadata[key];
          if (typeof value === 'string' || typeof value === 'number') data[key] = value;
        }
      }
    }
  }
  if (messages.length > 0) data.message = messages.join(' ');
  return data;
}

/**
 * The SDK's logger, forwarding to a Tributary {@link Logger}: the SDK's per-request `info` lines become
 * `debug`, and only ids (client, command, status, request id) are kept.
 *
 * The SDK calls `logger?.info?.(...)` after every request with the whole input and output passed through its
 * sensitive-data filter (every entry of a batch, walked by schema): work that a dropped line does not need,
 * and several percent of the client's CPU per message. So `info` is absent with the default
 * {@link silentLogger}, and, with a logger that has `isLevelEnabled`, whenever `debug` is off (a getter, read
 * by the SDK on each request).
 */
export function sdkLogger(logger: Logger, connection: string): SdkLogger {
  const forward =
    (level: LogLevel, event: string) =>
    (...content: unknown[]): void => {
      logger[level](event, { connection, ...summarize(content) });
    };
  const sdk = {
    trace: forward('debug', 'aws.sdk.trace'),
    debug: forward('debug', 'aws.sdk.debug'),
    warn: forward('warn', 'aws.sdk.warn'),
    error: forward('error', 'aws.sdk.error'),
  };
  // Every SDK call site is `logger?.info?.(...)`, so a logger without info is valid.
  if (logger === silentLogger) return sdk as SdkLogger;
  const info = forward('debug', 'aws.sdk.info');
  if (typeof logger.isLevelEnabled !== 'function') return { ...sdk, info };
  return Object.defineProperty(sdk, 'info', {
    get: () => (logger.isLevelEnabled?.('debug') === false ? undefined : info),
    enumerable: true,
  }) as SdkLogger;
}
