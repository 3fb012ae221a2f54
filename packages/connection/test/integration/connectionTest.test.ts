import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Secret } from '@tributary/connection';
import { type LocalAws, localAwsBackend, startLocalAws } from '@tributary/testkit';
import { describe, expect, it, onTestFailed } from 'vitest';

function printLogsOnFailure(local: LocalAws): void {
  onTestFailed(() => {
    process.stderr.write(
      `backend ${local.backend}, endpoints ${JSON.stringify(local.endpoints)}\n${local.logTail()}\n`,
    );
  });
}

/** The `Connection` header an endpoint answers with: `close` when it never keeps connections open. */
async function connectionHeader(endpoint: string): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: true });
  try {
    return await new Promise((resolve, reject) => {
      const req = request(endpoint, { method: 'GET', agent }, (res) => {
        res.resume();
        resolve(res.headers.connection);
      });
      req.once('error', reject);
      req.end();
    });
  } finally {
    agent.destroy();
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('awsConnection test() against local AWS', () => {
  it('is ok with access keys and reports the identity', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sts'] });
    printLogsOnFailure(local);
    const aws = local.connection();
    // Act
    const result = await aws.test();
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.identity?.account).toMatch(/^\d{12}$/);
    expect(result.identity?.arn).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);
  });

  it('is ok with assume-role through STS and reports the assumed role', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sts', 'iam'], stsAssumeRole: true });
    printLogsOnFailure(local);
    const role = await local.createRole();
    const assumed = local.connection({
      name: 'Assumed',
      auth: {
        mode: 'assume-role',
        roleArn: role.arn,
        sessionName: 'tributary-it',
        source: local.connectionConfig.auth as {
          mode: 'access-key';
          accessKeyId: string;
          secretAccessKey: Secret;
        },
      },
    });
    // Act
    const result = await assumed.test();
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.identity?.arn).toMatch(new RegExp(`assumed-role/${role.name}/tributary-it$`));
  });

  it('reports a refused endpoint with the connection-refused hint', async () => {
    // Prepare
    await using local = await startLocalAws({ services: ['sts'] });
    const port = await closedPort();
    const aws = local.connection({
      name: 'Refused',
      endpoint: `http://127.0.0.1:${port}`,
      endpoints: {},
      retry: { maxAttempts: 1 },
    });
    // Act
    const result = await aws.test();
    // Assess
    expect(result.ok).toBe(false);
    expect(result.identity).toBeUndefined();
    expect(result.error?.code).toBe('CONNECTION_REFUSED');
    expect(result.error?.message).toContain(String(port));
    expect(result.error?.hint).toMatch(/nothing listens at the endpoint/i);
  });

  it('accepts a real access key and rejects a wrong secret with the invalid-credentials hint', async (ctx) => {
    // Prepare
    const backend = await localAwsBackend({ services: ['sts'] });
    if (backend === 'external' || backend === 'localstack') {
      ctx.skip(
        `checking keys needs moto's auth enforcement (embedded or moto backend); this run uses ${backend}`,
      );
    }
    await using local = await startLocalAws({ services: ['sts'], enforceAuth: true });
    printLogsOnFailure(local);
    const auth = local.connectionConfig.auth as {
      mode: 'access-key';
      accessKeyId: string;
      secretAccessKey: Secret;
    };
    const wrongSecret = local.connection({
      name: 'WrongSecret',
      auth: { ...auth, secretAccessKey: new Secret('not-the-secret-of-this-key') },
    });
    const unknownKey = local.connection({
      name: 'UnknownKey',
      auth: { ...auth, accessKeyId: 'AKIAUNKNOWNKEY000000' },
    });
    // Act
    const good = await local.connection().test();
    const badSecret = await wrongSecret.test();
    const badKey = await unknownKey.test();
    // Assess
    expect(good.error).toBeUndefined();
    expect(good.ok).toBe(true);
    expect(good.identity?.arn).toMatch(/:user\/tributary-admin-/);
    for (const bad of [badSecret, badKey]) {
      expect(bad.ok).toBe(false);
      expect(bad.error?.code).toBe('INVALID_CREDENTIALS');
      expect(bad.error?.hint).toMatch(/access key/i);
    }
    await expect(wrongSecret.client(STSClient).send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    expect(JSON.stringify(badSecret)).not.toContain('not-the-secret-of-this-key');
  });

  it('hands out one cached client per class that reuses one TCP connection', async (ctx) => {
    // Prepare
    await using local = await startLocalAws({ services: ['sts'] });
    printLogsOnFailure(local);
    const stsEndpoint = local.endpoints.sts;
    if (
      stsEndpoint?.startsWith('http:') &&
      (await connectionHeader(stsEndpoint))?.toLowerCase() === 'close'
    ) {
      ctx.skip(
        `the ${local.backend} STS endpoint closes every connection (Connection: close): reuse is not observable`,
      );
    }
    const aws = local.connection();
    const endpointPort = local.endpoints.sts ? Number(new URL(local.endpoints.sts).port || 80) : 443;
    const connectedPorts: number[] = [];
    const onSocket = (message: unknown): void => {
      const { socket } = message as { socket: Socket };
      socket.once('connect', () => connectedPorts.push(socket.remotePort ?? -1));
    };
    subscribe('net.client.socket', onSocket);
    try {
      // Act
      const first = aws.client(STSClient);
      const second = aws.client(STSClient);
      for (let i = 0; i < 3; i++) {
        await first.send(new GetCallerIdentityCommand({}));
        await second.send(new GetCallerIdentityCommand({}));
      }
      // Assess
      expect(second).toBe(first);
      expect(connectedPorts.filter((port) => port === endpointPort)).toHaveLength(1);
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
  });
});
