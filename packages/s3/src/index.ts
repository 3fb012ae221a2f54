export type { CheckpointStore } from './checkpoint.js';
export { fileCheckpoint, memoryCheckpoint, s3Checkpoint } from './checkpoint.js';
export type { S3Aws } from './internal/aws.js';
export type { S3Notification, S3ObjectEvent } from './notifications.js';
export { decodeNotificationKey, parseS3Notification } from './notifications.js';
export type {
  ParsedS3SinkOptions,
  ParsedS3SourceOptions,
  S3SinkOptions,
  S3SourceMode,
  S3SourceOptions,
} from './options.js';
export {
  afterErrorAction,
  afterReadAction,
  checkpointOptions,
  notificationOptions,
  S3_SOURCE_MODES,
  S3_STORAGE_CLASSES,
  s3SinkOptions,
  s3SourceOptions,
} from './options.js';
export type { S3Sink } from './s3Sink.js';
export { s3Sink } from './s3Sink.js';
export type { S3Message, S3ObjectMeta, S3SourceBody } from './s3Source.js';
export { s3Source } from './s3Source.js';
