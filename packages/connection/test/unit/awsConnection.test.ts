import { inspect } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type AwsConnectionConfig, awsConnection, Secret, serviceIdOf } from '@tributary/connection';
import { describe, expect, it } from 'vitest';
import { recordingHandler, recordingLogger } from './helpers.js';

const keys: AwsConnectionConfig['auth'] = {
  mode: 'access-key',
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: new Secret('wJalrXUtnFEMIK7MDENG'),
};

describe('awsConnection client()', () => {
  it('sends requests unsigned in none mode: no authorization header', async () => {
    // Prepare
    const aws = awsConnection({ name: 'Anon', endpoint: 'http://127.0.0.1:4566', auth: { mode: 'none' } });
    const { requests, handler } = recordingHandler();
    // Act
    const out = await aws
      .client(STSClient, { requestHandler: handler })
      .send(new GetCallerIdentityCommand({}));
    // Assess
    expect(out.Account).toBe('123456789012');
    expect(requests).toHaveLength(1);
    expect(Object.keys(requests[0]?.headers ?? {}).map((h) => h.toLowerCase())).not.toContain(
      'authorization',
    );
    expect(requests[0]?.hostname).toBe('127.0.0.1');
  });

  it('sends S3 requests unsigned in none mode too', async () => {
    const aws = awsConnection({ name: 'Anon', region: 'eu-west-1', auth: { mode: 'none' } });
    const { requests, handler } = recordingHandler(
      '<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>',
    );
    await aws.client(S3Client, { requestHandler: handler }).send(new ListBucketsCommand({}));
    expect(Object.keys(requests[0]?.headers ?? {}).map((h) => h.toLowerCase())).not.toContain(
      'authorization',
    );
  });

  it('signs requests in access-key mode with the access key id', async () => {
    // Prepare
    const aws = awsConnection({ name: 'Keys', region: 'eu-west-1', auth: keys });
    const { requests, handler } = recordingHandler();
    // Act
    await aws.client(STSClient, { requestHandler: handler }).send(new GetCallerIdentityCommand({}));
    // Assess
    const authorization = requests[0]?.headers.authorization ?? '';
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request/,
    );
    expect(authorization).not.toContain('wJalrXUtnFEMIK7MDENG');
  });

  it('returns one cached client per class, and a distinct one per overrides', () => {
    // Prepare
    const aws = awsConnection({ name: 'Cache', region: 'eu-west-1', auth: keys });
    // Act
    const a = aws.client(SQSClient);
    const b = aws.client(SQSClient);
    const noMd5 = aws.client(SQSClient, { md5: false });
    const noMd5Again = aws.client(SQSClient, { md5: false });
    const sts = aws.client(STSClient);
    // Assess
    expect(b).toBe(a);
    expect(noMd5Again).toBe(noMd5);
    expect(noMd5).not.toBe(a);
    expect(sts).not.toBe(a as unknown);
  });

  it('close() destroys every client, is idempotent, and later client() calls throw CONNECTION_CLOSED', async () => {
    // Prepare
    const aws = awsConnection({ name: 'Close', region: 'eu-west-1', auth: keys });
    let destroyed = 0;
    const { handler } = recordingHandler();
    handler.destroy = () => {
      destroyed += 1;
    };
    aws.client(SQSClient, { requestHandler: handler });
    aws.client(STSClient, { requestHandler: handler });
    // Act
    await aws.close();
    await aws.close();
    // Assess
    expect(destroyed).toBe(2);
    expect(() => aws.client(SQSClient)).toThrow(expect.objectContaining({ code: 'CONNECTION_CLOSED' }));
  });

  it('is disposable with await using', async () => {
    let destroyed = false;
    const { handler } = recordingHandler();
    handler.destroy = () => {
      destroyed = true;
    };
    {
      await using aws = awsConnection({ name: 'Using', region: 'eu-west-1', auth: keys });
      aws.client(SQSClient, { requestHandler: handler });
    }
    expect(destroyed).toBe(true);
  });

  it('configures region, endpoint override per service, path-style S3 and an HTTP/1.1 handler for Kinesis', async () => {
    // Prepare
    const aws = awsConnection({
      name: 'Local',
      endpoint: 'http://127.0.0.1:4566',
      endpoints: { kinesis: 'http://127.0.0.1:4567' },
      auth: keys,
    });
    // Act
    const kinesis = aws.client(KinesisClient);
    const s3 = aws.client(S3Client);
    const sqs = aws.client(SQSClient);
    // Assess
    expect(await kinesis.config.region()).toBe('us-east-1');
    expect((await kinesis.config.endpoint?.())?.port).toBe(4567);
    expect((await sqs.config.endpoint?.())?.port).toBe(4566);
    expect(s3.config.forcePathStyle).toBe(true);
    expect(kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect((kinesis.config.requestHandler as NodeHttpHandler).metadata.handlerProtocol).toBe('http/1.1');
    expect(aws.endpointFor('kinesis')).toBe('http://127.0.0.1:4567');
    expect(aws.endpointFor('s3')).toBe('http://127.0.0.1:4566');
    expect(await sqs.config.maxAttempts()).toBe(3);
  });

  it('derives service ids from client class names', () => {
    expect(serviceIdOf(SQSClient)).toBe('sqs');
    expect(serviceIdOf(KinesisClient)).toBe('kinesis');
    expect(serviceIdOf({ name: 'EventBridgeClient' })).toBe('eventbridge');
    expect(serviceIdOf({ name: 'SecretsManagerClient' })).toBe('secretsmanager');
  });

  it('retries a failing request maxAttempts times, with the backoff capped by maxDelayMs', async () => {
    // Prepare
    const aws = awsConnection({
      name: 'Retry',
      region: 'eu-west-1',
      auth: keys,
      retry: { maxAttempts: 4, baseDelayMs: 60_000, maxDelayMs: 5 },
    });
    const { requests, handler } = recordingHandler(
      '<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>',
      [503],
    );
    const started = Date.now();
    // Act
    const error = await aws
      .client(STSClient, { requestHandler: handler })
      .send(new GetCallerIdentityCommand({}))
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(requests).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('routes the SDK logs to the connection logger as id-only debug lines, never to console', async () => {
    // Prepare
    const logger = recordingLogger();
    const aws = awsConnection({ name: 'Logs', region: 'eu-west-1', auth: keys }, { logger });
    const { handler } = recordingHandler();
    // Act
    await aws.client(STSClient, { requestHandler: handler }).send(new GetCallerIdentityCommand({}));
    // Assess
    const sdkLine = logger.lines.find((line) => line.event === 'aws.sdk.info');
    expect(sdkLine?.level).toBe('debug');
    expect(sdkLine?.data).toMatchObject({
      connection: 'Logs',
      clientName: 'STSClient',
      commandName: 'GetCallerIdentityCommand',
    });
    expect(JSON.stringify(sdkLine?.data)).not.toContain('123456789012');
  });

  it('gives the SDK no per-request info logger when the connection logs nowhere (its log filter is skipped)', async () => {
    // Prepare
    const silent = awsConnection({ name: 'Quiet', region: 'eu-west-1', auth: keys });
    const logged = awsConnection(
      { name: 'Loud', region: 'eu-west-1', auth: keys },
      { logger: recordingLogger() },
    );
    // Act
    const quietLogger = (await silent.client(STSClient).config.logger) as { info?: unknown; warn?: unknown };
    const loudLogger = (await logged.client(STSClient).config.logger) as { info?: unknown; warn?: unknown };
    // Assess
    expect(quietLogger.info).toBeUndefined();
    expect(typeof quietLogger.warn).toBe('function');
    expect(typeof loudLogger.info).toBe('function');
  });

  it('skips the SDK per-request line while the logger says debug is off, and follows a level changed later', async () => {
    // Prepare
    let debugOn = false;
    const logger = { ...recordingLogger(), isLevelEnabled: (level: string) => level !== 'debug' || debugOn };
    const lines = logger.lines;
    const aws = awsConnection({ name: 'Levels', region: 'eu-west-1', auth: keys }, { logger });
    const { handler } = recordingHandler();
    const client = aws.client(STSClient, { requestHandler: handler });
    const sdkLogger = (await client.config.logger) as { info?: unknown };
    // Act
    const infoWhileOff = sdkLogger.info;
    await client.send(new GetCallerIdentityCommand({}));
    const linesWhileOff = lines.filter((line) => line.event === 'aws.sdk.info').length;
    debugOn = true;
    await client.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(infoWhileOff).toBeUndefined();
    expect(linesWhileOff).toBe(0);
    expect(typeof sdkLogger.info).toBe('function');
    expect(lines.filter((line) => line.event === 'aws.sdk.info')).toHaveLength(1);
  });

  it('prints only name, region, endpoint and auth mode', () => {
    // Prepare
    const aws = awsConnection({
      name: 'Print',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      auth: keys,
    });
    // Act
    const json = JSON.parse(JSON.stringify(aws));
    // Assess
    expect(json).toEqual({
      name: 'Print',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      auth: { mode: 'access-key' },
    });
    expect(inspect(aws)).toBe(
      "AwsConnection { name: 'Print', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', auth: 'access-key' }",
    );
  });
});
