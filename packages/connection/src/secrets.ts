import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsConnection } from './awsConnection.js';
import { toTributaryError } from './awsErrors.js';
import { isTributaryError, TributaryError } from './errors.js';
import { isSecret, Secret } from './secret.js';

/**
 * Resolves secrets by name. Providers: {@link inMemorySecrets}, {@link environmentSecrets},
 * {@link fileSecrets}, {@link secretsManagerSecrets}, {@link ssmParameterSecrets}; combine with {@link chainSecrets}.
 * @example
 * ```ts
 * const secrets: SecretStore = chainSecrets(fileSecrets('/run/secrets'), environmentSecrets({ prefix: 'SECRET_' }));
 * const key = await secrets.get('aws-secret'); // Secret, prints as [redacted]
 * ```
 */
export interface SecretStore {
  /** @throws {@link TributaryError} `SECRET_NOT_FOUND` naming the secret (never a value). */
  get(name: string): Promise<Secret>;
}

/** The `SECRET_NOT_FOUND` error every provider raises. */
export function secretNotFound(name: string, where: string, cause?: unknown): TributaryError {
  return new TributaryError('SECRET_NOT_FOUND', `Secret "${name}" not found in ${where}`, {
    details: { secret: name, store: where },
    hint: `add the secret "${name}" to ${where}, or fix the name referenced by the config`,
    cause,
  });
}

/**
 * Secrets held in memory, for tests and code that reads secrets elsewhere.
 * @example
 * ```ts
 * awsConnection(config, { secrets: inMemorySecrets({ 'aws-secret': 'wJalrXUtnFEMI' }) });
 * ```
 */
export function inMemorySecrets(record: Readonly<Record<string, string | Secret>>): SecretStore {
  const values = new Map<string, Secret>(
    Object.entries(record).map(([name, value]) => [name, isSecret(value) ? value : new Secret(value)]),
  );
  return {
    async get(name) {
      const value = values.get(name);
      if (value === undefined) throw secretNotFound(name, 'the in-memory secret store');
      return value;
    },
  };
}

/** `aws-secret` → `AWS_SECRET`. */
function envName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}

/**
 * Secrets read from process environment variables `<prefix><name>`, then `<prefix><NAME>` with every
 * character other than a letter or digit turned into `_` (`aws-secret` → `SECRET_AWS_SECRET`).
 * @example
 * ```ts
 * environmentSecrets({ prefix: 'SECRET_' }).get('aws-secret'); // reads SECRET_aws-secret, then SECRET_AWS_SECRET
 * ```
 */
export function environmentSecrets({
  prefix = '',
  env = process.env,
}: {
  prefix?: string;
  env?: Readonly<Record<string, string | undefined>>;
} = {}): SecretStore {
  return {
    async get(name) {
      const value = env[`${prefix}${name}`] ?? env[`${prefix}${envName(name)}`];
      if (value === undefined) {
        throw secretNotFound(name, `the process environment (${prefix}${envName(name)})`);
      }
      return new Secret(value);
    },
  };
}

/**
 * Secrets mounted as files, one per secret, named like the secret (Docker / Kubernetes secret mounts).
 * A trailing newline is trimmed.
 * @example
 * ```ts
 * fileSecrets('/run/secrets').get('aws-secret'); // contents of /run/secrets/aws-secret
 * ```
 */
export function fileSecrets(dir: string): SecretStore {
  const where = `the secret directory ${dir}`;
  return {
    async get(name) {
      if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name))
        throw secretNotFound(name, where);
      try {
        const text = await readFile(join(dir, name), 'utf8');
        return new Secret(text.replace(/\r?\n+$/, ''));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw secretNotFound(name, where, typeof code === 'string' ? { code } : undefined);
      }
    },
  };
}

/**
 * Secrets from AWS Secrets Manager (`GetSecretValue` of `<prefix><name>`), read on every `get`, so a
 * rotated secret is picked up the next time it is resolved. IAM: `secretsmanager:GetSecretValue`
 * (and `kms:Decrypt` for a customer managed key).
 * @example
 * ```ts
 * secretsManagerSecrets(aws, { prefix: 'prod/' }).get('db-password');
 * ```
 */
export function secretsManagerSecrets(
  aws: AwsConnection,
  { prefix = '' }: { prefix?: string } = {},
): SecretStore {
  return {
    async get(name) {
      const secretId = `${prefix}${name}`;
      const where = `AWS Secrets Manager (${aws.name})`;
      try {
        const out = await aws
          .client(SecretsManagerClient)
          .send(new GetSecretValueCommand({ SecretId: secretId }));
        if (out.SecretString !== undefined) return new Secret(out.SecretString);
        if (out.SecretBinary !== undefined) return new Secret(Buffer.from(out.SecretBinary).toString('utf8'));
        throw secretNotFound(name, where);
      } catch (error) {
        if (isTributaryError(error)) throw error;
        if ((error as { name?: unknown }).name === 'ResourceNotFoundException')
          throw secretNotFound(name, where);
        throw toTributaryError(error, { operation: 'GetSecretValue', resource: secretId });
      }
    },
  };
}

/**
 * Secrets from SSM Parameter Store (`GetParameter` of `<prefix><name>` with decryption, so SecureString
 * parameters come back decrypted), read on every `get`. IAM: `ssm:GetParameter` (and `kms:Decrypt`).
 * @example
 * ```ts
 * ssmParameterSecrets(aws, { prefix: '/prod/' }).get('db-password');
 * ```
 */
export function ssmParameterSecrets(
  aws: AwsConnection,
  { prefix = '' }: { prefix?: string } = {},
): SecretStore {
  return {
    async get(name) {
      const parameter = `${prefix}${name}`;
      const where = `SSM Parameter Store (${aws.name})`;
      try {
        const out = await aws
          .client(SSMClient)
          .send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
        const value = out.Parameter?.Value;
        if (value === undefined) throw secretNotFound(name, where);
        return new Secret(value);
      } catch (error) {
        if (isTributaryError(error)) throw error;
        if ((error as { name?: unknown }).name === 'ParameterNotFound') throw secretNotFound(name, where);
        throw toTributaryError(error, { operation: 'GetParameter', resource: parameter });
      }
    },
  };
}

/**
 * Asks several stores in order; the first that knows the secret answers. `SECRET_NOT_FOUND` from one
 * store moves on to the next, any other error (access denied...) is raised.
 * @example
 * ```ts
 * chainSecrets(fileSecrets('/run/secrets'), ssmParameterSecrets(aws, { prefix: '/prod/' }));
 * ```
 */
export function chainSecrets(...stores: readonly SecretStore[]): SecretStore {
  return {
    async get(name) {
      for (const store of stores) {
        try {
          return await store.get(name);
        } catch (error) {
          if (!isTributaryError(error) || error.code !== 'SECRET_NOT_FOUND') throw error;
        }
      }
      throw secretNotFound(name, `any of ${stores.length} secret stores`);
    },
  };
}
