import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsConnection, classifyConnectionError, Secret, TributaryError } from '@tributary/connection';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from './helpers.js';

const sts = mockClient(STSClient);
beforeEach(() => sts.reset());

const connection = (logger = recordingLogger()) =>
  awsConnection(
    {
      name: 'Tested',
      region: 'eu-west-1',
      auth: {
        mode: 'access-key',
        accessKeyId: 'AKIA',
        secretAccessKey: new Secret('test-connection-secret'),
      },
    },
    { logger },
  );

function sdkError(name: string, message: string, httpStatusCode = 400) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

describe('AwsConnection.test()', () => {
  it('answers ok with the caller identity from GetCallerIdentity', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/a', UserId: 'AIDA' });
    const logger = recordingLogger();
    // Act
    const result = await connection(logger).test();
    // Assess
    expect(result.ok).toBe(true);
    expect(result.identity).toEqual({
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/a',
      userId: 'AIDA',
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.error).toBeUndefined();
    expect(logger.lines.some((l) => l.event === 'connection.test.ok')).toBe(true);
  });

  const cases: [string, Error, string, RegExp][] = [
    [
      'invalid keys',
      sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      'INVALID_CREDENTIALS',
      /access key or secret key/,
    ],
    [
      'unrecognized client',
      sdkError('UnrecognizedClientException', 'The security token included in the request is invalid'),
      'INVALID_CREDENTIALS',
      /keys/,
    ],
    [
      'bad signature',
      sdkError('SignatureDoesNotMatch', 'The request signature we calculated does not match', 403),
      'INVALID_CREDENTIALS',
      /keys/,
    ],
    [
      'unknown key id',
      sdkError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist', 403),
      'INVALID_CREDENTIALS',
      /keys/,
    ],
    [
      'expired token',
      sdkError('ExpiredToken', 'The security token included in the request is expired', 403),
      'EXPIRED_TOKEN',
      /expired/,
    ],
    ['expired token exception', sdkError('ExpiredTokenException', 'expired'), 'EXPIRED_TOKEN', /refresh/],
    ['request expired', sdkError('RequestExpired', 'Request has expired.'), 'EXPIRED_TOKEN', /expired/],
    [
      'access denied with action',
      sdkError(
        'AccessDenied',
        'User: arn:aws:iam::1:user/a is not authorized to perform: sts:GetCallerIdentity',
        403,
      ),
      'ACCESS_DENIED',
      /sts:GetCallerIdentity/,
    ],
    [
      'access denied without action',
      sdkError('AccessDeniedException', 'Access Denied', 403),
      'ACCESS_DENIED',
      /GetCallerIdentity/,
    ],
    [
      'wrong region (header)',
      sdkError('AuthorizationHeaderMalformed', "the region 'us-east-1' is wrong; expecting 'eu-west-1'"),
      'WRONG_REGION',
      /region/,
    ],
    [
      'wrong region (redirect)',
      sdkError('PermanentRedirect', 'use the specified endpoint', 301),
      'WRONG_REGION',
      /region/,
    ],
    [
      'wrong region (scope)',
      sdkError('SignatureDoesNotMatch', 'Credential should be scoped to a valid region.', 403),
      'WRONG_REGION',
      /region/,
    ],
    [
      'clock skew',
      sdkError(
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        403,
      ),
      'CLOCK_SKEW',
      /clock/,
    ],
    [
      'signature expired',
      sdkError('InvalidSignatureException', 'Signature expired: 20260101T000000Z is now earlier than'),
      'CLOCK_SKEW',
      /clock/,
    ],
    [
      'refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'CONNECTION_REFUSED',
      /endpoint/,
    ],
    [
      'DNS',
      Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }),
      'DNS_FAILED',
      /resolve/,
    ],
    [
      'DNS again',
      Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' }),
      'DNS_FAILED',
      /DNS/,
    ],
    [
      'TLS',
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'TLS_FAILED',
      /certificate/,
    ],
    [
      'TLS expired',
      Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
      'TLS_FAILED',
      /TLS/,
    ],
    [
      'no credentials',
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      'CREDENTIALS_NOT_FOUND',
      /auth mode/,
    ],
  ];
  for (const [what, error, code, hint] of cases) {
    it(`classifies ${what} as ${code} with a hint`, async () => {
      // Prepare
      sts.on(GetCallerIdentityCommand).rejects(error);
      // Act
      const result = await connection().test();
      // Assess
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe(code);
      expect(result.error?.hint).toMatch(hint);
      expect(result.error?.message).toContain(error.message);
    });
  }

  it('finds the network code inside an AggregateError', () => {
    const error = new AggregateError(
      [Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED' })],
      '',
    );
    expect(classifyConnectionError(error).code).toBe('CONNECTION_REFUSED');
  });

  it("classifies SNS's AuthorizationError as ACCESS_DENIED by its name, naming the denied action", () => {
    // Prepare
    // No HTTP status: the name alone must classify it.
    const error = Object.assign(
      new Error('User: arn:aws:iam::1:user/a is not authorized to perform: SNS:Publish on resource: orders'),
      { name: 'AuthorizationError' },
    );
    // Act
    const result = classifyConnectionError(error, 'sns:Publish');
    // Assess
    expect(result.code).toBe('ACCESS_DENIED');
    expect(result.hint).toBe('the identity is not allowed SNS:Publish: grant it in an IAM policy');
    expect(result.message).toContain('AuthorizationError');
  });

  it('names the operation in the ACCESS_DENIED hint when an AuthorizationError names no action', () => {
    // Act
    const result = classifyConnectionError(
      Object.assign(new Error('Not authorized'), { name: 'AuthorizationError' }),
      'sns:Publish',
    );
    // Assess
    expect(result).toMatchObject({ code: 'ACCESS_DENIED', hint: expect.stringContaining('sns:Publish') });
  });

  it('passes Tributary errors through with their code and hint', () => {
    const error = new TributaryError('SECRET_NOT_FOUND', 'Secret "x" not found', {
      hint: 'add the secret "x"',
    });
    expect(classifyConnectionError(error)).toEqual({
      code: 'SECRET_NOT_FOUND',
      message: 'TributaryError: Secret "x" not found',
      hint: 'add the secret "x"',
    });
  });

  it('falls back to AWS_REQUEST_FAILED', async () => {
    sts.on(GetCallerIdentityCommand).rejects(sdkError('SomethingOdd', 'odd', 400));
    const result = await connection().test();
    expect(result.error?.code).toBe('AWS_REQUEST_FAILED');
  });

  it('reports CONNECTION_CLOSED after close()', async () => {
    const aws = connection();
    await aws.close();
    expect((await aws.test()).error?.code).toBe('CONNECTION_CLOSED');
  });
});
