/** Every Redis key one Baton deployment uses. */
export interface RedisKeys {
  /** The leader lease: "id url" of the active broker, with a TTL. */
  readonly leader: string;
  /** Raised on every takeover; every write checks it. */
  readonly epoch: string;
  /** The dataset's identity, set when a generation is seeded; every script checks it. */
  readonly generation: string;
  /** The log: a stream, one entry per batch. */
  readonly log: string;
  /** The latest snapshot of the table and the batch it is as of. */
  readonly snapshot: string;
  /** The fencing-token reservation mark. */
  readonly tokens: string;
}

/**
 * Builds the key names. The `{cluster}` hash tag keeps them in one Redis
 * Cluster slot, so the Lua scripts that touch several of them can run.
 */
export function redisKeys(prefix: string, cluster: string): RedisKeys {
  const base = `${prefix}:{${cluster}}`;
  return Object.freeze({
    leader: `${base}:leader`,
    epoch: `${base}:epoch`,
    generation: `${base}:generation`,
    log: `${base}:log`,
    snapshot: `${base}:snapshot`,
    tokens: `${base}:tokens`,
  });
}
