import { ConfigError } from '@tributary/connection';
import { AWS_SERVICES, type AwsService } from '../services.js';

/** One endpoint for every service (LocalStack, a real account's, ...); `aws` means real AWS, no endpoint. */
export const ENDPOINT_ENV_VAR = 'TRIBUTARY_AWS_ENDPOINT';
/** Prefix of per-service endpoints: `TRIBUTARY_AWS_ENDPOINT_KINESIS`. */
export const SERVICE_ENDPOINT_ENV_VAR_PREFIX = 'TRIBUTARY_AWS_ENDPOINT_';
/** Backend choice: `localstack`, `embedded`, `moto` (or `auto`). */
export const LOCAL_AWS_ENV_VAR = 'TRIBUTARY_LOCAL_AWS';
export const REGION_ENV_VAR = 'TRIBUTARY_AWS_REGION';
export const ACCESS_KEY_ID_ENV_VAR = 'TRIBUTARY_AWS_ACCESS_KEY_ID';
export const SECRET_ACCESS_KEY_ENV_VAR = 'TRIBUTARY_AWS_SECRET_ACCESS_KEY';
export const SESSION_TOKEN_ENV_VAR = 'TRIBUTARY_AWS_SESSION_TOKEN';

export type RequestedBackend = 'auto' | 'external' | 'localstack' | 'embedded' | 'moto';
const REQUESTED_BACKENDS: readonly string[] = ['auto', 'external', 'localstack', 'embedded', 'moto'];

/** The value `TRIBUTARY_AWS_ENDPOINT` takes for real AWS. */
export const REAL_AWS = 'aws';

export interface ExternalEndpoints {
  /** `TRIBUTARY_AWS_ENDPOINT`: a URL, `aws` (real AWS), or undefined when not set. */
  all: string | undefined;
  /** `TRIBUTARY_AWS_ENDPOINT_<SERVICE>` values. */
  perService: Partial<Record<AwsService, string>>;
}

function checkUrl(name: string, value: string): string {
  if (value === REAL_AWS) return value;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError('CONFIG_INVALID', `${name} must be an http(s) URL or "${REAL_AWS}"`, {
    details: { paths: [name] },
    hint: `e.g. ${name}=http://127.0.0.1:4566`,
  });
}

export function readExternalEndpoints(env: NodeJS.ProcessEnv): ExternalEndpoints {
  const raw = env[ENDPOINT_ENV_VAR];
  const perService: Partial<Record<AwsService, string>> = {};
  for (const service of AWS_SERVICES) {
    const name = `${SERVICE_ENDPOINT_ENV_VAR_PREFIX}${service.toUpperCase()}`;
    const value = env[name];
    if (value) perService[service] = checkUrl(name, value);
  }
  return { all: raw ? checkUrl(ENDPOINT_ENV_VAR, raw) : undefined, perService };
}

export function readRequestedBackend(env: NodeJS.ProcessEnv): RequestedBackend {
  const raw = env[LOCAL_AWS_ENV_VAR];
  if (!raw) return 'auto';
  if (!REQUESTED_BACKENDS.includes(raw)) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${LOCAL_AWS_ENV_VAR} must be one of ${REQUESTED_BACKENDS.join(', ')}, got a string of ${raw.length} characters`,
      { details: { paths: [LOCAL_AWS_ENV_VAR] } },
    );
  }
  return raw as RequestedBackend;
}

export function readRegion(env: NodeJS.ProcessEnv): string {
  return env[REGION_ENV_VAR] || env.AWS_REGION || 'us-east-1';
}
