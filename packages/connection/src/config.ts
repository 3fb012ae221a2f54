// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text such as ${sec:name} is what this file is about
import { z } from 'zod';
import { isSecret, type Secret } from './secret.js';

/** AWS region names: `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `us-iso-east-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `${sec:NAME}`: the only string form a secret field accepts. */
export const SECRET_MACRO_PATTERN = /^\$\{sec:([^}]+)\}$/;

/** A {@link Secret} instance in a secret field (code use only; JSON assets reference secrets by name). */
export const secretInstance = z.custom<Secret>((value) => isSecret(value), {
  message: 'secrets are referenced by name, never typed in plain: use { "secret": "name" } or "${sec:name}"',
});

/**
 * A reference to a secret: `{ "secret": "name" }`, `"${sec:name}"`, or a {@link Secret} instance in code.
 * A plain string is rejected: secrets are referenced by name, never typed in plain.
 */
export const secretRef = z
  .union([
    z.strictObject({ secret: z.string().min(1).describe('Name of the secret in the secret store') }),
    z.string().regex(SECRET_MACRO_PATTERN, 'secrets are referenced by name, never typed in plain'),
    secretInstance,
  ])
  .describe('Secret reference: { "secret": "name" } or "${sec:name}"');
/** See {@link secretRef}. */
export type SecretRef = z.input<typeof secretRef>;

const roleArn = z
  .string()
  .regex(/^arn:[\w-]+:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN (arn:aws:iam::123456789012:role/name)')
  .describe('ARN of the role to assume');
const sessionName = z
  .string()
  .regex(/^[\w+=,.@-]{2,64}$/, 'must be 2..64 characters of letters, digits and +=,.@_-')
  .describe('RoleSessionName; default tributary-<connection name>');

const noneAuth = z
  .strictObject({ mode: z.literal('none') })
  .describe('No credentials: requests are sent unsigned');
const defaultChainAuth = z
  .strictObject({ mode: z.literal('default-chain') })
  .describe("The SDK's default provider chain: env, SSO, ini files, web identity, ECS, EC2 metadata");
const accessKeyAuth = z
  .strictObject({
    mode: z.literal('access-key'),
    accessKeyId: z.string().min(1).describe('Access key id (not secret; macros allowed)'),
    secretAccessKey: secretRef.describe('Secret access key: a secret reference'),
    sessionToken: secretRef.optional().describe('Session token of temporary keys: a secret reference'),
  })
  .describe('Static access keys');
const profileAuth = z
  .strictObject({
    mode: z.literal('profile'),
    profile: z.string().min(1).describe('Profile name in the shared config/credentials files'),
    configFile: z
      .string()
      .min(1)
      .optional()
      .describe('Path of the shared config file; default ~/.aws/config'),
    credentialsFile: z
      .string()
      .min(1)
      .optional()
      .describe('Path of the shared credentials file; default ~/.aws/credentials'),
  })
  .describe('A named profile of the shared AWS config files');
const webIdentityAuth = z
  .strictObject({
    mode: z.literal('web-identity'),
    roleArn,
    tokenFile: z.string().min(1).optional().describe('File holding the OIDC token (re-read on refresh)'),
    token: secretRef.optional().describe('The OIDC token: a secret reference'),
    sessionName: sessionName.optional(),
  })
  .describe('AssumeRoleWithWebIdentity with an OIDC token; exactly one of tokenFile / token');

/** Auth modes an assume-role can use as its source credentials. */
const sourceAuth = z
  .discriminatedUnion('mode', [defaultChainAuth, accessKeyAuth, profileAuth, webIdentityAuth])
  .describe('Credentials that call sts:AssumeRole; default { "mode": "default-chain" }');

const assumeRoleAuth = z
  .strictObject({
    mode: z.literal('assume-role'),
    roleArn,
    externalId: z.string().min(2).max(1224).optional().describe('ExternalId the role trust policy requires'),
    sessionName: sessionName.optional(),
    durationSeconds: z
      .number()
      .int()
      .min(900)
      .max(43200)
      .optional()
      .describe('Session duration in seconds (AWS: 900..43200, up to the role maximum); default 3600'),
    source: sourceAuth.optional(),
  })
  .describe('sts:AssumeRole, refreshed before the credentials expire');

/** Every auth mode of a connection. */
export const awsAuthConfig = z
  .discriminatedUnion('mode', [
    noneAuth,
    defaultChainAuth,
    accessKeyAuth,
    profileAuth,
    assumeRoleAuth,
    webIdentityAuth,
  ])
  .describe('How requests are authenticated');
/** See {@link awsAuthConfig}. */
export type AwsAuthConfig = z.input<typeof awsAuthConfig>;
/** The auth modes. */
export type AwsAuthMode = AwsAuthConfig['mode'];

const endpointUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const httpConfig = z
  .strictObject({
    keepAlive: z.boolean().default(true).describe('Reuse TCP connections; default true'),
    maxSockets: z.number().int().min(1).default(50).describe('Sockets per client and host; default 50'),
    connectTimeoutMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Abandon a connection attempt after this many ms; default none'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Fail a request that takes longer, in ms (keep above 20000 for SQS long polls); default none',
      ),
  })
  .describe('HTTP/1.1 transport of every client');

const retryConfig = z
  .strictObject({
    mode: z.enum(['standard', 'adaptive']).default('standard').describe('SDK retry mode; default standard'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('Attempts per request incl. the first; default 3'),
    baseDelayMs: z
      .number()
      .int()
      .min(0)
      .default(100)
      .describe('Base of the exponential backoff, in ms; default 100'),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .default(20_000)
      .describe('Upper bound of one backoff, in ms; default 20000'),
  })
  .describe('Retries of failed requests by the SDK');

/**
 * The connection asset: zod schema of {@link awsConnection}'s config, composable into a bigger document.
 * String fields accept config-time macros (expanded before validation, see {@link expandMacros}).
 * @example
 * ```ts
 * const document = z.strictObject({ connections: z.array(awsConnectionConfig) });
 * ```
 */
export const awsConnectionConfig = z
  .strictObject({
    name: z.string().min(1).regex(/^\S+$/, 'must not contain spaces').describe('Connection name, no spaces'),
    description: z.string().optional().describe('Free text'),
    type: z.literal('aws').optional().describe('Asset type, for JSON documents'),
    region: z
      .string()
      .regex(REGION_PATTERN, 'must be an AWS region such as eu-west-1')
      .optional()
      .describe('AWS region; required unless an endpoint is set (then default us-east-1)'),
    endpoint: endpointUrl
      .optional()
      .describe('URL of an AWS-compatible provider, used for every service; default AWS'),
    endpoints: z
      .record(
        z.string().regex(/^[a-z0-9-]+$/, 'service ids are lower case, e.g. sqs, s3, eventbridge'),
        endpointUrl,
      )
      .optional()
      .describe('Per-service endpoint overrides by service id (sqs, s3, sts, kinesis, eventbridge, ...)'),
    forcePathStyle: z
      .boolean()
      .optional()
      .describe('S3 path-style addressing; default true when an endpoint is set, else false'),
    auth: awsAuthConfig,
    http: httpConfig.prefault({}),
    retry: retryConfig.prefault({}),
    requiredRoles: z
      .array(z.string().min(1))
      .default([])
      .describe('Roles a node needs to use this connection; empty = no restriction'),
  })
  .superRefine((config, ctx) => {
    if (config.region === undefined && config.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'required unless an endpoint is set' });
    }
    const auth = config.auth;
    if (auth.mode === 'web-identity' && (auth.tokenFile === undefined) === (auth.token === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'web-identity needs exactly one of tokenFile, token',
      });
    }
    const source = auth.mode === 'assume-role' ? auth.source : undefined;
    if (
      source?.mode === 'web-identity' &&
      (source.tokenFile === undefined) === (source.token === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'source'],
        message: 'web-identity needs exactly one of tokenFile, token',
      });
    }
  })
  .describe('Connection to AWS or an AWS-compatible endpoint');

/** Config of {@link awsConnection}, as written by hand or in a JSON asset. */
export type AwsConnectionConfig = z.input<typeof awsConnectionConfig>;
/** Config after validation and defaults. */
export type ParsedAwsConnectionConfig = z.output<typeof awsConnectionConfig>;

/**
 * `override` for `z.toJSONSchema` that drops the code-only {@link Secret} branch of secret references.
 * Pass it when generating the JSON Schema of a document that embeds {@link awsConnectionConfig}.
 * @example
 * ```ts
 * z.toJSONSchema(documentSchema, { io: 'input', unrepresentable: 'any', override: secretRefJsonSchemaOverride });
 * ```
 */
export function secretRefJsonSchemaOverride(ctx: {
  zodSchema: unknown;
  jsonSchema: { anyOf?: unknown[] } & Record<string, unknown>;
}): void {
  const options = (ctx.zodSchema as { _zod?: { def?: { options?: unknown } } })._zod?.def?.options;
  if (Array.isArray(options) && options.includes(secretInstance) && Array.isArray(ctx.jsonSchema.anyOf)) {
    ctx.jsonSchema.anyOf = ctx.jsonSchema.anyOf.filter(
      (branch) => !(branch !== null && typeof branch === 'object' && Object.keys(branch).length === 0),
    );
  }
}

/**
 * JSON Schema (draft 2020-12) of a connection asset, generated from {@link awsConnectionConfig}.
 * @example
 * ```ts
 * writeFileSync('connection.schema.json', JSON.stringify(awsConnectionJsonSchema, null, 2));
 * ```
 */
export const awsConnectionJsonSchema: Record<string, unknown> = z.toJSONSchema(awsConnectionConfig, {
  io: 'input',
  unrepresentable: 'any',
  override: secretRefJsonSchemaOverride,
}) as Record<string, unknown>;
