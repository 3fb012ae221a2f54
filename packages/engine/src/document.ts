// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text is what this file is about
import { z } from 'zod';
import { routingCondition } from './conditions.js';

/** Asset names: no spaces, unique per kind. */
export const assetName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^\S+$/, 'must not contain spaces')
  .describe('Name of the asset: no spaces, unique among assets of its kind');

const description = z.string().max(10_000).optional().describe('Free text');
const requiredRoles = z
  .array(z.string().min(1).max(256))
  .max(100)
  .default([])
  .describe('Roles a node needs to run this asset; empty = no restriction');

/** Variable names usable as `${NAME}`, `${lay:NAME}` and `$<NAME>`. */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][\w.-]*$/;

/**
 * An environment: a named set of variables for config-time macros (one per target: dev, test, prod).
 * @example
 * ```ts
 * parseOptions(environmentAsset, { name: 'dev', variables: { REGION: 'eu-west-1' } });
 * ```
 */
export const environmentAsset = z
  .strictObject({
    name: assetName,
    description,
    variables: z
      .record(
        z.string().regex(VARIABLE_NAME_PATTERN, 'variable names are letters, digits, _ . - (not first)'),
        z.string(),
      )
      .default({})
      .describe('Values of `${NAME}` / `${lay:NAME}` / `$<NAME>` macros'),
  })
  .describe('Environment: variables for config-time macros');

const secretBase = { name: assetName, description };

/**
 * A secret: its name and the provider that holds its value. Values are never in the document.
 * @example
 * ```ts
 * parseOptions(secretAsset, { name: 'aws-secret', provider: 'env', variable: 'AWS_SECRET_ACCESS_KEY' });
 * ```
 */
export const secretAsset = z
  .discriminatedUnion('provider', [
    z
      .strictObject({
        ...secretBase,
        provider: z.literal('env'),
        variable: z
          .string()
          .min(1)
          .optional()
          .describe('Process environment variable; default: the secret name'),
      })
      .describe('Secret read from a process environment variable'),
    z
      .strictObject({
        ...secretBase,
        provider: z.literal('file'),
        path: z
          .string()
          .min(1)
          .describe('File holding the value (relative to the config file); trailing newline dropped'),
      })
      .describe('Secret read from a file'),
    z
      .strictObject({
        ...secretBase,
        provider: z.literal('secrets-manager'),
        connection: assetName.describe('Connection used to call secretsmanager:GetSecretValue'),
        secretId: z.string().min(1).optional().describe('SecretId (name or ARN); default: the secret name'),
      })
      .describe('Secret read from AWS Secrets Manager'),
    z
      .strictObject({
        ...secretBase,
        provider: z.literal('ssm'),
        connection: assetName.describe('Connection used to call ssm:GetParameter'),
        parameter: z
          .string()
          .min(1)
          .optional()
          .describe('Parameter name (SecureString decrypted); default: the secret name'),
      })
      .describe('Secret read from SSM Parameter Store'),
  ])
  .describe('Secret: a name and the provider holding its value');
/** See {@link secretAsset}. */
export type SecretAsset = z.output<typeof secretAsset>;

/** The keys every source and sink asset has besides its package's options. */
export const ASSET_BASE_KEYS = ['name', 'description', 'type', 'connection', 'requiredRoles'] as const;

/**
 * What every source and sink asset has: `name`, `description`, `type`, `connection`, `requiredRoles`.
 * The other keys are the options of its type (checked against the registered schema).
 */
export const assetBase = z.looseObject({
  name: assetName,
  description,
  type: z
    .string()
    .min(1)
    .max(256)
    .describe('Registered asset type (sqs, s3, sns, kinesis, eventbridge, ...)'),
  connection: assetName.describe('Name of the connection asset used'),
  requiredRoles,
});
/** See {@link assetBase}. */
export type AssetBase = z.output<typeof assetBase>;

/**
 * A routing rule: where a message goes when its condition holds.
 * @example
 * ```ts
 * const rule = { sinks: ['alerts'], when: { field: 'level', op: 'gte', value: 4 } };
 * ```
 */
export const routeRule = z
  .strictObject({
    description,
    when: routingCondition.optional().describe('Condition on body fields; absent = always'),
    sinks: z.array(assetName).min(1).max(100).describe('Sink assets the message is written to'),
  })
  .describe('Routing rule, evaluated in order');
/** See {@link routeRule}. */
export type RouteRule = z.output<typeof routeRule>;

/**
 * A workflow: one source, an optional transform, and sinks chosen by routing rules evaluated in order.
 * @example
 * ```ts
 * parseOptions(workflowAsset, { name: 'ingest', source: 'orders', routes: [{ sinks: ['events'] }] });
 * ```
 */
export const workflowAsset = z
  .strictObject({
    name: assetName,
    description,
    requiredRoles,
    source: assetName.describe('Name of the source asset'),
    transform: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'Path (relative to the config file) of an ES module whose default export is `(body, message) => body | body[] | null`',
      ),
    routing: z
      .enum(['first-match', 'all-matches'])
      .default('first-match')
      .describe(
        '`first-match`: the first rule that holds; `all-matches`: every rule that holds; default first-match',
      ),
    routes: z.array(routeRule).min(1).max(1000).describe('Routing rules, evaluated in order'),
    default: z
      .enum(['discard', 'fail'])
      .default('fail')
      .describe('When no rule holds: `discard` acks the message, `fail` nacks it (rollback); default fail'),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(256)
      .describe('Source messages processed at once (transform + writes); default 256'),
  })
  .describe('Workflow: source -> transform -> routed sinks; acks flow back from every sink');
/** See {@link workflowAsset}. */
export type WorkflowAsset = z.output<typeof workflowAsset>;

const section = z.array(z.unknown()).max(10_000);

/**
 * The top level of a config document: each section is a list of assets (validated one by one).
 */
export const documentTopLevel = z.strictObject({
  $schema: z.string().optional().describe('URL or path of the JSON Schema, for editors'),
  description,
  defaultEnvironment: assetName.optional().describe('Environment used when none is chosen (--env)'),
  testEnvironment: assetName
    .optional()
    .describe('Environment used by connection tests; default `test` when declared, else the active one'),
  environments: section.default([]).describe('Environments: named sets of variables'),
  secrets: section.default([]).describe('Secrets and their providers'),
  connections: section.default([]).describe('Connections to AWS or AWS-compatible endpoints'),
  sources: section.default([]).describe('Sources'),
  sinks: section.default([]).describe('Sinks'),
  workflows: section.default([]).describe('Workflows'),
});
