import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { kinesisSink } from '@tributary/kinesis';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const kinesis = mockClient(KinesisClient);
const MiB = 1024 * 1024;
const streamName = 'events';

/** Answers every record ok, with a sequence number counting up per call. */
let sequence = 0;
function okFor(input: PutRecordsCommandInput): {
  Records: PutRecordsResultEntry[];
  FailedRecordCount: number;
} {
  return {
    FailedRecordCount: 0,
    Records: (input.Records ?? []).map(() => ({
      SequenceNumber: String(++sequence),
      ShardId: 'shardId-000000000000',
    })),
  };
}

function sentRecords(): PutRecordsCommandInput['Records'][] {
  return kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records);
}

function text(data: Uint8Array | undefined): string {
  return Buffer.from(data ?? new Uint8Array()).toString('utf8');
}

beforeEach(() => {
  kinesis.reset();
  sequence = 0;
  kinesis.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: undefined });
  kinesis.on(PutRecordsCommand).callsFake(okFor);
});

describe('kinesisSink', () => {
  it('writes a record and resolves with its SequenceNumber and shard', async () => {
    // Prepare
    const sink = kinesisSink<{ userId: string }>(testConnection(), {
      streamName,
      partitionKey: (m) => m.body.userId,
    });
    // Act
    const receipt = await sink.write({ body: { userId: 'u1' }, id: 'mine' });
    await sink.close();
    // Assess
    expect(receipt).toMatchObject({
      id: '1',
      attempts: 1,
      details: { shardId: 'shardId-000000000000' },
      messageId: 'mine',
    });
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamName: streamName });
    const [records] = sentRecords();
    expect(records?.[0]?.PartitionKey).toBe('u1');
    expect(text(records?.[0]?.Data)).toBe('{"userId":"u1"}');
  });

  it('sends 500 records in one PutRecords and the 501st in a second', async () => {
    // Prepare
    const sink = kinesisSink(testConnection(), { streamName, partitionKeyTemplate: 'k', lingerMs: 1_000 });
    // Act
    const writes = Array.from({ length: 501 }, (_, i) => sink.write({ body: `m${i}` }));
    await sink.flush();
    await Promise.all(writes);
    // Assess
    expect(sentRecords().map((records) => records?.length)).toEqual([500, 1]);
  });

  it('fills a request to exactly 10 MiB and splits at one byte over', async () => {
    // Prepare: record size = data + partition key ('k', 1 byte); records of 2 MiB allowed by maxRecordBytes.
    const big = (size: number) => 'x'.repeat(size - 1);
    const sink = kinesisSink(testConnection(), {
      streamName,
      partitionKeyTemplate: 'k',
      maxRecordBytes: 2 * MiB,
      lingerMs: 1_000,
    });
    // Act
    const exact = [2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB - 2, 2].map((size) =>
      sink.write({ body: big(size) }),
    );
    await sink.flush();
    await Promise.all(exact);
    const over = [2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB - 2, 3].map((size) =>
      sink.write({ body: big(size) }),
    );
    await sink.flush();
    await Promise.all(over);
    // Assess
    expect(sentRecords().map((records) => records?.length)).toEqual([6, 5, 1]);
    expect(kinesis).not.toHaveReceivedCommand(DescribeStreamSummaryCommand);
  });

  it('accepts a record of exactly 1 MiB counted in UTF-8 bytes and rejects one byte over without sending it', async () => {
    // Prepare: '€' is 3 bytes in UTF-8; 349,525 of them + a 1-byte key = 1,048,576 bytes.
    const body = '€'.repeat(349_525);
    const sink = kinesisSink<string>(testConnection(), {
      streamName,
      partitionKey: (m) => (m.id === 'over' ? 'kk' : 'k'),
    });
    // Act
    const accepted = await sink.write({ body, id: 'exact' });
    const rejected = await sink.write({ body, id: 'over' }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(accepted.id).toBe('1');
    expect(rejected).toMatchObject({ code: 'WRITE_REJECTED', details: { reason: 'ENTRY_TOO_LARGE' } });
    expect(sentRecords()).toHaveLength(1);
    expect(sentRecords()[0]?.[0]?.Data?.byteLength).toBe(1_048_575);
  });

  it('counts a multi-byte partition key in UTF-8 bytes', async () => {
    // Prepare: '😀' is 4 bytes; 1,048,572 bytes of data + 4 = the 1 MiB limit, one more byte is over.
    const sink = kinesisSink<string>(testConnection(), { streamName, partitionKey: () => '😀' });
    // Act
    const exact = await sink.write({ body: 'a'.repeat(MiB - 4) });
    const over = await sink.write({ body: 'a'.repeat(MiB - 3) }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(exact.attempts).toBe(1);
    expect(over).toMatchObject({ details: { reason: 'ENTRY_TOO_LARGE' } });
  });

  it("uses the stream's MaxRecordSizeInKiB from DescribeStreamSummary", async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { MaxRecordSizeInKiB: 2048 } as never,
    });
    const sink = kinesisSink<string>(testConnection(), { streamName, partitionKeyTemplate: 'k' });
    // Act
    const fits = await sink.write({ body: 'a'.repeat(2 * MiB - 1) });
    const over = await sink.write({ body: 'a'.repeat(2 * MiB) }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(fits.attempts).toBe(1);
    expect(over).toMatchObject({ details: { reason: 'ENTRY_TOO_LARGE' } });
    expect(kinesis).toHaveReceivedCommandTimes(DescribeStreamSummaryCommand, 1);
  });

  it('falls back to 1 MiB records when DescribeStreamSummary is denied', async () => {
    // Prepare
    kinesis
      .on(DescribeStreamSummaryCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const sink = kinesisSink<string>(testConnection(), { streamName, partitionKeyTemplate: 'k' });
    // Act
    const fits = await sink.write({ body: 'a'.repeat(MiB - 1) });
    const over = await sink.write({ body: 'a'.repeat(MiB) }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(fits.attempts).toBe(1);
    expect(over).toMatchObject({ details: { reason: 'ENTRY_TOO_LARGE' } });
  });

  it('rejects pending writes with RESOURCE_NOT_FOUND when the stream does not exist', async () => {
    // Prepare
    kinesis
      .on(DescribeStreamSummaryCommand)
      .rejects(Object.assign(new Error('Stream events not found'), { name: 'ResourceNotFoundException' }));
    const sink = kinesisSink<string>(testConnection(), { streamName, partitionKeyTemplate: 'k' });
    // Act
    const error = await sink.write({ body: 'a' }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', details: { streamName } });
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('rejects pending writes with the sanitized auth error when DescribeStreamSummary says the keys are invalid', async () => {
    // Prepare: an SDK error carrying its raw response, as the SDK attaches it
    const raw = Object.assign(new Error('The security token included in the request is invalid'), {
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 400 },
      $response: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE' } },
    });
    kinesis.on(DescribeStreamSummaryCommand).rejects(raw);
    const sink = kinesisSink<string>(testConnection(), { streamName, partitionKeyTemplate: 'k' });
    // Act
    const error = (await sink.write({ body: 'a' }).catch((e: unknown) => e)) as Error & { code?: string };
    // Assess
    expect(error.code).toBe('AUTH_FAILED');
    expect(JSON.stringify(error.cause ?? {})).not.toContain('AKIDEXAMPLE');
    expect((error.cause as { $response?: unknown } | undefined)?.$response).toBeUndefined();
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('retries only the retryable records of a mixed response and rejects the fatal one', async () => {
    // Prepare
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 4,
        Records: [
          { SequenceNumber: '10', ShardId: 'shardId-000000000001' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' },
          { ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'denied' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'internal' },
          { ErrorCode: 'KMSThrottlingException', ErrorMessage: 'kms throttled' },
          { ErrorCode: 'ValidationException', ErrorMessage: 'bad record' },
        ],
      })
      .callsFake(okFor);
    const sink = kinesisSink<string>(testConnection(), {
      streamName,
      partitionKey: (m) => m.body,
      baseDelayMs: 1,
      lingerMs: 100,
    });
    // Act
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((body) => sink.write({ body })),
    );
    await sink.close();
    // Assess
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    expect(results[0]).toMatchObject({
      value: { id: '10', attempts: 1, details: { shardId: 'shardId-000000000001' } },
    });
    expect(results[1]).toMatchObject({ value: { attempts: 2 } });
    expect(results[2]).toMatchObject({
      reason: { code: 'WRITE_REJECTED', details: { awsErrorCode: 'KMSAccessDeniedException', attempts: 1 } },
    });
    expect(results[5]).toMatchObject({ reason: { details: { awsErrorCode: 'ValidationException' } } });
    const second = sentRecords()[1] ?? [];
    expect(second.map((r) => r.PartitionKey)).toEqual(['b', 'd', 'e']);
    expect(sink.stats()).toMatchObject({ written: 4, rejected: 2, retried: 3 });
  });

  it('rejects a retryable record once it runs out of attempts', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 1,
      Records: [{ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }],
    });
    const sink = kinesisSink<string>(testConnection(), {
      streamName,
      partitionKeyTemplate: 'k',
      maxAttempts: 3,
      baseDelayMs: 1,
    });
    // Act
    const error = await sink.write({ body: 'a' }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({
      code: 'WRITE_REJECTED',
      details: { awsErrorCode: 'ProvisionedThroughputExceededException', attempts: 3 },
    });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 3);
  });

  it('reads the partition key and explicit hash key from body fields, and targets a stream ARN', async () => {
    // Prepare
    const streamArn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/events';
    const sink = kinesisSink(testConnection(), {
      streamArn,
      partitionKeyField: 'user.id',
      explicitHashKeyField: 'hash',
    });
    // Act
    await sink.write({ body: { user: { id: 42 }, hash: '340282366920938463463374607431768211455' } });
    await sink.close();
    // Assess
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamARN: streamArn });
    expect(kinesis).toHaveReceivedCommandWith(DescribeStreamSummaryCommand, { StreamARN: streamArn });
    expect(sentRecords()[0]?.[0]).toMatchObject({
      PartitionKey: '42',
      ExplicitHashKey: '340282366920938463463374607431768211455',
    });
  });

  it('builds the partition key from a template and rejects a message that lacks the field', async () => {
    // Prepare
    const sink = kinesisSink(testConnection(), {
      streamName,
      partitionKeyTemplate: '${msg:tenant}/${msg:user}',
    });
    // Act
    await sink.write({ body: { tenant: 'acme', user: 'u1' } });
    const error = await sink.write({ body: { tenant: 'acme' } }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(sentRecords()[0]?.[0]?.PartitionKey).toBe('acme/u1');
    expect(error).toMatchObject({ code: 'WRITE_REJECTED', details: { reason: 'PREPARE_FAILED' } });
  });

  it('rejects partition keys over 256 characters and invalid explicit hash keys before sending', async () => {
    // Prepare
    const sink = kinesisSink<{ key: string; hash?: string }>(testConnection(), {
      streamName,
      partitionKey: (m) => m.body.key,
      explicitHashKey: (m) => m.body.hash,
    });
    // Act
    const atLimit = await sink.write({ body: { key: '😀'.repeat(256) } });
    const results = await Promise.allSettled([
      sink.write({ body: { key: 'k'.repeat(257) } }),
      sink.write({ body: { key: '' } }),
      sink.write({ body: { key: 'k', hash: '340282366920938463463374607431768211456' } }),
      sink.write({ body: { key: 'k', hash: '-1' } }),
    ]);
    await sink.close();
    // Assess
    expect(atLimit.attempts).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(sentRecords().flat()).toHaveLength(1);
  });

  it('sends bytes as they are and strings as UTF-8', async () => {
    // Prepare
    const sink = kinesisSink<Uint8Array | string>(testConnection(), {
      streamName,
      partitionKeyTemplate: 'k',
    });
    // Act
    await Promise.all([sink.write({ body: new Uint8Array([0, 255, 7]) }), sink.write({ body: 'grüße' })]);
    await sink.close();
    // Assess
    const records = sentRecords().flat();
    expect([...(records[0]?.Data ?? [])]).toEqual([0, 255, 7]);
    expect(text(records[1]?.Data)).toBe('grüße');
  });

  it('throws ConfigError naming each invalid field', () => {
    // Prepare
    const aws = testConnection();
    // Act
    const errors = [
      () => kinesisSink(aws, { streamName, partitionKeyTemplate: 'k', maxBatchRecords: 800 }),
      () => kinesisSink(aws, { partitionKeyTemplate: 'k' }),
      () => kinesisSink(aws, { streamName }),
      () => kinesisSink(aws, { streamName, partitionKeyTemplate: 'k', partitionKeyField: 'k' }),
      () => kinesisSink(aws, { streamName, partitionKeyTemplate: 'k', shards: 2 } as never),
      () => kinesisSink(aws, { streamName, partitionKeyTemplate: 'k', maxBatchBytes: 11 * MiB }),
    ].map((make) => {
      try {
        make();
        return undefined;
      } catch (error) {
        return error as { code: string; name: string; message: string; details: { paths: string[] } };
      }
    });
    // Assess
    expect(errors.map((e) => e?.name)).toEqual(Array(6).fill('ConfigError'));
    expect(errors.map((e) => e?.details.paths[0])).toEqual([
      '/maxBatchRecords',
      '/streamName',
      '/partitionKey',
      '/partitionKeyTemplate',
      '/',
      '/maxBatchBytes',
    ]);
    expect(errors[0]?.message).toContain('800');
  });
});

describe('kinesisSink ordered', () => {
  it('never has two requests with the same partition key in flight', async () => {
    // Prepare
    let inFlight = new Set<string>();
    let overlap = false;
    kinesis.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      const keys = new Set((input.Records ?? []).map((r) => r.PartitionKey as string));
      for (const key of keys) if (inFlight.has(key)) overlap = true;
      inFlight = new Set([...inFlight, ...keys]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const key of keys) inFlight.delete(key);
      return okFor(input);
    });
    const sink = kinesisSink<{ key: string; n: number }>(testConnection(), {
      streamName,
      partitionKey: (m) => m.body.key,
      ordered: true,
      maxBatchRecords: 3,
      maxConcurrency: 4,
      lingerMs: 0,
    });
    // Act
    const writes = Array.from({ length: 60 }, (_, n) => sink.write({ body: { key: `k${n % 3}`, n } }));
    await Promise.all(writes);
    await sink.close();
    // Assess
    expect(overlap).toBe(false);
    const perKey = new Map<string, number[]>();
    for (const record of sentRecords().flat()) {
      const body = JSON.parse(text(record?.Data)) as { key: string; n: number };
      perKey.set(body.key, [...(perKey.get(body.key) ?? []), body.n]);
    }
    for (const ns of perKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
  });

  it('keeps order per partition key when a record fails and a later one of the same key is in the batch', async () => {
    // Prepare: the first request fails a1 with throttling; a2 and a3 must not be written before a1.
    let calls = 0;
    kinesis.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      calls++;
      const out = okFor(input);
      if (calls === 1) {
        out.Records[0] = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' };
        out.FailedRecordCount = 1;
      }
      return out;
    });
    const sink = kinesisSink<string>(testConnection(), {
      streamName,
      partitionKey: (m) => m.body.slice(0, 1),
      ordered: true,
      baseDelayMs: 1,
      lingerMs: 50,
    });
    // Act
    const receipts = await Promise.all(['a1', 'b1', 'a2', 'b2', 'a3'].map((body) => sink.write({ body })));
    await sink.close();
    // Assess: every request holds at most one record per key, and a's records were accepted in write order.
    for (const records of sentRecords()) {
      const keys = (records ?? []).map((r) => r.PartitionKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const written = sentRecords()
      .flat()
      .map((r) => text(r?.Data));
    expect(written).toEqual(['a1', 'b1', 'b2', 'a1', 'a2', 'a3']);
    const ids = receipts.map((r) => Number(r.id));
    expect(ids[0]).toBeLessThan(ids[2] as number);
    expect(ids[2]).toBeLessThan(ids[4] as number);
  });
});
