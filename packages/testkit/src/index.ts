export type { LocalAwsErrorCode } from './errors.js';
export { LocalAwsError } from './errors.js';
export type { FaultProxy, FaultProxyOptions, FaultProxyRequest, FaultProxyStats } from './faultProxy.js';
export { faultProxyOptions, isBatchWrite, startFaultProxy } from './faultProxy.js';
export type {
  LocalAwsParts,
  TestEventBus,
  TestQueue,
  TestRole,
  TestStream,
  TestTopic,
} from './localAws.js';
export { LocalAws } from './localAws.js';
export type { StartLocalAwsOptions } from './options.js';
export { startLocalAwsOptions } from './options.js';
export type { AwsService, LocalAwsBackend } from './services.js';
export { AWS_SERVICES } from './services.js';
export { LOCAL_AWS_ENV_VARS, localAwsBackend, startLocalAws } from './startLocalAws.js';
export { TEST_REGION, testConnection } from './testConnection.js';
export type { Random, RandomMessage, RandomMessagesOptions, RandomTextOptions } from './testData.js';
export {
  deliveryProblems,
  messageAttributeBytes,
  messageAttributes,
  randomBelow,
  randomMessages,
  randomText,
  seededRandom,
  TEXT_CHARS_BY_WIDTH,
} from './testData.js';
