import { inspect } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isSecret } from '@tributary/connection';
import { startLocalAws, testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('startLocalAws', () => {
  it('rejects invalid options with a ConfigError naming the field', async () => {
    // Act
    const start = startLocalAws({ services: ['sqs', 'dynamodb' as 'sqs'] });
    // Assess
    await expect(start).rejects.toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('/services/1'),
    });
  });

  it('uses TRIBUTARY_AWS_ENDPOINT and the TRIBUTARY_AWS_* keys without starting anything', async () => {
    // Prepare
    vi.stubEnv('TRIBUTARY_LOCAL_AWS', '');
    vi.stubEnv('TRIBUTARY_AWS_ENDPOINT', 'http://127.0.0.1:4566');
    vi.stubEnv('TRIBUTARY_AWS_ENDPOINT_KINESIS', 'http://127.0.0.1:4567');
    vi.stubEnv('TRIBUTARY_AWS_REGION', 'eu-central-1');
    vi.stubEnv('TRIBUTARY_AWS_ACCESS_KEY_ID', 'AKIAEXTERNAL');
    vi.stubEnv('TRIBUTARY_AWS_SECRET_ACCESS_KEY', 'external-secret-value');
    // Act
    await using local = await startLocalAws({ services: ['sqs', 'kinesis'] });
    // Assess
    expect(local.backend).toBe('external');
    expect(local.region).toBe('eu-central-1');
    expect(local.pids).toEqual([]);
    expect(local.endpoints).toEqual({
      sqs: 'http://127.0.0.1:4566',
      sts: 'http://127.0.0.1:4566',
      kinesis: 'http://127.0.0.1:4567',
    });
    const auth = local.connectionConfig.auth as {
      mode: string;
      accessKeyId: string;
      secretAccessKey: unknown;
    };
    expect(auth.mode).toBe('access-key');
    expect(auth.accessKeyId).toBe('AKIAEXTERNAL');
    expect(isSecret(auth.secretAccessKey)).toBe(true);
    expect(JSON.stringify(local.connectionConfig)).not.toContain('external-secret-value');
    expect(inspect(local, { depth: 10 })).not.toContain('external-secret-value');
    expect(local.logTail()).toBe('');
  });

  it('falls back to the default credential chain for real AWS', async () => {
    // Prepare
    vi.stubEnv('TRIBUTARY_LOCAL_AWS', '');
    vi.stubEnv('TRIBUTARY_AWS_ENDPOINT', 'aws');
    vi.stubEnv('TRIBUTARY_AWS_ACCESS_KEY_ID', '');
    // Act
    await using local = await startLocalAws({ services: ['sqs'], region: 'eu-west-1' });
    // Assess
    expect(local.backend).toBe('external');
    expect(local.endpoints).toEqual({});
    expect(local.connectionConfig.auth).toEqual({ mode: 'default-chain' });
    expect(local.connectionConfig.forcePathStyle).toBe(false);
  });

  it('refuses enforceAuth on an external backend', async () => {
    // Prepare
    vi.stubEnv('TRIBUTARY_LOCAL_AWS', '');
    vi.stubEnv('TRIBUTARY_AWS_ENDPOINT', 'http://127.0.0.1:4566');
    // Act
    const start = startLocalAws({ services: ['sts'], enforceAuth: true });
    // Assess
    await expect(start).rejects.toMatchObject({
      code: 'LOCAL_AWS_UNAVAILABLE',
      message: expect.stringContaining('enforceAuth'),
    });
  });

  it('fails clearly when LocalStack is forced and no Docker engine is reachable', async () => {
    // Prepare
    vi.stubEnv('TRIBUTARY_LOCAL_AWS', 'localstack');
    vi.stubEnv('TRIBUTARY_AWS_ENDPOINT', '');
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent/docker.sock');
    // Act
    const start = startLocalAws({ services: ['sqs'] });
    // Assess
    await expect(start).rejects.toMatchObject({
      name: 'LocalAwsError',
      code: 'LOCAL_AWS_UNAVAILABLE',
      message: expect.stringContaining('no Docker engine'),
    });
  });
});

describe('testConnection', () => {
  it('is a connection in eu-west-1 with no endpoint whose clients aws-sdk-client-mock intercepts', async () => {
    // Prepare
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
    const aws = testConnection();
    try {
      // Act
      const identity = await aws.client(STSClient).send(new GetCallerIdentityCommand({}));
      // Assess
      expect(aws.region).toBe('eu-west-1');
      expect(aws.endpoint).toBeUndefined();
      expect(identity.Account).toBe('123456789012');
      expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    } finally {
      sts.restore();
      await aws.close();
    }
  });
});
