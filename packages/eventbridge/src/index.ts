export type { EventBridgeEntry } from './driver.js';
export { EVENTBRIDGE_LIMITS, putEventsEntrySize, RETRYABLE_EVENT_ERRORS } from './driver.js';
export { eventBridgeSink } from './eventBridgeSink.js';
export type { EventBridgeSinkOptions } from './options.js';
export { eventBridgeSinkOptions } from './options.js';
