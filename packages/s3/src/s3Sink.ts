// biome-ignore-all lint/suspicious/noTemplateCurlyInString: S3 key templates are literal text here
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  HeadObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type Logger, parseOptions, TributaryError } from '@tributary/connection';
import {
  abortedError,
  compileTemplate,
  Fifo,
  type OutgoingMessage,
  type Receipt,
  type Sink,
  type SinkStats,
  SinkWriteError,
  type Template,
  type WriteOptions,
  writerClosedError,
} from '@tributary/stream';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { S3Aws } from './internal/aws.js';
import { bareETag } from './internal/discovery.js';
import { isNotFound, wrapAwsError } from './internal/errors.js';
import { type ParsedS3SinkOptions, type S3SinkOptions, s3SinkOptions } from './options.js';

const gzip = promisify(zlib.gzip);

const CONTENT_TYPES: Readonly<Record<ParsedS3SinkOptions['format'], string | undefined>> = {
  raw: undefined,
  lines: 'text/plain; charset=utf-8',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

/**
 * Bytes an object's stream takes before a write waits for it to drain: small next to a part (at least 5 MiB),
 * large enough that most small records are appended without waiting.
 */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

interface Waiter {
  resolve(receipt: Receipt): void;
  reject(error: unknown): void;
  messageId: string | undefined;
}

/** A write waiting for its turn to be appended. */
interface QueuedWrite<T> {
  readonly message: OutgoingMessage<T>;
  readonly partition: string;
  readonly waiter: Waiter;
  readonly signal: AbortSignal | undefined;
}

/** An object being written: records go into `head`, which feeds the multipart upload. */
interface OpenObject {
  readonly partition: string;
  readonly key: string;
  readonly seq: number;
  readonly head: Writable;
  readonly upload: Upload;
  /** Writes with their own receipt (a message id to echo, or written while others waited). */
  readonly waiters: Waiter[];
  /**
   * Writes without a message id, appended at once, share one receipt: one promise for the object rather than a
   * promise, two functions and a waiter per record held until the object completes.
   */
  shared: PromiseWithResolvers<Receipt> | undefined;
  sharedRecords: number;
  /** Settles (never rejects) when the object is complete or failed and every waiter has its outcome. */
  readonly finished: Promise<void>;
  records: number;
  bytes: number;
  closing: boolean;
  failure: unknown;
  csvColumns: string[] | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** An {@link s3Sink}: a {@link Sink} whose receipts resolve when the object holding the entry is complete. */
export interface S3Sink<T = unknown> extends Sink<T> {
  /** Objects open (being written) right now. */
  openObjects(): number;
  /**
   * Resolves when the next write is appended at once: no object being opened and no full object stream ahead
   * of it (as a Node stream's `'drain'`), or while fewer than `maxBufferedRecords` (default 0) writes queue
   * behind one. A receipt only resolves once its object is complete, so a producer writing faster than S3
   * takes the bytes awaits this between writes to keep memory bounded.
   */
  whenWritable(): Promise<void>;
}

function waitWritable(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('object stream closed'));
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

/** `text` and a newline as one buffer, without building the joined string first. */
function lineBuffer(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const buffer = Buffer.allocUnsafe(length + 1);
  buffer.write(text, 0, length, 'utf8');
  buffer[length] = 10;
  return buffer;
}

function versionedKey(key: string, version: number): string {
  const slash = key.lastIndexOf('/');
  const dot = key.indexOf('.', slash + 1);
  if (dot <= slash + 1) return `${key}-${version}`;
  return `${key.slice(0, dot)}-${version}${key.slice(dot)}`;
}

class S3SinkImpl<T> implements S3Sink<T> {
  readonly name: string;
  /** Receipts wait for their whole object: `writeTo` keeps every write pending (the source's credits bound it). */
  readonly writeConcurrency = Number.POSITIVE_INFINITY;
  readonly #options: ParsedS3SinkOptions;
  readonly #aws: S3Aws;
  readonly #logger: Logger;
  readonly #key: Template;
  readonly #partition: Template | undefined;
  readonly #open = new Map<string, OpenObject>();
  readonly #pending = new Set<Promise<void>>();
  /** Writes waiting to be appended (behind an object opening or a full stream) and flushes, in call order. */
  readonly #queue = new Fifo<QueuedWrite<T> | { readonly flush: () => void }>();
  /** An append or flush is waiting: later writes queue behind it. */
  #busy = false;
  #seq = 0;
  #closed: Promise<void> | undefined;
  #writable: (() => void)[] = [];
  #client: S3Client | undefined;
  readonly #stats: SinkStats = {
    written: 0,
    retried: 0,
    rejected: 0,
    batches: 0,
    bytes: 0,
    inFlight: 0,
    buffered: 0,
  };

  constructor(aws: S3Aws, options: ParsedS3SinkOptions) {
    this.#aws = aws;
    this.#logger = aws.logger;
    this.#options = options;
    this.name = options.name ?? `s3:${options.bucket}`;
    this.#key = compileTemplate(options.key);
    this.#partition = options.partitionBy === undefined ? undefined : compileTemplate(options.partitionBy);
  }

  get #s3(): S3Client {
    this.#client ??= this.#aws.client(S3Client);
    return this.#client;
  }

  openObjects(): number {
    return this.#open.size;
  }

  whenWritable(): Promise<void> {
    if (this.#writableNow()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#writable.push(resolve));
  }

  #writableNow(): boolean {
    return !this.#busy || this.#stats.buffered < this.#options.maxBufferedRecords;
  }

  #released(): void {
    this.#stats.buffered -= 1;
    this.#wakeWritable();
  }

  #wakeWritable(): void {
    if (this.#writable.length > 0 && this.#writableNow()) {
      for (const resolve of this.#writable.splice(0)) resolve();
    }
  }

  stats(): SinkStats {
    return { ...this.#stats };
  }

  #reject(message: string, reason: string, cause?: unknown, hint?: string): SinkWriteError {
    this.#stats.rejected += 1;
    const awsErrorCode =
      cause instanceof TributaryError && typeof cause.details.awsErrorCode === 'string'
        ? cause.details.awsErrorCode
        : undefined;
    return new SinkWriteError(`Sink "${this.name}": ${message}`, {
      sink: this.name,
      attempts: reason === 'PREPARE_FAILED' ? 0 : 1,
      reason,
      awsErrorCode,
      cause,
      hint,
    });
  }

  /** The error of a write whose message could not be turned into a record or a key. */
  #prepareFailed(error: unknown): SinkWriteError {
    return this.#reject(`message cannot be written: ${(error as Error).message}`, 'PREPARE_FAILED', error);
  }

  /** Whether `bytes` more keep `object` within `maxBytes` (an empty object takes any record). */
  #fits(object: OpenObject, bytes: number): boolean {
    return object.records === 0 || object.bytes + bytes <= this.#options.maxBytes;
  }

  #encode(body: unknown, object?: OpenObject): Buffer {
    switch (this.#options.format) {
      case 'raw':
        if (typeof body === 'string') return Buffer.from(body);
        if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        return Buffer.from(JSON.stringify(body));
      case 'lines': {
        if (typeof body === 'string') return lineBuffer(body);
        if (body instanceof Uint8Array) return Buffer.concat([body, Buffer.from('\n')]);
        if (typeof body === 'number' || typeof body === 'boolean' || typeof body === 'bigint')
          return Buffer.from(`${body}\n`);
        throw new TypeError(`'lines' format needs a string, bytes or a number body, got ${typeof body}`);
      }
      case 'ndjson': {
        const text = JSON.stringify(body);
        if (text === undefined) throw new TypeError(`a ${typeof body} body has no JSON form`);
        return lineBuffer(text);
      }
      case 'csv': {
        if (typeof body !== 'object' || body === null) {
          throw new TypeError(
            `'csv' format needs an object or array body, got ${body === null ? 'null' : typeof body}`,
          );
        }
        const columns =
          object?.csvColumns ??
          this.#options.csv.columns ??
          (Array.isArray(body) ? undefined : Object.keys(body));
        return Buffer.from(
          stringifyCsv([body as Record<string, unknown>], {
            columns,
            header: false,
            delimiter: this.#options.csv.delimiter,
          }),
        );
      }
    }
  }

  write(message: OutgoingMessage<T>, options: WriteOptions = {}): Promise<Receipt> {
    if (this.#closed) {
      this.#stats.rejected += 1;
      return Promise.reject(writerClosedError(this.name));
    }
    if (this.#options.format === 'raw') return this.#writeRaw(message);
    let partition = '';
    try {
      if (this.#partition) partition = this.#partition(message as OutgoingMessage<unknown>);
    } catch (error) {
      return Promise.reject(this.#prepareFailed(error));
    }
    if (options.signal?.aborted) {
      return Promise.reject(
        abortedError(this.name, 'write aborted before it was accepted', options.signal.reason),
      );
    }
    // Nothing ahead of it: appended now (most writes), without a promise chain of its own.
    const now = !this.#busy && this.#queue.size === 0;
    if (now && message.id === undefined) {
      const shared = this.#appendShared(message, partition);
      if (shared !== undefined) return shared;
    }
    return new Promise<Receipt>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, messageId: message.id };
      if (now) {
        this.#await(this.#appendNow(message, partition, waiter), waiter);
        return;
      }
      this.#stats.buffered += 1;
      this.#queue.push({ message, partition, waiter, signal: options.signal });
    });
  }

  /**
   * Appends a write without a message id to its partition's open object right away and returns the object's
   * shared receipt; undefined (nothing done) when the write needs a new object.
   */
  #appendShared(message: OutgoingMessage<T>, partition: string): Promise<Receipt> | undefined {
    const object = this.#open.get(partition);
    if (object === undefined || object.closing) return undefined;
    let data: Buffer;
    try {
      data = this.#encode(message.body, object);
    } catch (error) {
      return Promise.reject(this.#prepareFailed(error));
    }
    if (!this.#fits(object, data.length)) return undefined;
    object.shared ??= Promise.withResolvers<Receipt>();
    const receipt = object.shared.promise;
    this.#touch(partition, object);
    this.#await(this.#put(object, data, undefined));
    return receipt;
  }

  /** Appends queued writes in order until one has to wait (an object opening, a full stream) or none is left. */
  #drain(): void {
    while (!this.#busy) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      if ('flush' in next) {
        this.#await(this.#flushNow().then(next.flush));
        continue;
      }
      this.#released();
      if (next.signal?.aborted) {
        next.waiter.reject(
          abortedError(this.name, 'write aborted before it was accepted', next.signal.reason),
        );
        continue;
      }
      this.#await(this.#appendNow(next.message, next.partition, next.waiter), next.waiter);
    }
  }

  /** Holds every later write back until `wait` settles; a failure rejects `waiter`'s write. */
  #await(wait: Promise<void> | undefined, waiter?: Waiter): void {
    if (wait === undefined) return;
    this.#busy = true;
    wait
      .catch((error: unknown) => waiter?.reject(this.#writeFailed(error)))
      .finally(() => {
        this.#busy = false;
        this.#drain();
        this.#wakeWritable();
      });
  }

  #writeFailed(error: unknown): unknown {
    return error instanceof SinkWriteError || (error instanceof TributaryError && error.code === 'ABORTED')
      ? error
      : this.#reject(
          `message not written: ${(error as Error)?.message ?? String(error)}`,
          'WRITE_FAILED',
          error,
        );
  }

  /** {@link #append}, with a synchronous failure rejecting the write. */
  #appendNow(message: OutgoingMessage<T>, partition: string, waiter: Waiter): Promise<void> | undefined {
    try {
      return this.#append(message, partition, waiter);
    } catch (error) {
      waiter.reject(this.#writeFailed(error));
      return undefined;
    }
  }

  /**
   * Appends one record to its partition's object. Synchronous unless it has to open an object or wait for the
   * object's stream to drain: then the returned promise says when the next write may go.
   */
  #append(message: OutgoingMessage<T>, partition: string, waiter: Waiter): Promise<void> | undefined {
    let object = this.#open.get(partition);
    let data: Buffer;
    try {
      data = this.#encode(message.body, object);
    } catch (error) {
      throw this.#prepareFailed(error);
    }
    if (object && !this.#fits(object, data.length)) {
      this.#complete(object);
      object = undefined;
    }
    if (object === undefined) {
      return this.#openObject(partition, message).then((opened) => this.#put(opened, data, waiter));
    }
    this.#touch(partition, object);
    return this.#put(object, data, waiter);
  }

  /** Least recently written last: the oldest open object is the first to complete when too many are open. */
  #touch(partition: string, object: OpenObject): void {
    if (this.#open.size < 2) return;
    this.#open.delete(partition);
    this.#open.set(partition, object);
  }

  /** Adds a record to an object: `waiter` gets its receipt, or (undefined) the record shares the object's. */
  #put(object: OpenObject, data: Buffer, waiter: Waiter | undefined): Promise<void> | undefined {
    if (waiter === undefined) object.sharedRecords += 1;
    else object.waiters.push(waiter);
    object.records += 1;
    object.bytes += data.length;
    this.#stats.inFlight += 1;
    this.#stats.bytes += data.length;
    const full =
      object.bytes >= this.#options.maxBytes ||
      (this.#options.maxRecords !== undefined && object.records >= this.#options.maxRecords);
    const accepted = object.head.write(data);
    if (full) this.#complete(object);
    if (accepted || full) return undefined;
    return waitWritable(object.head).catch(() => {
      // The object failed or ended; its upload settles every waiter.
    });
  }

  async #resolveKey(key: string): Promise<string> {
    const ifExists = this.#options.ifExists;
    if (ifExists === 'overwrite') return key;
    const exists = async (candidate: string): Promise<boolean> => {
      try {
        await this.#s3.send(new HeadObjectCommand({ Bucket: this.#options.bucket, Key: candidate }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw wrapAwsError(error, 'HeadObject', `s3://${this.#options.bucket}/${candidate}`);
      }
    };
    if (!(await exists(key))) return key;
    if (ifExists === 'fail') {
      throw this.#reject(
        `object s3://${this.#options.bucket}/${key} exists and ifExists is 'fail'`,
        'OBJECT_EXISTS',
        undefined,
        "use a key template with ${uuid} or ${seq}, or ifExists 'version'",
      );
    }
    for (let version = 1; version <= 10_000; version += 1) {
      const candidate = versionedKey(key, version);
      if (!(await exists(candidate))) return candidate;
    }
    throw this.#reject(`no free version of s3://${this.#options.bucket}/${key} up to 10000`, 'OBJECT_EXISTS');
  }

  #params(key: string): PutObjectCommandInput {
    const o = this.#options;
    const params: PutObjectCommandInput = {
      Bucket: o.bucket,
      Key: key,
      ContentType: o.contentType ?? CONTENT_TYPES[o.format],
      ContentEncoding: o.contentEncoding,
      ServerSideEncryption: o.serverSideEncryption,
      SSEKMSKeyId: o.kmsKeyId,
      StorageClass: o.storageClass,
      Metadata: o.metadata,
    };
    if (o.tags && Object.keys(o.tags).length > 0) params.Tagging = new URLSearchParams(o.tags).toString();
    if (o.ifExists !== 'overwrite') params.IfNoneMatch = '*';
    return params;
  }

  async #openObject(partition: string, first: OutgoingMessage<T>): Promise<OpenObject> {
    while (this.#open.size >= this.#options.maxOpenObjects) {
      const oldest = this.#open.values().next().value;
      if (!oldest) break;
      this.#complete(oldest);
    }
    const seq = this.#seq;
    let key: string;
    try {
      key = this.#key(first as OutgoingMessage<unknown>, { seq, now: new Date() });
    } catch (error) {
      throw this.#reject(`key template failed: ${(error as Error).message}`, 'PREPARE_FAILED', error);
    }
    key = await this.#resolveKey(key);
    this.#seq += 1;
    // Records come out one by one as written: a byte-mode readable would concatenate what it holds on every read,
    // a copy lib-storage makes anyway when it assembles a part.
    const passThrough = new PassThrough({
      writableHighWaterMark: STREAM_HIGH_WATER_MARK,
      readableObjectMode: true,
    });
    const head: Writable =
      this.#options.compression === 'gzip'
        ? // zlib hands Transform options on; its types leave highWaterMark out.
          zlib.createGzip({ highWaterMark: STREAM_HIGH_WATER_MARK } as zlib.ZlibOptions)
        : passThrough;
    const body: Readable = this.#options.compression === 'gzip' ? (head as zlib.Gzip) : passThrough;
    const upload = new Upload({
      client: this.#s3,
      params: { ...this.#params(key), Body: body },
      partSize: this.#options.partSize,
      queueSize: this.#options.queueSize,
      leavePartsOnError: false,
    });
    const waiters: Waiter[] = [];
    const object: OpenObject = {
      partition,
      key,
      seq,
      head,
      upload,
      waiters,
      shared: undefined,
      sharedRecords: 0,
      finished: Promise.resolve(),
      records: 0,
      bytes: 0,
      closing: false,
      failure: undefined,
      csvColumns: undefined,
      timer: undefined,
    };
    if (this.#options.format === 'csv') {
      const columns =
        this.#options.csv.columns ??
        (typeof first.body === 'object' && first.body !== null && !Array.isArray(first.body)
          ? Object.keys(first.body)
          : undefined);
      object.csvColumns = columns;
      if (this.#options.csv.header && columns) {
        const header = Buffer.from(stringifyCsv([columns], { delimiter: this.#options.csv.delimiter }));
        head.write(header);
      }
    }
    const finished = upload.done().then(
      (result) => this.#succeeded(object, bareETag(result.ETag), result.VersionId),
      (error: unknown) => this.#failed(object, error),
    );
    (object as { finished: Promise<void> }).finished = finished;
    this.#pending.add(finished);
    finished.finally(() => this.#pending.delete(finished));
    object.timer = setTimeout(() => this.#complete(object), this.#options.maxAgeMs);
    object.timer.unref();
    this.#open.set(partition, object);
    this.#logger.debug('s3.sink.object.opened', { bucket: this.#options.bucket, key, seq });
    return object;
  }

  /** Ends an object's stream: the upload completes once its last part is sent. */
  #complete(object: OpenObject): void {
    if (object.closing) return;
    object.closing = true;
    if (object.timer) clearTimeout(object.timer);
    if (this.#open.get(object.partition) === object) this.#open.delete(object.partition);
    object.head.end();
  }

  #succeeded(object: OpenObject, eTag: string | undefined, versionId: string | undefined): void {
    if (object.timer) clearTimeout(object.timer);
    if (this.#open.get(object.partition) === object) this.#open.delete(object.partition);
    const details: Record<string, string> = {
      bucket: this.#options.bucket,
      key: object.key,
      records: String(object.records),
      seq: String(object.seq),
    };
    if (eTag) details.eTag = eTag;
    if (versionId) details.versionId = versionId;
    this.#stats.batches += 1;
    const records = object.waiters.length + object.sharedRecords;
    this.#stats.written += records;
    this.#stats.inFlight -= records;
    this.#logger.debug('s3.sink.object.completed', {
      bucket: this.#options.bucket,
      key: object.key,
      records: object.records,
    });
    const receipt: Receipt = { sink: this.name, id: object.key, attempts: 1, details };
    object.shared?.resolve(receipt);
    for (const waiter of object.waiters.splice(0)) {
      waiter.resolve(waiter.messageId === undefined ? receipt : { ...receipt, messageId: waiter.messageId });
    }
  }

  async #failed(object: OpenObject, error: unknown): Promise<void> {
    object.failure = error;
    object.closing = true;
    if (object.timer) clearTimeout(object.timer);
    if (this.#open.get(object.partition) === object) this.#open.delete(object.partition);
    object.head.destroy();
    const uploadId = (object.upload as unknown as { uploadId?: string }).uploadId;
    if (uploadId) {
      try {
        await this.#s3.send(
          new AbortMultipartUploadCommand({
            Bucket: this.#options.bucket,
            Key: object.key,
            UploadId: uploadId,
          }),
        );
      } catch (abortError) {
        if (!isNotFound(abortError)) {
          this.#logger.error('s3.sink.abortMultipartUpload.failed', {
            bucket: this.#options.bucket,
            key: object.key,
            uploadId,
            code: wrapAwsError(abortError, 'AbortMultipartUpload', object.key).details.awsErrorCode,
          });
        }
      }
    }
    const wrapped = wrapAwsError(error, 'Upload', `s3://${this.#options.bucket}/${object.key}`);
    this.#logger.warn('s3.sink.object.failed', {
      bucket: this.#options.bucket,
      key: object.key,
      records: object.records,
      awsErrorCode: wrapped.details.awsErrorCode,
    });
    this.#stats.inFlight -= object.waiters.length + object.sharedRecords;
    const failed = (): SinkWriteError =>
      this.#reject(
        `object s3://${this.#options.bucket}/${object.key} failed: ${wrapped.message}`,
        'OBJECT_FAILED',
        wrapped,
      );
    if (object.shared) {
      // One error for the writes that share the object's receipt; each counts as rejected.
      object.shared.reject(failed());
      this.#stats.rejected += object.sharedRecords - 1;
    }
    for (const waiter of object.waiters.splice(0)) waiter.reject(failed());
  }

  async #writeRaw(message: OutgoingMessage<T>): Promise<Receipt> {
    let data: Buffer;
    let key: string;
    const seq = this.#seq;
    this.#seq += 1;
    try {
      data = this.#encode(message.body);
      key = this.#key(message as OutgoingMessage<unknown>, { seq, now: new Date() });
    } catch (error) {
      throw this.#prepareFailed(error);
    }
    this.#stats.inFlight += 1;
    const run = (async (): Promise<Receipt> => {
      try {
        key = await this.#resolveKey(key);
        const bodyData = this.#options.compression === 'gzip' ? await gzip(data) : data;
        const upload = new Upload({
          client: this.#s3,
          params: { ...this.#params(key), Body: bodyData },
          partSize: this.#options.partSize,
          queueSize: this.#options.queueSize,
        });
        const result = await upload.done();
        this.#stats.written += 1;
        this.#stats.batches += 1;
        this.#stats.bytes += data.length;
        const details: Record<string, string> = {
          bucket: this.#options.bucket,
          key,
          records: '1',
          seq: String(seq),
        };
        const eTag = bareETag(result.ETag);
        if (eTag) details.eTag = eTag;
        if (result.VersionId) details.versionId = result.VersionId;
        return {
          sink: this.name,
          id: key,
          attempts: 1,
          details,
          ...(message.id === undefined ? {} : { messageId: message.id }),
        };
      } catch (error) {
        if (error instanceof SinkWriteError) throw error;
        const wrapped = wrapAwsError(error, 'PutObject', `s3://${this.#options.bucket}/${key}`);
        throw this.#reject(
          `object s3://${this.#options.bucket}/${key} failed: ${wrapped.message}`,
          'OBJECT_FAILED',
          wrapped,
        );
      } finally {
        this.#stats.inFlight -= 1;
      }
    })();
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#pending.add(settled);
    settled.finally(() => this.#pending.delete(settled));
    return run;
  }

  flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push({ flush: resolve });
      this.#drain();
    });
  }

  /** Completes every open object and waits until every upload has settled. */
  async #flushNow(): Promise<void> {
    for (const object of [...this.#open.values()]) this.#complete(object);
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  close(): Promise<void> {
    this.#closed ??= this.flush();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Writes messages to S3 objects: `raw` (one object per message) or `lines`, `ndjson`, `csv` records
 * streamed into objects through multipart upload (`@aws-sdk/lib-storage`), optionally gzip-compressed, rolled
 * by `maxRecords`, `maxBytes` and `maxAgeMs`, one open object per `partitionBy` value. A receipt resolves when
 * the object holding its entry is complete, so `writeTo(s3Sink(...))` acks a source message only once its
 * object exists. A failed object aborts its multipart upload and rejects its writes with `SinkWriteError`.
 * @example
 * ```ts
 * const sink = s3Sink(aws, { bucket: 'lake', key: 'events/${date:yyyy/MM/dd}/${uuid}.ndjson.gz', compression: 'gzip', maxRecords: 10_000 });
 * source$.pipe(writeTo(sink, { concurrency: 10_000 })).subscribe();
 * ```
 * @throws {@link ConfigError} synchronously when options or templates are invalid.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
export function s3Sink<T = unknown>(aws: S3Aws, options: S3SinkOptions): S3Sink<T> {
  const parsed = parseOptions(s3SinkOptions, options, { what: 's3Sink options' });
  return new S3SinkImpl<T>(aws, parsed);
}
