export { backoffDelay, sleep } from './backoff.js';
export type { BatchWriter, CreateBatchWriterOptions } from './batchWriter.js';
export { createBatchWriter } from './batchWriter.js';
export type { MessageInit } from './createMessage.js';
export { createMessage } from './createMessage.js';
export type { BatchDriver, BatchLimits, EntryOutcome } from './driver.js';
export type { SinkWriteErrorOptions } from './errors.js';
export { SinkWriteError } from './errors.js';
export { mapBody } from './mapBody.js';
export type {
  AttributeInput,
  Message,
  MessageAttribute,
  NackOptions,
  OutgoingMessage,
  Receipt,
} from './message.js';
export { normalizeAttributes } from './message.js';
export type { BatchWriterOptions } from './options.js';
export { batchWriterOptions } from './options.js';
export type { Sink, SinkStats, WriteOptions } from './sink.js';
export type { Template, TemplateContext } from './template.js';
export { compileTemplate, getPath } from './template.js';
export type { WriteToOptions } from './writeTo.js';
export { writeTo } from './writeTo.js';
