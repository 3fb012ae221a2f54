// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text such as ${sec:name} is what this file is about
import { inspect } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  awsConnection,
  classifyConnectionError,
  inMemorySecrets,
  isTributaryError,
  resolveConnectionConfig,
  Secret,
  testAwsConnection,
  toTributaryError,
} from '@tributary/connection';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from './helpers.js';

const SECRET = 'S3CR3T-wJalrXUtnFEMI-redaction';
const PLAIN = 'PLAIN-typed-in-secret-value';
const sts = mockClient(STSClient);

/** Every printable form of an error: message, details, hint, cause, JSON and inspect. */
function printError(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 10 }), JSON.stringify(error) ?? ''];
  if (isTributaryError(error)) parts.push(error.message, JSON.stringify(error.details), error.hint ?? '');
  if (error instanceof Error && error.cause !== undefined) parts.push(inspect(error.cause, { depth: 10 }));
  return parts.join('\n');
}

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('redaction', () => {
  it('never shows a secret in errors, details, hints, results, logs, JSON or inspect output', async () => {
    // Prepare
    const logger = recordingLogger();
    const secrets = inMemorySecrets({ 'aws-secret': SECRET });
    const accessKey = {
      mode: 'access-key',
      accessKeyId: 'AKIA',
      secretAccessKey: { secret: 'aws-secret' },
    } as const;
    const outputs: string[] = [];
    // Act
    // 1. bad config: a secret typed in plain, and an invalid field next to a Secret instance
    outputs.push(
      printError(
        capture(() =>
          awsConnection(
            {
              name: 'A',
              region: 'eu-west-1',
              auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: PLAIN },
            },
            { logger },
          ),
        ),
      ),
    );
    outputs.push(
      printError(
        capture(() =>
          awsConnection(
            {
              name: 'B',
              region: 'nowhere',
              auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: new Secret(SECRET) },
            },
            { logger },
          ),
        ),
      ),
    );
    // 2. a secret macro outside a secret field, and unresolved macros
    outputs.push(
      printError(
        capture(() =>
          awsConnection({ name: 'C', region: '${sec:aws-secret}', auth: accessKey }, { secrets }),
        ),
      ),
    );
    outputs.push(
      printError(
        capture(() =>
          awsConnection(
            { name: 'D', region: '${lay:R}', auth: accessKey },
            { secrets, environment: { X: SECRET } },
          ),
        ),
      ),
    );
    // 3. a missing secret, on first use
    const missing = awsConnection(
      {
        name: 'E',
        region: 'eu-west-1',
        auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: { secret: 'nope' } },
      },
      { secrets, logger },
    );
    outputs.push(
      printError(
        await (missing.client(SQSClient).config.credentials as () => Promise<unknown>)().catch((e) => e),
      ),
    );
    // 4. a failed test() whose SDK error carries the secret in its message and its raw response
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error(`InvalidClientTokenId for key ${SECRET}`), {
        name: 'InvalidClientTokenId',
        $metadata: { httpStatusCode: 403 },
        $response: { headers: { authorization: SECRET }, body: SECRET },
      }),
    );
    const aws = awsConnection({ name: 'F', region: 'eu-west-1', auth: accessKey }, { secrets, logger });
    const credentials = await (
      aws.client(SQSClient).config.credentials as () => Promise<{ secretAccessKey: string }>
    )();
    const failed = await aws.test();
    outputs.push(JSON.stringify(failed), inspect(failed, { depth: 10 }));
    outputs.push(
      JSON.stringify(
        await testAwsConnection({ name: 'G', region: 'eu-west-1', auth: accessKey }, { secrets, logger }),
      ),
    );
    // 5. toTributaryError of an error that carries the secret
    const carrying = Object.assign(new Error(`bad signature with ${SECRET}`), {
      name: 'SignatureDoesNotMatch',
      secretAccessKey: SECRET,
      $metadata: { httpStatusCode: 403, requestId: 'r' },
      $response: { headers: { 'x-echo': SECRET } },
    });
    outputs.push(printError(toTributaryError(carrying, { operation: 'SendMessage', resource: 'orders' })));
    outputs.push(JSON.stringify(classifyConnectionError(carrying)));
    // 6. the connection, its resolved config and the secret store
    outputs.push(JSON.stringify(aws), inspect(aws, { depth: 10 }), String(aws));
    const resolved = resolveConnectionConfig(
      {
        name: 'H',
        region: 'eu-west-1',
        auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: new Secret(SECRET) },
      },
      {},
    );
    outputs.push(JSON.stringify(resolved), inspect(resolved, { depth: 10 }));
    outputs.push(
      inspect(await secrets.get('aws-secret')),
      JSON.stringify({ s: await secrets.get('aws-secret') }),
    );
    // 7. every log line
    outputs.push(
      ...logger.lines.map(
        (line) => `${line.event} ${JSON.stringify(line.data)} ${inspect(line.data, { depth: 10 })}`,
      ),
    );
    // Assess
    expect(credentials.secretAccessKey).toBe(SECRET); // the SDK does get the value
    expect(failed.error?.code).toBe('INVALID_CREDENTIALS');
    expect(failed.error?.message).toContain('[redacted]');
    expect(logger.lines.length).toBeGreaterThan(0);
    const all = outputs.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(PLAIN);
  });
});
