import { BatonError, InvalidOptionError } from '../shared/errors.js';
import { lockPathProblem } from '../shared/lock-path.js';
import type { AcquireOptions } from './acquire-options.js';
import { asyncDispose } from './async-dispose.js';
import type { Lease } from './lease.js';

/** What {@link acquireAll} needs of a client. */
export interface Acquirer {
  acquire(path: string, options: AcquireOptions): Promise<Lease>;
  /** Milliseconds of a monotonic clock: the client's own. */
  now(): number;
}

/**
 * Several locks held together, from `client.acquireAll`. `signal` aborts as
 * soon as any of them is lost; `release()` gives all of them back.
 */
export class LeaseSet implements AsyncDisposable {
  readonly signal: AbortSignal;
  /** path → lease, in the order they were taken (sorted by path). */
  readonly leases: ReadonlyMap<string, Lease>;

  /** @internal Lease sets come from `acquireAll`. */
  constructor(leases: Lease[]) {
    this.leases = new Map(leases.map((l) => [l.path, l]));
    this.signal = AbortSignal.any(leases.map((l) => l.signal));
  }

  /** The fencing token of `path`'s lease. */
  token(path: string): number {
    const lease = this.leases.get(path);
    if (!lease) throw new InvalidOptionError(`${path} is not in this lease set`);
    return lease.token;
  }

  /** Throws as `lease.assertHeld()` would for the first lease that is not surely held. */
  assertHeld(): void {
    for (const lease of this.leases.values()) lease.assertHeld();
  }

  /** Gives every lock back. Calling it again is harmless. */
  async release(): Promise<void> {
    await Promise.all([...this.leases.values()].map((l) => l.release()));
  }

  [asyncDispose](): Promise<void> {
    return this.release();
  }
}

/**
 * Takes every path or none. They are taken one by one in sorted order, the
 * same order for every client, so two clients asking for overlapping sets in
 * different orders cannot each hold what the other waits for. If one cannot be
 * had (timeout, abort, error), those already taken are released and the error
 * comes out. `timeoutMs` bounds the whole set.
 */
export async function acquireAll(
  client: Acquirer,
  paths: readonly string[],
  options: AcquireOptions,
): Promise<LeaseSet> {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new InvalidOptionError('acquireAll needs a non-empty array of paths');
  }
  const sorted = [...paths].sort();
  // All of them before waiting for any: a bad last path must not cost the wait for the first.
  for (const path of sorted) {
    const problem = lockPathProblem(path);
    if (problem) throw new BatonError('INVALID_PATH', problem);
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new InvalidOptionError(`acquireAll was given ${sorted[i]} twice`);
    }
  }
  const deadline = options.timeoutMs === undefined ? Infinity : client.now() + options.timeoutMs;
  const taken: Lease[] = [];
  try {
    for (const path of sorted) {
      const left =
        deadline === Infinity ? undefined : Math.max(0, Math.ceil(deadline - client.now()));
      taken.push(
        await client.acquire(path, left === undefined ? options : { ...options, timeoutMs: left }),
      );
    }
    // One taken early may have been lost while a later one was waited for: then not all are held.
    const lost = taken.find((l) => l.signal.aborted);
    if (lost) throw lost.signal.reason;
  } catch (err) {
    await Promise.all(taken.map((l) => l.release()));
    throw err;
  }
  return new LeaseSet(taken);
}
