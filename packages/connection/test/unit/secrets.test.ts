import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  awsConnection,
  chainSecrets,
  environmentSecrets,
  fileSecrets,
  inMemorySecrets,
  Secret,
  secretsManagerSecrets,
  ssmParameterSecrets,
} from '@tributary/connection';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const secretsManager = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const aws = awsConnection({
  name: 'Secrets',
  region: 'eu-west-1',
  auth: { mode: 'access-key', accessKeyId: 'A', secretAccessKey: new Secret('unit-test-key') },
});
let dir: string;

beforeEach(() => {
  secretsManager.reset();
  ssm.reset();
  dir = mkdtempSync(join(tmpdir(), 'tributary-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inMemorySecrets', () => {
  it('returns a Secret, and SECRET_NOT_FOUND naming a missing one', async () => {
    const store = inMemorySecrets({ a: 'alpha-value', b: new Secret('beta-value') });
    const a = await store.get('a');
    expect(a).toBeInstanceOf(Secret);
    expect(a.reveal()).toBe('alpha-value');
    expect((await store.get('b')).reveal()).toBe('beta-value');
    await expect(store.get('c')).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      details: { secret: 'c' },
    });
  });
});

describe('environmentSecrets', () => {
  it('reads <prefix><name>, then the upper-case underscore form', async () => {
    // Prepare
    const env = { 'SECRET_db-password': 'exact', SECRET_AWS_SECRET: 'normalized' };
    const store = environmentSecrets({ prefix: 'SECRET_', env });
    // Act & Assess
    expect((await store.get('db-password')).reveal()).toBe('exact');
    expect((await store.get('aws-secret')).reveal()).toBe('normalized');
    await expect(store.get('other')).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      details: { secret: 'other' },
    });
  });

  it('reads process.env by default', async () => {
    process.env.TRIBUTARY_TEST_SECRET = 'from-env';
    try {
      expect((await environmentSecrets({ prefix: 'TRIBUTARY_' }).get('test-secret')).reveal()).toBe(
        'from-env',
      );
    } finally {
      delete process.env.TRIBUTARY_TEST_SECRET;
    }
  });
});

describe('fileSecrets', () => {
  it('reads a mounted secret file and trims the trailing newline', async () => {
    // Prepare
    writeFileSync(join(dir, 'aws-secret'), 'line-value\n');
    writeFileSync(join(dir, 'crlf'), 'windows-value\r\n');
    writeFileSync(join(dir, 'inner'), '  spaced value  ');
    const store = fileSecrets(dir);
    // Act & Assess
    expect((await store.get('aws-secret')).reveal()).toBe('line-value');
    expect((await store.get('crlf')).reveal()).toBe('windows-value');
    expect((await store.get('inner')).reveal()).toBe('  spaced value  ');
  });

  it('raises SECRET_NOT_FOUND for a missing file or a name that leaves the directory', async () => {
    const store = fileSecrets(dir);
    await expect(store.get('missing')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
    await expect(store.get('../etc/passwd')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
  });
});

describe('secretsManagerSecrets', () => {
  it('reads GetSecretValue of <prefix><name>', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand, { SecretId: 'prod/db' }).resolves({ SecretString: 'sm-value' });
    // Act
    const secret = await secretsManagerSecrets(aws, { prefix: 'prod/' }).get('db');
    // Assess
    expect(secret.reveal()).toBe('sm-value');
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'prod/db' });
  });

  it('maps ResourceNotFoundException to SECRET_NOT_FOUND and other errors to TributaryErrors', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(
      Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    secretsManager.on(GetSecretValueCommand, { SecretId: 'locked' }).rejects(
      Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    const store = secretsManagerSecrets(aws);
    await expect(store.get('gone')).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      details: { secret: 'gone' },
    });
    await expect(store.get('locked')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      details: { operation: 'GetSecretValue', resource: 'locked' },
    });
  });
});

describe('ssmParameterSecrets', () => {
  it('reads GetParameter with decryption', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/prod/db', Type: 'SecureString', Value: 'decrypted' } });
    // Act
    const secret = await ssmParameterSecrets(aws, { prefix: '/prod/' }).get('db');
    // Assess
    expect(secret.reveal()).toBe('decrypted');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/prod/db', WithDecryption: true });
  });

  it('maps ParameterNotFound to SECRET_NOT_FOUND', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    await expect(ssmParameterSecrets(aws).get('x')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
  });
});

describe('chainSecrets', () => {
  it('asks each store in turn and raises SECRET_NOT_FOUND when none knows the secret', async () => {
    // Prepare
    writeFileSync(join(dir, 'from-file'), 'file-value\n');
    const store = chainSecrets(inMemorySecrets({ first: 'memory-value' }), fileSecrets(dir));
    // Act & Assess
    expect((await store.get('first')).reveal()).toBe('memory-value');
    expect((await store.get('from-file')).reveal()).toBe('file-value');
    await expect(store.get('nowhere')).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
      details: { secret: 'nowhere' },
    });
  });

  it('raises any other error of a store at once', async () => {
    const failing = {
      get: () => Promise.reject(Object.assign(new Error('boom'), { code: 'ACCESS_DENIED' })),
    };
    const store = chainSecrets(failing, inMemorySecrets({ x: 'value' }));
    await expect(store.get('x')).rejects.toThrow('boom');
  });
});
