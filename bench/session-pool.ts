import { connect, type BatonClient } from '../client/node.js';

export interface PoolOptions {
  /** One broker, or the active one and its standbys (scenario F). */
  url: string | string[];
  count: number;
  /** Connects in flight at once; bounded so that thousands of SYNs do not arrive together. */
  concurrency: number;
  ttlMs: number;
  timeoutMs: number;
}

export interface Pool {
  /** Connected sessions, in index order; a failed connect leaves no hole. */
  clients: BatonClient[];
  failed: number;
  firstError: string | null;
}

/** Opens `count` sessions, at most `concurrency` at a time. */
export async function openSessions(o: PoolOptions): Promise<Pool> {
  const slots: (BatonClient | null)[] = new Array<BatonClient | null>(o.count).fill(null);
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < o.count) {
      const i = next++;
      try {
        slots[i] = await connect({
          url: o.url,
          sessionTtlMs: o.ttlMs,
          connectTimeoutMs: o.timeoutMs,
        });
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.count) }, worker));
  const clients = slots.filter((c): c is BatonClient => c !== null);
  return { clients, failed, firstError };
}
