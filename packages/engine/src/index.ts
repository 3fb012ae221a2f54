export { createAssetRegistry, defaultRegistry, registerBuiltinTypes } from './builtins.js';
export type { CliIo } from './cli.js';
export { ExitCode, formatError, main } from './cli.js';
export type { CompiledCondition, Condition, ConditionOperator } from './conditions.js';
export { CONDITION_OPERATORS, compileCondition, routingCondition } from './conditions.js';
export type { AssetBase, RouteRule, SecretAsset, WorkflowAsset } from './document.js';
export {
  ASSET_BASE_KEYS,
  assetBase,
  assetName,
  documentTopLevel,
  environmentAsset,
  routeRule,
  secretAsset,
  VARIABLE_NAME_PATTERN,
  workflowAsset,
} from './document.js';
export type {
  EngineOptions,
  EngineRun,
  RunResult,
  SinkProgress,
  Transform,
  WorkflowProgress,
} from './engine.js';
export { Engine } from './engine.js';
export { documentJsonSchema, SCHEMA_ID } from './jsonSchema.js';
export type { LoadedDocument } from './loadConfig.js';
export { loadDocument } from './loadConfig.js';
export type { AssetContext, SinkType, SourceType } from './registry.js';
export { AssetRegistry } from './registry.js';
export { documentSecrets } from './secretStore.js';
export type { AssetUsage, UsageEntry } from './usage.js';
export { assetUsage } from './usage.js';
export type {
  ResolvedAsset,
  ResolvedConfig,
  ResolvedConnection,
  ResolvedWorkflow,
  ValidateOptions,
} from './validate.js';
export { MAX_DOCUMENT_DEPTH, testEnvironmentOf, validateConfig } from './validate.js';
