import { describe, expect, it } from 'vitest';
import { startFaultProxy } from '../../src/faultProxy.js';
import {
  describeRequest,
  needsBody,
  parseBatch,
  type RequestInfo,
  serverErrorResponse,
  throttleResponse,
} from '../../src/internal/faultProxyProtocol.js';

const json10 = 'application/x-amz-json-1.0';
const json11 = 'application/x-amz-json-1.1';
const form = 'application/x-www-form-urlencoded; charset=utf-8';

function jsonInfo(target: string, contentType = json11): RequestInfo {
  return describeRequest({ 'x-amz-target': target, 'content-type': contentType }, Buffer.from('{}'));
}

function snsBody(ids: string[]): Buffer {
  const params = new URLSearchParams({ Action: 'PublishBatch', Version: '2010-03-31', TopicArn: 'arn:t' });
  ids.forEach((id, i) => {
    params.append(`PublishBatchRequestEntries.member.${i + 1}.Id`, id);
    params.append(`PublishBatchRequestEntries.member.${i + 1}.Message`, `body of ${id} & more`);
    params.append(`PublishBatchRequestEntries.member.${i + 1}.MessageAttributes.entry.1.Name`, 'k');
  });
  return Buffer.from(params.toString());
}

const snsInfo = (body: Buffer) => describeRequest({ 'content-type': form }, body);

describe('describeRequest', () => {
  it('reads target and action of JSON calls and Action of query calls', () => {
    // Act
    const sqs = jsonInfo('AmazonSQS.SendMessageBatch', json10);
    const sns = snsInfo(snsBody(['a']));
    const rest = describeRequest({ 'content-type': 'application/octet-stream' }, undefined);
    // Assess
    expect(sqs).toMatchObject({
      protocol: 'json',
      target: 'AmazonSQS.SendMessageBatch',
      action: 'SendMessageBatch',
    });
    expect(sns).toMatchObject({ protocol: 'query', target: undefined, action: 'PublishBatch' });
    expect(rest).toMatchObject({ protocol: 'other', target: undefined, action: undefined });
  });

  it('reads the body only of RPC calls', () => {
    // Assess
    expect(needsBody({ 'x-amz-target': 'Kinesis_20131202.PutRecords' })).toBe(true);
    expect(needsBody({ 'content-type': form })).toBe(true);
    expect(needsBody({ 'content-type': 'application/octet-stream' })).toBe(false);
    expect(needsBody({})).toBe(false);
  });
});

describe('throttleResponse and serverErrorResponse', () => {
  it("answer each protocol's own error shape", () => {
    // Act
    const sqs = throttleResponse(jsonInfo('AmazonSQS.SendMessageBatch', json10));
    const kinesisData = throttleResponse(jsonInfo('Kinesis_20131202.PutRecords'));
    const kinesisControl = throttleResponse(jsonInfo('Kinesis_20131202.CreateStream'));
    const events = throttleResponse(jsonInfo('AWSEvents.PutEvents'));
    const sns = throttleResponse(snsInfo(snsBody(['a'])));
    const s3 = throttleResponse(describeRequest({}, undefined));
    const events500 = serverErrorResponse(jsonInfo('AWSEvents.PutEvents'), 500);
    const sqs503 = serverErrorResponse(jsonInfo('AmazonSQS.SendMessageBatch', json10), 503);
    const sns500 = serverErrorResponse(snsInfo(snsBody(['a'])), 500);
    // Assess
    expect(sqs.status).toBe(400);
    expect(sqs.headers['content-type']).toBe(json10);
    expect(sqs.headers['x-amzn-query-error']).toBe('RequestThrottled;Sender');
    expect(JSON.parse(sqs.body.toString()).__type).toBe('com.amazonaws.sqs#RequestThrottled');
    expect(JSON.parse(kinesisData.body.toString()).__type).toBe('ProvisionedThroughputExceededException');
    expect(JSON.parse(kinesisControl.body.toString()).__type).toBe('LimitExceededException');
    expect(events.status).toBe(400);
    expect(JSON.parse(events.body.toString()).__type).toBe('ThrottlingException');
    expect(sns.status).toBe(400);
    expect(sns.body.toString()).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>Throttling<\/Code>/,
    );
    expect(s3.status).toBe(503);
    expect(s3.body.toString()).toContain('<Code>SlowDown</Code>');
    expect(events500.status).toBe(500);
    expect(JSON.parse(events500.body.toString()).__type).toBe('InternalException');
    expect(sqs503.status).toBe(503);
    expect(sqs503.headers['x-amzn-query-error']).toBe('ServiceUnavailable;Receiver');
    expect(sns500.body.toString()).toContain('<Code>InternalError</Code>');
    for (const r of [sqs, kinesisData, events, sns, s3, events500]) {
      expect(r.headers['content-length']).toBe(r.body.length);
    }
  });
});

describe('parseBatch', () => {
  it('ignores calls that are not batch writes', () => {
    // Assess
    expect(
      parseBatch(jsonInfo('AmazonSQS.SendMessage', json10), Buffer.from('{"QueueUrl":"q"}')),
    ).toBeUndefined();
    expect(parseBatch(jsonInfo('Kinesis_20131202.PutRecord'), Buffer.from('{}'))).toBeUndefined();
    const publish = Buffer.from('Action=Publish&Message=x');
    expect(parseBatch(snsInfo(publish), publish)).toBeUndefined();
  });

  it('SQS: removes the failed entries and appends their retryable failures to the upstream answer', () => {
    // Prepare
    const request = {
      QueueUrl: 'http://q',
      Entries: ['a', 'b', 'c', 'd'].map((Id) => ({ Id, MessageBody: Id })),
    };
    const batch = parseBatch(
      jsonInfo('AmazonSQS.SendMessageBatch', json10),
      Buffer.from(JSON.stringify(request)),
    );
    const failed = new Set([1, 3]);
    const upstream = {
      Successful: [{ Id: 'a', MessageId: 'm-a', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: 'c', SenderFault: true, Code: 'InvalidParameterValue' }],
    };
    // Act
    const forwarded = JSON.parse(batch?.withoutEntries(failed).toString() ?? '');
    const merged = batch?.merge(Buffer.from(JSON.stringify(upstream)), failed);
    // Assess
    expect(batch?.count).toBe(4);
    expect(forwarded).toEqual({ QueueUrl: 'http://q', Entries: [request.Entries[0], request.Entries[2]] });
    expect(merged?.status).toBe(200);
    expect(JSON.parse(merged?.body.toString() ?? '')).toEqual({
      Successful: upstream.Successful,
      Failed: [
        upstream.Failed[0],
        { Id: 'b', SenderFault: false, Code: 'InternalError', Message: expect.any(String) },
        { Id: 'd', SenderFault: false, Code: 'InternalError', Message: expect.any(String) },
      ],
    });
  });

  it('Kinesis: rebuilds the positional answer in request order and adds to FailedRecordCount', () => {
    // Prepare
    const records = [0, 1, 2, 3, 4].map((n) => ({
      Data: Buffer.from(`r${n}`).toString('base64'),
      PartitionKey: `p${n}`,
    }));
    const batch = parseBatch(
      jsonInfo('Kinesis_20131202.PutRecords'),
      Buffer.from(JSON.stringify({ StreamName: 's', Records: records })),
    );
    const failed = new Set([0, 3]);
    const upstream = {
      FailedRecordCount: 1,
      EncryptionType: 'NONE',
      Records: [
        { SequenceNumber: 'seq-1', ShardId: 'shard-0' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'upstream' },
        { SequenceNumber: 'seq-4', ShardId: 'shard-0' },
      ],
    };
    // Act
    const forwarded = JSON.parse(batch?.withoutEntries(failed).toString() ?? '');
    const merged = JSON.parse(
      batch?.merge(Buffer.from(JSON.stringify(upstream)), failed).body.toString() ?? '',
    );
    // Assess
    expect(forwarded.Records).toEqual([records[1], records[2], records[4]]);
    expect(merged.FailedRecordCount).toBe(3);
    expect(merged.EncryptionType).toBe('NONE');
    expect(merged.Records).toEqual([
      { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: expect.any(String) },
      upstream.Records[0],
      upstream.Records[1],
      { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: expect.any(String) },
      upstream.Records[2],
    ]);
  });

  it('EventBridge: answers every entry failed when all were withheld', () => {
    // Prepare
    const entries = [
      { Source: 's', DetailType: 't', Detail: '{}' },
      { Source: 's', DetailType: 't', Detail: '{}' },
    ];
    const batch = parseBatch(
      jsonInfo('AWSEvents.PutEvents'),
      Buffer.from(JSON.stringify({ Entries: entries })),
    );
    // Act
    const merged = batch?.merge(undefined, new Set([0, 1]));
    // Assess
    expect(JSON.parse(merged?.body.toString() ?? '')).toEqual({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'ThrottlingException', ErrorMessage: expect.any(String) },
        { ErrorCode: 'ThrottlingException', ErrorMessage: expect.any(String) },
      ],
    });
  });

  it('positional merge refuses an upstream answer with the wrong number of results', () => {
    // Prepare
    const batch = parseBatch(
      jsonInfo('AWSEvents.PutEvents'),
      Buffer.from(JSON.stringify({ Entries: [{}, {}, {}] })),
    );
    // Act / Assess
    expect(() =>
      batch?.merge(Buffer.from('{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}'), new Set([0])),
    ).toThrow(/1 results for 2 entries/);
  });

  it('SNS: renumbers the remaining form members from 1 and keeps their fields', () => {
    // Prepare
    const body = snsBody(['a', 'b', 'c']);
    const batch = parseBatch(snsInfo(body), body);
    // Act
    const forwarded = new URLSearchParams(batch?.withoutEntries(new Set([0])).toString());
    // Assess
    expect(batch?.count).toBe(3);
    expect(forwarded.get('Action')).toBe('PublishBatch');
    expect(forwarded.get('TopicArn')).toBe('arn:t');
    expect(forwarded.get('PublishBatchRequestEntries.member.1.Id')).toBe('b');
    expect(forwarded.get('PublishBatchRequestEntries.member.1.Message')).toBe('body of b & more');
    expect(forwarded.get('PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name')).toBe('k');
    expect(forwarded.get('PublishBatchRequestEntries.member.2.Id')).toBe('c');
    expect(forwarded.has('PublishBatchRequestEntries.member.3.Id')).toBe(false);
  });

  it.each([
    ['self-closing', '<Failed/>'],
    ['empty', '<Failed></Failed>'],
    ['absent', ''],
    [
      'with upstream failures',
      '<Failed><member><Id>b</Id><Code>X</Code><SenderFault>true</SenderFault></member></Failed>',
    ],
  ])('SNS: merges failed members into a %s Failed element', (_, failedXml) => {
    // Prepare
    const body = snsBody(['a<1>', 'b', 'c']);
    const batch = parseBatch(snsInfo(body), body);
    const upstream =
      '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
      `<Successful><member><Id>c</Id><MessageId>m</MessageId></member></Successful>${failedXml}` +
      '</PublishBatchResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>';
    // Act
    const merged = batch?.merge(Buffer.from(upstream), new Set([0])).body.toString() ?? '';
    // Assess
    const failedBlocks = merged.match(/<Failed>.*?<\/Failed>/g) ?? [];
    expect(failedBlocks).toHaveLength(1);
    expect(failedBlocks[0]).toContain(
      '<member><Id>a&lt;1&gt;</Id><Code>InternalError</Code><Message>Internal error (injected by the fault proxy)</Message><SenderFault>false</SenderFault></member>',
    );
    expect(merged).toContain('<Successful><member><Id>c</Id><MessageId>m</MessageId></member></Successful>');
    expect(merged).toContain('<RequestId>r</RequestId>');
  });
});

describe('startFaultProxy options', () => {
  it.each([
    [{ target: 'not a url' }, '/target'],
    [{ target: 'ftp://127.0.0.1:1' }, '/target'],
    [{ target: 'http://127.0.0.1:1', faults: { throttle: { rate: 1.5 } } }, '/faults/throttle/rate'],
    [
      { target: 'http://127.0.0.1:1', faults: { latencyMs: { rate: 1, minMs: 50, maxMs: 10 } } },
      '/faults/latencyMs/maxMs',
    ],
    [
      { target: 'http://127.0.0.1:1', faults: { http5xx: { rate: 0.1, statuses: [404] } } },
      '/faults/http5xx/statuses/0',
    ],
    [{ target: 'http://127.0.0.1:1', faults: { throttle: { rate: 0.6 }, reset: { rate: 0.6 } } }, '/faults'],
    [{ target: 'http://127.0.0.1:1', faults: { jitter: {} } }, '/faults'],
    [{ target: 'http://127.0.0.1:1', only: 'batch' }, '/only'],
  ])('rejects %j with a ConfigError naming %s', async (input, path) => {
    // Act
    const attempt = startFaultProxy(input as Parameters<typeof startFaultProxy>[0]);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      details: { paths: expect.arrayContaining([path]) },
    });
  });
});
