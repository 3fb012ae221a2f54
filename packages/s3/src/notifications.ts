/** One object event out of an S3 notification, with its key decoded. */
export interface S3ObjectEvent {
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete` (S3 notification names, also for EventBridge events). */
  readonly eventName: string;
  /** True for `ObjectCreated:*` events: the ones a source reads. */
  readonly created: boolean;
  readonly bucket: string;
  /** The object key, URL-decoded (S3 notifications encode keys as form data: `red flower.jpg` is `red+flower.jpg`). */
  readonly key: string;
  /**
   * Another reading of the key to try when `key` does not exist (EventBridge events do not say whether the key
   * is encoded; `key` is then taken as sent and this is its decoded form). Undefined when both are the same.
   */
  readonly alternativeKey?: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  readonly sequencer?: string;
  readonly eventTime?: string;
}

/** What a notification message carries. */
export type S3Notification =
  /** `s3:TestEvent`, sent by S3 when a notification configuration is saved: delete it and move on. */
  | { readonly kind: 'test'; readonly bucket?: string }
  /** One or more object events (an S3 notification may batch records). */
  | {
      readonly kind: 'events';
      readonly via: 'direct' | 'sns' | 'eventbridge';
      readonly events: S3ObjectEvent[];
    }
  /** Not an S3 notification: `reason` says why. */
  | { readonly kind: 'unknown'; readonly reason: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
};

/** Decodes an S3 notification key: form encoding (`+` is a space, `%XX` escapes). */
export function decodeNotificationKey(key: string): string {
  const spaced = key.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

const stripQuotes = (eTag: string | undefined): string | undefined => eTag?.replace(/^"(.*)"$/, '$1');

function fromRecords(records: unknown[], via: 'direct' | 'sns'): S3Notification {
  const events: S3ObjectEvent[] = [];
  for (const record of records) {
    if (!isObject(record) || !isObject(record.s3)) continue;
    const s3 = record.s3;
    const bucket = isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
    const object = isObject(s3.object) ? s3.object : undefined;
    const rawKey = object ? str(object.key) : undefined;
    if (!bucket || rawKey === undefined || !object) continue;
    const eventName = (str(record.eventName) ?? '').replace(/^s3:/, '');
    events.push({
      eventName,
      created: eventName.startsWith('ObjectCreated:'),
      bucket,
      key: decodeNotificationKey(rawKey),
      size: num(object.size),
      eTag: stripQuotes(str(object.eTag)),
      versionId: str(object.versionId) || undefined,
      sequencer: str(object.sequencer),
      eventTime: str(record.eventTime),
    });
  }
  if (events.length === 0) return { kind: 'unknown', reason: 'Records holds no S3 object record' };
  return { kind: 'events', via, events };
}

const EVENTBRIDGE_NAMES: Readonly<Record<string, string>> = {
  'Object Created': 'ObjectCreated',
  'Object Deleted': 'ObjectRemoved',
  'Object Restore Initiated': 'ObjectRestore',
  'Object Restore Completed': 'ObjectRestore',
  'Object Restore Expired': 'ObjectRestore',
  'Object Tags Added': 'ObjectTagging',
  'Object Tags Deleted': 'ObjectTagging',
  'Object ACL Updated': 'ObjectAcl',
  'Object Storage Class Changed': 'LifecycleTransition',
  'Object Access Tier Changed': 'IntelligentTiering',
};

function fromEventBridge(event: Json): S3Notification {
  const detail = event.detail;
  if (!isObject(detail)) return { kind: 'unknown', reason: 'EventBridge event without detail' };
  const bucket = isObject(detail.bucket) ? str(detail.bucket.name) : undefined;
  const object = isObject(detail.object) ? detail.object : undefined;
  const key = object ? str(object.key) : undefined;
  if (!bucket || key === undefined || !object) {
    return { kind: 'unknown', reason: 'EventBridge S3 event without bucket.name and object.key' };
  }
  const detailType = str(event['detail-type']) ?? '';
  const family = EVENTBRIDGE_NAMES[detailType] ?? detailType.replaceAll(' ', '');
  const reason = str(detail.reason);
  const eventName = reason ? `${family}:${reason}` : family;
  const decoded = decodeNotificationKey(key);
  return {
    kind: 'events',
    via: 'eventbridge',
    events: [
      {
        eventName,
        created: family === 'ObjectCreated',
        bucket,
        key,
        alternativeKey: decoded === key ? undefined : decoded,
        size: num(object.size),
        eTag: stripQuotes(str(object.etag)),
        versionId: str(object['version-id']) || undefined,
        sequencer: str(object.sequencer),
        eventTime: str(event.time),
      },
    ],
  };
}

function classify(value: unknown, depth: number): S3Notification {
  if (!isObject(value)) return { kind: 'unknown', reason: 'not a JSON object' };
  if (str(value.Event) === 's3:TestEvent') return { kind: 'test', bucket: str(value.Bucket) };
  if (Array.isArray(value.Records)) return fromRecords(value.Records, depth > 0 ? 'sns' : 'direct');
  if (str(value.source) === 'aws.s3' && 'detail' in value) return fromEventBridge(value);
  if (str(value.Type) === 'Notification' && typeof value.Message === 'string' && depth === 0) {
    let inner: unknown;
    try {
      inner = JSON.parse(value.Message);
    } catch {
      return { kind: 'unknown', reason: 'SNS Message is not JSON' };
    }
    return classify(inner, depth + 1);
  }
  return { kind: 'unknown', reason: 'neither S3 Records, an SNS envelope nor an EventBridge S3 event' };
}

/**
 * Parses the body of an SQS message carrying an S3 event notification: sent by S3 directly, wrapped in an SNS
 * envelope (`Type: "Notification"`, raw delivery off), or an EventBridge event (`source: "aws.s3"`).
 * @example
 * ```ts
 * const parsed = parseS3Notification(sqsMessage.Body ?? '');
 * if (parsed.kind === 'events') for (const e of parsed.events) if (e.created) console.log(e.bucket, e.key);
 * ```
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export function parseS3Notification(body: string): S3Notification {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'unknown', reason: 'body is not JSON' };
  }
  return classify(value, 0);
}
