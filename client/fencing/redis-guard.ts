import { BatonError, InvalidOptionError } from '../../shared/errors.js';
import { assertFencingToken, parseFencingToken } from './fencing-token.js';
import { FENCED_WRITE_LUA, FENCED_WRITE_SHA1 } from './redis-fence-script.js';

/**
 * The two calls of a Redis client the guard needs, shaped as ioredis has them
 * (`new Redis()`, a `Cluster`, a pipeline-free connection). Another client
 * needs a two-line adapter; the guard depends on no Redis package.
 */
export interface RedisScriptRunner {
  evalsha(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** What a fenced write did. */
export interface RedisFenceResult {
  /** True when the value was written; false when a newer token had written before. */
  readonly accepted: boolean;
  /** The token the fence key holds now: `token` when accepted, the newer one when not. */
  readonly newest: number;
}

interface FencedWriteOptions {
  /** The data key. */
  key: string;
  /** The writer's fencing token (`lease.token`). */
  token: number;
  /** Where the largest token is kept. Default {@link fenceKeyFor}(key). */
  fenceKey?: string;
  /** Milliseconds for the data key to live. Default none. The fence key never expires. */
  pxMs?: number;
}

export interface FencedSetOptions extends FencedWriteOptions {
  /** The string to store (a number is stored as its decimal text). */
  value: string | number;
}

export interface FencedHsetOptions extends FencedWriteOptions {
  /** Fields to set in the hash at `key`; others are left as they are. At least 1, at most 1,000. */
  fields: Readonly<Record<string, string | number>>;
}

/** More fields would pass Lua's `unpack` limit inside the script. */
export const MAX_HSET_FIELDS = 1_000;

/**
 * The default fence key: `<key>:fence`, with the key wrapped in braces when it
 * has no hash tag of its own (`user:1` → `{user:1}:fence`), so that on a Redis
 * Cluster both keys hash to one slot, as a script's keys must. A key that
 * holds `}` but no tag cannot be wrapped so: on a Cluster, pass `fenceKey`.
 */
export function fenceKeyFor(key: string): string {
  const open = key.indexOf('{');
  const hasTag = open >= 0 && key.indexOf('}', open + 1) > open + 1;
  // Wrapping a key that holds '}' would tag only part of it: such keys stay as they are, and on
  // a Cluster their callers pass a fenceKey with a tag.
  return hasTag || key.includes('}') ? `${key}:fence` : `{${key}}:fence`;
}

/**
 * `SET key value` only if `token` is at least the largest token that wrote
 * `key` before, checked and written in one script, so no other write can come
 * between. Equal tokens pass: a holder may write many times.
 */
export async function fencedSet(
  redis: RedisScriptRunner,
  o: FencedSetOptions,
): Promise<RedisFenceResult> {
  if (typeof o.value !== 'string' && !Number.isFinite(o.value)) {
    throw new InvalidOptionError('value must be a string or a finite number');
  }
  return runFenced(redis, o, 'set', [String(o.value)]);
}

/** `HSET key field value…` under the same rule as {@link fencedSet}. */
export async function fencedHset(
  redis: RedisScriptRunner,
  o: FencedHsetOptions,
): Promise<RedisFenceResult> {
  const entries = Object.entries(o.fields);
  if (entries.length === 0 || entries.length > MAX_HSET_FIELDS) {
    throw new InvalidOptionError(`fields must hold 1 to ${MAX_HSET_FIELDS} entries`);
  }
  const args: string[] = [];
  for (const [field, value] of entries) {
    if (typeof value !== 'string' && !Number.isFinite(value)) {
      throw new InvalidOptionError(`fields.${field} must be a string or a finite number`);
    }
    args.push(field, String(value));
  }
  return runFenced(redis, o, 'hset', args);
}

async function runFenced(
  redis: RedisScriptRunner,
  o: FencedWriteOptions,
  verb: 'set' | 'hset',
  data: string[],
): Promise<RedisFenceResult> {
  assertFencingToken(o.token);
  if (typeof o.key !== 'string' || o.key.length === 0) {
    throw new InvalidOptionError('key must be a non-empty string');
  }
  const fenceKey = o.fenceKey ?? fenceKeyFor(o.key);
  if (typeof fenceKey !== 'string' || fenceKey.length === 0 || fenceKey === o.key) {
    throw new InvalidOptionError('fenceKey must be a non-empty string other than key');
  }
  const pxMs = o.pxMs ?? 0;
  if (o.pxMs !== undefined && !(Number.isSafeInteger(pxMs) && pxMs > 0)) {
    throw new InvalidOptionError(`pxMs must be a positive integer, got ${String(o.pxMs)}`);
  }
  const args = [o.key, fenceKey, String(o.token), verb, String(pxMs), ...data];
  let reply: unknown;
  try {
    reply = await redis.evalsha(FENCED_WRITE_SHA1, 2, ...args);
  } catch (err) {
    // A Redis that restarted or was flushed of scripts: send the body once, it caches it again.
    if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
    reply = await redis.eval(FENCED_WRITE_LUA, 2, ...args);
  }
  return readReply(reply);
}

function readReply(reply: unknown): RedisFenceResult {
  if (Array.isArray(reply) && reply.length === 2 && (reply[0] === 0 || reply[0] === 1)) {
    const newest = typeof reply[1] === 'string' ? parseFencingToken(reply[1]) : null;
    if (newest !== null) return { accepted: reply[0] === 1, newest };
  }
  throw new BatonError('INTERNAL', 'the fence script gave a reply it never gives');
}
