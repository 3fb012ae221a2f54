import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { silentLogger } from '@tributary/connection';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { kinesisDriver } from '../../src/driver.js';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const signal = new AbortController().signal;

function driver() {
  return kinesisDriver<string>({
    client,
    target: { StreamName: 'events' },
    partitionKey: (m) => m.body.split(':')[0] as string,
    maxBatchRecords: 500,
    maxBatchBytes: 10 * 1024 * 1024,
    logger: silentLogger,
  });
}

beforeEach(() => kinesis.reset());

describe('kinesisDriver', () => {
  it('sizes a record as data bytes plus partition key UTF-8 bytes', () => {
    // Prepare
    const d = driver();
    // Act
    const entry = d.prepare({ body: 'ünï:😀' });
    // Assess: body 'ünï:😀' = 2+1+2+1+4 = 10 bytes, key 'ünï' = 5 bytes.
    expect(entry.PartitionKey).toBe('ünï');
    expect(d.entrySize(entry)).toBe(15);
  });

  it('maps every record of a response to ok, retryable or fatal by position', async () => {
    // Prepare
    const d = driver();
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 4,
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-000000000003' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'rate' },
        { ErrorCode: 'KMSThrottlingException', ErrorMessage: 'kms' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'internal' },
        { ErrorCode: 'KMSDisabledException', ErrorMessage: 'disabled' },
      ],
    });
    const entries = ['a', 'b', 'c', 'd', 'e'].map((body) => d.prepare({ body }));
    // Act
    const outcomes = await d.sendBatch(entries, signal);
    // Assess
    expect(outcomes).toEqual([
      { status: 'ok', id: '1', details: { shardId: 'shardId-000000000003' } },
      { status: 'retryable', code: 'ProvisionedThroughputExceededException', message: 'rate' },
      { status: 'retryable', code: 'KMSThrottlingException', message: 'kms' },
      { status: 'retryable', code: 'InternalFailure', message: 'internal' },
      { status: 'fatal', code: 'KMSDisabledException', message: 'disabled' },
    ]);
  });

  it('gives the records of one shard one frozen details object, not one each', async () => {
    // Prepare
    const d = driver();
    kinesis.on(PutRecordsCommand).resolves({
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        { SequenceNumber: '2', ShardId: 'shardId-000000000001' },
        { SequenceNumber: '3', ShardId: 'shardId-000000000000' },
      ],
    });
    // Act
    const outcomes = await d.sendBatch(
      ['a', 'b', 'c'].map((body) => d.prepare({ body })),
      signal,
    );
    // Assess
    const details = outcomes.map((o) => (o.status === 'ok' ? o.details : undefined));
    expect(details[0]).toBe(details[2]);
    expect(details[1]).toEqual({ shardId: 'shardId-000000000001' });
    expect(Object.isFrozen(details[0])).toBe(true);
  });

  it('fails the request when the response does not answer every record', async () => {
    // Prepare
    const d = driver();
    kinesis.on(PutRecordsCommand).resolves({ Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    // Act
    const error = await d
      .sendBatch([d.prepare({ body: 'a' }), d.prepare({ body: 'b' })], signal)
      .catch((e) => e);
    // Assess
    expect(error).toMatchObject({ code: 'AWS_REQUEST_FAILED', retryable: false });
  });
});
