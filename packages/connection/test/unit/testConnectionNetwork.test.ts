// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text such as ${sec:name} is what this file is about
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { awsConnection, inMemorySecrets, Secret, testAwsConnection } from '@tributary/connection';
import { afterEach, describe, expect, it } from 'vitest';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const keys = {
  mode: 'access-key',
  accessKeyId: 'AKIA',
  secretAccessKey: new Secret('network-test-secret'),
} as const;

describe('AwsConnection.test() over the network', () => {
  it('reports CONNECTION_REFUSED with the connection hint for a closed local port', async () => {
    // Prepare
    const port = await closedPort();
    const aws = awsConnection({ name: 'Refused', endpoint: `http://127.0.0.1:${port}`, auth: keys });
    // Act
    const result = await aws.test();
    // Assess
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('CONNECTION_REFUSED');
    expect(result.error?.hint).toContain('check the endpoint URL and port');
  });

  it('returns TIMEOUT in time for an endpoint that never answers', async () => {
    // Prepare
    const port = await listen(createServer((socket) => sockets.push(socket)));
    const aws = awsConnection({ name: 'Hole', endpoint: `http://127.0.0.1:${port}`, auth: keys });
    const started = Date.now();
    // Act
    const result = await aws.test({ timeoutMs: 300 });
    // Assess
    expect(result.error?.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('in none mode, counts any HTTP response of the endpoint as reachable', async () => {
    // Prepare
    let authorization: string | undefined = 'unset';
    const port = await listen(
      createHttpServer((req, res) => {
        authorization = req.headers.authorization;
        res.writeHead(403).end('<Error/>');
      }),
    );
    const aws = awsConnection({ name: 'Anon', endpoint: `http://127.0.0.1:${port}`, auth: { mode: 'none' } });
    // Act
    const result = await aws.test();
    // Assess
    expect(result).toMatchObject({ ok: true });
    expect(result.identity).toBeUndefined();
    expect(authorization).toBeUndefined();
  });

  it('in none mode, reports a refused endpoint', async () => {
    const port = await closedPort();
    const aws = awsConnection({ name: 'Anon', endpoint: `http://127.0.0.1:${port}`, auth: { mode: 'none' } });
    expect((await aws.test()).error?.code).toBe('CONNECTION_REFUSED');
  });

  it('reports SECRET_NOT_FOUND when the credentials cannot be resolved', async () => {
    // Prepare
    const port = await closedPort();
    const aws = awsConnection(
      {
        name: 'NoSecret',
        endpoint: `http://127.0.0.1:${port}`,
        auth: { mode: 'access-key', accessKeyId: 'AKIA', secretAccessKey: { secret: 'missing-secret' } },
      },
      { secrets: inMemorySecrets({}) },
    );
    // Act
    const result = await aws.test();
    // Assess
    expect(result.error?.code).toBe('SECRET_NOT_FOUND');
    expect(result.error?.message).toContain('missing-secret');
  });
});

describe('testAwsConnection', () => {
  it('resolves macros from the test environment and never throws', async () => {
    // Prepare
    const port = await closedPort();
    const config = { name: 'Env', endpoint: 'http://127.0.0.1:${PORT}', auth: { mode: 'none' } } as const;
    // Act
    const refused = await testAwsConnection(config, {
      environment: { PORT: '1' },
      testEnvironment: { PORT: String(port) },
    });
    const unresolved = await testAwsConnection(config, { environment: {} });
    const invalid = await testAwsConnection({ name: 'bad name', auth: { mode: 'none' } });
    // Assess
    expect(refused.error?.code).toBe('CONNECTION_REFUSED');
    expect(refused.error?.message).toContain(String(port));
    expect(unresolved).toMatchObject({ ok: false, error: { code: 'CONFIG_MACRO_UNRESOLVED' } });
    expect(unresolved.error?.message).toContain('PORT');
    expect(invalid).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });
});
