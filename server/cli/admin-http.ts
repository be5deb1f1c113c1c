import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientTlsOptions } from '../../client/client-options.js';
import { explainError } from './net-errors.js';

const REQUEST_TIMEOUT_MS = 5_000;

/** A response's status and body text. */
interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
}

/**
 * One request over `http:` or `https:`. Node's `fetch` takes no CA, and a
 * broker with a private CA is the case `https` needs most; `tls` names it
 * (and a client certificate). Rejects on a network or TLS failure, or after
 * the timeout.
 */
function send(
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string>,
  tls: ClientTlsOptions | undefined,
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
    const options = { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, ...(tls as Record<string, unknown>) }, done)
        : httpRequest(url, options, done);
    req.on('error', reject);
    req.end();
  });
}

/** A failure the user should read as is: the command exits 1 with it. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    message: string,
    /** The admin API's error code (`CONFLICT`), when it answered with one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

type ErrorBody = { error?: { code?: string; message?: string } };

/** Where and how to reach an admin server. */
export interface AdminTarget {
  base: string;
  token: string | undefined;
  tls: ClientTlsOptions | undefined;
}

/** Calls the admin API and resolves with its JSON; any failure is an {@link AdminError} saying why. */
export async function callAdmin<T>(
  target: AdminTarget,
  method: 'GET' | 'POST',
  path: string,
): Promise<T> {
  const { base, token, tls } = target;
  let res: HttpAnswer;
  try {
    const headers: Record<string, string> =
      token === undefined ? {} : { Authorization: `Bearer ${token}` };
    res = await send(method, new URL(path, base), headers, tls);
  } catch (err) {
    throw new AdminError(`cannot reach the admin server at ${base}: ${explainError(err)}`);
  }
  if (res.status === 401) {
    const what = token === undefined ? 'needs a token' : 'refused the token';
    throw new AdminError(
      `the admin server at ${base} ${what} (401): pass --auth-token or set BATON_AUTH_TOKEN`,
    );
  }
  if (res.status === 403) {
    throw new AdminError(
      `the admin server at ${base} refused (403): the token has no admin rights`,
    );
  }
  let body: ErrorBody | null;
  try {
    body = JSON.parse(res.body) as ErrorBody | null;
  } catch {
    body = null;
  }
  if (res.status < 200 || res.status > 299) {
    const why = body?.error?.message ?? res.statusText;
    throw new AdminError(
      `the admin server at ${base} answered ${res.status}: ${why}`,
      body?.error?.code,
    );
  }
  return body as T;
}
