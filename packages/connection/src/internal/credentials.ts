import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain, fromTokenFile, fromWebToken } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ParsedAwsConnectionConfig } from '../config.js';
import { ConfigError, TributaryError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isSecret, type Secret } from '../secret.js';
import type { SecretStore } from '../secrets.js';

type ParsedAuth = ParsedAwsConnectionConfig['auth'];
type ParsedRef = Extract<ParsedAuth, { mode: 'access-key' }>['secretAccessKey'];

/** What the credential providers need from their connection. */
export interface CredentialDeps {
  connectionName: string;
  secrets: SecretStore | undefined;
  logger: Logger;
  /** An STS client of this connection: signed with `credentials`, or unsigned when 'none'. */
  stsClient(credentials: AwsCredentialIdentityProvider | 'none'): STSClient;
}

/** `RoleSessionName` default: `tributary-<connection name>`, cut to the STS limits. */
export function defaultSessionName(connectionName: string): string {
  return `tributary-${connectionName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Resolves a secret reference through the secret store (on first use of the credentials). */
export async function resolveSecretRef(ref: ParsedRef, deps: CredentialDeps): Promise<Secret> {
  if (isSecret(ref)) return ref;
  const name = typeof ref === 'string' ? (/^\$\{sec:([^}]+)\}$/.exec(ref)?.[1] ?? '') : ref.secret;
  if (deps.secrets === undefined) {
    throw new TributaryError('SECRET_NOT_FOUND', `Secret "${name}" not found: no secret store was given`, {
      details: { secret: name },
      hint: 'pass a secret store as context.secrets',
    });
  }
  return deps.secrets.get(name);
}

function fromSts(credentials: StsCredentials | undefined, operation: string): AwsCredentialIdentity {
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new TributaryError('AUTH_FAILED', `${operation} answered without credentials`, {
      details: { operation },
      hint: 'check the STS endpoint of the connection',
    });
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}

function webIdentityProvider(
  auth: Extract<ParsedAuth, { mode: 'web-identity' }>,
  deps: CredentialDeps,
): AwsCredentialIdentityProvider {
  let sts: STSClient | undefined;
  const roleAssumerWithWebIdentity = async (
    params: Parameters<NonNullable<Parameters<typeof fromWebToken>[0]['roleAssumerWithWebIdentity']>>[0],
  ): Promise<AwsCredentialIdentity> => {
    sts ??= deps.stsClient('none');
    const out = await sts.send(new AssumeRoleWithWebIdentityCommand(params));
    return fromSts(out.Credentials, 'AssumeRoleWithWebIdentity');
  };
  const roleSessionName = auth.sessionName ?? defaultSessionName(deps.connectionName);
  if (auth.tokenFile !== undefined) {
    return fromTokenFile({
      webIdentityTokenFile: auth.tokenFile,
      roleArn: auth.roleArn,
      roleSessionName,
      roleAssumerWithWebIdentity,
    });
  }
  const token = auth.token;
  if (token === undefined) throw new ConfigError('CONFIG_INVALID', 'web-identity needs tokenFile or token');
  return async () => {
    const webIdentityToken = (await resolveSecretRef(token, deps)).reveal();
    return fromWebToken({
      roleArn: auth.roleArn,
      roleSessionName,
      webIdentityToken,
      roleAssumerWithWebIdentity,
    })();
  };
}

function rawProvider(
  auth: Exclude<ParsedAuth, { mode: 'none' }>,
  deps: CredentialDeps,
): AwsCredentialIdentityProvider {
  switch (auth.mode) {
    case 'default-chain':
      return fromNodeProviderChain();
    case 'access-key': {
      const { accessKeyId, secretAccessKey, sessionToken } = auth;
      return async () => ({
        accessKeyId,
        secretAccessKey: (await resolveSecretRef(secretAccessKey, deps)).reveal(),
        sessionToken:
          sessionToken === undefined ? undefined : (await resolveSecretRef(sessionToken, deps)).reveal(),
      });
    }
    case 'profile':
      return fromIni({
        profile: auth.profile,
        filepath: auth.credentialsFile,
        configFilepath: auth.configFile,
      });
    case 'web-identity':
      return webIdentityProvider(auth, deps);
    case 'assume-role': {
      const master = credentialProvider(auth.source ?? { mode: 'default-chain' }, deps);
      let sts: STSClient | undefined;
      return async () => {
        if (master === undefined)
          throw new ConfigError('CONFIG_INVALID', 'assume-role needs source credentials');
        sts ??= deps.stsClient(master);
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: auth.roleArn,
            RoleSessionName: auth.sessionName ?? defaultSessionName(deps.connectionName),
            ExternalId: auth.externalId,
            DurationSeconds: auth.durationSeconds,
          }),
        );
        return fromSts(out.Credentials, 'AssumeRole');
      };
    }
  }
}

/**
 * The credential provider of an auth mode, memoized: resolved once, then again only when the
 * credentials are within 5 minutes of their expiration (so they refresh before they expire).
 * `undefined` for `none` (unsigned requests).
 */
export function credentialProvider(
  auth: ParsedAuth,
  deps: CredentialDeps,
): AwsCredentialIdentityProvider | undefined {
  if (auth.mode === 'none') return undefined;
  const provider = rawProvider(auth, deps);
  const logged: AwsCredentialIdentityProvider = async (properties) => {
    const identity = await provider(properties);
    deps.logger.debug('connection.credentials.resolved', {
      connection: deps.connectionName,
      mode: auth.mode,
      expiresAt: identity.expiration?.toISOString(),
    });
    return identity;
  };
  return memoizeIdentityProvider(logged, isIdentityExpired, doesIdentityRequireRefresh);
}
