import { setTimeout as sleep } from 'node:timers/promises';
import type { LockClient, LockLease } from './pool.js';
import type { Recorder } from './recorder.js';
import { randomInt } from './stats.js';

/** What a driver's sessions do once connected. */
export type Workload =
  | { kind: 'cycles'; paths: number }
  /** B and C: everyone queues on `path`; the loop starts on `go`. */
  | { kind: 'contend'; path: string }
  | { kind: 'handoff'; path: string; reps: number; pauseMinMs: number; pauseMaxMs: number }
  | { kind: 'idle' }
  /** F: B's load, with every grant logged on the shared clock. */
  | { kind: 'failover'; path: string };

/** After a failed call a loop backs off, so one broken session cannot spin a core. */
const ERROR_BACKOFF_MS = 50;

/** A: every session loops acquire → release on a random path; a cycle counts once released. */
export function runCycles(clients: readonly LockClient[], paths: number, rec: Recorder): void {
  // The loops run until the driver process exits.
  for (const client of clients) {
    void (async () => {
      for (;;) {
        const path = `bench/cycle/${randomInt(0, paths - 1)}`;
        const calledAt = performance.now();
        try {
          const lease = await client.acquire(path);
          const grantedAt = performance.now();
          await lease.release();
          if (rec.measuring) {
            rec.cycles++;
            rec.latencies.push(grantedAt - calledAt);
          }
        } catch (err) {
          rec.error(err);
          await sleep(ERROR_BACKOFF_MS);
        }
      }
    })();
  }
}

/**
 * B and C: every session queues on `path`; the first one granted holds the
 * lock until `go`, so the whole queue forms first, then each releases the
 * moment it is granted and queues again. Waits count only for acquires after
 * `go` (queue forming is measured apart). `onGrant` sees every grant (F).
 */
export function runContention(
  clients: readonly LockClient[],
  first: number,
  path: string,
  rec: Recorder,
  go: Promise<void>,
  onGrant?: (token: number) => void,
): void {
  let started = false;
  void go.then(() => (started = true));
  clients.forEach((client, local) => {
    void (async () => {
      let calledAt = performance.now();
      let afterGo = false;
      for (;;) {
        let lease: LockLease;
        try {
          lease = await client.acquire(path);
        } catch (err) {
          rec.error(err);
          await sleep(ERROR_BACKOFF_MS);
          continue;
        }
        onGrant?.(lease.token);
        if (rec.measuring) {
          rec.grant(local, first + local, lease.token);
          if (afterGo) rec.latencies.push(performance.now() - calledAt);
        }
        if (!started) await go;
        // Not awaited: "release at once and queue again" means both frames
        // leave in the same tick, release first, as a tight worker loop would.
        lease.release().catch((err: unknown) => rec.error(err));
        calledAt = performance.now();
        afterGo = true;
      }
    })();
  });
}

/**
 * D: two sessions of this one process (one clock) pass `path` back and
 * forth: the waiter queues, a random pause lets it settle, and the sample is
 * release call → the waiter's grant. Then, with the same pauses, the waiter
 * probes the held lock with tryAcquire: one plain round trip, which a
 * handoff (release out, grant back) cannot beat.
 */
export async function runHandoffs(
  a: LockClient,
  b: LockClient,
  w: Extract<Workload, { kind: 'handoff' }>,
  rec: Recorder,
): Promise<void> {
  const { path, reps, pauseMinMs, pauseMaxMs } = w;
  let holder = await a.acquire(path);
  let waiter = b;
  let other = a;
  for (let i = 0; i < reps; i++) {
    const granted = waiter.acquire(path);
    await sleep(randomInt(pauseMinMs, pauseMaxMs));
    const releasedAt = performance.now();
    const releasing = holder.release();
    holder = await granted;
    rec.latencies.push(performance.now() - releasedAt);
    await releasing;
    [waiter, other] = [other, waiter];
  }
  for (let i = 0; i < reps; i++) {
    await sleep(randomInt(pauseMinMs, pauseMaxMs));
    const sentAt = performance.now();
    const lease = await waiter.tryAcquire(path);
    rec.probes.push(performance.now() - sentAt);
    if (lease) throw new Error('tryAcquire was granted a lock that is held');
  }
  await holder.release();
}
