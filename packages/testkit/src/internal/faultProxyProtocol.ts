import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** How a request is encoded: AWS JSON 1.0/1.1 (`X-Amz-Target`), AWS query (form `Action=`), or anything else. */
export type WireProtocol = 'json' | 'query' | 'other';

/** What the proxy knows about a request before deciding on a fault. */
export interface RequestInfo {
  readonly protocol: WireProtocol;
  /** `X-Amz-Target` header, e.g. `AmazonSQS.SendMessageBatch`. */
  readonly target: string | undefined;
  /** Operation name: the part of the target after the dot, or the query protocol's `Action`. */
  readonly action: string | undefined;
  /** Request content type, reused for JSON error bodies (`application/x-amz-json-1.0`). */
  readonly contentType: string | undefined;
}

/** A complete response the proxy writes itself. */
export interface SyntheticResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether the request body must be read before forwarding: RPC bodies (JSON with `X-Amz-Target`,
 * form-encoded query calls) are small (service limits ≤ 10 MiB) and needed for `only` and rewriting;
 * everything else is streamed through untouched.
 */
export function needsBody(headers: IncomingHttpHeaders): boolean {
  if (headerValue(headers, 'x-amz-target') !== undefined) return true;
  return (headerValue(headers, 'content-type') ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE);
}

/** Reads protocol, target and action from the headers and (for the query protocol) the form body. */
export function describeRequest(headers: IncomingHttpHeaders, body: Buffer | undefined): RequestInfo {
  const contentType = headerValue(headers, 'content-type');
  const target = headerValue(headers, 'x-amz-target');
  if (target !== undefined) {
    const dot = target.lastIndexOf('.');
    return { protocol: 'json', target, action: dot >= 0 ? target.slice(dot + 1) : target, contentType };
  }
  if (body && (contentType ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE)) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
    return { protocol: 'query', target: undefined, action, contentType };
  }
  return { protocol: 'other', target: undefined, action: undefined, contentType };
}

type Service = 'sqs' | 'sns' | 'kinesis' | 'eventbridge' | 'unknown';

function serviceOf(info: RequestInfo): Service {
  const prefix = info.target?.split('.')[0];
  if (prefix === 'AmazonSQS') return 'sqs';
  if (prefix?.startsWith('Kinesis_')) return 'kinesis';
  if (prefix === 'AWSEvents') return 'eventbridge';
  if (info.protocol === 'query' && info.action === 'PublishBatch') return 'sns';
  return 'unknown';
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function jsonResponse(status: number, contentType: string, value: unknown, extra: OutgoingHttpHeaders = {}) {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return {
    status,
    headers: {
      'content-type': contentType,
      'content-length': body.length,
      'x-amzn-requestid': randomUUID(),
      ...extra,
    },
    body,
  } satisfies SyntheticResponse;
}

function xmlResponse(status: number, xml: string): SyntheticResponse {
  const body = Buffer.from(xml, 'utf8');
  return {
    status,
    headers: { 'content-type': 'text/xml', 'content-length': body.length, 'x-amzn-requestid': randomUUID() },
    body,
  };
}

const INJECTED = 'injected by the fault proxy';

/** An AWS error answer in the request's protocol. */
function awsError(
  info: RequestInfo,
  status: number,
  error: { code: string; sqsCode: string; fault: 'Sender' | 'Receiver'; message: string },
): SyntheticResponse {
  if (info.protocol === 'json') {
    const contentType = info.contentType ?? 'application/x-amz-json-1.1';
    if (serviceOf(info) === 'sqs') {
      // SQS speaks JSON 1.0 in "query compatible" mode: the SDK takes the error code from this header.
      return jsonResponse(
        status,
        contentType,
        { __type: `com.amazonaws.sqs#${error.sqsCode}`, message: error.message },
        { 'x-amzn-query-error': `${error.sqsCode};${error.fault}` },
      );
    }
    return jsonResponse(status, contentType, { __type: error.code, message: error.message });
  }
  const requestId = randomUUID();
  if (info.protocol === 'query') {
    return xmlResponse(
      status,
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${error.fault}</Type>` +
        `<Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }
  return xmlResponse(
    status,
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${error.code}</Code>` +
      `<Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
  );
}

/**
 * The protocol's throttling error for the whole request: SQS 400 `RequestThrottled`, SNS (query) 400
 * `Throttling`, Kinesis 400 `ProvisionedThroughputExceededException` on data calls and
 * `LimitExceededException` on control calls, EventBridge and other JSON services 400
 * `ThrottlingException`, REST/XML services 503 `SlowDown` (S3's throttling answer).
 */
export function throttleResponse(info: RequestInfo): SyntheticResponse {
  const message = `Rate exceeded (${INJECTED})`;
  if (info.protocol === 'other') {
    return awsError(info, 503, { code: 'SlowDown', sqsCode: 'RequestThrottled', fault: 'Receiver', message });
  }
  if (info.protocol === 'query') {
    return awsError(info, 400, { code: 'Throttling', sqsCode: 'RequestThrottled', fault: 'Sender', message });
  }
  let code = 'ThrottlingException';
  if (serviceOf(info) === 'kinesis') {
    const dataCall = info.action?.startsWith('PutRecord') || info.action === 'GetRecords';
    code = dataCall ? 'ProvisionedThroughputExceededException' : 'LimitExceededException';
  }
  return awsError(info, 400, { code, sqsCode: 'RequestThrottled', fault: 'Sender', message });
}

/**
 * A server error for the whole request with the given 5xx status: 503 is `ServiceUnavailable`,
 * anything else `InternalFailure` (EventBridge `InternalException`, SNS `InternalError`, REST `InternalError`).
 */
export function serverErrorResponse(info: RequestInfo, status: number): SyntheticResponse {
  const message = `Service error (${INJECTED})`;
  if (status === 503) {
    return awsError(info, status, {
      code: 'ServiceUnavailable',
      sqsCode: 'ServiceUnavailable',
      fault: 'Receiver',
      message,
    });
  }
  let code = 'InternalFailure';
  if (info.protocol !== 'json') code = 'InternalError';
  else if (serviceOf(info) === 'eventbridge') code = 'InternalException';
  return awsError(info, status, { code, sqsCode: 'InternalFailure', fault: 'Receiver', message });
}

/** The proxy's own failure to reach the upstream, as a 502 the SDK retries. */
export function badGatewayResponse(info: RequestInfo): SyntheticResponse {
  return awsError(info, 502, {
    code: 'BadGateway',
    sqsCode: 'BadGateway',
    fault: 'Receiver',
    message: 'Fault proxy could not get an answer from the upstream',
  });
}

/** A batch write request, parsed so that entries can be withheld and the answer merged back. */
export interface ParsedBatch {
  /** Service whose batch write this is. */
  readonly service: 'sqs' | 'sns' | 'kinesis' | 'eventbridge';
  /** Entries in the request. */
  readonly count: number;
  /** The request body without the entries at `failed` positions, re-serialized. */
  withoutEntries(failed: ReadonlySet<number>): Buffer;
  /**
   * The client's answer: the upstream's successful answer to the reduced request with synthetic,
   * retryable failures for the withheld entries; with `upstream` undefined (every entry withheld), a
   * response made from scratch. Throws when the upstream body does not have the expected shape.
   */
  merge(upstream: Buffer | undefined, failed: ReadonlySet<number>): SyntheticResponse;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(body: Buffer, what: string): JsonObject {
  const value: unknown = JSON.parse(body.toString('utf8'));
  if (!isObject(value)) throw new Error(`${what} is not a JSON object`);
  return value;
}

function arrayField(object: JsonObject, field: string, what: string): unknown[] {
  const value = object[field];
  if (!Array.isArray(value)) throw new Error(`${what} has no ${field} array`);
  return value;
}

/**
 * A JSON batch whose answer is positional (Kinesis PutRecords, EventBridge PutEvents): result `i`
 * belongs to request entry `i`, so the merged answer is rebuilt in request order.
 */
function positionalJsonBatch(
  service: 'kinesis' | 'eventbridge',
  request: JsonObject,
  contentType: string,
  fields: { entries: string; results: string; failedCount: string; errorCode: string; errorMessage: string },
): ParsedBatch {
  const entries = arrayField(request, fields.entries, 'request');
  return {
    service,
    count: entries.length,
    withoutEntries(failed) {
      return Buffer.from(
        JSON.stringify({ ...request, [fields.entries]: entries.filter((_, i) => !failed.has(i)) }),
        'utf8',
      );
    },
    merge(upstream, failed) {
      const answer = upstream ? parseJsonObject(upstream, 'upstream response') : {};
      const results = upstream ? arrayField(answer, fields.results, 'upstream response') : [];
      if (results.length !== entries.length - failed.size) {
        throw new Error(
          `upstream answered ${results.length} results for ${entries.length - failed.size} entries`,
        );
      }
      const upstreamFailed = typeof answer[fields.failedCount] === 'number' ? answer[fields.failedCount] : 0;
      let next = 0;
      const merged = entries.map((_, i) =>
        failed.has(i)
          ? { ErrorCode: fields.errorCode, ErrorMessage: fields.errorMessage }
          : (results[next++] as unknown),
      );
      return jsonResponse(200, contentType, {
        ...answer,
        [fields.failedCount]: (upstreamFailed as number) + failed.size,
        [fields.results]: merged,
      });
    },
  };
}

function sqsBatch(request: JsonObject, contentType: string): ParsedBatch {
  const entries = arrayField(request, 'Entries', 'request');
  const idOf = (i: number): string => {
    const entry = entries[i];
    return isObject(entry) && typeof entry.Id === 'string' ? entry.Id : String(i);
  };
  return {
    service: 'sqs',
    count: entries.length,
    withoutEntries(failed) {
      return Buffer.from(
        JSON.stringify({ ...request, Entries: entries.filter((_, i) => !failed.has(i)) }),
        'utf8',
      );
    },
    merge(upstream, failed) {
      const answer = upstream ? parseJsonObject(upstream, 'upstream response') : { Successful: [] };
      const upstreamFailed =
        answer.Failed === undefined ? [] : arrayField(answer, 'Failed', 'upstream response');
      // SenderFault false: the service's side failed, so the entry is worth sending again.
      const synthetic = [...failed]
        .sort((a, b) => a - b)
        .map((i) => ({
          Id: idOf(i),
          SenderFault: false,
          Code: 'InternalError',
          Message: `Internal error (${INJECTED})`,
        }));
      return jsonResponse(200, contentType, { ...answer, Failed: [...upstreamFailed, ...synthetic] });
    },
  };
}

const SNS_ENTRY_PREFIX = 'PublishBatchRequestEntries.member.';

function snsBatch(body: Buffer): ParsedBatch {
  const params = [...new URLSearchParams(body.toString('utf8'))];
  const others: [string, string][] = [];
  const members = new Map<number, [string, string][]>();
  for (const [key, value] of params) {
    if (!key.startsWith(SNS_ENTRY_PREFIX)) {
      others.push([key, value]);
      continue;
    }
    const rest = key.slice(SNS_ENTRY_PREFIX.length);
    const dot = rest.indexOf('.');
    const n = Number(dot < 0 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(n) || dot < 0) throw new Error('malformed PublishBatchRequestEntries member key');
    const fields = members.get(n) ?? [];
    fields.push([rest.slice(dot + 1), value]);
    members.set(n, fields);
  }
  // Position i is the i-th member by its number (the query protocol numbers members from 1, in order).
  const ordered = [...members.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
  const idOf = (i: number): string => ordered[i]?.find(([field]) => field === 'Id')?.[1] ?? String(i + 1);
  const failedMembers = (failed: ReadonlySet<number>): string =>
    [...failed]
      .sort((a, b) => a - b)
      .map(
        (i) =>
          `<member><Id>${escapeXml(idOf(i))}</Id><Code>InternalError</Code>` +
          `<Message>Internal error (${INJECTED})</Message><SenderFault>false</SenderFault></member>`,
      )
      .join('');
  return {
    service: 'sns',
    count: ordered.length,
    withoutEntries(failed) {
      const out = new URLSearchParams(others);
      let n = 0;
      ordered.forEach((fields, i) => {
        if (failed.has(i)) return;
        n++;
        for (const [field, value] of fields) out.append(`${SNS_ENTRY_PREFIX}${n}.${field}`, value);
      });
      return Buffer.from(out.toString(), 'utf8');
    },
    merge(upstream, failed) {
      const extra = failedMembers(failed);
      if (!upstream) {
        return xmlResponse(
          200,
          '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
            `<Successful/><Failed>${extra}</Failed></PublishBatchResult>` +
            `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishBatchResponse>`,
        );
      }
      const xml = upstream.toString('utf8');
      let merged: string;
      const emptyFailed = /<Failed\s*\/>/;
      if (emptyFailed.test(xml)) merged = xml.replace(emptyFailed, `<Failed>${extra}</Failed>`);
      else if (xml.includes('</Failed>')) {
        const at = xml.lastIndexOf('</Failed>');
        merged = `${xml.slice(0, at)}${extra}${xml.slice(at)}`;
      } else if (xml.includes('</PublishBatchResult>')) {
        const at = xml.lastIndexOf('</PublishBatchResult>');
        merged = `${xml.slice(0, at)}<Failed>${extra}</Failed>${xml.slice(at)}`;
      } else throw new Error('upstream response has no PublishBatchResult element');
      return xmlResponse(200, merged);
    },
  };
}

/**
 * Parses a batch write (SQS SendMessageBatch over JSON 1.0, SNS PublishBatch over query, Kinesis
 * PutRecords and EventBridge PutEvents over JSON 1.1); `undefined` for anything else.
 * Throws when the body of a batch write cannot be parsed.
 */
export function parseBatch(info: RequestInfo, body: Buffer): ParsedBatch | undefined {
  const service = serviceOf(info);
  if (service === 'sns') return snsBatch(body);
  const contentType = info.contentType ?? 'application/x-amz-json-1.1';
  if (service === 'sqs' && info.action === 'SendMessageBatch') {
    return sqsBatch(parseJsonObject(body, 'request'), contentType);
  }
  if (service === 'kinesis' && info.action === 'PutRecords') {
    return positionalJsonBatch('kinesis', parseJsonObject(body, 'request'), contentType, {
      entries: 'Records',
      results: 'Records',
      failedCount: 'FailedRecordCount',
      errorCode: 'ProvisionedThroughputExceededException',
      errorMessage: `Rate exceeded for shard (${INJECTED})`,
    });
  }
  if (service === 'eventbridge' && info.action === 'PutEvents') {
    return positionalJsonBatch('eventbridge', parseJsonObject(body, 'request'), contentType, {
      entries: 'Entries',
      results: 'Entries',
      failedCount: 'FailedEntryCount',
      errorCode: 'ThrottlingException',
      errorMessage: `Rate exceeded (${INJECTED})`,
    });
  }
  return undefined;
}
