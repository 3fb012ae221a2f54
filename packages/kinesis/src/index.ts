export type { KinesisEntry, StreamTarget } from './driver.js';
export { KINESIS_LIMITS, RETRYABLE_RECORD_ERRORS } from './driver.js';
export { kinesisSink } from './kinesisSink.js';
export type { KinesisSinkOptions } from './options.js';
export { kinesisSinkOptions } from './options.js';
