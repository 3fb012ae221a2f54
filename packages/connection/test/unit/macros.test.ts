// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text such as ${sec:name} is what this file is about
import {
  awsConnection,
  expandConfigMacros,
  expandMacros,
  isTributaryError,
  resolveConnectionConfig,
  TributaryError,
} from '@tributary/connection';
import { describe, expect, it } from 'vitest';

const environment = { REGION: 'eu-west-1', HOST: 'localhost', 'queue.name': 'orders' };
const processEnv = { AWS_PORT: '4566' };
const ctx = { environment, processEnv };

function thrown(fn: () => unknown): TributaryError {
  try {
    fn();
  } catch (error) {
    if (isTributaryError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('expandMacros', () => {
  it('reads ${lay:X}, ${X} and $<X> from the environment and ${env:X} from the process environment', () => {
    expect(expandMacros('${lay:REGION}', ctx, '/region')).toBe('eu-west-1');
    expect(expandMacros('${REGION}', ctx, '/region')).toBe('eu-west-1');
    expect(expandMacros('$<REGION>', ctx, '/region')).toBe('eu-west-1');
    expect(expandMacros('http://${HOST}:${env:AWS_PORT}/x', ctx, '/endpoint')).toBe(
      'http://localhost:4566/x',
    );
    expect(expandMacros('q-${lay:queue.name}', ctx, '/q')).toBe('q-orders');
  });

  it('reads process.env by default for ${env:X}', () => {
    // Prepare
    process.env.TRIBUTARY_MACRO_TEST = 'from-process';
    try {
      // Act & Assess
      expect(expandMacros('${env:TRIBUTARY_MACRO_TEST}', { environment }, '/x')).toBe('from-process');
    } finally {
      delete process.env.TRIBUTARY_MACRO_TEST;
    }
  });

  it('turns $${ into a literal ${ and $$< into a literal $<, without expanding them', () => {
    expect(expandMacros('cost: $${REGION} and $$<REGION>', ctx, '/d')).toBe('cost: ${REGION} and $<REGION>');
    expect(expandMacros('$5 and $ alone', ctx, '/d')).toBe('$5 and $ alone');
  });

  it('leaves runtime macros untouched', () => {
    const template = 'out/${date:yyyy/MM/dd}/${msg:order.id}-${uuid}-${seq}.json';
    expect(expandMacros(template, ctx, '/key')).toBe(template);
  });

  it('does not expand a value a second time', () => {
    expect(expandMacros('${X}', { environment: { X: '${REGION}' } }, '/x')).toBe('${REGION}');
  });

  it('names the variable and the path of an unresolved ${lay:X}, never a value', () => {
    // Act
    const error = thrown(() => expandMacros('${lay:MISSING}', ctx, '/connections/0/region'));
    // Assess
    expect(error.code).toBe('CONFIG_MACRO_UNRESOLVED');
    expect(error.details).toMatchObject({
      variable: 'MISSING',
      source: 'lay',
      path: '/connections/0/region',
    });
    expect(error.message).toContain('MISSING');
    expect(error.message).toContain('/connections/0/region');
  });

  it('names the variable of an unresolved ${X}, $<X> and ${env:X}', () => {
    expect(thrown(() => expandMacros('${NOPE}', ctx, '/a')).details).toMatchObject({
      variable: 'NOPE',
      path: '/a',
    });
    expect(thrown(() => expandMacros('x$<NOPE2>', ctx, '/b')).details).toMatchObject({
      variable: 'NOPE2',
      path: '/b',
    });
    const env = thrown(() => expandMacros('${env:NOPE3}', ctx, '/c'));
    expect(env.code).toBe('CONFIG_MACRO_UNRESOLVED');
    expect(env.details).toMatchObject({ variable: 'NOPE3', source: 'env', path: '/c' });
    expect(env.hint).toContain('NOPE3');
  });

  it('rejects an unknown prefix as unresolved', () => {
    const error = thrown(() => expandMacros('${vault:x}', ctx, '/v'));
    expect(error.code).toBe('CONFIG_MACRO_UNRESOLVED');
    expect(error.message).toContain('unknown macro prefix "vault"');
  });

  it('rejects ${sec:X} outside a secret field', () => {
    const error = thrown(() => expandMacros('${sec:aws-secret}', ctx, '/connections/0/region'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('secrets are allowed only in secret fields');
    expect(error.details.path).toBe('/connections/0/region');
  });

  it('rejects an unterminated ${', () => {
    const error = thrown(() => expandMacros('abc ${REGION', ctx, '/x'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('Unterminated');
  });
});

describe('macros in a connection config', () => {
  it('expands every string field before validation', () => {
    // Prepare
    const config = {
      name: 'Local',
      region: '${REGION}',
      endpoint: 'http://${HOST}:${env:AWS_PORT}',
      endpoints: { s3: 'http://$<HOST>:9000' },
      auth: { mode: 'access-key', accessKeyId: '${lay:REGION}-key', secretAccessKey: '${sec:aws-secret}' },
      requiredRoles: ['${lay:queue.name}'],
    };
    // Act
    const resolved = resolveConnectionConfig(config, {
      ...ctx,
      secrets: { get: () => Promise.reject(new Error('unused')) },
    });
    // Assess
    expect(resolved.region).toBe('eu-west-1');
    expect(resolved.endpoint).toBe('http://localhost:4566');
    expect(resolved.endpoints).toEqual({ s3: 'http://localhost:9000' });
    expect(resolved.requiredRoles).toEqual(['orders']);
    expect(resolved.auth).toEqual({
      mode: 'access-key',
      accessKeyId: 'eu-west-1-key',
      secretAccessKey: { secret: 'aws-secret' },
    });
  });

  it('reports the JSON path of the field inside a bigger document', () => {
    // Act
    const error = thrown(() =>
      awsConnection(
        { name: 'L', region: '${lay:REGION}', auth: { mode: 'profile', profile: '${PROFILE}' } },
        { environment: {}, path: '/connections/2' },
      ),
    );
    // Assess
    expect(error.code).toBe('CONFIG_MACRO_UNRESOLVED');
    expect(error.details.paths).toEqual(['/connections/2/region', '/connections/2/auth/profile']);
    expect(error.details.variables).toEqual(['REGION', 'PROFILE']);
  });

  it('rejects a plain string in a secret field', () => {
    const error = thrown(() =>
      expandConfigMacros(
        { auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: 'wJalrXUtnFEMI/plain' } },
        ctx,
        '/connections/0',
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('secrets are referenced by name, never typed in plain');
    expect(error.details.path).toBe('/connections/0/auth/secretAccessKey');
    expect(error.message).not.toContain('wJalrXUtnFEMI');
  });

  it('accepts ${sec:X} in secret fields of an assume-role source and a web-identity token', () => {
    const expanded = expandConfigMacros(
      {
        auth: {
          mode: 'assume-role',
          source: {
            mode: 'access-key',
            accessKeyId: 'A',
            secretAccessKey: '${sec:k}',
            sessionToken: '${sec:t}',
          },
        },
      },
      ctx,
    );
    expect(expanded).toEqual({
      auth: {
        mode: 'assume-role',
        source: {
          mode: 'access-key',
          accessKeyId: 'A',
          secretAccessKey: { secret: 'k' },
          sessionToken: { secret: 't' },
        },
      },
    });
    expect(expandConfigMacros({ auth: { token: '${sec:oidc}' } }, ctx)).toEqual({
      auth: { token: { secret: 'oidc' } },
    });
  });

  it('expands macros in the name of a { secret } reference', () => {
    expect(expandConfigMacros({ auth: { secretAccessKey: { secret: '${lay:queue.name}' } } }, ctx)).toEqual({
      auth: { secretAccessKey: { secret: 'orders' } },
    });
  });

  it('is an Error subclass the engine can catch as TributaryError', () => {
    const error = thrown(() => expandMacros('${X}', {}, '/x'));
    expect(error).toBeInstanceOf(TributaryError);
    expect(error.name).toBe('ConfigError');
  });
});
