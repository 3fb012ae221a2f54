import { decodeNotificationKey, parseS3Notification } from '@tributary/s3';
import { describe, expect, it } from 'vitest';

const direct = {
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2025-01-31T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'landing',
        bucket: { name: 'landing', arn: 'arn:aws:s3:::landing' },
        object: {
          key: 'in/red+flower%281%29.csv',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    },
  ],
};

describe('parseS3Notification', () => {
  it('reads a direct S3 notification and URL-decodes the key', () => {
    // Prepare
    const body = JSON.stringify(direct);
    // Act
    const parsed = parseS3Notification(body);
    // Assess
    expect(parsed).toEqual({
      kind: 'events',
      via: 'direct',
      events: [
        {
          eventName: 'ObjectCreated:Put',
          created: true,
          bucket: 'landing',
          key: 'in/red flower(1).csv',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd',
          sequencer: '0055AED6DCD90281E5',
          eventTime: '2025-01-31T10:00:00.000Z',
        },
      ],
    });
  });

  it('unwraps an SNS envelope', () => {
    // Prepare
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:s3-events',
      Subject: 'Amazon S3 Notification',
      Message: JSON.stringify(direct),
    });
    // Act
    const parsed = parseS3Notification(body);
    // Assess
    expect(parsed.kind).toBe('events');
    if (parsed.kind !== 'events') return;
    expect(parsed.via).toBe('sns');
    expect(parsed.events[0]?.key).toBe('in/red flower(1).csv');
  });

  it('reads an EventBridge event, keeping the key as sent and offering its decoded form', () => {
    // Prepare
    const body = JSON.stringify({
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '111122223333',
      time: '2021-11-12T00:00:00Z',
      region: 'ca-central-1',
      resources: ['arn:aws:s3:::landing'],
      detail: {
        version: '0',
        bucket: { name: 'landing' },
        object: {
          key: 'in/a+b.csv',
          size: 5,
          etag: 'b1946ac92492d2347c6235b4d2611184',
          sequencer: '617f08299329d189',
        },
        reason: 'PutObject',
      },
    });
    // Act
    const parsed = parseS3Notification(body);
    // Assess
    expect(parsed).toMatchObject({
      kind: 'events',
      via: 'eventbridge',
      events: [
        {
          eventName: 'ObjectCreated:PutObject',
          created: true,
          bucket: 'landing',
          key: 'in/a+b.csv',
          alternativeKey: 'in/a b.csv',
          size: 5,
          eTag: 'b1946ac92492d2347c6235b4d2611184',
        },
      ],
    });
  });

  it('marks EventBridge deletions as not created', () => {
    // Prepare
    const body = JSON.stringify({
      source: 'aws.s3',
      'detail-type': 'Object Deleted',
      detail: { bucket: { name: 'landing' }, object: { key: 'x' }, reason: 'DeleteObject' },
    });
    // Act
    const parsed = parseS3Notification(body);
    // Assess
    expect(parsed).toMatchObject({
      kind: 'events',
      events: [{ created: false, eventName: 'ObjectRemoved:DeleteObject' }],
    });
  });

  it('recognises s3:TestEvent, directly and through SNS', () => {
    // Prepare
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2025-01-31T10:00:00.000Z',
      Bucket: 'landing',
    };
    // Act
    const plain = parseS3Notification(JSON.stringify(test));
    const wrapped = parseS3Notification(
      JSON.stringify({ Type: 'Notification', Message: JSON.stringify(test) }),
    );
    // Assess
    expect(plain).toEqual({ kind: 'test', bucket: 'landing' });
    expect(wrapped).toEqual({ kind: 'test', bucket: 'landing' });
  });

  it('reports bodies that are not S3 notifications', () => {
    // Act
    const notJson = parseS3Notification('hello');
    const other = parseS3Notification(JSON.stringify({ orderId: 1 }));
    const empty = parseS3Notification(JSON.stringify({ Records: [] }));
    // Assess
    expect(notJson).toEqual({ kind: 'unknown', reason: 'body is not JSON' });
    expect(other.kind).toBe('unknown');
    expect(empty.kind).toBe('unknown');
  });
});

describe('decodeNotificationKey', () => {
  it('decodes form encoding and keeps malformed escapes', () => {
    expect(decodeNotificationKey('a+b%2Bc%3D1')).toBe('a b+c=1');
    expect(decodeNotificationKey('100%+sure')).toBe('100% sure');
  });
});
