import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { AwsConnectionConfig } from '@tributary/connection';
import { awsConnection, parseOptions, Secret } from '@tributary/connection';
import { LocalAwsError } from './errors.js';
import { probeDocker } from './internal/docker.js';
import {
  type EmulatorName,
  enforceMotoAuth,
  PYTHON_ENV_VAR,
  planEmulators,
  startEmulators,
} from './internal/embedded.js';
import {
  ACCESS_KEY_ID_ENV_VAR,
  ENDPOINT_ENV_VAR,
  type ExternalEndpoints,
  LOCAL_AWS_ENV_VAR,
  REAL_AWS,
  REGION_ENV_VAR,
  type RequestedBackend,
  readExternalEndpoints,
  readRegion,
  readRequestedBackend,
  SECRET_ACCESS_KEY_ENV_VAR,
  SERVICE_ENDPOINT_ENV_VAR_PREFIX,
  SESSION_TOKEN_ENV_VAR,
} from './internal/environment.js';
import { LOCALSTACK_IMAGE_ENV_VAR, noDockerError, startLocalStack } from './internal/localstack.js';
import { LocalAws, type LocalAwsParts, uniqueName } from './localAws.js';
import { type StartLocalAwsOptions, startLocalAwsOptions } from './options.js';
import { AWS_SERVICES, type AwsService, type LocalAwsBackend } from './services.js';

/** Dummy keys for emulators that accept any (LocalStack's convention). */
const DUMMY_ACCESS_KEY_ID = 'test';
const DUMMY_SECRET_ACCESS_KEY = 'test';

interface Selection {
  backend: LocalAwsBackend;
  external: ExternalEndpoints;
}

async function select(requested: RequestedBackend, env: NodeJS.ProcessEnv, services: readonly AwsService[]) {
  const external = readExternalEndpoints(env);
  const allOverridden = services.every((s) => external.perService[s] !== undefined);
  if (requested === 'external' || (requested === 'auto' && (external.all !== undefined || allOverridden))) {
    if (external.all === undefined && !allOverridden) {
      throw new LocalAwsError(
        'LOCAL_AWS_UNAVAILABLE',
        `the external backend needs ${ENDPOINT_ENV_VAR} (a URL, or "${REAL_AWS}" for real AWS)`,
      );
    }
    return { backend: 'external', external } satisfies Selection;
  }
  if (requested === 'localstack') {
    const probe = await probeDocker(env);
    if (!probe.reachable) throw noDockerError(probe);
    return { backend: 'localstack', external } satisfies Selection;
  }
  if (requested === 'embedded' || requested === 'moto')
    return { backend: requested, external } satisfies Selection;
  const probe = await probeDocker(env);
  return { backend: probe.reachable ? 'localstack' : 'embedded', external } satisfies Selection;
}

/**
 * The backend {@link startLocalAws} would pick for these options, without starting anything: lets a
 * test skip early when it needs a capability (such as `enforceAuth`) the backend lacks.
 * @example
 * ```ts
 * const backend = await localAwsBackend();
 * if (backend === 'external') ctx.skip('needs a local emulator');
 * ```
 */
export async function localAwsBackend(
  options: Pick<StartLocalAwsOptions, 'backend' | 'services'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalAwsBackend> {
  const requested = options.backend ?? readRequestedBackend(env);
  return (await select(requested, env, options.services ?? [...AWS_SERVICES])).backend;
}

function accessKeyAuth(accessKeyId: string, secretAccessKey: string, sessionToken?: string) {
  return {
    mode: 'access-key' as const,
    accessKeyId,
    secretAccessKey: new Secret(secretAccessKey),
    ...(sessionToken ? { sessionToken: new Secret(sessionToken) } : {}),
  };
}

/** Creates an admin IAM user on moto while auth is not yet enforced, then turns enforcement on. */
async function motoAdminKey(endpoint: string, region: string): Promise<{ id: string; secret: string }> {
  const bootstrap = awsConnection({
    name: 'TestkitBootstrap',
    region,
    endpoints: { iam: endpoint },
    auth: accessKeyAuth(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
  } as AwsConnectionConfig);
  try {
    const iam = bootstrap.client(IAMClient);
    const userName = uniqueName('admin');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'admin',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('moto returned no access key');
    return { id: key.AccessKeyId, secret: key.SecretAccessKey };
  } finally {
    await bootstrap.close();
  }
}

/**
 * Provides AWS for a test: an external endpoint when `TRIBUTARY_AWS_ENDPOINT` is set, LocalStack when a
 * Docker engine is reachable, else embedded emulators on 127.0.0.1 (fauxqs for S3/SQS/SNS/STS,
 * kinesis-local for Kinesis, moto for the rest), started in parallel. Dispose it to stop them.
 * @example
 * ```ts
 * await using local = await startLocalAws({ services: ['sqs', 's3'] });
 * const aws = local.connection();
 * const queue = await local.createQueue();
 * ```
 * @throws {@link ConfigError} for invalid options; {@link LocalAwsError} when the backend is unavailable
 * (`LOCAL_AWS_UNAVAILABLE`) or an emulator did not start (`LOCAL_AWS_START_FAILED`, with its log tail).
 */
export async function startLocalAws(input: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const options = parseOptions(startLocalAwsOptions, input, { what: 'startLocalAws options' });
  const env = process.env;
  const services: AwsService[] = [...new Set<AwsService>([...(options.services ?? AWS_SERVICES), 'sts'])];
  const region = options.region ?? readRegion(env);
  const requested = options.backend ?? readRequestedBackend(env);
  const { backend, external } = await select(requested, env, services);
  if (options.enforceAuth && backend !== 'embedded' && backend !== 'moto') {
    throw new LocalAwsError(
      'LOCAL_AWS_UNAVAILABLE',
      `enforceAuth needs the embedded or moto backend, this run uses ${backend}`,
    );
  }

  const endpoints: Partial<Record<AwsService, string>> = {};
  const logTails = new Map<AwsService, () => string>();
  const pids: number[] = [];
  let stop: () => Promise<void> = async () => {};
  let auth: AwsConnectionConfig['auth'] = accessKeyAuth(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY);
  let commonEndpoint: string | undefined;
  // Services with a TRIBUTARY_AWS_ENDPOINT_<SERVICE> are never started locally.
  const local = services.filter((s) => external.perService[s] === undefined);
  for (const service of services) {
    const override = external.perService[service];
    if (override !== undefined && override !== REAL_AWS) endpoints[service] = override;
  }

  if (backend === 'external') {
    const keyId = env[ACCESS_KEY_ID_ENV_VAR];
    const secret = env[SECRET_ACCESS_KEY_ENV_VAR];
    auth =
      keyId && secret ? accessKeyAuth(keyId, secret, env[SESSION_TOKEN_ENV_VAR]) : { mode: 'default-chain' };
    if (external.all !== undefined && external.all !== REAL_AWS) {
      commonEndpoint = external.all;
      for (const service of local) endpoints[service] = external.all;
    }
  } else if (backend === 'localstack') {
    const localstack = await startLocalStack(env, options.startupTimeoutMs);
    commonEndpoint = localstack.endpoint;
    for (const service of local) {
      endpoints[service] = localstack.endpoint;
      logTails.set(service, () => localstack.logs.tail());
    }
    stop = async () => {
      try {
        await localstack.stop();
      } catch {
        // best effort
      }
    };
  } else {
    const plan = planEmulators(local, {
      allOnMoto: backend === 'moto' || options.enforceAuth,
      stsAssumeRole: options.stsAssumeRole,
    });
    const running = await startEmulators(new Set<EmulatorName>(plan.values()), {
      region,
      timeoutMs: options.startupTimeoutMs,
    });
    stop = async () => {
      await Promise.all([...running.values()].map((emulator) => emulator.process.stop()));
    };
    for (const [service, name] of plan) {
      const emulator = running.get(name);
      if (!emulator) continue;
      endpoints[service] = emulator.endpoint;
      logTails.set(service, () => emulator.process.logs.tail());
    }
    for (const emulator of running.values())
      if (emulator.process.pid !== undefined) pids.push(emulator.process.pid);
    const moto = running.get('moto');
    if (options.enforceAuth && moto) {
      try {
        const key = await motoAdminKey(moto.endpoint, region);
        await enforceMotoAuth(moto.endpoint);
        auth = accessKeyAuth(key.id, key.secret);
      } catch (error) {
        const tail = moto.process.logs.tail();
        await stop();
        throw new LocalAwsError('LOCAL_AWS_START_FAILED', `could not set up moto auth: ${String(error)}`, {
          logTail: tail,
          cause: error,
        });
      }
    }
  }

  const connectionConfig = {
    name: 'LocalAws',
    region,
    ...(commonEndpoint !== undefined ? { endpoint: commonEndpoint } : {}),
    endpoints: { ...endpoints },
    forcePathStyle: backend !== 'external' || commonEndpoint !== undefined,
    auth,
  } as AwsConnectionConfig;

  const parts: LocalAwsParts = {
    backend,
    region,
    services,
    endpoints,
    connectionConfig,
    logTails,
    pids,
    stop,
  };
  return new LocalAws(parts);
}

/**
 * Names of the environment variables {@link startLocalAws} reads, for docs and error messages.
 * @example
 * ```ts
 * if (process.env[LOCAL_AWS_ENV_VARS.endpoint]) console.log('running against an external endpoint');
 * ```
 */
export const LOCAL_AWS_ENV_VARS = {
  backend: LOCAL_AWS_ENV_VAR,
  endpoint: ENDPOINT_ENV_VAR,
  serviceEndpointPrefix: SERVICE_ENDPOINT_ENV_VAR_PREFIX,
  region: REGION_ENV_VAR,
  python: PYTHON_ENV_VAR,
  localStackImage: LOCALSTACK_IMAGE_ENV_VAR,
  accessKeyId: ACCESS_KEY_ID_ENV_VAR,
  secretAccessKey: SECRET_ACCESS_KEY_ENV_VAR,
  sessionToken: SESSION_TOKEN_ENV_VAR,
} as const;
