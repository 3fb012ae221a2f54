export type { MessageInit } from './createMessage.js';
export { createMessage } from './createMessage.js';
export type { BatchDriver, BatchLimits, EntryOutcome } from './driver.js';
export type {
  AttributeInput,
  Message,
  MessageAttribute,
  NackOptions,
  OutgoingMessage,
  Receipt,
} from './message.js';
export { normalizeAttributes } from './message.js';
export type { Sink, SinkStats, WriteOptions } from './sink.js';
