import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeDocker } from '../../src/internal/docker.js';
import { readExternalEndpoints, readRegion, readRequestedBackend } from '../../src/internal/environment.js';
import { LogRing } from '../../src/internal/process.js';

describe('readExternalEndpoints', () => {
  it('reads the common and per-service endpoints', () => {
    // Act
    const endpoints = readExternalEndpoints({
      TRIBUTARY_AWS_ENDPOINT: 'http://127.0.0.1:4566/',
      TRIBUTARY_AWS_ENDPOINT_KINESIS: 'http://127.0.0.1:4567',
    });
    // Assess
    expect(endpoints).toEqual({
      all: 'http://127.0.0.1:4566',
      perService: { kinesis: 'http://127.0.0.1:4567' },
    });
  });

  it('accepts "aws" for real AWS and rejects what is not a URL, naming the variable', () => {
    // Act
    const real = readExternalEndpoints({ TRIBUTARY_AWS_ENDPOINT: 'aws' });
    // Assess
    expect(real.all).toBe('aws');
    expect(() => readExternalEndpoints({ TRIBUTARY_AWS_ENDPOINT_SQS: 'localhost:4566' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('TRIBUTARY_AWS_ENDPOINT_SQS'),
      }),
    );
  });
});

describe('readRequestedBackend', () => {
  it('defaults to auto and reads TRIBUTARY_LOCAL_AWS', () => {
    // Assess
    expect(readRequestedBackend({})).toBe('auto');
    expect(readRequestedBackend({ TRIBUTARY_LOCAL_AWS: 'moto' })).toBe('moto');
    expect(() => readRequestedBackend({ TRIBUTARY_LOCAL_AWS: 'kubernetes' })).toThrow(/TRIBUTARY_LOCAL_AWS/);
  });
});

describe('readRegion', () => {
  it('prefers TRIBUTARY_AWS_REGION, then AWS_REGION, then us-east-1', () => {
    // Assess
    expect(readRegion({ TRIBUTARY_AWS_REGION: 'eu-west-1', AWS_REGION: 'eu-central-1' })).toBe('eu-west-1');
    expect(readRegion({ AWS_REGION: 'eu-central-1' })).toBe('eu-central-1');
    expect(readRegion({})).toBe('us-east-1');
  });
});

describe('probeDocker', () => {
  it('is unreachable when DOCKER_HOST points at nothing, and says what it tried', async () => {
    // Act
    const probe = await probeDocker({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    // Assess
    expect(probe).toEqual({ reachable: false, tried: ['unix:///nonexistent/docker.sock'] });
  });

  it('is reachable when DOCKER_HOST points at a listening socket', async () => {
    // Prepare
    const path = join(tmpdir(), `testkit-docker-${process.pid}-${Date.now()}.sock`);
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      // Act
      const probe = await probeDocker({ DOCKER_HOST: `unix://${path}` });
      // Assess
      expect(probe.reachable).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('LogRing', () => {
  it('keeps the tail of what was written', () => {
    // Prepare
    const ring = new LogRing();
    // Act
    for (let i = 0; i < 20_000; i++) ring.push(`line ${i}\n`);
    // Assess
    expect(ring.tail(20)).toBe('ne 19998\nline 19999\n');
    expect(ring.tail(1_000_000).length).toBeLessThanOrEqual(64 * 1024 + 20);
    expect(ring.tail(1_000_000)).not.toContain('line 0\n');
  });
});
