/**
 * The lock interface the workloads drive: the Baton client as it is, and each
 * peer's recipe, so all run through the same loops and measurements.
 */
export interface LockClient {
  /** Waits until `path` is granted: a mutex, or the `kind` asked for. */
  acquire(path: string, kind?: LockKind): Promise<LockLease>;
  /** Grants `path` now, or resolves to null without waiting. */
  tryAcquire(path: string): Promise<LockLease | null>;
  /** Runs for leader of `path` (FIFO); only systems with an election have it (L). */
  elect?(path: string, options: { value: string }): Promise<Term>;
  /** Calls `listener` with who leads `path` now and at each change, until the returned stop. */
  observe?(
    path: string,
    listener: (leader: { value: string } | null) => void,
    onError?: (error: Error) => void,
  ): () => void;
  /** Runs `fn` once for every caller of `path` while it runs; Baton's alone (SF). */
  singleFlight?<T>(path: string, fn: () => Promise<T>): Promise<T>;
}

/** A leader's term, from `elect`: Baton's `Leadership`, a peer's campaign. */
export interface Term {
  resign(): Promise<void>;
}

/**
 * A counting semaphore's `limit`, or a read/write lock's `mode`; neither: a
 * mutex. Baton's `acquire` options as they are; only the peers that have the
 * primitive run the rows that ask for one.
 */
export interface LockKind {
  limit?: number;
  mode?: 'read' | 'write';
}

export interface LockLease {
  /**
   * Orders grants: the fencing token, create revision or sequence number; the
   * Redis peers, without fencing, give the grant's time on the shared clock.
   */
  readonly token: number;
  release(): Promise<void>;
}

/** How a driver opens its sessions. */
export interface PoolOptions {
  /** One broker, or the active one and its standby (scenario F). */
  url: string | string[];
  count: number;
  /** Connects in flight at once; bounded so that thousands of SYNs do not arrive together. */
  concurrency: number;
  ttlMs: number;
  timeoutMs: number;
  /** Added to a Baton client's options (a TLS CA, a token); peers ignore it. */
  client?: { tls?: { ca: string }; authToken?: string };
}

export interface Pool<C> {
  /** Connected sessions, in index order; a failed connect leaves no hole. */
  clients: C[];
  failed: number;
  firstError: string | null;
}

/** Opens `count` sessions with `open`, at most `concurrency` at a time. */
export async function openPool<C>(
  count: number,
  concurrency: number,
  open: () => Promise<C>,
): Promise<Pool<C>> {
  const slots = new Array<C | null>(count).fill(null);
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        slots[i] = await open();
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { clients: slots.filter((c): c is C => c !== null), failed, firstError };
}
