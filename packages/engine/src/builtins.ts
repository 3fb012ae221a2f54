import { eventBridgeSink, eventBridgeSinkOptions } from '@tributary/eventbridge';
import { kinesisSink, kinesisSinkOptions } from '@tributary/kinesis';
import { s3Sink, s3SinkOptions, s3Source, s3SourceOptions } from '@tributary/s3';
import { snsSink, snsSinkOptions } from '@tributary/sns';
import { sqsSink, sqsSinkOptions, sqsSource, sqsSourceOptions } from '@tributary/sqs';
import type { Message } from '@tributary/stream';
import type { Observable } from 'rxjs';
import { AssetRegistry } from './registry.js';

type AnyOptions = Record<string, unknown>;

/**
 * Registers the built-in types: sources `sqs`, `s3`; sinks `sqs`, `sns`, `kinesis`, `eventbridge`, `s3`.
 * @example
 * ```ts
 * const registry = registerBuiltinTypes(new AssetRegistry());
 * ```
 */
export function registerBuiltinTypes(registry: AssetRegistry): AssetRegistry {
  registry
    .registerSource({
      type: 'sqs',
      description: 'Amazon SQS queue (long polling, ack = delete)',
      options: sqsSourceOptions,
      create: (options, { connection, signal }) =>
        sqsSource(connection, { ...(options as AnyOptions), signal } as Parameters<
          typeof sqsSource
        >[1]) as Observable<Message<unknown, unknown>>,
    })
    .registerSource({
      type: 's3',
      description:
        'Amazon S3 objects (listed, watched or notified), read as lines, NDJSON, CSV or whole objects',
      options: s3SourceOptions,
      create: (options, { connection }) =>
        s3Source(connection, options as Parameters<typeof s3Source>[1]) as unknown as Observable<
          Message<unknown, unknown>
        >,
    })
    .registerSink({
      type: 'sqs',
      description: 'Amazon SQS queue (SendMessageBatch)',
      options: sqsSinkOptions,
      nameOption: true,
      create: (options, { connection }) => sqsSink(connection, options as Parameters<typeof sqsSink>[1]),
    })
    .registerSink({
      type: 'sns',
      description: 'Amazon SNS topic (PublishBatch)',
      options: snsSinkOptions,
      nameOption: true,
      create: (options, { connection }) => snsSink(connection, options as Parameters<typeof snsSink>[1]),
    })
    .registerSink({
      type: 'kinesis',
      description: 'Amazon Kinesis data stream (PutRecords)',
      options: kinesisSinkOptions,
      nameOption: true,
      create: (options, { connection }) =>
        kinesisSink(connection, options as Parameters<typeof kinesisSink<unknown>>[1]),
    })
    .registerSink({
      type: 'eventbridge',
      description: 'Amazon EventBridge event bus (PutEvents)',
      options: eventBridgeSinkOptions,
      nameOption: true,
      create: (options, { connection }) =>
        eventBridgeSink(connection, options as Parameters<typeof eventBridgeSink<unknown>>[1]),
    })
    .registerSink({
      type: 's3',
      description: 'Amazon S3 objects rolled by records, bytes or age (multipart upload)',
      options: s3SinkOptions,
      nameOption: true,
      create: (options, { connection }) => s3Sink(connection, options as Parameters<typeof s3Sink>[1]),
    });
  return registry;
}

/**
 * A registry holding the built-in types; add your own with `registerSource` / `registerSink`.
 * @example
 * ```ts
 * const registry = createAssetRegistry().registerSink(mySinkType);
 * ```
 */
export function createAssetRegistry(): AssetRegistry {
  return registerBuiltinTypes(new AssetRegistry());
}

/**
 * The process-wide registry the engine and CLI use by default. A third-party package adds its type with
 * one call at import time: `defaultRegistry.registerSink({ type: 'webhook', ... })`.
 */
export const defaultRegistry: AssetRegistry = createAssetRegistry();
