import { connect } from '../../client/node.js';
import type { BatonClient } from '../../client/node.js';
import type { Consistency } from '../../shared/protocol.js';
import { eventually } from './harness.js';
import type { History } from './history.js';
import type { LogRecorder } from './log-recorder.js';
import { TcpProxy } from './tcp-proxy.js';
import { recordedAcquire } from './workload.js';

/** A holder with a waiter queued behind it, about to be cut off from every broker. */
export interface CutOffHolder {
  /** Cuts the holder off (its only way in closes); returns when. */
  cut(): Promise<number>;
  /**
   * Resolves once the holder's lease ran out on its side and the waiter has
   * the lock (or gave up); the wait is recorded in `history.silent`.
   */
  done: Promise<void>;
}

export interface CutOffHolderOptions {
  history: History;
  /** The active broker's port: the holder reaches it through a proxy of its own. */
  brokerPort: number;
  level: Consistency;
  sessionTtlMs: number;
  /** The waiter must have the lock this long after the cut (TTL + 1 s, + a lease across a failover). */
  boundMs: number;
  /** The client that queues behind the holder. */
  waiter: BatonClient;
  /** Tells when the waiter is queued (its `wait` entry). */
  recorder: LogRecorder;
}

/**
 * A live client that holds `path` across a fault but cannot reach any broker
 * from the cut on: it cannot resume, so nothing but its own lease timer ends
 * its hold (the SDK aborts `lease.signal` before the broker could expire the
 * session). A broker that grants the lock to the waiter before then has made
 * two holders, which the checker finds as an overlap; one that never frees
 * it is late (`lateFrees`). A holder that could resume would learn of a lost
 * lock at once and hide such a double grant.
 */
export async function startCutOffHolder(
  path: string,
  o: CutOffHolderOptions,
): Promise<CutOffHolder> {
  const proxy = await TcpProxy.start(o.brokerPort);
  const worker = `cut-off:${path}`;
  const holder = await connect({
    url: proxy.url,
    sessionTtlMs: o.sessionTtlMs,
    reconnectMaxDelayMs: 200,
    name: worker,
  });
  const options = { consistency: o.level, timeoutMs: 10_000 };
  const lease = await recordedAcquire(o.history, holder, worker, path, options);
  const waiterName = `waiter:${path}`;
  // Queued seconds before the cut (the fault waits for its own hold and waiter): its
  // bound counts from the cut, so its own timeout must reach well past that.
  const waiting = recordedAcquire(o.history, o.waiter, waiterName, path, {
    consistency: o.level,
    timeoutMs: o.boundMs + 30_000,
  });
  // Do not reject unobserved while it waits.
  waiting.catch(() => {});
  const queued = (): true | undefined => (o.recorder.waitsOn(path) > 0 ? true : undefined);
  await eventually(queued, 3_000, `a waiter queued on ${path}`);
  let cutAt = NaN;
  let resolveCut!: () => void;
  const wasCut = new Promise<void>((resolve) => (resolveCut = resolve));
  const lost = new Promise<void>((resolve) => {
    if (lease.signal.aborted) resolve();
    else lease.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const done = wasCut.then(async () => {
    let grantedAt: number | null = null;
    try {
      const next = await waiting;
      grantedAt = performance.now();
      o.history.endHold(waiterName, path, next.token, 'release');
      await next.release();
    } catch {
      // Never granted: the record says so.
    }
    o.history.silent.push({ path, killedAt: cutAt, grantedAt, boundMs: o.boundMs });
    // Its hold ended when its signal aborted (recorded then); it leaves once that happened.
    await Promise.race([lost, new Promise((r) => setTimeout(r, o.boundMs))]);
    await holder.close();
  });
  return {
    cut: async () => {
      await proxy.close();
      cutAt = performance.now();
      resolveCut();
      return cutAt;
    },
    done,
  };
}
