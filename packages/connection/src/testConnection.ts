import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/core/protocols';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  ACCESS_DENIED_ERROR_NAMES,
  deniedAction,
  EXPIRED_TOKEN_ERROR_NAMES,
  INVALID_KEY_ERROR_NAMES,
} from './awsErrors.js';
import { isTributaryError } from './errors.js';
import type { Logger } from './logger.js';
import { redactSecrets } from './secret.js';

/** Result of a connection test. `error` never holds a secret. */
export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  /** From STS GetCallerIdentity (signed modes). */
  identity?: { account?: string; arn?: string; userId?: string };
  error?: { code: string; message: string; hint: string };
}

/** Codes of a failed connection test (`ConnectionTestResult.error.code`). */
export const ConnectionTestErrorCode = {
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  DNS_FAILED: 'DNS_FAILED',
  TLS_FAILED: 'TLS_FAILED',
  TIMEOUT: 'TIMEOUT',
  NETWORK_ERROR: 'NETWORK_ERROR',
  CLOCK_SKEW: 'CLOCK_SKEW',
  EXPIRED_TOKEN: 'EXPIRED_TOKEN',
  WRONG_REGION: 'WRONG_REGION',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  ACCESS_DENIED: 'ACCESS_DENIED',
  CREDENTIALS_NOT_FOUND: 'CREDENTIALS_NOT_FOUND',
  AWS_REQUEST_FAILED: 'AWS_REQUEST_FAILED',
} as const;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  hint?: unknown;
  errors?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const REGION_NAMES = new Set(['AuthorizationHeaderMalformed', 'PermanentRedirect', 'InvalidRegion']);

/** Every error of a chain (`cause`) and of an AggregateError (`errors`). */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const visit = (e: unknown, depth: number) => {
    if (e === null || typeof e !== 'object' || depth > 5) return;
    const like = e as ErrorLike;
    out.push(like);
    if (Array.isArray(like.errors)) for (const inner of like.errors) visit(inner, depth + 1);
    visit(like.cause, depth + 1);
  };
  visit(err, 0);
  return out;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Classifies a failure of a connection (test or first request) into a code, a message and a hint:
 * connection refused, DNS, TLS, timeout, clock skew, expired token, wrong region, invalid keys,
 * access denied (naming the action), missing credentials, missing secret, unresolved macro.
 * Known secret values are scrubbed from the message.
 * @example
 * ```ts
 * classifyConnectionError(error, 'sts:GetCallerIdentity'); // { code: 'CONNECTION_REFUSED', message, hint }
 * ```
 */
export function classifyConnectionError(
  err: unknown,
  operation = 'sts:GetCallerIdentity',
): { code: string; message: string; hint: string } {
  const all = chain(err);
  const top = all[0] ?? {};
  const topName = text(top.name) || 'Error';
  const message = redactSecrets(`${topName}: ${text(top.message) || String(err)}`);
  const result = (code: string, hint: string) => ({ code, message, hint: redactSecrets(hint) });
  if (isTributaryError(err)) return result(err.code, err.hint ?? 'see the error message');
  const codes = new Set(all.map((e) => text(e.code)));
  const names = new Set(all.map((e) => text(e.name)));
  const messages = all.map((e) => text(e.message)).join(' | ');
  const status = all.map((e) => e.$metadata?.httpStatusCode).find((s) => typeof s === 'number');
  const has = (set: ReadonlySet<string>, within: Set<string>) => [...within].some((v) => set.has(v));

  if (codes.has('ECONNREFUSED')) {
    return result(
      'CONNECTION_REFUSED',
      'nothing listens at the endpoint: check the endpoint URL and port, and that the service or emulator is running',
    );
  }
  if (codes.has('ENOTFOUND') || codes.has('EAI_AGAIN')) {
    return result(
      'DNS_FAILED',
      'the endpoint host name does not resolve: check the endpoint URL, region and DNS',
    );
  }
  if (has(TLS_CODES, codes) || /certificate|\bSSL\b|\bTLS\b/i.test(messages)) {
    return result(
      'TLS_FAILED',
      'the TLS handshake failed: check the endpoint certificate, http vs https, and NODE_EXTRA_CA_CERTS for a private CA',
    );
  }
  if (names.has('TimeoutError') || codes.has('ETIMEDOUT') || names.has('RequestTimeout')) {
    return result(
      'TIMEOUT',
      'the endpoint did not answer in time: check the endpoint, firewalls and proxies (no response is often a blocked port)',
    );
  }
  if (
    names.has('RequestTimeTooSkewed') ||
    names.has('RequestInTheFuture') ||
    /signature expired/i.test(messages)
  ) {
    return result(
      'CLOCK_SKEW',
      "the host clock is off: synchronise it (NTP); AWS accepts at most 5 minutes' skew",
    );
  }
  if (has(EXPIRED_TOKEN_ERROR_NAMES, names)) {
    return result(
      'EXPIRED_TOKEN',
      'the session token has expired: refresh the temporary credentials (SSO login, new session token)',
    );
  }
  if (has(REGION_NAMES, names) || status === 301) {
    return result(
      'WRONG_REGION',
      'the region does not match the endpoint or resource: check the connection region (and endpoint)',
    );
  }
  if (has(INVALID_KEY_ERROR_NAMES, names)) {
    if (/region/i.test(messages)) {
      return result('WRONG_REGION', 'the request was signed for another region: check the connection region');
    }
    return result(
      'INVALID_CREDENTIALS',
      'the access key or secret key is wrong or deactivated: check the keys and the secret they come from',
    );
  }
  if (has(ACCESS_DENIED_ERROR_NAMES, names) || status === 403) {
    const action = deniedAction(messages) ?? operation;
    return result('ACCESS_DENIED', `the identity is not allowed ${action}: grant it in an IAM policy`);
  }
  if (/region/i.test(messages) && /invalid|wrong|expect|scope/i.test(messages)) {
    return result('WRONG_REGION', 'check the connection region (and endpoint)');
  }
  if (names.has('CredentialsProviderError')) {
    return result(
      'CREDENTIALS_NOT_FOUND',
      'no credentials could be loaded: check the auth mode (profile name, env vars, role, token file)',
    );
  }
  if (
    codes.has('ECONNRESET') ||
    codes.has('EPIPE') ||
    codes.has('EHOSTUNREACH') ||
    codes.has('ENETUNREACH')
  ) {
    return result(
      'NETWORK_ERROR',
      'the network connection failed: check the endpoint, proxies and firewalls',
    );
  }
  return result('AWS_REQUEST_FAILED', `${operation} failed: see the message`);
}

/** What {@link runConnectionTest} needs from its connection. */
export interface TestTarget {
  name: string;
  region: string;
  signed: boolean;
  stsEndpoint: string | undefined;
  closed: boolean;
  logger: Logger;
  requestHandler(): NodeHttpHandler;
  stsClient(requestHandler: NodeHttpHandler): STSClient;
}

class TestTimeout extends Error {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** The public STS endpoint of a region (for the unsigned reachability probe). */
export function stsEndpointOf(region: string): string {
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

async function probe(handler: NodeHttpHandler, endpoint: string, signal: AbortSignal): Promise<number> {
  const url = new URL(endpoint);
  const request = new HttpRequest({
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname || '/',
    method: 'GET',
    headers: { host: url.host },
  });
  const { response } = await handler.handle(request, { abortSignal: signal });
  const body = response.body as { resume?: () => void } | undefined;
  body?.resume?.();
  return response.statusCode;
}

/** Runs a connection test; never throws. */
export async function runConnectionTest(
  target: TestTarget,
  timeoutMs: number,
): Promise<ConnectionTestResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  if (target.closed) {
    return {
      ok: false,
      latencyMs: 0,
      error: {
        code: 'CONNECTION_CLOSED',
        message: `Connection ${target.name} is closed`,
        hint: 'test before close()',
      },
    };
  }
  const controller = new AbortController();
  const handler = target.requestHandler();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TestTimeout(timeoutMs));
    }, timeoutMs);
  });
  let sts: STSClient | undefined;
  try {
    let identity: ConnectionTestResult['identity'];
    if (target.signed) {
      sts = target.stsClient(handler);
      const out = await Promise.race([
        sts.send(new GetCallerIdentityCommand({}), { abortSignal: controller.signal }),
        timeout,
      ]);
      identity = { account: out.Account, arn: out.Arn, userId: out.UserId };
    } else {
      const endpoint = target.stsEndpoint ?? stsEndpointOf(target.region);
      await Promise.race([probe(handler, endpoint, controller.signal), timeout]);
    }
    const result: ConnectionTestResult = {
      ok: true,
      latencyMs: latency(),
      ...(identity ? { identity } : {}),
    };
    target.logger.info('connection.test.ok', { connection: target.name, latencyMs: result.latencyMs });
    return result;
  } catch (error) {
    const classified = classifyConnectionError(error, target.signed ? 'sts:GetCallerIdentity' : 'HTTP GET');
    target.logger.warn('connection.test.failed', { connection: target.name, code: classified.code });
    return { ok: false, latencyMs: latency(), error: classified };
  } finally {
    clearTimeout(timer);
    timeout.catch(() => {});
    if (sts !== undefined) sts.destroy();
    else handler.destroy();
  }
}
