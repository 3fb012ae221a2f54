export { backoffDelay, sleep } from './backoff.js';
export type { BatchAnswer, MapBatchAnswerOptions } from './batchAnswer.js';
export { mapBatchAnswer } from './batchAnswer.js';
export type { BatchWriter, CreateBatchWriterOptions } from './batchWriter.js';
export { createBatchWriter } from './batchWriter.js';
export { bodyText } from './bodyText.js';
export type { MessageInit } from './createMessage.js';
export { createMessage } from './createMessage.js';
export type { BatchDriver, BatchLimits, EntryOutcome } from './driver.js';
export type { SinkWriteErrorOptions } from './errors.js';
export { abortedError, SinkWriteError, writerClosedError } from './errors.js';
export { Fifo } from './internal/fifo.js';
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
export type {
  AwsMessageAttributeValue,
  EncodedMessageAttributes,
  EncodeMessageAttributesOptions,
  MessageAttributesFunction,
} from './messageAttributes.js';
export {
  compileMessageAttributes,
  encodeMessageAttributes,
  MAX_MESSAGE_ATTRIBUTES,
  messageAttributesOption,
} from './messageAttributes.js';
export type {
  MessageBatchDriverSpec,
  MessageBatchEntry,
  MessageDriverConfig,
} from './messageBatchDriver.js';
export { messageBatchDriver, messageBatchLimits } from './messageBatchDriver.js';
export type {
  DeduplicationIdFunction,
  MessageKeyConfig,
  MessageKeyFunction,
  MessageKeyTarget,
} from './messageKeys.js';
export {
  compileDeduplicationId,
  compileMessageKey,
  messageKeyOptions,
  messageKeysOf,
} from './messageKeys.js';
export type { BatchWriterOptions } from './options.js';
export { batchWriterOptions, writerOptionsOf } from './options.js';
export type { PositionalAnswerRules, PositionalResult, StringField } from './positionalAnswer.js';
export { mapPositionalAnswer } from './positionalAnswer.js';
export type { Sink, SinkStats, WriteOptions } from './sink.js';
export type { Template, TemplateContext } from './template.js';
export { compileTemplate, getPath } from './template.js';
export type { WriteToOptions } from './writeTo.js';
export { writeTo } from './writeTo.js';
