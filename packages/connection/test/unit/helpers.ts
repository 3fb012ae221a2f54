import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { HttpResponse } from '@smithy/core/protocols';
import type { HttpRequest } from '@smithy/types';
import type { Logger } from '@tributary/connection';

/** A logger that keeps every line, to assert on (and to search for secrets). */
export function recordingLogger(): Logger & { lines: { level: string; event: string; data?: unknown }[] } {
  const lines: { level: string; event: string; data?: unknown }[] = [];
  const at =
    (level: string) =>
    (event: string, data?: Record<string, unknown>): void => {
      lines.push({ level, event, data });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const CALLER_IDENTITY_XML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

/** A request handler that records each request and answers with `statusCodes` in turn (then the last). */
export function recordingHandler(body = CALLER_IDENTITY_XML, statusCodes: number[] = [200]) {
  const requests: { headers: Record<string, string>; hostname: string; path: string; port?: number }[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: HttpRequest) {
      requests.push({
        headers: { ...request.headers },
        hostname: request.hostname,
        path: request.path,
        port: request.port,
      });
      const statusCode = statusCodes[Math.min(requests.length - 1, statusCodes.length - 1)] ?? 200;
      return {
        response: new HttpResponse({
          statusCode,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(body)]),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
  return { requests, handler };
}

/** Every printable form of a value, to search for secrets. */
export function printable(value: unknown): string {
  return [String(value), JSON.stringify(value) ?? '', inspect(value, { depth: 10 })].join('\n');
}
