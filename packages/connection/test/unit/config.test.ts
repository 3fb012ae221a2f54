import {
  type AwsConnectionConfig,
  awsConnection,
  awsConnectionJsonSchema,
  checkRequiredRoles,
  isTributaryError,
  resolveConnectionConfig,
} from '@tributary/connection';
import { describe, expect, it } from 'vitest';

function configError(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isTributaryError(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const base = { name: 'Local', region: 'eu-west-1', auth: { mode: 'default-chain' } } as const;

describe('resolveConnectionConfig', () => {
  it('applies defaults', () => {
    // Act
    const resolved = resolveConnectionConfig(base);
    // Assess
    expect(resolved.http).toEqual({ keepAlive: true, maxSockets: 50 });
    expect(resolved.retry).toEqual({
      mode: 'standard',
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 20_000,
    });
    expect(resolved.requiredRoles).toEqual([]);
    expect(resolved.forcePathStyle).toBe(false);
  });

  it('defaults the region to us-east-1 and forcePathStyle to true when an endpoint is set', () => {
    // Act
    const resolved = resolveConnectionConfig({
      name: 'L',
      endpoint: 'http://127.0.0.1:4566',
      auth: { mode: 'none' },
    });
    // Assess
    expect(resolved.region).toBe('us-east-1');
    expect(resolved.forcePathStyle).toBe(true);
  });

  it('keeps an explicit forcePathStyle', () => {
    const resolved = resolveConnectionConfig({
      ...base,
      endpoint: 'http://127.0.0.1:4566',
      forcePathStyle: false,
    });
    expect(resolved.forcePathStyle).toBe(false);
  });

  it('accepts the region forms of every partition', () => {
    for (const region of ['eu-west-1', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-5', 'us-iso-east-1']) {
      expect(resolveConnectionConfig({ ...base, region }).region).toBe(region);
    }
  });

  it('requires a region without an endpoint, naming the path', () => {
    // Act
    const error = configError(() =>
      resolveConnectionConfig({ name: 'L', auth: { mode: 'none' } }, { path: '/connections/0' }),
    );
    // Assess
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.paths).toEqual(['/connections/0/region']);
    expect(error.message).toContain('/connections/0/region: required unless an endpoint is set');
  });

  it('rejects a malformed region, spaces in the name and unknown keys, each with its path', () => {
    // Prepare
    const input = { name: 'My Conn', region: 'Europe', auth: { mode: 'none', extra: 1 }, colour: 'red' };
    // Act
    const error = configError(() => resolveConnectionConfig(input, { path: '/connections/3' }));
    // Assess
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.paths).toEqual(
      expect.arrayContaining(['/connections/3/name', '/connections/3/region', '/connections/3']),
    );
    expect(error.message).toMatch(/\/connections\/3\/name: must not contain spaces/);
    expect(error.message).toMatch(/\/connections\/3\/region: must be an AWS region/);
    expect(error.message).toMatch(/colour/);
  });

  it('rejects unknown keys inside auth, with the auth path', () => {
    const error = configError(() =>
      resolveConnectionConfig({ ...base, auth: { mode: 'profile', profile: 'dev', user: 'x' } }),
    );
    expect(error.details.paths).toEqual(['/auth']);
    expect(error.message).toContain('user');
  });

  it('rejects an out-of-range assume-role duration', () => {
    const error = configError(() =>
      resolveConnectionConfig({
        ...base,
        auth: { mode: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 60 },
      }),
    );
    expect(error.details.paths).toEqual(['/auth/durationSeconds']);
  });

  it('requires exactly one of tokenFile and token for web-identity', () => {
    const roleArn = 'arn:aws:iam::123456789012:role/r';
    const neither = configError(() =>
      resolveConnectionConfig({ ...base, auth: { mode: 'web-identity', roleArn } }),
    );
    expect(neither.message).toContain('exactly one of tokenFile, token');
    const both = configError(() =>
      resolveConnectionConfig(
        { ...base, auth: { mode: 'web-identity', roleArn, tokenFile: '/t', token: { secret: 'oidc' } } },
        { secrets: { get: async () => Promise.reject(new Error('unused')) } },
      ),
    );
    expect(both.details.paths).toEqual(['/auth']);
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    const error = configError(() => resolveConnectionConfig({ ...base, endpoint: 'ftp://x' }));
    expect(error.details.paths).toEqual(['/endpoint']);
  });

  it('rejects a secret reference when no secret store is given', () => {
    const error = configError(() =>
      resolveConnectionConfig({
        ...base,
        auth: { mode: 'access-key', accessKeyId: 'AKIA1', secretAccessKey: { secret: 'aws-secret' } },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.path).toBe('/auth/secretAccessKey');
    expect(error.message).toContain('aws-secret');
  });
});

describe('requiredRoles', () => {
  it('checkRequiredRoles lists the missing roles', () => {
    expect(checkRequiredRoles(['ingest', 'eu', 'ingest'], ['ingest'])).toEqual(['eu']);
    expect(checkRequiredRoles([], [])).toEqual([]);
  });

  it('awsConnection throws ROLES_MISSING naming the missing roles when nodeRoles are given', () => {
    // Prepare
    const config: AwsConnectionConfig = { ...base, requiredRoles: ['ingest', 'eu'] };
    // Act
    const error = configError(() => awsConnection(config, { nodeRoles: ['ingest'], path: '/connections/1' }));
    // Assess
    expect(error.code).toBe('ROLES_MISSING');
    expect(error.details.missing).toEqual(['eu']);
    expect(error.details.path).toBe('/connections/1/requiredRoles');
    expect(error.message).toContain('eu');
  });

  it('accepts a node with every role, and skips the check without nodeRoles', () => {
    const config: AwsConnectionConfig = { ...base, requiredRoles: ['ingest'] };
    expect(awsConnection(config, { nodeRoles: ['ingest', 'other'] }).requiredRoles).toEqual(['ingest']);
    expect(awsConnection(config).requiredRoles).toEqual(['ingest']);
  });
});

describe('awsConnectionJsonSchema', () => {
  it('describes the asset for editors, with secret refs as names only', () => {
    // Prepare
    const schema = awsConnectionJsonSchema as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    // Assess
    expect(schema.required).toEqual(['name', 'auth']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'name',
        'region',
        'endpoint',
        'endpoints',
        'auth',
        'http',
        'retry',
        'requiredRoles',
      ]),
    );
    const text = JSON.stringify(schema);
    expect(text).toContain('"pattern":"^\\\\$\\\\{sec:([^}]+)\\\\}$"');
    const auth = schema.properties.auth as { oneOf: { properties: Record<string, { anyOf?: unknown[] }> }[] };
    const accessKey = auth.oneOf.find((o) => o.properties.secretAccessKey !== undefined);
    expect(accessKey?.properties.secretAccessKey?.anyOf).toHaveLength(2);
  });
});
