import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message as SqsApiMessage,
} from '@aws-sdk/client-sqs';
import type { AwsConnection, Logger } from '@tributary/connection';
import { isRetryableAwsError, TributaryError, toTributaryError } from '@tributary/connection';
import { backoffDelay, createMessage, type Message, type NackOptions, sleep } from '@tributary/stream';
import type { Subscriber } from 'rxjs';
import {
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  type SqsSourceConfig,
  type SqsSourceErrorKind,
  type SqsSourceOptions,
} from '../sourceOptions.js';
import { SourceBatcher, type SourceBatcherOptions } from './sourceBatcher.js';
import { type SqsMessageMeta, sourceAttributes, sourceMeta } from './sourceMapping.js';

/** Receive errors that a fresh attempt (with refreshed credentials) can pass. */
const CREDENTIAL_EXPIRY_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/** Backoff of retried ReceiveMessage calls. */
const RECEIVE_RETRY_BASE_MS = 200;
const RECEIVE_RETRY_MAX_MS = 20_000;

/** One delivered, not yet settled message. */
interface Tracked {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly receivedAt: number;
  /** When its visibility expires, at the latest (measured from before the request was sent). */
  visibleAt: number;
  decided: boolean;
  heartbeat: Promise<void> | undefined;
}

type StopReason = 'unsubscribe' | 'signal' | 'error';

function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The state of one subscription to an {@link sqsSource}. */
export class SourceRun<T> {
  readonly #config: SqsSourceConfig;
  readonly #subscriber: Subscriber<Message<T, SqsMessageMeta>>;
  readonly #signal: AbortSignal | undefined;
  readonly #onError: SqsSourceOptions['onError'];
  readonly #logger: Logger;
  readonly #client: SQSClient;
  readonly #controller = new AbortController();
  readonly #tracked = new Set<Tracked>();
  #queueUrl = '';
  #deleter: SourceBatcher | undefined;
  #visibility: SourceBatcher | undefined;
  #held = 0;
  #reserved = 0;
  #creditWaiters: (() => void)[] = [];
  #stopped: StopReason | undefined;
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #draining = false;
  readonly #onSignal = (): void => this.stop('signal');

  constructor(
    aws: AwsConnection,
    config: SqsSourceConfig,
    subscriber: Subscriber<Message<T, SqsMessageMeta>>,
    extras: Pick<SqsSourceOptions, 'signal' | 'onError'>,
  ) {
    this.#config = config;
    this.#subscriber = subscriber;
    this.#signal = extras.signal;
    this.#onError = extras.onError;
    this.#logger = aws.logger;
    this.#client = aws.client(SQSClient);
  }

  /** Starts polling; returns at once. */
  start(): void {
    if (this.#signal?.aborted) {
      this.#stopped = 'signal';
      this.#subscriber.complete();
      return;
    }
    this.#signal?.addEventListener('abort', this.#onSignal, { once: true });
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      this.#queueUrl = await this.#resolveQueueUrl();
    } catch (error) {
      if (this.#stopped === 'signal') this.#subscriber.complete();
      else this.#fail(error, 'GetQueueUrl');
      return;
    }
    if (this.#stopped) return;
    this.#deleter = this.#batcher('DeleteMessageBatch', (entries) =>
      this.#client.send(new DeleteMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries })),
    );
    this.#visibility = this.#batcher('ChangeMessageVisibilityBatch', (entries) =>
      this.#client.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
      ),
    );
    this.#logger.debug('sqs.source.started', { queueUrl: this.#queueUrl, pollers: this.#config.pollers });
    this.#scheduleHeartbeat();
    const pollers = Array.from({ length: this.#config.pollers }, () => this.#poll());
    await Promise.all(pollers);
    if (this.#stopped === 'signal') this.#subscriber.complete();
  }

  async #resolveQueueUrl(): Promise<string> {
    if (this.#config.queueUrl !== undefined) return this.#config.queueUrl;
    const out = await this.#client.send(new GetQueueUrlCommand({ QueueName: this.#config.queueName }), {
      abortSignal: this.#controller.signal,
    });
    if (!out.QueueUrl) {
      throw new TributaryError(
        'RESOURCE_NOT_FOUND',
        `GetQueueUrl returned no URL for queue ${this.#config.queueName}`,
      );
    }
    return out.QueueUrl;
  }

  #batcher(operation: string, send: SourceBatcherOptions['send']): SourceBatcher {
    return new SourceBatcher({
      operation,
      queueUrl: this.#queueUrl,
      send,
      isRetryable: (error) =>
        isRetryableAwsError(error) || CREDENTIAL_EXPIRY_CODES.has(awsErrorName(error) ?? ''),
      wrapError: (error) => toTributaryError(error, { operation, resource: this.#queueUrl }),
      lingerMs: this.#config.deleteLingerMs,
      maxRequests: this.#config.maxBatchRequests,
      maxAttempts: this.#config.maxEntryAttempts,
    });
  }

  // ---- credits -------------------------------------------------------------------------------

  #free(): number {
    return this.#config.maxInFlight - this.#held - this.#reserved;
  }

  /** Waits for at least one credit, then reserves up to `maxMessages`; 0 when stopped. */
  async #reserve(): Promise<number> {
    while (!this.#stopped && this.#free() <= 0) {
      await new Promise<void>((resolve) => this.#creditWaiters.push(resolve));
    }
    if (this.#stopped) return 0;
    const count = Math.min(this.#config.maxMessages, this.#free());
    this.#reserved += count;
    return count;
  }

  #release(count: number): void {
    this.#held -= count;
    this.#wakeCreditWaiters();
  }

  #wakeCreditWaiters(): void {
    const waiters = this.#creditWaiters;
    this.#creditWaiters = [];
    for (const wake of waiters) wake();
  }

  // ---- receiving -----------------------------------------------------------------------------

  async #poll(): Promise<void> {
    const { waitTimeSeconds, visibilityTimeout } = this.#config;
    let failures = 0;
    while (!this.#stopped) {
      const count = await this.#reserve();
      if (count === 0) return;
      const sentAt = Date.now();
      let messages: SqsApiMessage[];
      try {
        const out = await this.#client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: count,
            WaitTimeSeconds: waitTimeSeconds,
            VisibilityTimeout: visibilityTimeout,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.#controller.signal },
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (error) {
        this.#reserved -= count;
        this.#wakeCreditWaiters();
        if (this.#stopped) return;
        const retryable =
          isRetryableAwsError(error) || CREDENTIAL_EXPIRY_CODES.has(awsErrorName(error) ?? '');
        if (!retryable) {
          this.#fail(error, 'ReceiveMessage');
          return;
        }
        failures += 1;
        const delay = backoffDelay(failures, RECEIVE_RETRY_BASE_MS, RECEIVE_RETRY_MAX_MS);
        const wrapped = toTributaryError(error, { operation: 'ReceiveMessage', resource: this.#queueUrl });
        this.#logger.warn('sqs.receive.retry', {
          queueUrl: this.#queueUrl,
          code: awsErrorName(error),
          attempt: failures,
          delayMs: delay,
        });
        this.#report(wrapped, 'receive');
        await sleep(delay, this.#controller.signal).catch(() => undefined);
        continue;
      }
      this.#reserved -= count;
      this.#held += messages.length;
      this.#wakeCreditWaiters();
      this.#deliver(messages, sentAt);
    }
  }

  /** Emits the messages in the order received; once stopped, hands the rest back to the queue. */
  #deliver(messages: SqsApiMessage[], sentAt: number): void {
    for (const raw of messages) {
      const receiptHandle = raw.ReceiptHandle;
      const messageId = raw.MessageId ?? '';
      if (receiptHandle === undefined) {
        this.#release(1);
        continue;
      }
      if (this.#stopped) {
        this.#handBack(receiptHandle, messageId);
        continue;
      }
      const meta = sourceMeta(this.#queueUrl, raw);
      let body: unknown = raw.Body ?? '';
      if (this.#config.bodyFormat === 'json') {
        try {
          body = JSON.parse(raw.Body ?? '');
        } catch {
          this.#parseFailed(receiptHandle, meta);
          continue;
        }
      }
      const tracked: Tracked = {
        messageId,
        receiptHandle,
        receivedAt: sentAt,
        visibleAt: sentAt + this.#config.visibilityTimeout * 1000,
        decided: false,
        heartbeat: undefined,
      };
      this.#tracked.add(tracked);
      const message = createMessage<T, SqsMessageMeta>({
        id: messageId,
        body: body as T,
        attributes: sourceAttributes(raw),
        meta,
        onAck: () => this.#ack(tracked),
        onNack: (options) => this.#nack(tracked, meta, options),
      });
      this.#subscriber.next(message);
    }
  }

  #parseFailed(receiptHandle: string, meta: SqsMessageMeta): void {
    const error = new TributaryError(
      'SOURCE_FAILED',
      `Body of SQS message ${meta.messageId} is not valid JSON`,
      {
        details: { queueUrl: this.#queueUrl, messageId: meta.messageId, receiveCount: meta.receiveCount },
        hint:
          this.#config.onParseFailure === 'leave'
            ? 'the message stays invisible until its visibility timeout; the queue redrive policy moves it to the DLQ after maxReceiveCount'
            : 'the message was made visible again; configure a redrive policy so it reaches a DLQ after maxReceiveCount',
      },
    );
    this.#logger.warn('sqs.source.parseFailed', { queueUrl: this.#queueUrl, messageId: meta.messageId });
    this.#report(error, 'parse', meta.messageId);
    if (this.#config.onParseFailure === 'leave') {
      this.#release(1);
      return;
    }
    const delay = this.#defaultNackDelay(meta.receiveCount);
    this.#changeVisibility(receiptHandle, meta.messageId, delay, 'nack').finally(() => this.#release(1));
  }

  /** A message received after stop: make it visible again at once for another consumer. */
  #handBack(receiptHandle: string, messageId: string): void {
    this.#changeVisibility(receiptHandle, messageId, 0, 'release').finally(() => this.#release(1));
  }

  // ---- ack / nack ----------------------------------------------------------------------------

  async #ack(tracked: Tracked): Promise<void> {
    tracked.decided = true;
    try {
      await this.#requireStarted(this.#deleter).add(tracked.receiptHandle, tracked.messageId);
    } catch (error) {
      const wrapped = toTributaryError(error, { operation: 'DeleteMessageBatch', resource: this.#queueUrl });
      this.#logger.warn('sqs.deleteMessageBatch.failed', {
        queueUrl: this.#queueUrl,
        messageId: tracked.messageId,
        code: wrapped.details.awsErrorCode ?? wrapped.code,
      });
      this.#report(wrapped, 'delete', tracked.messageId);
      throw wrapped;
    } finally {
      this.#settled(tracked);
    }
  }

  async #nack(tracked: Tracked, meta: SqsMessageMeta, options: NackOptions): Promise<void> {
    tracked.decided = true;
    const delay =
      options.delaySeconds === undefined
        ? this.#defaultNackDelay(meta.receiveCount)
        : clampVisibility(options.delaySeconds);
    try {
      // A heartbeat in flight must not extend the visibility after the nack changed it.
      await tracked.heartbeat;
      await this.#changeVisibility(tracked.receiptHandle, tracked.messageId, delay, 'nack');
    } finally {
      this.#settled(tracked);
    }
  }

  /** Visibility change that reports a final failure instead of throwing: the message reappears after its timeout anyway. */
  async #changeVisibility(
    receiptHandle: string,
    messageId: string,
    seconds: number,
    kind: SqsSourceErrorKind,
  ): Promise<void> {
    try {
      await this.#requireStarted(this.#visibility).add(receiptHandle, messageId, seconds);
    } catch (error) {
      const wrapped = toTributaryError(error, {
        operation: 'ChangeMessageVisibilityBatch',
        resource: this.#queueUrl,
      });
      this.#logger.warn('sqs.changeMessageVisibilityBatch.failed', {
        queueUrl: this.#queueUrl,
        messageId,
        kind,
        code: wrapped.details.awsErrorCode ?? wrapped.code,
      });
      this.#report(wrapped, kind, messageId);
    }
  }

  #defaultNackDelay(receiveCount: number): number {
    const backoff = this.#config.nackBackoff;
    if (backoff === undefined) return 0;
    const exponent = Math.min(Math.max(0, receiveCount - 1), 30);
    return clampVisibility(Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** exponent));
  }

  #settled(tracked: Tracked): void {
    if (!this.#tracked.delete(tracked)) return;
    this.#release(1);
    if (this.#draining && this.#undecided() === 0) this.#stopHeartbeat();
  }

  #undecided(): number {
    let count = 0;
    for (const tracked of this.#tracked) if (!tracked.decided) count += 1;
    return count;
  }

  #requireStarted(batcher: SourceBatcher | undefined): SourceBatcher {
    if (batcher === undefined)
      throw new TributaryError('SOURCE_FAILED', 'sqsSource: the queue URL is not resolved yet');
    return batcher;
  }

  // ---- heartbeat -----------------------------------------------------------------------------

  #heartbeatTickMs(): number {
    return Math.max(100, Math.floor((this.#config.visibilityTimeout * 1000) / 3));
  }

  #scheduleHeartbeat(): void {
    if (!this.#config.heartbeat || this.#config.visibilityTimeout === 0 || this.#heartbeatTimer !== undefined)
      return;
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeatTimer = undefined;
      this.#beat();
      if (!this.#draining || this.#undecided() > 0) this.#scheduleHeartbeat();
    }, this.#heartbeatTickMs());
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    if (this.#drainTimer !== undefined) clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  /**
   * Extends the visibility of every undecided message with at most two thirds of its timeout left. Ticks come
   * every third of the timeout, so an extension is sent while at least a third is left.
   */
  #beat(): void {
    const { visibilityTimeout, maxProcessingMs } = this.#config;
    const now = Date.now();
    const threshold = (visibilityTimeout * 1000 * 2) / 3;
    for (const tracked of this.#tracked) {
      if (tracked.decided || tracked.heartbeat !== undefined) continue;
      if (tracked.visibleAt - now > threshold) continue;
      const age = now - tracked.receivedAt;
      if (age >= maxProcessingMs) continue;
      const leftOfTwelveHours = SQS_MAX_VISIBILITY_TIMEOUT_SECONDS - Math.ceil(age / 1000);
      const seconds = Math.min(visibilityTimeout, leftOfTwelveHours);
      if (seconds <= 0) continue;
      const sentAt = Date.now();
      tracked.heartbeat = this.#requireStarted(this.#visibility)
        .add(tracked.receiptHandle, tracked.messageId, seconds)
        .then(
          () => {
            tracked.visibleAt = sentAt + seconds * 1000;
          },
          (error: unknown) => {
            if (tracked.decided) return;
            const wrapped = toTributaryError(error, {
              operation: 'ChangeMessageVisibilityBatch',
              resource: this.#queueUrl,
            });
            this.#logger.warn('sqs.heartbeat.failed', {
              queueUrl: this.#queueUrl,
              messageId: tracked.messageId,
              code: wrapped.details.awsErrorCode ?? wrapped.code,
            });
            this.#report(wrapped, 'heartbeat', tracked.messageId);
          },
        )
        .finally(() => {
          tracked.heartbeat = undefined;
        });
    }
  }

  // ---- stop / fail ---------------------------------------------------------------------------

  #report(error: TributaryError, kind: SqsSourceErrorKind, messageId?: string): void {
    if (this.#onError === undefined) return;
    try {
      this.#onError(error, messageId === undefined ? { kind } : { kind, messageId });
    } catch (callbackError) {
      this.#logger.error('sqs.source.onErrorThrew', {
        queueUrl: this.#queueUrl,
        name: callbackError instanceof Error ? callbackError.name : typeof callbackError,
      });
    }
  }

  #fail(error: unknown, operation: string): void {
    if (this.#stopped) return;
    const resource = this.#queueUrl || this.#config.queueUrl || this.#config.queueName || '';
    const wrapped = toTributaryError(error, { operation, resource });
    this.#logger.error('sqs.source.failed', { queueUrl: resource, code: wrapped.code, operation });
    this.stop('error');
    this.#subscriber.error(wrapped);
  }

  /**
   * Stops receiving: aborts the long polls, wakes waiting pollers and sends pending deletes and visibility
   * changes at once. Delivered messages keep their heartbeat until decided or `drainTimeoutMs`.
   */
  stop(reason: StopReason): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#signal?.removeEventListener('abort', this.#onSignal);
    this.#controller.abort();
    this.#wakeCreditWaiters();
    this.#deleter?.flushNow();
    this.#visibility?.flushNow();
    this.#draining = true;
    this.#logger.debug('sqs.source.stopped', {
      queueUrl: this.#queueUrl,
      reason,
      unacked: this.#tracked.size,
    });
    if (this.#undecided() === 0) {
      this.#stopHeartbeat();
      return;
    }
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined;
      this.#logger.warn('sqs.source.drainTimeout', { queueUrl: this.#queueUrl, unacked: this.#undecided() });
      this.#stopHeartbeat();
    }, this.#config.drainTimeoutMs);
  }
}

function clampVisibility(seconds: number): number {
  if (!Number.isFinite(seconds)) return 0;
  return Math.min(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, Math.round(seconds)));
}
