// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text such as ${sec:name} is what this file is about
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsConnectionConfig, awsConnection, inMemorySecrets, Secret } from '@tributary/connection';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::123456789012:role/ingest';
let dir: string;

beforeEach(() => {
  sts.reset();
  dir = mkdtempSync(join(tmpdir(), 'tributary-credentials-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** The credentials the connection's clients sign with. */
async function credentialsOf(config: AwsConnectionConfig, secrets = inMemorySecrets({})) {
  const aws = awsConnection(config, { secrets });
  const client = aws.client(SQSClient);
  const provider = () => client.config.credentials();
  return { aws, provider, first: await provider() };
}

function stsCredentials(n: number, expiresInMs: number) {
  return {
    Credentials: {
      AccessKeyId: `ASIA${n}`,
      SecretAccessKey: `secret-${n}`,
      SessionToken: `token-${n}`,
      Expiration: new Date(Date.now() + expiresInMs),
    },
  };
}

describe('auth modes', () => {
  it('access-key returns the keys, resolving the secrets through the store', async () => {
    // Act
    const { first, aws } = await credentialsOf(
      {
        name: 'Keys',
        region: 'eu-west-1',
        auth: {
          mode: 'access-key',
          accessKeyId: 'AKIAEXAMPLE',
          secretAccessKey: { secret: 'aws-secret' },
          sessionToken: '${sec:aws-token}',
        },
      },
      inMemorySecrets({ 'aws-secret': 'wJalrXUtnFEMI', 'aws-token': 'FwoGZX' }),
    );
    // Assess
    expect(first).toMatchObject({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI',
      sessionToken: 'FwoGZX',
    });
    await aws.close();
  });

  it('access-key accepts a Secret instance in code', async () => {
    const { first } = await credentialsOf({
      name: 'Keys',
      region: 'eu-west-1',
      auth: { mode: 'access-key', accessKeyId: 'AKIA2', secretAccessKey: new Secret('in-code-secret') },
    });
    expect(first).toMatchObject({ accessKeyId: 'AKIA2', secretAccessKey: 'in-code-secret' });
  });

  it('access-key fails with SECRET_NOT_FOUND on first use when the store lacks the secret', async () => {
    // Prepare
    const aws = awsConnection(
      {
        name: 'K',
        region: 'eu-west-1',
        auth: { mode: 'access-key', accessKeyId: 'A', secretAccessKey: { secret: 'gone' } },
      },
      { secrets: inMemorySecrets({}) },
    );
    const provider = aws.client(SQSClient).config.credentials as () => Promise<unknown>;
    // Act & Assess
    await expect(provider()).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND', details: { secret: 'gone' } });
  });

  it('profile reads the given credentials and config files', async () => {
    // Prepare
    const credentialsFile = join(dir, 'credentials');
    const configFile = join(dir, 'config');
    writeFileSync(
      credentialsFile,
      '[dev]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n',
    );
    writeFileSync(configFile, '[profile dev]\nregion = eu-central-1\n');
    // Act
    const { first } = await credentialsOf({
      name: 'Profile',
      region: 'eu-west-1',
      auth: { mode: 'profile', profile: 'dev', credentialsFile, configFile },
    });
    // Assess
    expect(first).toMatchObject({ accessKeyId: 'AKIAPROFILE', secretAccessKey: 'profile-secret' });
  });

  it('default-chain picks the credentials of the process environment', async () => {
    // Prepare
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      // Act
      const { first } = await credentialsOf({
        name: 'Chain',
        region: 'eu-west-1',
        auth: { mode: 'default-chain' },
      });
      // Assess
      expect(first).toMatchObject({ accessKeyId: 'AKIAFROMENV', secretAccessKey: 'env-secret' });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('assume-role calls AssumeRole with the source credentials on the connection endpoint', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(stsCredentials(1, 60 * 60_000));
    // Act
    const { first } = await credentialsOf(
      {
        name: 'Assume',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:4566',
        auth: {
          mode: 'assume-role',
          roleArn,
          externalId: 'ext-123',
          sessionName: 'ingest-session',
          durationSeconds: 1800,
          source: { mode: 'access-key', accessKeyId: 'AKIASOURCE', secretAccessKey: { secret: 'src' } },
        },
      },
      inMemorySecrets({ src: 'source-secret' }),
    );
    // Assess
    expect(first).toMatchObject({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: roleArn,
      ExternalId: 'ext-123',
      RoleSessionName: 'ingest-session',
      DurationSeconds: 1800,
    });
    const stsClient = sts.call(0).thisValue as STSClient;
    const master = await stsClient.config.credentials();
    expect(master).toMatchObject({ accessKeyId: 'AKIASOURCE', secretAccessKey: 'source-secret' });
    const endpoint = await stsClient.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4566);
  });

  it('assume-role defaults the session name to tributary-<name>', async () => {
    sts.on(AssumeRoleCommand).resolves(stsCredentials(1, 60 * 60_000));
    await credentialsOf({
      name: 'My/Conn',
      region: 'eu-west-1',
      auth: {
        mode: 'assume-role',
        roleArn,
        source: { mode: 'access-key', accessKeyId: 'A', secretAccessKey: new Secret('s') },
      },
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleSessionName: 'tributary-My-Conn' });
  });

  it('assume-role refreshes the credentials before they expire, and only then', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(stsCredentials(1, 15 * 60_000))
      .resolvesOnce(stsCredentials(2, 15 * 60_000));
    const { provider, first } = await credentialsOf({
      name: 'Refresh',
      region: 'eu-west-1',
      auth: {
        mode: 'assume-role',
        roleArn,
        source: { mode: 'access-key', accessKeyId: 'A', secretAccessKey: new Secret('s') },
      },
    });
    // Act
    vi.setSystemTime(new Date('2026-01-01T00:05:00Z')); // 10 min left: still good
    const cached = await provider();
    vi.setSystemTime(new Date('2026-01-01T00:11:00Z')); // 4 min left: within the refresh window, not yet expired
    const refreshed = await provider();
    // Assess
    expect(first.accessKeyId).toBe('ASIA1');
    expect(cached.accessKeyId).toBe('ASIA1');
    expect(refreshed.accessKeyId).toBe('ASIA2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('assume-role shares one set of credentials between the clients of the connection', async () => {
    sts.on(AssumeRoleCommand).resolves(stsCredentials(1, 60 * 60_000));
    const aws = awsConnection({
      name: 'Shared',
      region: 'eu-west-1',
      auth: {
        mode: 'assume-role',
        roleArn,
        source: { mode: 'access-key', accessKeyId: 'A', secretAccessKey: new Secret('s') },
      },
    });
    await (aws.client(SQSClient).config.credentials as () => Promise<unknown>)();
    await (aws.client(STSClient).config.credentials as () => Promise<unknown>)();
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('web-identity with a token file calls AssumeRoleWithWebIdentity with the file contents', async () => {
    // Prepare
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'eyJhbGciOi.oidc.token');
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(stsCredentials(7, 60 * 60_000));
    // Act
    const { first } = await credentialsOf({
      name: 'Oidc',
      region: 'eu-west-1',
      auth: { mode: 'web-identity', roleArn, tokenFile, sessionName: 'pod-1' },
    });
    // Assess
    expect(first).toMatchObject({
      accessKeyId: 'ASIA7',
      secretAccessKey: 'secret-7',
      sessionToken: 'token-7',
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleWithWebIdentityCommand, {
      RoleArn: roleArn,
      RoleSessionName: 'pod-1',
      WebIdentityToken: 'eyJhbGciOi.oidc.token',
    });
  });

  it('web-identity with a token secret resolves it through the store', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(stsCredentials(8, 60 * 60_000));
    const { first } = await credentialsOf(
      {
        name: 'Oidc',
        region: 'eu-west-1',
        auth: { mode: 'web-identity', roleArn, token: { secret: 'oidc' } },
      },
      inMemorySecrets({ oidc: 'token-from-secret' }),
    );
    expect(first.accessKeyId).toBe('ASIA8');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleWithWebIdentityCommand, {
      WebIdentityToken: 'token-from-secret',
      RoleSessionName: 'tributary-Oidc',
    });
  });

  it('none gives clients no credentials to sign with', async () => {
    const aws = awsConnection({ name: 'Anon', region: 'eu-west-1', auth: { mode: 'none' } });
    const client = aws.client(SQSClient);
    expect(aws.authMode).toBe('none');
    expect(client.config.httpAuthSchemes.map((s) => s.schemeId)).toEqual(['smithy.api#noAuth']);
  });
});
