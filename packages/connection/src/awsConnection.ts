import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { STSClient } from '@aws-sdk/client-sts';
import { NoAuthSigner } from '@smithy/core';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type AwsAuthMode,
  type AwsConnectionConfig,
  awsConnectionConfig,
  type ParsedAwsConnectionConfig,
} from './config.js';
import { ConfigError, TributaryError } from './errors.js';
import { credentialProvider } from './internal/credentials.js';
import { createRetryStrategy } from './internal/retry.js';
import { sdkLogger } from './internal/sdkLogger.js';
import { type Logger, silentLogger } from './logger.js';
import { expandConfigMacros } from './macros.js';
import { parseOptions } from './options.js';
import { checkRequiredRoles } from './roles.js';
import { isSecret } from './secret.js';
import type { SecretStore } from './secrets.js';
import { type ConnectionTestResult, runConnectionTest, type TestTarget } from './testConnection.js';

/** Region used when an endpoint is set and no region is. */
export const DEFAULT_ENDPOINT_REGION = 'us-east-1';

/** What a connection needs from where it runs. */
export interface ConnectionContext {
  /** The active environment resource's variables, for `${lay:X}`, `${X}` and `$<X>`. */
  environment?: Readonly<Record<string, string>>;
  /** Resolves `{ secret }` references and `${sec:X}` (on first use of the credentials). */
  secrets?: SecretStore;
  /** Where the connection and its clients log; default {@link silentLogger}. */
  logger?: Logger;
  /** Process environment for `${env:X}`; default `process.env`. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** When given, `requiredRoles` are checked against these: `ROLES_MISSING` names the missing roles. */
  nodeRoles?: readonly string[];
  /** JSON pointer of this asset in a bigger document, for error paths; default ''. */
  path?: string;
}

/** A connection config after macros, validation and defaults. */
export type ResolvedAwsConnectionConfig = ParsedAwsConnectionConfig & {
  region: string;
  forcePathStyle: boolean;
};

/** Any SDK v3 client class (`SQSClient`, `S3Client`, ...). */
export type AwsClientClass<C> = new (config: never) => C;

/** Options of {@link AwsConnection.test}. */
export interface ConnectionTestOptions {
  /** Give up after this many ms (connect, credentials and request together); default 5000. */
  timeoutMs?: number;
}

/**
 * A connection to AWS or an AWS-compatible endpoint: hands out one cached, fully configured
 * SDK v3 client per client class, and tests itself.
 */
export interface AwsConnection extends AsyncDisposable {
  readonly name: string;
  readonly region: string;
  /** The endpoint for every service, `undefined` for AWS. */
  readonly endpoint: string | undefined;
  readonly authMode: AwsAuthMode;
  readonly logger: Logger;
  readonly requiredRoles: readonly string[];
  /** The endpoint of a service id (`sqs`, `s3`, `eventbridge`): `endpoints[service]` › `endpoint`. */
  endpointFor(service: string): string | undefined;
  /**
   * One cached client per class and `overrides` (compared key by key), configured from the connection.
   * `overrides` are merged last (`{ requestHandler }`, `{ md5: false }`).
   * @throws {@link TributaryError} `CONNECTION_CLOSED` after {@link AwsConnection.close}.
   */
  client<C extends { destroy(): void }>(ClientClass: AwsClientClass<C>, overrides?: object): C;
  /** Checks endpoint and credentials (STS GetCallerIdentity); never throws for connection problems. */
  test(options?: ConnectionTestOptions): Promise<ConnectionTestResult>;
  /** Destroys every client; idempotent. Later `client()` calls throw `CONNECTION_CLOSED`. */
  close(): Promise<void>;
}

/** Service id of a client class: `SQSClient` → `sqs`, `EventBridgeClient` → `eventbridge`. */
export function serviceIdOf(ClientClass: { name: string }): string {
  return ClientClass.name.replace(/Client$/, '').toLowerCase();
}

function secretRefNames(
  auth: ParsedAwsConnectionConfig['auth'],
  base: string,
): { name: string; path: string }[] {
  const refs: { name: string; path: string }[] = [];
  const add = (ref: unknown, path: string) => {
    if (ref !== undefined && !isSecret(ref)) {
      const name = typeof ref === 'string' ? ref : (ref as { secret: string }).secret;
      refs.push({ name, path });
    }
  };
  const visit = (a: Record<string, unknown>, path: string) => {
    for (const key of ['secretAccessKey', 'sessionToken', 'token']) add(a[key], `${path}/${key}`);
    if (a.source !== undefined) visit(a.source as Record<string, unknown>, `${path}/source`);
  };
  visit(auth as unknown as Record<string, unknown>, `${base}/auth`);
  return refs;
}

/**
 * Expands macros, validates, applies defaults and checks roles: the config a connection runs with.
 * Secrets stay references (resolved on first use of the credentials).
 * @throws {@link ConfigError} `CONFIG_INVALID`, `CONFIG_MACRO_UNRESOLVED` or `ROLES_MISSING`.
 * @example
 * ```ts
 * const resolved = resolveConnectionConfig(json.connections[0], { environment, path: '/connections/0' });
 * ```
 */
export function resolveConnectionConfig(
  config: AwsConnectionConfig | unknown,
  context: ConnectionContext = {},
): ResolvedAwsConnectionConfig {
  const path = context.path ?? '';
  const expanded = expandConfigMacros(config, context, path);
  const parsed = parseOptions(awsConnectionConfig, expanded, { what: 'AWS connection config', path });
  if (context.secrets === undefined) {
    const [first, ...rest] = secretRefNames(parsed.auth, path);
    if (first !== undefined) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `Connection ${parsed.name} references secret "${first.name}" at ${first.path}, but no secret store was given`,
        {
          details: { secret: first.name, path: first.path, paths: [first.path, ...rest.map((r) => r.path)] },
          hint: 'pass a secret store as context.secrets',
        },
      );
    }
  }
  if (context.nodeRoles !== undefined) {
    const missing = checkRequiredRoles(parsed.requiredRoles, context.nodeRoles);
    if (missing.length > 0) {
      throw new ConfigError(
        'ROLES_MISSING',
        `Connection ${parsed.name} requires roles this node lacks: ${missing.join(', ')}`,
        {
          details: { missing, path: `${path}/requiredRoles`, connection: parsed.name },
          hint: 'run the workflow on a node with these roles, or change requiredRoles',
        },
      );
    }
  }
  const region = parsed.region ?? DEFAULT_ENDPOINT_REGION;
  const s3Endpoint = parsed.endpoints?.s3 ?? parsed.endpoint;
  return { ...parsed, region, forcePathStyle: parsed.forcePathStyle ?? s3Endpoint !== undefined };
}

function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (key) =>
      Object.hasOwn(b, key) &&
      Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Client config that sends requests unsigned (no `authorization` header). */
const NO_AUTH_CONFIG = {
  httpAuthSchemeProvider: () => [{ schemeId: 'smithy.api#noAuth' }],
  httpAuthSchemes: [
    { schemeId: 'smithy.api#noAuth', identityProvider: () => async () => ({}), signer: new NoAuthSigner() },
  ],
};

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

class AwsConnectionImpl implements AwsConnection {
  readonly name: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly authMode: AwsAuthMode;
  readonly logger: Logger;
  readonly requiredRoles: readonly string[];
  readonly #config: ResolvedAwsConnectionConfig;
  readonly #credentials: AwsCredentialIdentityProvider | undefined;
  readonly #clients = new Map<unknown, { overrides: object; client: { destroy(): void } }[]>();
  readonly #internal = new Set<{ destroy(): void }>();
  #closed = false;

  constructor(config: ResolvedAwsConnectionConfig, context: ConnectionContext) {
    this.#config = config;
    this.name = config.name;
    this.region = config.region;
    this.endpoint = config.endpoint;
    this.authMode = config.auth.mode;
    this.logger = context.logger ?? silentLogger;
    this.requiredRoles = Object.freeze([...config.requiredRoles]);
    this.#credentials = credentialProvider(config.auth, {
      connectionName: config.name,
      secrets: context.secrets,
      logger: this.logger,
      stsClient: (credentials) => {
        const sts = this.#build(STSClient, credentials === 'none' ? NO_AUTH_CONFIG : { credentials });
        this.#internal.add(sts);
        return sts;
      },
    });
  }

  endpointFor(service: string): string | undefined {
    const id = service.toLowerCase();
    const endpoints = this.#config.endpoints;
    return (
      (endpoints !== undefined && Object.hasOwn(endpoints, id) ? endpoints[id] : undefined) ?? this.endpoint
    );
  }

  /** A fresh NodeHttpHandler (HTTP/1.1 for every service) with this connection's agents and timeouts. */
  #requestHandler(timeouts?: { connectTimeoutMs?: number; requestTimeoutMs?: number }): NodeHttpHandler {
    const { keepAlive, maxSockets } = this.#config.http;
    const connectTimeoutMs = timeouts?.connectTimeoutMs ?? this.#config.http.connectTimeoutMs;
    const requestTimeoutMs = timeouts?.requestTimeoutMs ?? this.#config.http.requestTimeoutMs;
    return new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive, maxSockets }),
      ...(connectTimeoutMs === undefined ? {} : { connectionTimeout: connectTimeoutMs }),
      ...(requestTimeoutMs === undefined
        ? {}
        : { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true }),
    });
  }

  /** The full client config of a service; `extra` (credentials, overrides) is merged last. */
  #clientConfig(service: string, extra: object): Record<string, unknown> {
    const endpoint = this.endpointFor(service);
    const auth = this.#credentials === undefined ? NO_AUTH_CONFIG : { credentials: this.#credentials };
    return {
      region: this.region,
      ...(endpoint === undefined ? {} : { endpoint }),
      forcePathStyle: this.#config.forcePathStyle,
      requestHandler: this.#requestHandler(),
      maxAttempts: this.#config.retry.maxAttempts,
      retryStrategy: createRetryStrategy(this.#config.retry),
      cacheMiddleware: true,
      logger: sdkLogger(this.logger, this.name),
      ...auth,
      ...extra,
    };
  }

  #build<C>(ClientClass: AwsClientClass<C>, extra: object): C {
    const Ctor = ClientClass as unknown as new (config: Record<string, unknown>) => C;
    return new Ctor(this.#clientConfig(serviceIdOf(ClientClass), extra));
  }

  client<C extends { destroy(): void }>(ClientClass: AwsClientClass<C>, overrides: object = {}): C {
    if (this.#closed) {
      throw new TributaryError('CONNECTION_CLOSED', `Connection ${this.name} is closed`, {
        details: { connection: this.name, client: ClientClass.name },
        hint: 'create clients before close(), or create a new connection',
      });
    }
    const cached = this.#clients.get(ClientClass) ?? [];
    const hit = cached.find((entry) => shallowEqual(entry.overrides, overrides));
    if (hit !== undefined) return hit.client as C;
    const client = this.#build(ClientClass, overrides);
    cached.push({ overrides: { ...overrides }, client });
    this.#clients.set(ClientClass, cached);
    this.logger.debug('connection.client.created', {
      connection: this.name,
      client: ClientClass.name,
      endpoint: this.endpointFor(serviceIdOf(ClientClass)),
    });
    return client;
  }

  async test(options: ConnectionTestOptions = {}): Promise<ConnectionTestResult> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const target: TestTarget = {
      name: this.name,
      region: this.region,
      signed: this.#credentials !== undefined,
      stsEndpoint: this.endpointFor('sts'),
      closed: this.#closed,
      logger: this.logger,
      requestHandler: () =>
        this.#requestHandler({ connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs }),
      stsClient: (requestHandler) => this.#build(STSClient, { requestHandler, maxAttempts: 1 }),
    };
    return runConnectionTest(target, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...[...this.#clients.values()].flat().map((entry) => entry.client), ...this.#internal];
    this.#clients.clear();
    this.#internal.clear();
    for (const client of all) {
      try {
        client.destroy();
      } catch (error) {
        this.logger.warn('connection.client.destroyFailed', {
          connection: this.name,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
    this.logger.debug('connection.closed', { connection: this.name, clients: all.length });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Name, region, endpoint and auth mode only: never credentials or secrets. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, region: this.region, endpoint: this.endpoint, auth: { mode: this.authMode } };
  }

  [INSPECT](): string {
    const endpoint = this.endpoint === undefined ? '' : `, endpoint: '${this.endpoint}'`;
    return `AwsConnection { name: '${this.name}', region: '${this.region}'${endpoint}, auth: '${this.authMode}' }`;
  }
}

/**
 * Creates a connection from its config: expands macros, validates, checks required roles, and builds
 * the credential provider of its auth mode. Secrets are resolved on first use of the credentials.
 * @throws {@link ConfigError} synchronously: `CONFIG_INVALID` (naming each field's JSON path),
 *   `CONFIG_MACRO_UNRESOLVED`, `ROLES_MISSING`.
 * @example
 * ```ts
 * const aws = awsConnection({ name: 'Prod', region: 'eu-west-1', auth: { mode: 'default-chain' } });
 * const sqs = aws.client(SQSClient);
 * await aws.close();
 * ```
 */
export function awsConnection(config: AwsConnectionConfig, context: ConnectionContext = {}): AwsConnection {
  return new AwsConnectionImpl(resolveConnectionConfig(config, context), context);
}
