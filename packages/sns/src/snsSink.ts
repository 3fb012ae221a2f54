import { SNSClient } from '@aws-sdk/client-sns';
import {
  type AwsConnection,
  type ConfigIssue,
  configErrorFromIssues,
  parseOptions,
} from '@tributary/connection';
import {
  type BatchWriter,
  compileDeduplicationId,
  compileMessageAttributes,
  compileMessageKey,
  createBatchWriter,
  writerOptionsOf,
} from '@tributary/stream';
import { snsSinkDriver } from './driver.js';
import { type SnsSinkOptions, snsSinkOptions } from './options.js';

const CODE_ONLY = ['subject', 'messageGroupId', 'deduplicationId'] as const;

/**
 * Publishes messages to an SNS topic with PublishBatch: batches by count (10), bytes (256 KiB, or the topic's
 * `MaximumMessageSize` where SNS reports one) and `lingerMs`; retries failed entries alone; resolves each
 * `write()` with a {@link Receipt} (`id`: MessageId; `details.SequenceNumber` on FIFO topics). A string body
 * is sent as is, any other body as JSON.
 * @example
 * ```ts
 * const sink = snsSink<Alert>(aws, { topicArn, subject: 'Alert ${msg:level}' });
 * const receipt = await sink.write({ body: alert, attributes: { level: alert.level } });
 * await sink.close();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid (every issue with its JSON path).
 * @see https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
 */
export function snsSink<T = unknown>(aws: AwsConnection, options: SnsSinkOptions<T>): BatchWriter<T> {
  const input: Record<string, unknown> = { ...options };
  for (const key of CODE_ONLY) if (typeof input[key] === 'function') delete input[key];
  const what = 'snsSink options';
  const parsed = parseOptions(snsSinkOptions, input, { what });
  const { subject, messageGroupId, deduplicationId } = options;

  const topicName = parsed.topicArn.slice(parsed.topicArn.lastIndexOf(':') + 1);
  const fifo = topicName.endsWith('.fifo');
  const issues: ConfigIssue[] = [];
  if (fifo && messageGroupId === undefined) {
    issues.push({ path: '/messageGroupId', message: `is required for the FIFO topic "${topicName}"` });
  }
  const dedupMode = typeof deduplicationId === 'function' ? 'function' : parsed.deduplicationId;
  if (!fifo && dedupMode !== 'none') {
    issues.push({
      path: '/deduplicationId',
      message: `applies to FIFO topics only; "${topicName}" is standard`,
    });
  }
  if (issues.length > 0) throw configErrorFromIssues(what, issues);

  const logger = aws.logger;
  const driver = snsSinkDriver<T>(aws.client(SNSClient), {
    topicArn: parsed.topicArn,
    fifo,
    messageStructure: parsed.messageStructure,
    subject: compileMessageKey<T>(typeof subject === 'function' ? subject : parsed.subject),
    messageGroupId: compileMessageKey<T>(
      typeof messageGroupId === 'function' ? messageGroupId : parsed.messageGroupId,
    ),
    deduplicationId: compileDeduplicationId<T>(
      typeof deduplicationId === 'function' ? deduplicationId : parsed.deduplicationId,
    ),
    attributes: compileMessageAttributes<T>(parsed.attributes),
    logger,
  });
  return createBatchWriter(driver, {
    name: parsed.name ?? `sns:${topicName}`,
    logger,
    ...writerOptionsOf(parsed),
  });
}
