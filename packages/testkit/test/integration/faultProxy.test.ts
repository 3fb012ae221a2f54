import { createHash, randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  request,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FaultProxy,
  type FaultProxyOptions,
  isBatchWrite,
  startFaultProxy,
} from '../../src/faultProxy.js';

// ---------------------------------------------------------------------------------------------
// A fake upstream that records what reaches it and answers the four batch writes like the services.

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface FakeUpstream extends AsyncDisposable {
  url: string;
  received: Received[];
  /** How the SNS answer spells an empty Failed list. */
  snsFailed: 'selfClosing' | 'absent';
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface JsonEntries {
  Entries: { Id: string; MessageBody: string; Detail: string }[];
  Records: { Data: string }[];
}

async function startFakeUpstream(): Promise<FakeUpstream> {
  const upstream: Omit<FakeUpstream, 'url' | typeof Symbol.asyncDispose> = {
    received: [],
    snsFailed: 'selfClosing',
  };
  const server = createServer(async (req, res) => {
    const body = await buffer(req);
    upstream.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const target = req.headers['x-amz-target'];
    const answerJson = (contentType: string, value: unknown) => {
      res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(value));
    };
    if (target === 'AmazonSQS.SendMessageBatch') {
      const { Entries } = JSON.parse(body.toString()) as JsonEntries;
      const Successful = Entries.map((e) => ({
        Id: e.Id,
        MessageId: `msg-${e.Id}`,
        MD5OfMessageBody: md5(e.MessageBody),
      }));
      return answerJson('application/x-amz-json-1.0', { Successful, Failed: [] });
    }
    if (target === 'Kinesis_20131202.PutRecords') {
      const { Records } = JSON.parse(body.toString()) as JsonEntries;
      const results = Records.map((r) => {
        const data = Buffer.from(r.Data, 'base64').toString();
        return data === 'upstream-fail'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'failed upstream' }
          : { SequenceNumber: `seq-${data}`, ShardId: 'shardId-000000000000' };
      });
      const FailedRecordCount = results.filter((r) => 'ErrorCode' in r).length;
      return answerJson('application/x-amz-json-1.1', { FailedRecordCount, Records: results });
    }
    if (target === 'AWSEvents.PutEvents') {
      const { Entries } = JSON.parse(body.toString()) as JsonEntries;
      const results = Entries.map((e) => ({ EventId: `ev-${(JSON.parse(e.Detail) as { n: number }).n}` }));
      return answerJson('application/x-amz-json-1.1', { FailedEntryCount: 0, Entries: results });
    }
    const form = new URLSearchParams(body.toString());
    if (form.get('Action') === 'PublishBatch') {
      const members: string[] = [];
      for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
        const id = form.get(`PublishBatchRequestEntries.member.${n}.Id`);
        members.push(`<member><Id>${id}</Id><MessageId>sns-${id}</MessageId></member>`);
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
          `<Successful>${members.join('')}</Successful>${upstream.snsFailed === 'selfClosing' ? '<Failed/>' : ''}` +
          '</PublishBatchResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></PublishBatchResponse>',
      );
      return;
    }
    // Anything else: an echo of what arrived.
    const echo = JSON.stringify({
      method: req.method,
      url: req.url,
      bytes: body.length,
      sha256: sha256(body),
    });
    res.writeHead(201, { 'content-type': 'application/json', 'x-echo': 'yes' });
    res.end(req.method === 'HEAD' ? undefined : echo);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(upstream, {
    url: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };
// HTTP/1.1 for every client, as `awsConnection` does: the Kinesis client would default to HTTP/2.
const clientConfig = (proxy: FaultProxy, maxAttempts = 1) => ({
  endpoint: proxy.url,
  region: 'us-east-1',
  credentials,
  maxAttempts,
  requestHandler: new NodeHttpHandler(),
});

interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

/** One HTTP call; rejects with the socket error (ECONNRESET) when the proxy resets the connection. */
function call(url: string, options: RequestOptions, body?: Buffer | Buffer[]): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${options.path ?? '/'}`, options, (res: IncomingMessage) => {
      buffer(res).then(
        (data) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            reusedSocket: req.reusedSocket,
          }),
        reject,
      );
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

function putEventsCall(url: string, agent: Agent, entries: number): Promise<RawResult> {
  const body = Buffer.from(
    JSON.stringify({
      Entries: Array.from({ length: entries }, (_, n) => ({
        Source: 's',
        DetailType: 't',
        Detail: `{"n":${n}}`,
      })),
    }),
  );
  return call(
    url,
    {
      method: 'POST',
      path: '/',
      agent,
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
    },
    body,
  );
}

function snsEntryIds(received: Received): string[] {
  const form = new URLSearchParams(received.body.toString());
  const ids: string[] = [];
  for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
    ids.push(form.get(`PublishBatchRequestEntries.member.${n}.Id`) ?? '');
  }
  return ids;
}

let upstream: FakeUpstream;
let proxies: FaultProxy[];
beforeEach(async () => {
  upstream = await startFakeUpstream();
  proxies = [];
});
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await upstream[Symbol.asyncDispose]();
});

async function proxyFor(options: Omit<FaultProxyOptions, 'target'>): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: upstream.url, ...options });
  proxies.push(proxy);
  return proxy;
}

// ---------------------------------------------------------------------------------------------

describe('startFaultProxy: pass-through', () => {
  it('forwards any method, streamed bodies and answers unchanged, on 127.0.0.1, reusing connections', async () => {
    // Prepare
    const proxy = await proxyFor({});
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const chunks = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const whole = Buffer.concat(chunks);
    // Act
    const put = await call(proxy.url, { method: 'PUT', path: '/bucket/key?x=1', agent }, chunks);
    const get = await call(proxy.url, { method: 'GET', path: '/bucket/key', agent });
    const del = await call(proxy.url, { method: 'DELETE', path: '/bucket/key', agent });
    const head = await call(proxy.url, { method: 'HEAD', path: '/bucket', agent });
    agent.destroy();
    // Assess
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(put.status).toBe(201);
    expect(put.headers['x-echo']).toBe('yes');
    expect(JSON.parse(put.body.toString())).toEqual({
      method: 'PUT',
      url: '/bucket/key?x=1',
      bytes: whole.length,
      sha256: sha256(whole),
    });
    expect(JSON.parse(get.body.toString())).toMatchObject({ method: 'GET', bytes: 0 });
    expect(JSON.parse(del.body.toString())).toMatchObject({ method: 'DELETE' });
    expect(head.status).toBe(201);
    expect(upstream.received.map((r) => r.method)).toEqual(['PUT', 'GET', 'DELETE', 'HEAD']);
    expect([get.reusedSocket, del.reusedSocket, head.reusedSocket]).toEqual([true, true, true]);
    expect(proxy.stats()).toMatchObject({ total: 4, eligible: 4, forwarded: 4, throttle: 0, reset: 0 });
  });

  it('lets requests that `only` rejects through even when every eligible one is throttled', async () => {
    // Prepare
    const proxy = await proxyFor({
      faults: { throttle: { rate: 1 } },
      only: (r) => r.target === 'Kinesis_20131202.PutRecords',
    });
    const sqs = new SQSClient(clientConfig(proxy));
    const kinesis = new KinesisClient(clientConfig(proxy));
    // Act
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: 'http://q/1/q', Entries: [{ Id: 'a', MessageBody: 'A' }] }),
    );
    const put = kinesis.send(
      new PutRecordsCommand({ StreamName: 's', Records: [{ Data: Buffer.from('x'), PartitionKey: 'p' }] }),
    );
    // Assess
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a']);
    await expect(put).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(proxy.stats()).toMatchObject({ total: 2, eligible: 1, throttle: 1, forwarded: 1 });
  });

  it('isBatchWrite picks the four batch writes only', () => {
    // Assess
    for (const action of ['SendMessageBatch', 'PublishBatch', 'PutRecords', 'PutEvents']) {
      expect(isBatchWrite({ method: 'POST', path: '/', target: undefined, action })).toBe(true);
    }
    expect(
      isBatchWrite({ method: 'POST', path: '/', target: 'AmazonSQS.SendMessage', action: 'SendMessage' }),
    ).toBe(false);
    expect(isBatchWrite({ method: 'GET', path: '/', target: undefined, action: undefined })).toBe(false);
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    // Prepare
    const closed = await startFakeUpstream();
    await closed[Symbol.asyncDispose]();
    const proxy = await startFaultProxy({ target: closed.url });
    proxies.push(proxy);
    const sqs = new SQSClient(clientConfig(proxy));
    // Act
    const attempt = sqs.send(
      new SendMessageBatchCommand({ QueueUrl: 'http://q/1/q', Entries: [{ Id: 'a', MessageBody: 'A' }] }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 502 } });
    expect(proxy.stats().upstreamErrors).toBe(1);
  });
});

describe('startFaultProxy: whole-request faults', () => {
  it.each([
    ['SQS', 'RequestThrottled'],
    ['SNS', 'Throttling'],
    ['Kinesis', 'ProvisionedThroughputExceededException'],
    ['EventBridge', 'ThrottlingException'],
  ])('throttles %s with %s, which the SDK retries, and forwards nothing', async (service, name) => {
    // Prepare
    const proxy = await proxyFor({ faults: { throttle: { rate: 1 } } });
    const send = sendOneBatch(service, proxy, 2);
    // Act / Assess
    await expect(send).rejects.toMatchObject({ name, $metadata: { httpStatusCode: 400, attempts: 2 } });
    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ total: 2, throttle: 2, forwarded: 0 });
  });

  it.each(['SQS', 'SNS', 'Kinesis', 'EventBridge'])(
    'answers %s with 5xx errors the SDK parses and retries',
    async (service) => {
      // Prepare
      const proxy = await proxyFor({ faults: { http5xx: { rate: 1, statuses: [503] } } });
      const send = sendOneBatch(service, proxy, 2);
      // Act / Assess
      await expect(send).rejects.toMatchObject({
        $fault: 'server',
        $metadata: { httpStatusCode: 503, attempts: 2 },
      });
      expect(upstream.received).toHaveLength(0);
      expect(proxy.stats()).toMatchObject({ http5xx: 2, forwarded: 0 });
    },
  );

  it('resets before forwarding: the client sees ECONNRESET and the upstream nothing', async () => {
    // Prepare
    const proxy = await proxyFor({ faults: { reset: { rate: 1, when: 'before' } } });
    // Act
    const attempt = putEventsCall(proxy.url, new Agent(), 3);
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({
      reset: 1,
      resetBeforeForward: 1,
      resetAfterForward: 0,
      forwarded: 0,
    });
  });

  it('resets after forwarding: the upstream got the request, the client an ECONNRESET', async () => {
    // Prepare
    const proxy = await proxyFor({ faults: { reset: { rate: 1, when: 'after' } } });
    // Act
    const attempt = putEventsCall(proxy.url, new Agent(), 3);
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(upstream.received).toHaveLength(1);
    expect(proxy.stats()).toMatchObject({
      reset: 1,
      resetBeforeForward: 0,
      resetAfterForward: 1,
      forwarded: 1,
    });
  });

  it('delays requests by minMs..maxMs', async () => {
    // Prepare
    const proxy = await proxyFor({ faults: { latencyMs: { rate: 1, minMs: 150, maxMs: 200 } } });
    const agent = new Agent({ keepAlive: true });
    // Act
    const started = performance.now();
    const result = await putEventsCall(proxy.url, agent, 1);
    const elapsed = performance.now() - started;
    agent.destroy();
    // Assess
    expect(result.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(proxy.stats()).toMatchObject({ latency: 1, forwarded: 1 });
  });

  it('close() ends a delayed request at once', async () => {
    // Prepare
    const proxy = await startFaultProxy({
      target: upstream.url,
      faults: { latencyMs: { rate: 1, minMs: 30_000, maxMs: 30_000 } },
    });
    const pending = putEventsCall(proxy.url, new Agent(), 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    const started = performance.now();
    await proxy.close();
    await proxy.close();
    // Assess
    await expect(pending).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(upstream.received).toHaveLength(0);
  });

  it('hits each fault kind at about its rate, consistently with stats, and replays with the seed', async () => {
    // Prepare
    const faults = {
      reset: { rate: 0.1 },
      throttle: { rate: 0.15 },
      http5xx: { rate: 0.1 },
      failEntries: { rate: 0.2, entryRate: 0.5 },
    };
    const requests = 300;
    const entries = 4;
    const run = async (proxy: FaultProxy) => {
      const agent = new Agent({ keepAlive: true });
      const outcomes: string[] = [];
      let acceptedEntries = 0;
      for (let i = 0; i < requests; i++) {
        try {
          const res = await putEventsCall(proxy.url, agent, entries);
          const answer = JSON.parse(res.body.toString()) as { __type?: string; FailedEntryCount?: number };
          if (res.status === 200) {
            acceptedEntries += entries - (answer.FailedEntryCount ?? 0);
            outcomes.push(answer.FailedEntryCount ? 'failEntries' : 'forward');
          } else outcomes.push(`${res.status}:${answer.__type}`);
        } catch (error) {
          outcomes.push((error as { code?: string }).code ?? 'error');
        }
      }
      agent.destroy();
      return { outcomes, acceptedEntries };
    };
    const proxy = await proxyFor({ seed: 1234, faults });
    // Act
    const first = await run(proxy);
    const receivedFirst = upstream.received.splice(0);
    const replay = await run(await proxyFor({ seed: 1234, faults }));
    // Assess
    const count = (kind: string) => first.outcomes.filter((o) => o === kind).length;
    const stats = proxy.stats();
    const statusErrors = count('500:InternalException') + count('503:ServiceUnavailable');
    expect(count('ECONNRESET')).toBe(stats.reset);
    expect(count('400:ThrottlingException')).toBe(stats.throttle);
    expect(statusErrors).toBe(stats.http5xx);
    expect(count('failEntries')).toBe(stats.failEntries);
    expect(
      count('forward') +
        count('ECONNRESET') +
        statusErrors +
        count('400:ThrottlingException') +
        count('failEntries'),
    ).toBe(requests);
    expect(Math.abs(stats.reset / requests - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(stats.throttle / requests - 0.15)).toBeLessThan(0.05);
    expect(Math.abs(stats.http5xx / requests - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(stats.failEntries / requests - 0.2)).toBeLessThan(0.06);
    expect(stats.total).toBe(requests);
    expect(receivedFirst).toHaveLength(stats.forwarded);
    // Every entry the upstream got was either answered as accepted or lost with a reset-after answer.
    const upstreamEntries = receivedFirst.reduce(
      (sum, r) => sum + (JSON.parse(r.body.toString()) as JsonEntries).Entries.length,
      0,
    );
    expect(upstreamEntries).toBe(first.acceptedEntries + stats.resetAfterForward * entries);
    expect(replay.outcomes).toEqual(first.outcomes);
  });
});

/** One batch of one entry to the named service through the proxy, with the given SDK attempts. */
function sendOneBatch(service: string, proxy: FaultProxy, maxAttempts: number): Promise<unknown> {
  const config = clientConfig(proxy, maxAttempts);
  switch (service) {
    case 'SQS':
      return new SQSClient(config).send(
        new SendMessageBatchCommand({ QueueUrl: 'http://q/1/q', Entries: [{ Id: 'a', MessageBody: 'A' }] }),
      );
    case 'SNS':
      return new SNSClient(config).send(
        new PublishBatchCommand({
          TopicArn: 'arn:aws:sns:us-east-1:1:t',
          PublishBatchRequestEntries: [{ Id: 'a', Message: 'A' }],
        }),
      );
    case 'Kinesis':
      return new KinesisClient(config).send(
        new PutRecordsCommand({ StreamName: 's', Records: [{ Data: Buffer.from('x'), PartitionKey: 'p' }] }),
      );
    default:
      return new EventBridgeClient(config).send(
        new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Detail: '{"n":0}' }] }),
      );
  }
}

describe('startFaultProxy: failEntries', () => {
  it('SQS: withheld entries come back Failed and retryable, the rest Successful; none of the failed reach upstream', async () => {
    // Prepare
    const proxy = await proxyFor({ seed: 11, faults: { failEntries: { rate: 1, entryRate: 0.4 } } });
    const sqs = new SQSClient(clientConfig(proxy));
    let failedTotal = 0;
    for (let batch = 0; batch < 5; batch++) {
      const ids = Array.from({ length: 10 }, (_, i) => `b${batch}-e${i}`);
      // Act
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: 'http://q/1/q',
          Entries: ids.map((Id) => ({ Id, MessageBody: `body ${Id}` })),
        }),
      );
      // Assess
      const delivered = (
        JSON.parse(upstream.received.at(-1)?.body.toString() ?? '{}') as JsonEntries
      ).Entries.map((e) => e.Id);
      const successful = result.Successful?.map((s) => s.Id) ?? [];
      const failed = result.Failed ?? [];
      expect(failed.length).toBeGreaterThan(0);
      expect(successful).toEqual(delivered);
      expect(result.Successful?.every((s) => s.MessageId === `msg-${s.Id}`)).toBe(true);
      expect([...successful, ...failed.map((f) => f.Id)].sort()).toEqual([...ids].sort());
      for (const f of failed) {
        expect(f).toMatchObject({ SenderFault: false, Code: 'InternalError' });
        expect(delivered).not.toContain(f.Id);
      }
      failedTotal += failed.length;
    }
    expect(upstream.received).toHaveLength(5);
    expect(proxy.stats()).toMatchObject({ failEntries: 5, failedEntries: failedTotal, forwarded: 5 });
  });

  it('SQS: a batch with every entry withheld is answered without calling upstream', async () => {
    // Prepare
    const proxy = await proxyFor({ faults: { failEntries: { rate: 1, entryRate: 1 } } });
    const sqs = new SQSClient(clientConfig(proxy));
    // Act
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: 'http://q/1/q',
        Entries: [
          { Id: 'a', MessageBody: 'A' },
          { Id: 'b', MessageBody: 'B' },
        ],
      }),
    );
    // Assess
    expect(result.Successful ?? []).toEqual([]);
    expect(result.Failed?.map((f) => f.Id)).toEqual(['a', 'b']);
    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ failEntries: 1, failedEntries: 2, forwarded: 0 });
  });

  it.each(['selfClosing', 'absent'] as const)(
    'SNS: the merged XML parses with the SDK (upstream Failed %s) and renumbered members reach upstream',
    async (style) => {
      // Prepare
      upstream.snsFailed = style;
      const proxy = await proxyFor({ seed: 5, faults: { failEntries: { rate: 1, entryRate: 0.4 } } });
      const sns = new SNSClient(clientConfig(proxy));
      const ids = Array.from({ length: 10 }, (_, i) => `id-${i}`);
      // Act
      const result = await sns.send(
        new PublishBatchCommand({
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
          PublishBatchRequestEntries: ids.map((Id) => ({ Id, Message: `message & <${Id}>` })),
        }),
      );
      // Assess
      const received = upstream.received[0];
      if (!received) throw new Error('nothing reached the upstream');
      const delivered = snsEntryIds(received);
      const form = new URLSearchParams(received.body.toString());
      const successful = result.Successful?.map((s) => s.Id) ?? [];
      const failed = result.Failed ?? [];
      expect(failed.length).toBeGreaterThan(0);
      expect(successful).toEqual(delivered);
      expect(result.Successful?.every((s) => s.MessageId === `sns-${s.Id}`)).toBe(true);
      expect([...successful, ...failed.map((f) => f.Id)].sort()).toEqual([...ids].sort());
      for (const f of failed) {
        expect(f).toMatchObject({ Code: 'InternalError', SenderFault: false });
        expect(delivered).not.toContain(f.Id);
      }
      delivered.forEach((id, i) => {
        expect(form.get(`PublishBatchRequestEntries.member.${i + 1}.Message`)).toBe(`message & <${id}>`);
      });
      expect(form.get('TopicArn')).toBe('arn:aws:sns:us-east-1:123456789012:t');
      expect(Number(received.headers['content-length'])).toBe(received.body.length);
    },
  );

  it('Kinesis: results stay positional, merged with upstream failures; withheld records never reach upstream', async () => {
    // Prepare
    const proxy = await proxyFor({ seed: 21, faults: { failEntries: { rate: 1, entryRate: 0.3 } } });
    const kinesis = new KinesisClient(clientConfig(proxy));
    const data = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'upstream-fail' : `rec-${i}`));
    // Act
    const result = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: data.map((d) => ({ Data: Buffer.from(d), PartitionKey: d })),
      }),
    );
    // Assess
    const delivered = (JSON.parse(upstream.received[0]?.body.toString() ?? '{}') as JsonEntries).Records.map(
      (r) => Buffer.from(r.Data, 'base64').toString(),
    );
    const records = result.Records ?? [];
    expect(records).toHaveLength(data.length);
    let injected = 0;
    records.forEach((record, i) => {
      const sent = data[i] ?? '';
      if (record.ErrorCode === 'ProvisionedThroughputExceededException') {
        injected++;
        expect(delivered).not.toContain(sent);
      } else if (record.ErrorCode === 'InternalFailure') {
        expect(sent).toBe('upstream-fail');
        expect(delivered).toContain(sent);
      } else {
        expect(record.SequenceNumber).toBe(`seq-${sent}`);
        expect(delivered).toContain(sent);
      }
    });
    expect(injected).toBeGreaterThan(0);
    expect(delivered).toHaveLength(data.length - injected);
    expect(result.FailedRecordCount).toBe(records.filter((r) => r.ErrorCode).length);
    expect(proxy.stats().failedEntries).toBe(injected);
  });

  it('EventBridge: results stay positional; withheld events never reach upstream', async () => {
    // Prepare
    const proxy = await proxyFor({ seed: 8, faults: { failEntries: { rate: 1, entryRate: 0.4 } } });
    const events = new EventBridgeClient(clientConfig(proxy));
    // Act
    const result = await events.send(
      new PutEventsCommand({
        Entries: Array.from({ length: 10 }, (_, n) => ({
          Source: 's',
          DetailType: 't',
          Detail: `{"n":${n}}`,
        })),
      }),
    );
    // Assess
    const delivered = (JSON.parse(upstream.received[0]?.body.toString() ?? '{}') as JsonEntries).Entries.map(
      (e) => (JSON.parse(e.Detail) as { n: number }).n,
    );
    const entries = result.Entries ?? [];
    expect(entries).toHaveLength(10);
    const failedPositions = entries.flatMap((e, n) => (e.ErrorCode ? [n] : []));
    expect(failedPositions.length).toBeGreaterThan(0);
    entries.forEach((entry, n) => {
      if (entry.ErrorCode) {
        expect(entry.ErrorCode).toBe('ThrottlingException');
        expect(delivered).not.toContain(n);
      } else {
        expect(entry.EventId).toBe(`ev-${n}`);
      }
    });
    expect(delivered).toEqual(entries.flatMap((e, n) => (e.ErrorCode ? [] : [n])));
    expect(result.FailedEntryCount).toBe(failedPositions.length);
  });
});
