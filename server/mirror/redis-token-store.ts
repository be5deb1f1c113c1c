import type { Redis } from 'ioredis';
import { blockStart, type TokenBlock, type TokenStore } from '../tokens/token-store.js';
import { waitForReplicas, type LogWriterOptions } from './log-writer.js';
import type { DataLossKind, Owner, RedisScripts } from './scripts.js';

/** A reservation Redis refused because it lost data: the mirror must hear of it. */
export class TokenMarkLostError extends Error {
  constructor(readonly what: DataLossKind) {
    super(`Redis lost the ${what}: no token block`);
  }
}

/**
 * Fencing-token blocks reserved in Redis for the broker of one generation
 * and epoch, replicated with `WAIT` when configured. A block starts above
 * the stored mark, every token issued and the wall clock in µs, so tokens go
 * up even when Redis lost the mark.
 */
export class RedisTokenStore implements TokenStore {
  /** The end of the last block reserved: every token this broker may issue is below it. */
  reservedUpTo = 0;

  constructor(
    private readonly redis: Redis,
    private readonly scripts: RedisScripts,
    private readonly owner: () => Owner,
    private readonly wallMs: () => number,
    private readonly replicas: Pick<LogWriterOptions, 'waitReplicas' | 'waitTimeoutMs'>,
  ) {}

  async reserve(issuedUpTo: number, count: number): Promise<TokenBlock> {
    const floor = blockStart(0, Math.max(issuedUpTo, this.reservedUpTo - 1), this.wallMs());
    const outcome = await this.scripts.reserveTokens(this.owner(), floor, count);
    if (outcome.status === 'fenced') throw new Error('fenced: another broker leads');
    if (outcome.status === 'lost') throw new TokenMarkLostError(outcome.what);
    await waitForReplicas(this.redis, this.replicas);
    this.reservedUpTo = Math.max(this.reservedUpTo, outcome.value.limit);
    return outcome.value;
  }

  async close(): Promise<void> {}
}
