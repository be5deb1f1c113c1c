import { connect, type BatonClient } from '../../client/node.js';

export interface PoolOptions {
  /** One broker, or the active one and its standbys (scenario F). */
  url: string | string[];
  count: number;
  /** Connects in flight at once; bounded so that thousands of SYNs do not arrive together. */
  concurrency: number;
  ttlMs: number;
  timeoutMs: number;
}

export interface Pool<C = BatonClient> {
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
  const clients = slots.filter((c): c is C => c !== null);
  return { clients, failed, firstError };
}

/** Opens `count` Baton sessions, at most `concurrency` at a time. */
export function openSessions(o: PoolOptions): Promise<Pool> {
  const options = { url: o.url, sessionTtlMs: o.ttlMs, connectTimeoutMs: o.timeoutMs };
  return openPool(o.count, o.concurrency, () => connect(options));
}
