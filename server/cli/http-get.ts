import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientTlsOptions } from '../../client/client-options.js';

/** A response's status and body text. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
}

/**
 * GET over `http:` or `https:`. Node's `fetch` takes no CA, and a broker
 * with a private CA is the case `https` needs most; `tls` names it (and a
 * client certificate). Rejects on a network or TLS failure, or after `timeoutMs`.
 */
export function httpGet(
  url: URL,
  headers: Record<string, string>,
  tls: ClientTlsOptions | undefined,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        // An admin answer is a page of JSON; a server sending more is not one.
        if (body.length < 16 * 1024 * 1024) body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body }),
      );
      res.on('error', reject);
    };
    const options = { headers, signal: AbortSignal.timeout(timeoutMs) };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, ...(tls as Record<string, unknown>) }, done)
        : httpRequest(url, options, done);
    req.on('error', reject);
    req.end();
  });
}
