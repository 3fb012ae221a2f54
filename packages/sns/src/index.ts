export type { SnsSinkDriverConfig, SnsSinkEntry } from './driver.js';
export { SNS_SINK_LIMITS, snsSinkDriver } from './driver.js';
export type { MessageTextFunction, SnsSinkOptions } from './options.js';
export { snsSinkOptions } from './options.js';
export { snsSink } from './snsSink.js';
