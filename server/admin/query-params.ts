import { isIntIn, parseInteger } from '../../shared/options.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../core/table-views.js';
import { AdminRequestError } from './http-reply.js';

/** The named parameter, or a 400 when it is missing or empty. */
export function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new AdminRequestError('BAD_REQUEST', `the query needs ${name}`);
  }
  return value;
}

/** The named parameter as an integer in [min, max], `fallback` when absent, else a 400. */
export function intParam(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = parseInteger(raw);
  if (!isIntIn(n, min, max)) {
    throw new AdminRequestError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** `offset` and `limit` of a paged route. */
export function pageParams(params: URLSearchParams): { offset: number; limit: number } {
  return {
    offset: intParam(params, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    limit: intParam(params, 'limit', 1, MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT),
  };
}

/** One of `allowed`, `fallback` when absent, else a 400. */
export function oneOf<T extends string>(
  params: URLSearchParams,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new AdminRequestError('BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
  }
  return raw as T;
}
