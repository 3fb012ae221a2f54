// biome-ignore-all lint/suspicious/noTemplateCurlyInString: S3 key templates are literal text here
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { CheckpointStore } from './checkpoint.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const bucketName = z
  .string()
  .min(3)
  .max(63)
  .regex(
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    'must be a valid S3 bucket name (lowercase letters, digits, dots, hyphens)',
  );

const tagSet = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 10, 'at most 10 tags per object (S3 limit)');

const moveTarget = {
  bucket: bucketName.optional().describe('Destination bucket; default: the source bucket'),
  prefix: z
    .string()
    .default('')
    .describe("Destination prefix, replacing the source prefix of the key; default ''"),
};

/** What happens to an object once every message read from it was acked. */
export const afterReadAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('none') }),
  z.strictObject({ action: z.literal('delete') }),
  z.strictObject({ action: z.literal('move'), ...moveTarget }),
  z.strictObject({
    action: z.literal('tag'),
    tags: tagSet.describe('Tags merged into the object tag set (S3: at most 10 per object)'),
  }),
]);

/** What happens to an object when a message was nacked or reading it failed. */
export const afterErrorAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('none') }),
  z.strictObject({ action: z.literal('move'), ...moveTarget }),
]);

/** Where processed objects are recorded. */
export const checkpointOptions = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('memory') }),
  z.strictObject({
    type: z.literal('file'),
    path: z.string().min(1).describe('Path of the JSON checkpoint file'),
  }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: bucketName.optional().describe('Bucket of the checkpoint object; default: the source bucket'),
    key: z.string().min(1).describe('Key of the JSON checkpoint object'),
  }),
]);

/** Notification mode: S3 event notifications read from an SQS queue. */
export const notificationOptions = z.strictObject({
  queueUrl: z
    .string()
    .min(1)
    .describe('URL of the SQS queue S3 (or SNS, or EventBridge) sends notifications to'),
  waitTimeSeconds: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(20)
    .describe('Long-poll wait of ReceiveMessage in seconds, 0..20 (SQS limit); default 20'),
  visibilityTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(43_200)
    .default(60)
    .describe(
      'Visibility of a received notification, extended every half of it while its object is processed; 1..43200 (SQS limit); default 60',
    ),
  maxMessages: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(10)
    .describe('Notifications per ReceiveMessage, 1..10 (SQS limit); default 10'),
});

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function isValidCron(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/** Read modes of {@link s3Source}. */
export const S3_SOURCE_MODES = ['object', 'stream', 'lines', 'ndjson', 'csv'] as const;
export type S3SourceMode = (typeof S3_SOURCE_MODES)[number];

/** Options for {@link s3Source} that a JSON asset can carry too. */
export const s3SourceOptions = z
  .strictObject({
    bucket: bucketName.describe('Bucket to read'),
    prefix: z.string().default('').describe("Only keys starting with this prefix; default '' (whole bucket)"),
    includeSubfolders: z
      .boolean()
      .default(true)
      .describe("Also read keys below further '/' after the prefix; default true"),
    keyGlob: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Only keys matching this glob (picomatch; a glob without '/' matches the last key segment, e.g. '*.csv.gz')",
      ),
    keyRegex: z
      .string()
      .min(1)
      .refine(isValidRegex, 'must be a valid JavaScript regular expression')
      .optional()
      .describe(
        'Only keys matching this regular expression (JavaScript syntax, tested against the full key)',
      ),
    order: z
      .enum(['key-asc', 'key-desc', 'last-modified-asc', 'last-modified-desc'])
      .default('key-asc')
      .describe("Order objects are read in; default 'key-asc' (the order S3 lists in, read as pages arrive)"),
    stableTimeMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Read an object only once its size and ETag have not changed for this long, in ms; default 0',
      ),
    discovery: z
      .enum(['once', 'watch', 'notifications'])
      .default('once')
      .describe(
        "'once': list, read, complete; 'watch': poll by pollIntervalMs or cron; 'notifications': S3 events from SQS; default 'once'",
      ),
    pollIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(60_000)
      .describe("Time between listings in 'watch' discovery, in ms; default 60000"),
    cron: z
      .string()
      .refine(
        isValidCron,
        'must be a cron expression (5 or 6 fields, seconds first when 6), evaluated in UTC',
      )
      .optional()
      .describe("Cron expression (UTC) for listings in 'watch' discovery; replaces pollIntervalMs"),
    notifications: notificationOptions
      .optional()
      .describe("Queue of S3 event notifications for 'notifications' discovery"),
    concurrency: z.number().int().min(1).max(256).default(4).describe('Objects read at once; default 4'),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Unacked messages held before reading pauses (credit-based flow control); default 1000'),
    mode: z
      .enum(S3_SOURCE_MODES)
      .default('lines')
      .describe("'object' (whole body), 'stream' (a Readable), 'lines', 'ndjson', 'csv'; default 'lines'"),
    compression: z
      .enum(['auto', 'none', 'gzip', 'zstd', 'brotli'])
      .default('auto')
      .describe("'auto': by Content-Encoding, then by key extension (.gz, .zst, .br); default 'auto'"),
    maxObjectBytes: z
      .number()
      .int()
      .min(1)
      .default(64 * MiB)
      .describe("Largest (decompressed) body in 'object' mode, in bytes; default 67108864 (64 MiB)"),
    maxRecordBytes: z
      .number()
      .int()
      .min(1)
      .default(16 * MiB)
      .describe('Longest line or CSV record, in bytes; default 16777216 (16 MiB)'),
    skipEmptyLines: z
      .boolean()
      .default(false)
      .describe("'lines' mode: skip empty lines ('ndjson' always skips them); default false"),
    csv: z
      .strictObject({
        delimiter: z.string().min(1).default(',').describe("Field delimiter; default ','"),
        quote: z.string().max(1).default('"').describe("Quote character; default '\"'"),
        columns: z
          .union([z.boolean(), z.array(z.string().min(1)).min(1)])
          .default(true)
          .describe(
            'true: first row names the fields; a list: these names; false: fields keyed "0", "1", ...; default true',
          ),
        skipEmptyLines: z.boolean().default(true).describe('Skip empty lines; default true'),
        relaxColumnCount: z
          .boolean()
          .default(false)
          .describe('Accept rows with a different field count; default false'),
      })
      .default({ delimiter: ',', quote: '"', columns: true, skipEmptyLines: true, relaxColumnCount: false })
      .describe("'csv' mode parsing (csv-parse)"),
    afterRead: afterReadAction
      .default({ action: 'none' })
      .describe(
        "After every message of an object was acked: 'none', 'delete', 'move' (bucket?, prefix) or 'tag' (tags); default none",
      ),
    afterError: afterErrorAction
      .default({ action: 'none' })
      .describe(
        "After a nack or a read failure: 'none' (read it again later) or 'move' (bucket?, prefix); default none",
      ),
    checkpoint: checkpointOptions
      .default({ type: 'memory' })
      .describe(
        "Where processed objects are recorded: 'memory', 'file' (path) or 's3' (bucket?, key); default memory",
      ),
    reprocess: z
      .enum(['never', 'whenChanged'])
      .default('never')
      .describe(
        "A checkpointed key is read again: 'never', or 'whenChanged' (its ETag differs); default 'never'",
      ),
    maxKeys: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('Keys per ListObjectsV2 page, 1..1000 (S3 limit); default 1000'),
  })
  .superRefine((options, ctx) => {
    if (options.discovery === 'notifications' && !options.notifications) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifications'],
        message: "is required when discovery is 'notifications' (give at least queueUrl)",
      });
    }
    if (options.keyGlob !== undefined && options.keyRegex !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyRegex'], message: 'give keyGlob or keyRegex, not both' });
    }
  });

/** Options for {@link s3Source}. `checkpointStore` and `keyFilter` are code-only. */
export type S3SourceOptions = z.input<typeof s3SourceOptions> & {
  /** A store of your own; replaces `checkpoint`. */
  checkpointStore?: CheckpointStore;
  /** Only keys for which this returns true (after prefix, glob and regex). */
  keyFilter?: (key: string) => boolean;
};
export type ParsedS3SourceOptions = z.output<typeof s3SourceOptions>;

/** Storage classes an object can be written with. */
export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
] as const;

/** Options for {@link s3Sink} that a JSON asset can carry too. */
export const s3SinkOptions = z
  .strictObject({
    name: z.string().min(1).optional().describe("Name on receipts, logs and errors; default 's3:<bucket>'"),
    bucket: bucketName.describe('Bucket to write'),
    key: z
      .string()
      .min(1)
      .describe(
        'Key template of each object: ${date:yyyy/MM/dd}, ${msg:path}, ${uuid}, ${seq} (object number)',
      ),
    partitionBy: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Template over each message; one open object per distinct value (e.g. ${msg:tenant}); default: one object',
      ),
    format: z
      .enum(['raw', 'lines', 'ndjson', 'csv'])
      .default('ndjson')
      .describe("'raw' (one object per message), 'lines', 'ndjson', 'csv'; default 'ndjson'"),
    compression: z.enum(['none', 'gzip']).default('none').describe("Object compression; default 'none'"),
    csv: z
      .strictObject({
        columns: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe("Field names and order; default: the first record's keys"),
        header: z.boolean().default(true).describe('Write a header row; default true'),
        delimiter: z.string().min(1).default(',').describe("Field delimiter; default ','"),
      })
      .default({ header: true, delimiter: ',' })
      .describe("'csv' format (csv-stringify)"),
    maxRecords: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Roll to a new object after this many records; default: no limit'),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .default(128 * MiB)
      .describe('Roll after this many bytes (before compression); default 134217728 (128 MiB)'),
    maxAgeMs: z
      .number()
      .int()
      .min(1)
      .default(60_000)
      .describe('Complete an object this long after its first record, in ms; default 60000'),
    partSize: z
      .number()
      .int()
      .min(5 * MiB)
      .max(5 * GiB)
      .default(8 * MiB)
      .describe('Multipart part size in bytes, 5 MiB..5 GiB (S3 limit); default 8388608 (8 MiB)'),
    queueSize: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Parts uploaded at once per object (memory: about partSize x (queueSize + 1)); default 4'),
    maxBufferedRecords: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Writes that may queue behind an object being opened or a full object stream before whenWritable() waits; default 0',
      ),
    maxOpenObjects: z
      .number()
      .int()
      .min(1)
      .default(16)
      .describe(
        'Open objects (partitions) at once; the least recently written is completed first; default 16',
      ),
    serverSideEncryption: z
      .enum(['AES256', 'aws:kms', 'aws:kms:dsse'])
      .optional()
      .describe(
        "SSE of written objects: 'AES256' (SSE-S3) or 'aws:kms' (SSE-KMS, with kmsKeyId); default: the bucket's",
      ),
    kmsKeyId: z
      .string()
      .min(1)
      .optional()
      .describe("KMS key id or ARN for 'aws:kms'; default: the AWS managed key"),
    storageClass: z.enum(S3_STORAGE_CLASSES).optional().describe("Storage class; default: S3's STANDARD"),
    tags: tagSet.optional().describe('Object tags (S3: at most 10)'),
    metadata: z.record(z.string().min(1), z.string()).optional().describe('User metadata (x-amz-meta-*)'),
    contentType: z
      .string()
      .min(1)
      .optional()
      .describe('Content-Type; default by format (application/x-ndjson, text/csv, ...)'),
    contentEncoding: z
      .string()
      .min(1)
      .optional()
      .describe("Content-Encoding header; default none (set 'gzip' to have HTTP clients decompress)"),
    ifExists: z
      .enum(['overwrite', 'fail', 'version'])
      .default('overwrite')
      .describe(
        "When the key exists: 'overwrite', 'fail' (reject the object's writes), 'version' (add -1, -2, ... before the extension); default 'overwrite'",
      ),
  })
  .superRefine((options, ctx) => {
    if (options.kmsKeyId !== undefined && !options.serverSideEncryption?.startsWith('aws:kms')) {
      ctx.addIssue({
        code: 'custom',
        path: ['kmsKeyId'],
        message: "needs serverSideEncryption 'aws:kms' or 'aws:kms:dsse'",
      });
    }
  });

/** Options for {@link s3Sink}. */
export type S3SinkOptions = z.input<typeof s3SinkOptions>;
export type ParsedS3SinkOptions = z.output<typeof s3SinkOptions>;
