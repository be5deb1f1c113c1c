import type {
  AdminSource,
  EndSessionReply,
  HistoryReply,
  LocksQuery,
  ReleaseReply,
} from './admin-types.js';
import { AdminRequestError } from './http-reply.js';
import { MAX_PAGE_LIMIT } from '../core/table-views.js';
import { intParam, oneOf, pageParams, requiredParam } from './query-params.js';

/** History lines a request gets when it names no limit. */
const DEFAULT_HISTORY_LIMIT = 100;

const LOCK_SORTS: readonly NonNullable<LocksQuery['sort']>[] = ['queue', 'wait', 'path'];

/** One JSON route of the admin API: a 200 with what `handle` returns, or the error it throws. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(source: AdminSource, params: URLSearchParams): unknown;
}

function prefixOf(params: URLSearchParams): { prefix?: string } {
  const prefix = params.get('prefix');
  return prefix ? { prefix } : {};
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw new AdminRequestError('NOT_FOUND', `no ${what}`);
  return value;
}

/** Every route under /api/ but the event stream. */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/overview', handle: (source) => source.overview() },
  {
    method: 'GET',
    path: '/api/locks',
    handle: (source, params) =>
      source.locks({
        ...prefixOf(params),
        sort: oneOf(params, 'sort', LOCK_SORTS, 'queue'),
        ...pageParams(params),
      }),
  },
  {
    method: 'GET',
    path: '/api/lock',
    handle: (source, params) => {
      const path = requiredParam(params, 'path');
      return found(source.lock(path, pageParams(params)), `lock ${path}`);
    },
  },
  {
    method: 'GET',
    path: '/api/lock/current',
    handle: (source, params) => {
      const path = requiredParam(params, 'path');
      const token = intParam(params, 'token', 0, Number.MAX_SAFE_INTEGER, -1);
      if (token < 0) throw new AdminRequestError('BAD_REQUEST', 'token is required');
      return { path, token, current: source.isCurrent(path, token) };
    },
  },
  {
    method: 'GET',
    path: '/api/sessions',
    handle: (source, params) => source.sessions({ ...prefixOf(params), ...pageParams(params) }),
  },
  {
    method: 'GET',
    path: '/api/session',
    handle: (source, params) => {
      const id = requiredParam(params, 'id');
      return found(source.session(id), `session ${id}`);
    },
  },
  {
    method: 'GET',
    path: '/api/history',
    handle: (source, params): HistoryReply => {
      const path = params.get('path');
      const limit = intParam(params, 'limit', 1, MAX_PAGE_LIMIT, DEFAULT_HISTORY_LIMIT);
      return { events: source.history({ ...(path ? { path } : {}), limit }) };
    },
  },
  {
    method: 'POST',
    path: '/api/lock/release',
    handle: (source, params): ReleaseReply => {
      const path = requiredParam(params, 'path');
      const released = source.forceRelease(path);
      if (released === null) {
        throw new AdminRequestError('CONFLICT', `nobody holds ${path} on this broker`);
      }
      return { released };
    },
  },
  {
    method: 'POST',
    path: '/api/session/end',
    handle: (source, params): EndSessionReply => {
      const id = requiredParam(params, 'id');
      if (!source.endSession(id)) throw new AdminRequestError('NOT_FOUND', `no session ${id}`);
      return { ended: true };
    },
  },
];
