import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { eventBridgeSink, putEventsEntrySize } from '@tributary/eventbridge';
import { testConnection } from '@tributary/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const eventBridge = mockClient(EventBridgeClient);
const MB = 1024 * 1024;
const base = { source: 'app.orders', detailType: 'OrderPlaced' } as const;

let eventId = 0;
function okFor(input: PutEventsCommandInput): { Entries: PutEventsResultEntry[]; FailedEntryCount: number } {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: `e${++eventId}` })) };
}

function sentEntries(): NonNullable<PutEventsCommandInput['Entries']>[] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

beforeEach(() => {
  eventBridge.reset();
  eventId = 0;
  eventBridge.on(PutEventsCommand).callsFake(okFor);
});

describe('putEventsEntrySize', () => {
  it('counts 14 bytes for Time and UTF-8 bytes of Source, DetailType, Detail and Resources', () => {
    // Prepare
    const entry = {
      Time: new Date(),
      Source: 'ä',
      DetailType: '€',
      Detail: '{"k":"😀"}',
      Resources: ['arn:é', 'r'],
      EventBusName: 'not counted',
      TraceHeader: 'not counted',
    };
    // Act
    const size = putEventsEntrySize(entry);
    // Assess: Time 14 + Source 2 + DetailType 3 + Detail (8 + 4) + Resources (6 + 1)
    expect(size).toBe(38);
  });
});

describe('eventBridgeSink', () => {
  it('sends an event built from the options and resolves with its EventId', async () => {
    // Prepare
    const time = new Date('2026-01-02T03:04:05Z');
    const sink = eventBridgeSink<{ order: { id: string }; at: string; trace: string }>(testConnection(), {
      ...base,
      detailType: 'Order${msg:order.id}',
      eventBusName: 'orders',
      detailPath: 'order',
      resources: ['arn:aws:s3:::bucket/${msg:order.id}'],
      timeField: 'at',
      traceHeader: 'Root=${msg:trace}',
    });
    // Act
    const receipt = await sink.write({
      body: { order: { id: 'o1' }, at: time.toISOString(), trace: '1-abc' },
    });
    await sink.close();
    // Assess
    expect(receipt).toMatchObject({ id: 'e1', attempts: 1, sink: 'eventbridge:orders' });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: 'app.orders',
          DetailType: 'Ordero1',
          Detail: '{"id":"o1"}',
          EventBusName: 'orders',
          Resources: ['arn:aws:s3:::bucket/o1'],
          Time: time,
          TraceHeader: 'Root=1-abc',
        },
      ],
    });
  });

  it('sends a string body as Detail text unchanged and bytes as UTF-8 text', async () => {
    // Prepare
    const sink = eventBridgeSink<string | Uint8Array>(testConnection(), base);
    // Act
    await Promise.all([
      sink.write({ body: '{"a": "grüße"}' }),
      sink.write({ body: new TextEncoder().encode('{"b":1}') }),
    ]);
    await sink.close();
    // Assess
    expect(sentEntries()[0]?.map((e) => e.Detail)).toEqual(['{"a": "grüße"}', '{"b":1}']);
    expect(sentEntries()[0]?.[0]?.EventBusName).toBeUndefined();
  });

  it('sends 10 entries in one PutEvents and the 11th in a second', async () => {
    // Prepare
    const sink = eventBridgeSink(testConnection(), { ...base, lingerMs: 1_000 });
    // Act
    const writes = Array.from({ length: 11 }, (_, n) => sink.write({ body: { n } }));
    await sink.flush();
    await Promise.all(writes);
    // Assess
    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 1]);
  });

  it('fills a request to exactly maxRequestBytes and splits at one byte over, counting UTF-8 bytes', async () => {
    // Prepare: Source 's' + DetailType 't' = 2 bytes; detail '"' + '€'*n + '"' is 3n + 2 bytes.
    const sink = eventBridgeSink<string>(testConnection(), { source: 's', detailType: 't', lingerMs: 1_000 });
    const detail = (bytes: number) => {
      const n = Math.floor((bytes - 4) / 3);
      return `"${'€'.repeat(n)}${'x'.repeat(bytes - 4 - 3 * n)}"`;
    };
    // Act: four entries of MB/4 bytes fill 1 MiB exactly; then one byte more.
    const exact = [MB / 4, MB / 4, MB / 4, MB / 4].map((size) => sink.write({ body: detail(size) }));
    await sink.flush();
    await Promise.all(exact);
    const over = [MB / 4, MB / 4, MB / 4, MB / 4 + 1].map((size) => sink.write({ body: detail(size) }));
    await sink.flush();
    await Promise.all(over);
    // Assess
    expect(sentEntries().map((entries) => entries.length)).toEqual([4, 3, 1]);
    expect(putEventsEntrySize(sentEntries()[0]?.[0] ?? {})).toBe(MB / 4);
  });

  it('accepts an entry of exactly the request limit and rejects one byte over without sending it', async () => {
    // Prepare: with Time set, 14 bytes count too.
    const time = new Date();
    const sink = eventBridgeSink<string>(testConnection(), {
      source: 's',
      detailType: 't',
      maxRequestBytes: 262_144,
      time: () => time,
    });
    const body = (bytes: number) => `"${'a'.repeat(bytes - 14 - 2 - 2)}"`;
    // Act
    const accepted = await sink.write({ body: body(262_144) });
    const rejected = await sink.write({ body: body(262_145) }).catch((e: unknown) => e);
    await sink.close();
    // Assess
    expect(accepted.id).toBe('e1');
    expect(rejected).toMatchObject({ code: 'WRITE_REJECTED', details: { reason: 'ENTRY_TOO_LARGE' } });
    expect(sentEntries()).toHaveLength(1);
  });

  it('retries only the throttled and internal entries of a mixed response and rejects the fatal ones', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 4,
        Entries: [
          { EventId: 'first' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'internal' },
          { ErrorCode: 'InternalException', ErrorMessage: 'internal' },
          { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'no' },
        ],
      })
      .callsFake(okFor);
    const sink = eventBridgeSink<{ n: number }>(testConnection(), { ...base, baseDelayMs: 1, lingerMs: 100 });
    // Act
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((n) => sink.write({ body: { n } })));
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
    expect(results[0]).toMatchObject({ value: { id: 'first', attempts: 1 } });
    expect(results[1]).toMatchObject({ value: { attempts: 2 } });
    expect(results[2]).toMatchObject({
      reason: { code: 'WRITE_REJECTED', details: { awsErrorCode: 'MalformedDetail' } },
    });
    expect(results[5]).toMatchObject({
      reason: { details: { awsErrorCode: 'NotAuthorizedForSourceException' } },
    });
    expect(sentEntries()[1]?.map((e) => e.Detail)).toEqual(['{"n":1}', '{"n":3}', '{"n":4}']);
  });

  it('retries the whole batch when the request is throttled', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
          $retryable: { throttling: true },
        }),
      )
      .callsFake(okFor);
    const sink = eventBridgeSink(testConnection(), {
      ...base,
      baseDelayMs: 1,
    });
    // Act
    const receipts = await Promise.all([sink.write({ body: { n: 1 } }), sink.write({ body: { n: 2 } })]);
    await sink.close();
    // Assess
    expect(receipts.map((r) => r.attempts)).toEqual([2, 2]);
  });

  it('rejects a message whose body lacks the detailPath or timeField before sending', async () => {
    // Prepare
    const sink = eventBridgeSink(testConnection(), { ...base, detailPath: 'payload', timeField: 'at' });
    // Act
    const results = await Promise.allSettled([
      sink.write({ body: { at: 0 } }),
      sink.write({ body: { payload: {}, at: 'not a date' } }),
      sink.write({ body: { payload: { ok: true }, at: 1_700_000_000_000 } }),
    ]);
    await sink.close();
    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({
      reason: { code: 'WRITE_REJECTED', details: { reason: 'DETAIL_PATH_MISSING' } },
    });
    expect(sentEntries().flat()).toHaveLength(1);
  });

  it('throws ConfigError naming each invalid field', () => {
    // Prepare
    const aws = testConnection();
    // Act
    const errors = [
      () => eventBridgeSink(aws, { ...base, maxBatchEntries: 11 }),
      () => eventBridgeSink(aws, { detailType: 't' } as never),
      () => eventBridgeSink(aws, { ...base, maxRequestBytes: 2 * MB }),
      () => eventBridgeSink(aws, { ...base, maxRequestBytes: 262_144, maxBatchBytes: 300_000 }),
      () => eventBridgeSink(aws, { ...base, ordered: true } as never),
      () => eventBridgeSink(aws, { ...base, timeField: 'at', time: () => new Date() }),
    ].map((make) => {
      try {
        make();
        return undefined;
      } catch (error) {
        return error as { name: string; message: string; details: { paths: string[] } };
      }
    });
    // Assess
    expect(errors.map((e) => e?.name)).toEqual(Array(6).fill('ConfigError'));
    expect(errors.map((e) => e?.details.paths[0])).toEqual([
      '/maxBatchEntries',
      '/source',
      '/maxRequestBytes',
      '/maxBatchBytes',
      '/',
      '/timeField',
    ]);
  });
});
