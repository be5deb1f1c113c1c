// The fencing kit: guards that make a resource check Baton's fencing tokens.
// Browser-safe and free of dependencies: each guard takes the small part of a
// Redis client, a PostgreSQL client or an HTTP server that it uses.
export { isFencingToken, parseFencingToken, MAX_TOKEN_DIGITS } from './fencing-token.js';
export {
  fencedSet,
  fencedHset,
  fenceKeyFor,
  MAX_HSET_FIELDS,
  type RedisScriptRunner,
  type RedisFenceResult,
  type FencedSetOptions,
  type FencedHsetOptions,
} from './redis-guard.js';
export { FENCED_WRITE_LUA, FENCED_WRITE_SHA1 } from './redis-fence-script.js';
export {
  fencedUpdate,
  fencedUpdateSql,
  addFenceColumn,
  addFenceColumnSql,
  type PgQueryRunner,
  type FencedUpdateOptions,
  type SqlStatement,
} from './postgres-guard.js';
export { quoteIdentifier, quoteTableName } from './sql-identifier.js';
export {
  fenceMiddleware,
  resolveHttpFenceOptions,
  DEFAULT_HTTP_FENCE_OPTIONS,
  STALE_TOKEN_STATUS,
  type FenceMiddleware,
  type FenceRequest,
  type FenceResponse,
  type HttpFenceOptions,
  type ResolvedHttpFenceOptions,
} from './http-guard.js';
export { TokenLedger, type Admission } from './token-ledger.js';
export { BatonError, InvalidOptionError } from '../../shared/errors.js';
