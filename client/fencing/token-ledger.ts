import { InvalidOptionError } from '../../shared/errors.js';

/** What {@link TokenLedger.admit} decided. */
export interface Admission {
  readonly admitted: boolean;
  /** The smallest token the resource takes now (its newest, or the floor for one not kept). */
  readonly newest: number;
}

/**
 * The newest token seen per resource, in memory, for at most `maxResources`
 * resources. Past that the resource admitted least recently is dropped, and
 * its token raises a floor that every resource not kept must reach: a
 * dropped resource then refuses every token below its own newest, as it did
 * while kept. The cost is on the other side: a resource never seen, or
 * dropped, also refuses tokens below the floor, though they may be valid
 * (an old, long-held lease). Dropping never lets a stale token through.
 */
export class TokenLedger {
  private readonly newestByResource = new Map<string, number>();
  private evictedFloor = 0;

  constructor(readonly maxResources: number) {
    if (!(Number.isSafeInteger(maxResources) && maxResources > 0)) {
      throw new InvalidOptionError(`maxResources must be a positive integer, got ${maxResources}`);
    }
  }

  /** Admits `token` when it is at least the resource's newest (equal passes: one holder, many writes), and records it. */
  admit(resource: string, token: number): Admission {
    const newest = this.newestByResource.get(resource) ?? this.evictedFloor;
    if (token < newest) return { admitted: false, newest };
    // Delete and set: a Map iterates in insertion order, so its first key is the least recent.
    this.newestByResource.delete(resource);
    this.newestByResource.set(resource, token);
    if (this.newestByResource.size > this.maxResources) this.evictOldest();
    return { admitted: true, newest: token };
  }

  /** The newest token kept for `resource`, or undefined when none is kept. */
  newestOf(resource: string): number | undefined {
    return this.newestByResource.get(resource);
  }

  /** The largest token of any dropped resource: what every resource not kept must reach. */
  get floor(): number {
    return this.evictedFloor;
  }

  /** How many resources are kept. */
  get size(): number {
    return this.newestByResource.size;
  }

  private evictOldest(): void {
    const oldest = this.newestByResource.entries().next();
    if (oldest.done) return;
    const [resource, token] = oldest.value;
    this.newestByResource.delete(resource);
    this.evictedFloor = Math.max(this.evictedFloor, token);
  }
}
