import { randomInt } from 'node:crypto';
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';
import { configErrorFromIssues, parseOptions } from '@tributary/connection';
import { z } from 'zod';
import { chooseFailedEntries, planFault } from './internal/faultProxyPlan.js';
import {
  badGatewayResponse,
  describeRequest,
  needsBody,
  parseBatch,
  type RequestInfo,
  type SyntheticResponse,
  serverErrorResponse,
  throttleResponse,
} from './internal/faultProxyProtocol.js';
import { seededRandom } from './testData.js';

const rate = z.number().min(0).max(1);

/**
 * Options for {@link startFaultProxy} that JSON can carry (`only` is code-only). Every `rate` is a
 * probability per eligible request, 0..1; `reset`, `throttle`, `http5xx` and `failEntries` exclude each
 * other, so their rates must add up to at most 1. Latency combines with any of them.
 */
export const faultProxyOptions = z.strictObject({
  target: z
    .url({ protocol: /^https?$/ })
    .describe('Upstream endpoint the proxy forwards to, e.g. http://127.0.0.1:4566'),
  seed: z
    .number()
    .int()
    .optional()
    .describe('PRNG seed; the same seed replays the same faults (random by default)'),
  port: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(0)
    .describe('Port on 127.0.0.1; 0 (default) picks a free one'),
  faults: z
    .strictObject({
      latencyMs: z
        .strictObject({
          rate: rate.describe('Share of eligible requests delayed'),
          minMs: z.number().int().min(0).describe('Shortest delay, in ms'),
          maxMs: z.number().int().min(0).describe('Longest delay, in ms'),
        })
        .refine((l) => l.minMs <= l.maxMs, { message: 'minMs must not exceed maxMs', path: ['maxMs'] })
        .optional()
        .describe('Delay before the request is handled; combines with the other faults'),
      reset: z
        .strictObject({
          rate: rate.describe('Share of eligible requests whose client connection is reset'),
          when: z
            .enum(['before', 'after', 'either'])
            .default('either')
            .describe(
              "'before': reset without forwarding (nothing delivered); 'after': forward, wait for the upstream's " +
                "answer, then reset without answering (delivered, but the client cannot know); 'either' (default): 50/50",
            ),
        })
        .optional(),
      http5xx: z
        .strictObject({
          rate: rate.describe('Share of eligible requests answered with a server error, not forwarded'),
          statuses: z
            .array(z.number().int().min(500).max(599))
            .min(1)
            .default([500, 503])
            .describe('Statuses to pick from uniformly (default 500 and 503)'),
        })
        .optional(),
      throttle: z
        .strictObject({
          rate: rate.describe("Share of eligible requests answered with the protocol's throttling error"),
        })
        .optional(),
      failEntries: z
        .strictObject({
          rate: rate.describe('Share of eligible batch writes that get failed entries'),
          entryRate: rate.describe(
            'Chance of each entry of such a batch to fail (at least one always fails)',
          ),
        })
        .optional(),
    })
    .default({})
    .refine(
      (f) =>
        (f.reset?.rate ?? 0) +
          (f.throttle?.rate ?? 0) +
          (f.http5xx?.rate ?? 0) +
          (f.failEntries?.rate ?? 0) <=
        1,
      { message: 'reset, throttle, http5xx and failEntries rates must add up to at most 1' },
    ),
});

/** What `only` sees of a request. */
export interface FaultProxyRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path and query string as the client sent them. */
  readonly path: string;
  /** `X-Amz-Target` (JSON protocols), e.g. `Kinesis_20131202.PutRecords`. */
  readonly target: string | undefined;
  /** Operation: the target's part after the dot, or the query protocol's `Action` (`PublishBatch`). */
  readonly action: string | undefined;
}

/** Options for {@link startFaultProxy}. */
export type FaultProxyOptions = z.input<typeof faultProxyOptions> & {
  /** Which requests faults may hit; the others pass through untouched. Default: every request. */
  only?: (request: FaultProxyRequest) => boolean;
};

/** Counts since the proxy started. */
export interface FaultProxyStats {
  /** Requests received. */
  readonly total: number;
  /** Requests `only` let through to the fault plan. */
  readonly eligible: number;
  /** Requests sent (or, with the upstream down, tried) upstream: whole, reduced batches, reset after forwarding. */
  readonly forwarded: number;
  /** Requests delayed by `latencyMs`. */
  readonly latency: number;
  /** Connections reset: `resetBeforeForward + resetAfterForward`. */
  readonly reset: number;
  /** Connections reset before forwarding: the upstream never saw the request. */
  readonly resetBeforeForward: number;
  /** Connections reset after the upstream answered: the request took effect, the client got no answer. */
  readonly resetAfterForward: number;
  /** Requests answered with a 5xx by the proxy. */
  readonly http5xx: number;
  /** Requests answered with the protocol's throttling error by the proxy. */
  readonly throttle: number;
  /** Batch writes answered with entries failed by the proxy. */
  readonly failEntries: number;
  /** Entries failed by the proxy (withheld from the upstream). */
  readonly failedEntries: number;
  /** Upstream unreachable or answering what could not be merged: the client got a 502. */
  readonly upstreamErrors: number;
  /** Errors of the proxy itself (an `only` that threw): the client got a 500. */
  readonly proxyErrors: number;
}

/** A running fault proxy. */
export interface FaultProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: point the SDK client's `endpoint` here. */
  readonly url: string;
  /** The seed in use: log it to replay a failing run. */
  readonly seed: number;
  /** A snapshot of the counters. */
  stats(): FaultProxyStats;
  /** Stops listening, drops open connections and pending upstream calls; idempotent. */
  close(): Promise<void>;
}

const BATCH_WRITE_ACTIONS = new Set(['SendMessageBatch', 'PublishBatch', 'PutRecords', 'PutEvents']);

/**
 * An `only` predicate for the four batch writes whose entries the proxy can fail: SQS SendMessageBatch,
 * SNS PublishBatch, Kinesis PutRecords, EventBridge PutEvents.
 * @example
 * ```ts
 * await using proxy = await startFaultProxy({ target, faults: { throttle: { rate: 0.2 } }, only: isBatchWrite });
 * ```
 */
export function isBatchWrite(request: FaultProxyRequest): boolean {
  return request.action !== undefined && BATCH_WRITE_ACTIONS.has(request.action);
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business on each side. `expect` too: the
// proxy's server has already answered `100 Continue`.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function send(res: ServerResponse, response: SyntheticResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** Destroys the client connection with a TCP RST, so the client sees ECONNRESET. */
function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards to an AWS endpoint (usually a local emulator) and
 * injects faults into eligible requests, so that retry paths can be tested end to end:
 *
 * - `latencyMs`: waits `minMs..maxMs` first.
 * - `reset`: resets the client's TCP connection, either before forwarding (the upstream never sees the
 *   request) or after the upstream has answered (the request took effect, the client gets no answer and
 *   will send it again: a duplicate, as with the real service). `stats()` counts the two apart.
 * - `http5xx`: answers 500/503 with an AWS error body in the request's protocol; not forwarded.
 * - `throttle`: answers the protocol's throttling error (SQS `RequestThrottled`, SNS `Throttling`, Kinesis
 *   `ProvisionedThroughputExceededException`/`LimitExceededException`, EventBridge `ThrottlingException`,
 *   all HTTP 400); not forwarded.
 * - `failEntries` (SQS SendMessageBatch, SNS PublishBatch, Kinesis PutRecords, EventBridge PutEvents):
 *   removes the chosen entries from the request, forwards the rest, and answers the upstream's result
 *   merged with retryable failures for the removed ones (SQS/SNS `InternalError` with
 *   `SenderFault: false`; Kinesis `ProvisionedThroughputExceededException`; EventBridge
 *   `ThrottlingException`), positional answers (Kinesis, EventBridge) rebuilt in request order. An entry
 *   answered as failed never reached the upstream, so retrying it makes no duplicate.
 *
 * Everything else, and requests `only` rejects, passes through unchanged: any method, streamed bodies,
 * keep-alive on both sides. Faults are drawn from a PRNG seeded with `seed`, in the order requests
 * arrive.
 *
 * Only for endpoints that do not check SigV4 signatures (fauxqs, kinesis-local, moto, LocalStack by
 * default): rewriting a batch changes the body whose hash the client signed.
 * @example
 * ```ts
 * await using proxy = await startFaultProxy({
 *   target: local.endpoint,
 *   seed: 42,
 *   faults: { throttle: { rate: 0.1 }, failEntries: { rate: 0.3, entryRate: 0.2 } },
 *   only: isBatchWrite,
 * });
 * const sqs = new SQSClient({ endpoint: proxy.url, region: 'us-east-1', credentials });
 * // ... send, then check no message was lost or doubled
 * expect(proxy.stats().failedEntries).toBeGreaterThan(0);
 * ```
 * @throws {@link ConfigError} (`CONFIG_INVALID`) naming each invalid option.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { only, ...rest } = options ?? ({} as FaultProxyOptions);
  const parsed = parseOptions(faultProxyOptions, rest, { what: 'startFaultProxy options' });
  if (only !== undefined && typeof only !== 'function') {
    throw configErrorFromIssues('startFaultProxy options', [
      { path: '/only', message: 'must be a function' },
    ]);
  }
  const seed = parsed.seed ?? randomInt(2 ** 31);
  const random = seededRandom(seed);
  const faults = parsed.faults;
  const target = new URL(parsed.target);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const upstreamRequest = secure ? httpsRequest : httpRequest;
  const basePath = target.pathname.replace(/\/+$/, '');
  const closing = new AbortController();
  const counts = {
    total: 0,
    eligible: 0,
    forwarded: 0,
    latency: 0,
    resetBeforeForward: 0,
    resetAfterForward: 0,
    http5xx: 0,
    throttle: 0,
    failEntries: 0,
    failedEntries: 0,
    upstreamErrors: 0,
    proxyErrors: 0,
  };

  /** Sends the request upstream: `body` when the proxy read it, else the client's stream. */
  function forward(req: IncomingMessage, body: Buffer | undefined, identityEncoding: boolean) {
    const headers = endToEndHeaders(req.headers);
    if (body) headers['content-length'] = body.length;
    // The proxy must read an answer it rewrites: ask for it uncompressed.
    if (identityEncoding) delete headers['accept-encoding'];
    counts.forwarded++;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const upstream = upstreamRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: `${basePath}${req.url ?? '/'}`,
          headers,
          agent,
          signal: closing.signal,
        },
        resolve,
      );
      upstream.on('error', reject);
      if (body) upstream.end(body);
      else pipeline(req, upstream, () => {});
    });
  }

  function relay(upstream: IncomingMessage, res: ServerResponse): void {
    res.writeHead(upstream.statusCode ?? 502, endToEndHeaders(upstream.headers));
    pipeline(upstream, res, () => {});
  }

  async function passThrough(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined) {
    relay(await forward(req, body, false), res);
  }

  async function failEntries(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    body: Buffer | undefined,
    entryRate: number,
  ): Promise<void> {
    let batch: ReturnType<typeof parseBatch>;
    try {
      batch = body ? parseBatch(info, body) : undefined;
    } catch {
      batch = undefined; // unparseable: let the upstream reject it as it would without the proxy
    }
    if (!batch || batch.count === 0) return passThrough(req, res, body);
    const failed = chooseFailedEntries(batch.count, entryRate, random);
    if (failed.size === batch.count) {
      counts.failEntries++;
      counts.failedEntries += failed.size;
      return send(res, batch.merge(undefined, failed));
    }
    const upstream = await forward(req, batch.withoutEntries(failed), true);
    const status = upstream.statusCode ?? 502;
    // The reduced request failed as a whole: the client retries every entry, none was delivered twice.
    if (status < 200 || status > 299) return relay(upstream, res);
    const upstreamBody = await buffer(upstream);
    const encoding = upstream.headers['content-encoding'];
    let merged: SyntheticResponse;
    try {
      if (encoding && encoding !== 'identity') throw new Error(`cannot merge a ${encoding} answer`);
      merged = batch.merge(upstreamBody, failed);
    } catch {
      counts.upstreamErrors++;
      return send(res, badGatewayResponse(info));
    }
    counts.failEntries++;
    counts.failedEntries += failed.size;
    const headers = { ...merged.headers, ...endToEndHeaders(upstream.headers) };
    headers['content-length'] = merged.body.length;
    send(res, { status, headers, body: merged.body });
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    seen: { info?: RequestInfo },
  ): Promise<void> {
    counts.total++;
    const body = needsBody(req.headers) ? await buffer(req) : undefined;
    const info = describeRequest(req.headers, body);
    seen.info = info;
    const request: FaultProxyRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      target: info.target,
      action: info.action,
    };
    let eligible: boolean;
    try {
      eligible = only ? only(request) : true;
    } catch {
      counts.proxyErrors++;
      return send(res, serverErrorResponse(info, 500));
    }
    if (!eligible) return passThrough(req, res, body);
    counts.eligible++;
    const plan = planFault(faults, random);
    if (plan.delayMs !== undefined) {
      counts.latency++;
      await delay(plan.delayMs, undefined, { signal: closing.signal });
    }
    const { outcome } = plan;
    switch (outcome.kind) {
      case 'resetBeforeForward':
        counts.resetBeforeForward++;
        return resetConnection(req);
      case 'resetAfterForward': {
        const upstream = await forward(req, body, false);
        await buffer(upstream); // the upstream has fully answered: the request took effect
        counts.resetAfterForward++;
        return resetConnection(req);
      }
      case 'throttle':
        counts.throttle++;
        return send(res, throttleResponse(info));
      case 'http5xx':
        counts.http5xx++;
        return send(res, serverErrorResponse(info, outcome.status));
      case 'failEntries':
        return failEntries(req, res, info, body, faults.failEntries?.entryRate ?? 0);
      default:
        return passThrough(req, res, body);
    }
  }

  const server = createServer((req, res) => {
    const seen: { info?: RequestInfo } = {};
    handle(req, res, seen).catch(() => {
      if (closing.signal.aborted) {
        req.socket.destroy();
        return;
      }
      counts.upstreamErrors++;
      if (res.headersSent) res.destroy();
      else send(res, badGatewayResponse(seen.info ?? describeRequest(req.headers, undefined)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    });
    return closed;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    seed,
    stats: () => ({ ...counts, reset: counts.resetBeforeForward + counts.resetAfterForward }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
