import { pipeline, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message as SqsMessage,
} from '@aws-sdk/client-sqs';
import { type Logger, parseOptions, sanitizedCause, TributaryError } from '@tributary/connection';
import { backoffDelay, type Message, type NackOptions, sleep } from '@tributary/stream';
import { CronExpressionParser } from 'cron-parser';
import { parse as parseCsv } from 'csv-parse';
import { Observable, type Subscriber } from 'rxjs';
import { type CheckpointStore, fileCheckpoint, memoryCheckpoint, s3Checkpoint } from './checkpoint.js';
import { deleteObject, movedKey, moveObject, tagObject } from './internal/actions.js';
import type { S3Aws } from './internal/aws.js';
import { Credits, Slots } from './internal/credits.js';
import {
  bareETag,
  keyMatcher,
  listPages,
  type ObjectRef,
  StabilityTracker,
  sortObjects,
} from './internal/discovery.js';
import { isAbort, isNotFound, isRetryableAwsError, wrapAwsError } from './internal/errors.js';
import { decode, detectCodec, lineBatches, readAll } from './internal/records.js';
import { AckTracker, type Outcome } from './internal/tracker.js';
import { parseS3Notification } from './notifications.js';
import {
  type ParsedS3SourceOptions,
  type S3SourceMode,
  type S3SourceOptions,
  s3SourceOptions,
} from './options.js';

/** An error's name for messages and logs: never its message, which may quote object content. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Facts about the object a message was read from; line modes add the line number. */
export interface S3ObjectMeta {
  readonly bucket: string;
  readonly key: string;
  /** Stored size in bytes (before decompression). */
  readonly size: number;
  /** ETag without quotes. */
  readonly eTag: string;
  readonly lastModified: Date | undefined;
  /** `STANDARD` when S3 does not say. */
  readonly storageClass: string;
  readonly versionId: string | undefined;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  /** User metadata (`x-amz-meta-*`, names lowercased by S3). */
  readonly metadata: Readonly<Record<string, string>>;
  /** 1-based line number in `lines`, `ndjson` and `csv` modes (csv: the line the record ends on). */
  readonly line?: number;
}

/** The body type of each read mode. */
export type S3SourceBody<M extends S3SourceMode | undefined> = M extends 'object'
  ? Buffer
  : M extends 'stream'
    ? Readable
    : M extends 'ndjson'
      ? unknown
      : M extends 'csv'
        ? Record<string, string>
        : string;

/** A message of {@link s3Source}. */
export type S3Message<B = string> = Message<B, S3ObjectMeta>;

/** Per-object callbacks of notification mode. */
interface ObjectHooks {
  done(): void;
  failed(reason: unknown): void;
}

const objectId = (bucket: string, key: string): string => `${bucket}/${key}`;

const NO_ATTRIBUTES: Readonly<Record<string, never>> = Object.freeze({});

/**
 * A message of one record. Like `createMessage` from `@tributary/stream` (idempotent, the first decision
 * wins and later calls get its promise), as a class so a line costs one small object: a large object in
 * `lines` mode emits millions of them.
 */
class RecordMessage implements Message<unknown, S3ObjectMeta> {
  readonly attributes = NO_ATTRIBUTES;
  #decision: Promise<void> | undefined;
  #meta: S3ObjectMeta | undefined;
  readonly #object: S3ObjectMeta;
  readonly #line: number;
  readonly #tracker: AckTracker;
  readonly #credits: Credits;
  readonly #onDecided: (() => void) | undefined;

  /** `line` 0: a whole-object message (no line number). */
  constructor(
    readonly body: unknown,
    object: S3ObjectMeta,
    line: number,
    tracker: AckTracker,
    credits: Credits,
    onDecided: (() => void) | undefined,
  ) {
    this.#object = object;
    this.#line = line;
    this.#tracker = tracker;
    this.#credits = credits;
    this.#onDecided = onDecided;
  }

  /** `s3://bucket/key`, with `#line` in line modes. */
  get id(): string {
    const base = `s3://${this.#object.bucket}/${this.#object.key}`;
    return this.#line > 0 ? `${base}#${this.#line}` : base;
  }

  /** The object's facts, with the line number in line modes (built on first access). */
  get meta(): S3ObjectMeta {
    if (this.#line === 0) return this.#object;
    this.#meta ??= Object.freeze({ ...this.#object, line: this.#line });
    return this.#meta;
  }

  #decide(ok: boolean, reason?: unknown): Promise<void> {
    if (this.#decision) return this.#decision;
    this.#credits.release();
    this.#onDecided?.();
    try {
      this.#decision = this.#tracker.decide(ok, reason);
    } catch (error) {
      this.#decision = Promise.reject(error);
    }
    return this.#decision;
  }

  ack(): Promise<void> {
    return this.#decide(true);
  }

  nack(options?: NackOptions | unknown): Promise<void> {
    const reason =
      options !== null && typeof options === 'object' && 'reason' in options
        ? (options as NackOptions).reason
        : options;
    return this.#decide(false, reason ?? 'nacked');
  }
}

class SourceRun {
  readonly #controller = new AbortController();
  readonly #signal = this.#controller.signal;
  readonly #logger: Logger;
  readonly #credits: Credits;
  readonly #slots: Slots;
  readonly #checkpoint: CheckpointStore;
  readonly #matches: (key: string) => boolean;
  readonly #stability: StabilityTracker;
  /** Objects dispatched and not yet settled, by id. */
  readonly #inProgress = new Set<string>();
  /** Object reads running. */
  readonly #reads = new Set<Promise<void>>();
  /** After-read actions running. */
  readonly #settling = new Set<Promise<void>>();
  readonly #heartbeats = new Set<NodeJS.Timeout>();
  #s3: S3Client | undefined;

  constructor(
    private readonly aws: S3Aws,
    private readonly options: ParsedS3SourceOptions,
    extras: Pick<S3SourceOptions, 'checkpointStore' | 'keyFilter'>,
    private readonly subscriber: Subscriber<Message<unknown, S3ObjectMeta>>,
  ) {
    this.#logger = aws.logger;
    this.#credits = new Credits(options.maxInFlight);
    this.#slots = new Slots(options.concurrency);
    this.#checkpoint = extras.checkpointStore ?? this.#checkpointFromOptions();
    this.#stability = new StabilityTracker(options.stableTimeMs);
    const excludedPrefixes: string[] = [];
    for (const action of [options.afterRead, options.afterError]) {
      if (action.action === 'move' && (action.bucket ?? options.bucket) === options.bucket) {
        excludedPrefixes.push(action.prefix);
      }
    }
    if (
      options.checkpoint.type === 's3' &&
      (options.checkpoint.bucket ?? options.bucket) === options.bucket
    ) {
      excludedPrefixes.push(options.checkpoint.key);
    }
    this.#matches = keyMatcher({
      prefix: options.prefix,
      includeSubfolders: options.includeSubfolders,
      keyGlob: options.keyGlob,
      keyRegex: options.keyRegex,
      keyFilter: extras.keyFilter,
      excludedPrefixes,
    });
  }

  #checkpointFromOptions(): CheckpointStore {
    const checkpoint = this.options.checkpoint;
    switch (checkpoint.type) {
      case 'memory':
        return memoryCheckpoint();
      case 'file':
        return fileCheckpoint(checkpoint.path);
      case 's3':
        return s3Checkpoint(this.aws, {
          bucket: checkpoint.bucket ?? this.options.bucket,
          key: checkpoint.key,
        });
    }
  }

  get #client(): S3Client {
    this.#s3 ??= this.aws.client(S3Client);
    return this.#s3;
  }

  start(): void {
    this.#run().then(
      () => {
        if (!this.#signal.aborted) this.subscriber.complete();
      },
      (error: unknown) => {
        if (this.#signal.aborted && isAbort(error, this.#signal)) return;
        this.subscriber.error(
          error instanceof TributaryError
            ? error
            : new TributaryError(
                'SOURCE_FAILED',
                `s3Source on ${this.options.bucket} failed (${errorName(error)})`,
                {
                  cause: sanitizedCause(error),
                  details: { bucket: this.options.bucket },
                },
              ),
        );
      },
    );
  }

  stop(): void {
    this.#controller.abort(new TributaryError('ABORTED', 's3Source unsubscribed'));
    for (const timer of this.#heartbeats) clearInterval(timer);
    this.#heartbeats.clear();
  }

  async #run(): Promise<void> {
    await this.#checkpoint.open(this.#signal);
    switch (this.options.discovery) {
      case 'once':
        await this.#runOnce();
        return;
      case 'watch':
        await this.#runWatch();
        return;
      case 'notifications':
        await this.#runNotifications();
        return;
    }
  }

  // ---- discovery by listing ----

  /** One listing pass; returns the ms until an unstable object may be ready (Infinity: none waiting). */
  async #listPass(skip: (id: string) => boolean, mark: (id: string) => void): Promise<number> {
    let waitMs = Number.POSITIVE_INFINITY;
    const seenKeys = new Set<string>();
    const visit = async (objects: ObjectRef[]): Promise<void> => {
      for (const object of objects) {
        seenKeys.add(object.key);
        const id = objectId(object.bucket, object.key);
        if (skip(id)) continue;
        const remaining = this.#stability.remainingMs(object);
        if (remaining > 0) {
          waitMs = Math.min(waitMs, remaining);
          continue;
        }
        mark(id);
        await this.#dispatch(object);
      }
    };
    const pages = listPages(
      this.#client,
      {
        bucket: this.options.bucket,
        prefix: this.options.prefix,
        includeSubfolders: this.options.includeSubfolders,
        maxKeys: this.options.maxKeys,
      },
      this.#matches,
      this.#signal,
    );
    if (this.options.order === 'key-asc') {
      for await (const page of pages) await visit(page);
    } else {
      const all: ObjectRef[] = [];
      for await (const page of pages) all.push(...page);
      await visit(sortObjects(all, this.options.order));
    }
    this.#stability.retain(seenKeys);
    return waitMs;
  }

  async #runOnce(): Promise<void> {
    const dispatched = new Set<string>();
    for (;;) {
      const waitMs = await this.#listPass(
        (id) => dispatched.has(id),
        (id) => dispatched.add(id),
      );
      if (waitMs === Number.POSITIVE_INFINITY) break;
      await sleep(waitMs, this.#signal);
    }
    await this.#drain();
  }

  /** Waits for the reads running and the after-read actions already due, then for the checkpoint. */
  async #drain(): Promise<void> {
    while (this.#reads.size > 0) await Promise.allSettled([...this.#reads]);
    while (this.#settling.size > 0) await Promise.allSettled([...this.#settling]);
    await this.#checkpoint.flush();
  }

  #nextPollDelay(): number {
    if (this.options.cron) {
      const next = CronExpressionParser.parse(this.options.cron, {
        tz: 'UTC',
        currentDate: new Date(),
      }).next();
      return Math.max(0, next.getTime() - Date.now());
    }
    return this.options.pollIntervalMs;
  }

  async #runWatch(): Promise<void> {
    let failures = 0;
    for (;;) {
      let waitMs: number;
      try {
        const unstableMs = await this.#listPass(
          (id) => this.#inProgress.has(id),
          () => {},
        );
        failures = 0;
        waitMs = Math.min(this.#nextPollDelay(), unstableMs);
      } catch (error) {
        if (this.#signal.aborted) return;
        if (!isRetryableAwsError(error)) throw error;
        failures += 1;
        waitMs = backoffDelay(failures, 1000, 60_000);
        this.#logger.warn('s3.source.list.failed', {
          bucket: this.options.bucket,
          attempt: failures,
          code: (error as TributaryError).code,
          retryInMs: waitMs,
        });
      }
      await sleep(waitMs, this.#signal);
    }
  }

  // ---- notification mode ----

  async #runNotifications(): Promise<void> {
    const settings = this.options.notifications;
    if (!settings) return;
    const sqs = this.aws.client(SQSClient);
    let failures = 0;
    while (!this.#signal.aborted) {
      await this.#slots.acquire(this.#signal);
      this.#slots.release();
      let messages: SqsMessage[];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: settings.queueUrl,
            MaxNumberOfMessages: settings.maxMessages,
            WaitTimeSeconds: settings.waitTimeSeconds,
            VisibilityTimeout: settings.visibilityTimeoutSeconds,
          }),
          { abortSignal: this.#signal },
        );
        messages = response.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (this.#signal.aborted) return;
        const wrapped = wrapAwsError(error, 'ReceiveMessage', settings.queueUrl);
        if (!wrapped.retryable) throw wrapped;
        failures += 1;
        const waitMs = backoffDelay(failures, 1000, 60_000);
        this.#logger.warn('s3.source.receive.failed', {
          queueUrl: settings.queueUrl,
          attempt: failures,
          retryInMs: waitMs,
        });
        await sleep(waitMs, this.#signal);
        continue;
      }
      for (const message of messages) await this.#handleNotification(sqs, message);
      // An empty short poll returns at once: pause so an idle queue is not polled in a tight loop.
      if (messages.length === 0) await sleep(settings.waitTimeSeconds === 0 ? 1000 : 1, this.#signal);
    }
  }

  async #handleNotification(sqs: SQSClient, message: SqsMessage): Promise<void> {
    const settings = this.options.notifications;
    const handle = message.ReceiptHandle;
    if (!settings || !handle) return;
    const queueUrl = settings.queueUrl;
    const remove = async (): Promise<void> => {
      try {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
      } catch (error) {
        this.#logger.warn('s3.source.notification.deleteFailed', {
          queueUrl,
          messageId: message.MessageId,
          code: wrapAwsError(error, 'DeleteMessage', queueUrl).details.awsErrorCode,
        });
      }
    };
    const parsed = parseS3Notification(message.Body ?? '');
    if (parsed.kind === 'test') {
      this.#logger.debug('s3.source.notification.testEvent', { queueUrl, messageId: message.MessageId });
      await remove();
      return;
    }
    if (parsed.kind === 'unknown') {
      this.#logger.warn('s3.source.notification.unrecognized', {
        queueUrl,
        messageId: message.MessageId,
        reason: parsed.reason,
      });
      return;
    }
    const visibility = settings.visibilityTimeoutSeconds;
    const heartbeat = setInterval(
      () => {
        sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: handle,
              VisibilityTimeout: visibility,
            }),
          )
          .catch((error: unknown) => {
            this.#logger.warn('s3.source.notification.extendFailed', {
              queueUrl,
              messageId: message.MessageId,
              code: wrapAwsError(error, 'ChangeMessageVisibility', queueUrl).details.awsErrorCode,
            });
          });
      },
      Math.max(500, (visibility * 1000) / 2),
    );
    heartbeat.unref();
    this.#heartbeats.add(heartbeat);
    const notice = new AckTracker(async (outcome) => {
      clearInterval(heartbeat);
      this.#heartbeats.delete(heartbeat);
      if (outcome.ok) {
        await remove();
        return;
      }
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        );
      } catch {
        // The notification comes back once its visibility timeout ends anyway.
      }
    });
    for (const event of parsed.events) {
      if (!event.created || event.bucket !== this.options.bucket) continue;
      const key = this.#matches(event.key)
        ? event.key
        : event.alternativeKey !== undefined && this.#matches(event.alternativeKey)
          ? event.alternativeKey
          : undefined;
      if (key === undefined) continue;
      notice.add();
      const alternative = key === event.key ? event.alternativeKey : undefined;
      try {
        await this.#dispatch(
          { bucket: event.bucket, key, size: event.size, eTag: event.eTag },
          { done: () => void notice.decide(true), failed: (reason) => void notice.decide(false, reason) },
          alternative,
        );
      } catch (error) {
        notice.decide(false, error);
        throw error;
      }
    }
    await notice.seal();
  }

  // ---- reading objects ----

  async #shouldRead(id: string, eTag: string | undefined): Promise<boolean> {
    const recorded = await this.#checkpoint.get(id);
    if (recorded === undefined) return true;
    if (this.options.reprocess === 'never') return false;
    return eTag === undefined || recorded !== eTag;
  }

  async #dispatch(object: ObjectRef, hooks?: ObjectHooks, alternativeKey?: string): Promise<void> {
    const id = objectId(object.bucket, object.key);
    if (this.#inProgress.has(id) || !(await this.#shouldRead(id, object.eTag))) {
      hooks?.done();
      return;
    }
    await this.#slots.acquire(this.#signal);
    this.#inProgress.add(id);
    const read = this.#read(object, hooks, alternativeKey)
      .catch((error: unknown) => {
        this.#logger.error('s3.source.read.unexpected', {
          bucket: object.bucket,
          key: object.key,
          code: errorName(error),
        });
      })
      .finally(() => {
        this.#slots.release();
        this.#reads.delete(read);
      });
    this.#reads.add(read);
  }

  async #get(bucket: string, key: string): Promise<GetObjectCommandOutput> {
    return this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: this.#signal,
    });
  }

  async #read(object: ObjectRef, hooks: ObjectHooks | undefined, alternativeKey?: string): Promise<void> {
    const id = objectId(object.bucket, object.key);
    let key = object.key;
    let response: GetObjectCommandOutput;
    try {
      try {
        response = await this.#get(object.bucket, key);
      } catch (error) {
        if (!isNotFound(error) || alternativeKey === undefined) throw error;
        key = alternativeKey;
        response = await this.#get(object.bucket, key);
      }
    } catch (error) {
      this.#inProgress.delete(id);
      if (this.#signal.aborted) return;
      if (isNotFound(error)) {
        this.#logger.debug('s3.source.object.gone', { bucket: object.bucket, key });
        hooks?.done();
        return;
      }
      const wrapped = wrapAwsError(error, 'GetObject', `s3://${object.bucket}/${key}`);
      this.#logger.warn('s3.source.object.readFailed', {
        bucket: object.bucket,
        key,
        code: wrapped.code,
        awsErrorCode: wrapped.details.awsErrorCode,
      });
      hooks?.failed(wrapped);
      return;
    }
    const meta: S3ObjectMeta = Object.freeze({
      bucket: object.bucket,
      key,
      size: response.ContentLength ?? object.size ?? 0,
      eTag: bareETag(response.ETag) ?? object.eTag ?? '',
      lastModified: response.LastModified ?? object.lastModified,
      storageClass: response.StorageClass ?? object.storageClass ?? 'STANDARD',
      versionId: response.VersionId,
      contentType: response.ContentType,
      contentEncoding: response.ContentEncoding,
      metadata: Object.freeze({ ...(response.Metadata ?? {}) }),
    });
    const tracker = new AckTracker((outcome) => {
      const settling = this.#settle(id, meta, outcome, hooks);
      this.#settling.add(settling);
      return settling.finally(() => this.#settling.delete(settling));
    });
    const body = response.Body as Readable | undefined;
    if (!body) {
      await tracker.seal();
      return;
    }
    const onAbort = (): void => {
      body.destroy();
    };
    this.#signal.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = decode(body, detectCodec(this.options.compression, key, response.ContentEncoding));
      await this.#emitRecords(stream, meta, tracker);
      await tracker.seal();
    } catch (error) {
      body.destroy();
      if (this.#signal.aborted) return;
      const reason =
        error instanceof TributaryError
          ? error
          : new TributaryError(
              'SOURCE_FAILED',
              `Reading s3://${meta.bucket}/${key} failed (${errorName(error)})`,
              {
                cause: sanitizedCause(error),
                details: { bucket: meta.bucket, key },
              },
            );
      this.#logger.warn('s3.source.object.readFailed', {
        bucket: meta.bucket,
        key,
        code: reason.code,
        emitted: tracker.added,
        reason: reason.message,
      });
      await tracker.seal({ reason });
    } finally {
      this.#signal.removeEventListener('abort', onAbort);
    }
  }

  #emit(body: unknown, meta: S3ObjectMeta, line: number, tracker: AckTracker, onDecided?: () => void): void {
    tracker.add();
    this.subscriber.next(new RecordMessage(body, meta, line, tracker, this.#credits, onDecided));
  }

  async #credit(): Promise<void> {
    if (!this.#credits.take()) await this.#credits.acquire(this.#signal);
  }

  async #emitRecords(stream: Readable, meta: S3ObjectMeta, tracker: AckTracker): Promise<void> {
    const base = `s3://${meta.bucket}/${meta.key}`;
    const options = this.options;
    switch (options.mode) {
      case 'object': {
        const data = await readAll(stream, options.maxObjectBytes);
        await this.#credit();
        this.#emit(data, meta, 0, tracker);
        return;
      }
      case 'stream': {
        await this.#credit();
        let decided: () => void = () => {};
        const decision = new Promise<void>((resolve) => {
          decided = resolve;
        });
        this.#emit(stream, meta, 0, tracker, decided);
        await tracker.seal();
        await Promise.race([decision, finished(stream).catch(() => {})]);
        return;
      }
      case 'lines':
      case 'ndjson': {
        const ndjson = options.mode === 'ndjson';
        const skipEmpty = ndjson || options.skipEmptyLines;
        let line = 0;
        for await (const batch of lineBatches(stream, options.maxRecordBytes)) {
          for (const text of batch) {
            line += 1;
            if (skipEmpty && (text === '' || (ndjson && text.trim() === ''))) continue;
            let body: unknown = text;
            if (ndjson) {
              try {
                body = JSON.parse(text);
              } catch (cause) {
                throw new TributaryError('SOURCE_FAILED', `${base} line ${line} is not valid JSON`, {
                  cause,
                  details: { bucket: meta.bucket, key: meta.key, line, reason: 'INVALID_RECORD' },
                  hint: "fix the object, or read it in 'lines' mode and parse it yourself",
                });
              }
            }
            if (!this.#credits.take()) await this.#credits.acquire(this.#signal);
            this.#emit(body, meta, line, tracker);
          }
        }
        return;
      }
      case 'csv': {
        const csv = options.csv;
        const parser = parseCsv({
          delimiter: csv.delimiter,
          quote: csv.quote,
          columns: csv.columns === false ? false : csv.columns,
          skip_empty_lines: csv.skipEmptyLines,
          relax_column_count: csv.relaxColumnCount,
          max_record_size: options.maxRecordBytes,
          bom: true,
          info: true,
        });
        pipeline(stream, parser, () => {});
        for await (const item of parser as AsyncIterable<{ record: unknown; info: { lines: number } }>) {
          const record = item.record;
          const body = Array.isArray(record)
            ? Object.fromEntries(record.map((value, index) => [String(index), String(value)]))
            : (record as Record<string, string>);
          const line = item.info.lines;
          await this.#credit();
          this.#emit(body, meta, line, tracker);
        }
        return;
      }
    }
  }

  // ---- after read ----

  async #settle(
    id: string,
    meta: S3ObjectMeta,
    outcome: Outcome,
    hooks: ObjectHooks | undefined,
  ): Promise<void> {
    const { afterRead, afterError, prefix } = this.options;
    const client = this.#client;
    const at = { bucket: meta.bucket, key: meta.key };
    try {
      if (outcome.ok) {
        switch (afterRead.action) {
          case 'none':
            break;
          case 'delete':
            await deleteObject(client, at);
            break;
          case 'move':
            await moveObject(
              client,
              at,
              { bucket: afterRead.bucket ?? meta.bucket, key: movedKey(meta.key, prefix, afterRead.prefix) },
              meta.size,
            );
            break;
          case 'tag':
            await tagObject(client, at, afterRead.tags);
            break;
        }
        if (afterRead.action === 'delete' || afterRead.action === 'move') await this.#checkpoint.delete(id);
        else await this.#checkpoint.put(id, meta.eTag);
        this.#logger.debug('s3.source.object.done', {
          bucket: meta.bucket,
          key: meta.key,
          action: afterRead.action,
        });
        hooks?.done();
        return;
      }
      const reason = outcome.reason;
      this.#logger.warn('s3.source.object.failed', {
        bucket: meta.bucket,
        key: meta.key,
        action: afterError.action,
        code: reason instanceof TributaryError ? reason.code : undefined,
        reason: reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined,
      });
      if (afterError.action === 'move') {
        await moveObject(
          client,
          at,
          { bucket: afterError.bucket ?? meta.bucket, key: movedKey(meta.key, prefix, afterError.prefix) },
          meta.size,
        );
        await this.#checkpoint.delete(id);
        hooks?.done();
      } else {
        hooks?.failed(reason);
      }
    } catch (error) {
      this.#logger.error('s3.source.afterRead.failed', {
        bucket: meta.bucket,
        key: meta.key,
        code: error instanceof TributaryError ? error.code : undefined,
        awsErrorCode: error instanceof TributaryError ? error.details.awsErrorCode : undefined,
      });
      if (outcome.ok) {
        await this.#checkpoint.put(id, meta.eTag).catch(() => {});
        hooks?.done();
      } else {
        hooks?.failed(error);
      }
    } finally {
      this.#inProgress.delete(id);
    }
  }
}

/**
 * Reads S3 objects as a cold Observable of messages: lists a bucket once (`discovery: 'once'`, then completes),
 * polls it (`'watch'`), or follows S3 event notifications from an SQS queue (`'notifications'`, for a fleet of
 * readers). Each object is read in `object`, `stream`, `lines` (default), `ndjson` or `csv` mode, gzip/zstd/brotli
 * decompressed by Content-Encoding or extension. An object is done when every message read from it is acked;
 * then `afterRead` runs (`none`, `delete`, `move`, `tag`) and the checkpoint records it. At most `maxInFlight`
 * messages are unacked at once: reading pauses until acks free room.
 * @example
 * ```ts
 * s3Source(aws, { bucket: 'landing', prefix: 'orders/', mode: 'ndjson', afterRead: { action: 'move', prefix: 'done/' } })
 *   .pipe(mergeMap(async (m) => { await handle(m.body); await m.ack(); }, 16))
 *   .subscribe();
 * ```
 * @throws {@link ConfigError} synchronously when options are invalid.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export function s3Source<const O extends S3SourceOptions>(
  aws: S3Aws,
  options: O,
): Observable<S3Message<S3SourceBody<O['mode']>>> {
  const { checkpointStore, keyFilter, ...json } = options;
  const parsed = parseOptions(s3SourceOptions, json, { what: 's3Source options' });
  return new Observable<Message<unknown, S3ObjectMeta>>((subscriber) => {
    const run = new SourceRun(aws, parsed, { checkpointStore, keyFilter }, subscriber);
    run.start();
    return () => run.stop();
  }) as Observable<S3Message<S3SourceBody<O['mode']>>>;
}
