import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  type AwsConnection,
  type Secret,
  type SecretStore,
  Secret as SecretValue,
  secretNotFound,
  secretsManagerSecrets,
  ssmParameterSecrets,
} from '@tributary/connection';
import type { SecretAsset } from './document.js';

/**
 * The secret store of a document's `secrets` section: each entry read through its provider (process
 * environment, file, Secrets Manager, SSM Parameter Store), values cached per store.
 * @example
 * ```ts
 * const store = documentSecrets(config.secrets, { baseDir, connection: (name) => engine.connection(name) });
 * ```
 */
export function documentSecrets(
  entries: ReadonlyMap<string, SecretAsset>,
  context: {
    baseDir: string;
    processEnv?: Readonly<Record<string, string | undefined>>;
    /** The connection of a secrets-manager / ssm entry, by name. */
    connection: (name: string) => AwsConnection;
  },
): SecretStore {
  const cache = new Map<string, Promise<Secret>>();
  const load = async (name: string): Promise<Secret> => {
    const entry = entries.get(name);
    if (entry === undefined) throw secretNotFound(name, 'the secrets section of the config');
    switch (entry.provider) {
      case 'env': {
        const variable = entry.variable ?? name;
        const value = (context.processEnv ?? process.env)[variable];
        if (value === undefined) throw secretNotFound(name, `the process environment variable ${variable}`);
        return new SecretValue(value);
      }
      case 'file': {
        const path = isAbsolute(entry.path) ? entry.path : resolve(context.baseDir, entry.path);
        try {
          return new SecretValue((await readFile(path, 'utf8')).replace(/\r?\n$/, ''));
        } catch (error) {
          throw secretNotFound(name, `the file ${path}`, error);
        }
      }
      case 'secrets-manager':
        return secretsManagerSecrets(context.connection(entry.connection)).get(entry.secretId ?? name);
      case 'ssm':
        return ssmParameterSecrets(context.connection(entry.connection)).get(entry.parameter ?? name);
    }
  };
  return {
    get(name) {
      let value = cache.get(name);
      if (value === undefined) {
        value = load(name);
        cache.set(name, value);
        value.catch(() => cache.delete(name));
      }
      return value;
    },
  };
}
