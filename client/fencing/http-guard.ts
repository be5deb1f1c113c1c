import { InvalidOptionError } from '../../shared/errors.js';
import { parseFencingToken } from './fencing-token.js';
import { TokenLedger } from './token-ledger.js';

/** The parts of a request the middleware reads: Node's `IncomingMessage` and Express's `Request` fit. */
export interface FenceRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url?: string | undefined;
}

/** The parts of a response it writes when it refuses: Node's `ServerResponse` and Express's `Response` fit. */
export interface FenceResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

export interface HttpFenceOptions<Req extends FenceRequest = FenceRequest> {
  /** The request header carrying the token. Default `baton-token` (any case). */
  header?: string;
  /**
   * Names the resource a request writes, one name per resource however it is
   * spelled in URLs. Default the path of `req.url` (no query string), taken
   * as sent: `/doc/1` and `/doc//1` are two resources to it. Under an Express
   * router `req.url` lacks the router's mount path: name the resource yourself.
   */
  resourceKey?: (req: Req) => string;
  /** How many resources' newest tokens are kept (see {@link TokenLedger}). Default 10,000. */
  maxResources?: number;
  /** Longest resource key; a longer one is refused with `badRequestStatus`. Default 1,024. */
  maxResourceKeyLength?: number;
  /** Status for a missing or malformed token header or an over-long key. Default 400. */
  badRequestStatus?: number;
}

export interface ResolvedHttpFenceOptions<Req extends FenceRequest> {
  readonly header: string;
  readonly resourceKey: (req: Req) => string;
  readonly maxResources: number;
  readonly maxResourceKeyLength: number;
  readonly badRequestStatus: number;
}

/**
 * The status for a token older than the newest seen: 409 Conflict. Not 412:
 * 412 answers the conditional headers HTTP defines (`If-Match`…), which a
 * client may correct and resend; a stale token cannot be corrected, only
 * replaced by a new lease, and the request conflicts with the resource's
 * state (a newer holder has written).
 */
export const STALE_TOKEN_STATUS = 409;

/** Default options of {@link fenceMiddleware}. */
export const DEFAULT_HTTP_FENCE_OPTIONS = Object.freeze({
  header: 'baton-token',
  resourceKey: (req: FenceRequest): string => (req.url ?? '/').split('?', 1)[0] as string,
  maxResources: 10_000,
  maxResourceKeyLength: 1_024,
  badRequestStatus: 400,
});

/** Merges the defaults in and checks every field; throws `INVALID_OPTION` naming the bad one. */
export function resolveHttpFenceOptions<Req extends FenceRequest>(
  options: HttpFenceOptions<Req> = {},
): ResolvedHttpFenceOptions<Req> {
  // `??` per field: a field given as undefined means its default, as if left out.
  const d = DEFAULT_HTTP_FENCE_OPTIONS;
  const o = {
    header: options.header ?? d.header,
    resourceKey: options.resourceKey ?? d.resourceKey,
    maxResources: options.maxResources ?? d.maxResources,
    maxResourceKeyLength: options.maxResourceKeyLength ?? d.maxResourceKeyLength,
    badRequestStatus: options.badRequestStatus ?? d.badRequestStatus,
  };
  if (typeof o.header !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(o.header)) {
    throw new InvalidOptionError('header must be a header name (letters, digits, -)');
  }
  if (typeof o.resourceKey !== 'function') {
    throw new InvalidOptionError('resourceKey must be a function of the request');
  }
  positiveInt(o.maxResources, 'maxResources');
  positiveInt(o.maxResourceKeyLength, 'maxResourceKeyLength');
  if (!(
    Number.isInteger(o.badRequestStatus) &&
    o.badRequestStatus >= 400 &&
    o.badRequestStatus <= 499
  )) {
    throw new InvalidOptionError('badRequestStatus must be a 4xx status');
  }
  // Node lowercases the names of incoming headers.
  return Object.freeze({ ...o, header: o.header.toLowerCase() });
}

/** A middleware that also shows its ledger, for metrics and tests. */
export type FenceMiddleware<Req extends FenceRequest> = ((
  req: Req,
  res: FenceResponse,
  next: () => void,
) => void) & { readonly ledger: TokenLedger };

/**
 * `(req, res, next)` middleware for Node's `http` and Express: a request whose
 * token header is older than the newest seen for its resource gets 409 and
 * goes no further; a missing or malformed token gets 400; an admitted token
 * is recorded, then `next()` runs. Check and record happen in one
 * synchronous step, so two requests in one process cannot both pass on the
 * same old newest.
 */
export function fenceMiddleware<Req extends FenceRequest = FenceRequest>(
  options: HttpFenceOptions<Req> = {},
): FenceMiddleware<Req> {
  const o = resolveHttpFenceOptions(options);
  const ledger = new TokenLedger(o.maxResources);
  const middleware = (req: Req, res: FenceResponse, next: () => void): void => {
    const raw = req.headers[o.header];
    // An array or a comma-joined repeat ("5, 7") is not one token: refused, not guessed at.
    const token = typeof raw === 'string' ? parseFencingToken(raw) : null;
    if (token === null)
      return refuse(res, o.badRequestStatus, `missing or malformed ${o.header} header`);
    const resource = o.resourceKey(req);
    if (typeof resource !== 'string' || resource.length > o.maxResourceKeyLength) {
      return refuse(res, o.badRequestStatus, 'resource key missing or too long');
    }
    if (!ledger.admit(resource, token).admitted) {
      return refuse(res, STALE_TOKEN_STATUS, 'stale fencing token: a newer holder has written');
    }
    next();
  };
  return Object.assign(middleware, { ledger });
}

function refuse(res: FenceResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(`${message}\n`);
}

function positiveInt(value: unknown, name: string): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
    throw new InvalidOptionError(`${name} must be a positive integer`);
  }
}
