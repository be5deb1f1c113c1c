import { setTimeout as sleep } from 'node:timers/promises';
import type { LockClient, LockKind, LockLease } from './pool.js';
import type { Recorder } from './recorder.js';
import { randomInt } from './stats.js';
import { repeat } from './time.js';

/** What a driver's sessions do once connected. */
export type Workload =
  | { kind: 'cycles'; paths: number }
  /** B and C: everyone queues on `path`; the loop starts on `go`. S: a semaphore, held a while. */
  | { kind: 'contend'; path: string; limit?: number; holdMs?: number }
  /** R: readers of `path` and one writer every `writeEveryMs`, each holding it `holdMs`. */
  | { kind: 'read-write'; path: string; holdMs: number; writeEveryMs: number }
  /** D: `reps` handoffs, then `reps` probes; a warm-up stops each pass after `passMs`. */
  | {
      kind: 'handoff';
      path: string;
      reps: number;
      pauseMinMs: number;
      pauseMaxMs: number;
      passMs?: number;
    }
  | { kind: 'idle' }
  /** F: B's load, with every grant logged on the shared clock. */
  | { kind: 'failover'; path: string }
  /** L: the run's first session observes `path`, the others run for leader, each for `termMs`. */
  | { kind: 'elect'; path: string; termMs: number }
  /** SF: every session calls `singleFlight(path)` in a loop; `fn` takes `runMs`. */
  | { kind: 'single-flight'; path: string; runMs: number };

/** After a failed call a loop backs off, so one broken session cannot spin a core. */
export const ERROR_BACKOFF_MS = 50;

/** A: every session loops acquire → release on a random path; a cycle counts once released. */
export function runCycles(clients: readonly LockClient[], paths: number, rec: Recorder): void {
  // The loops run until the driver process exits.
  for (const client of clients) {
    void (async () => {
      for (;;) {
        if (rec.gate) await rec.gate;
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

/** How B, C, S and R's sessions take the lock: its kind, and how long they hold it. */
export interface Contend {
  path: string;
  kind?: LockKind;
  /** Held this long before the release (S, R); 0: released the moment it is granted (B, C). */
  holdMs?: number;
  /** Sees every grant's token (F). */
  onGrant?: (token: number) => void;
}

/**
 * B and C: every session queues on `path`; the first one granted holds the
 * lock until `go`, so the whole queue forms first, then each releases the
 * moment it is granted (S: after `holdMs`) and queues again. Waits count only
 * for acquires after `go` (queue forming is measured apart).
 */
export function runContention(
  clients: readonly LockClient[],
  first: number,
  c: Contend,
  rec: Recorder,
  go: Promise<void>,
): void {
  clients.forEach((client, local) => contendLoop(client, local, first + local, c, rec, go));
}

/** One session's loop of `runContention`, from its first acquire until the driver exits. */
function contendLoop(
  client: LockClient,
  local: number,
  global: number,
  c: Contend,
  rec: Recorder,
  go: Promise<void>,
): void {
  let started = false;
  void go.then(() => (started = true));
  void (async () => {
    let calledAt = performance.now();
    let afterGo = false;
    for (;;) {
      if (rec.gate) {
        await rec.gate;
        calledAt = performance.now();
      }
      let lease: LockLease;
      try {
        lease = await client.acquire(c.path, c.kind);
      } catch (err) {
        rec.error(err);
        await sleep(ERROR_BACKOFF_MS);
        continue;
      }
      c.onGrant?.(lease.token);
      if (rec.measuring) {
        rec.grant(local, global, lease.token);
        if (afterGo) rec.latencies.push(performance.now() - calledAt);
      }
      if (!started) await go;
      if (c.holdMs) await sleep(c.holdMs);
      // Not awaited: "release at once and queue again" means both frames
      // leave in the same tick, release first, as a tight worker loop would.
      lease.release().catch((err: unknown) => rec.error(err));
      calledAt = performance.now();
      afterGo = true;
    }
  })();
}

/**
 * R: the run's first session writes `path` every `writeEveryMs` (call to
 * call, or at once when a write came late) and holds it `holdMs`; every other
 * session reads it as S's sessions hold a semaphore. The writer's first
 * acquire queues behind the readers, who hold until `go`.
 */
export function runReadWrite(
  clients: readonly LockClient[],
  first: number,
  w: Extract<Workload, { kind: 'read-write' }>,
  rec: Recorder,
  go: Promise<void>,
): void {
  const read: Contend = { path: w.path, kind: { mode: 'read' }, holdMs: w.holdMs };
  clients.forEach((client, local) => {
    if (first + local === 0) void writeEvery(client, w, rec);
    else contendLoop(client, local, first + local, read, rec, go);
  });
}

async function writeEvery(
  client: LockClient,
  w: Extract<Workload, { kind: 'read-write' }>,
  rec: Recorder,
): Promise<void> {
  for (;;) {
    const calledAt = performance.now();
    try {
      const lease = await client.acquire(w.path, { mode: 'write' });
      if (rec.measuring) rec.writeWaits.push(performance.now() - calledAt);
      await sleep(w.holdMs);
      await lease.release();
    } catch (err) {
      rec.error(err);
      await sleep(ERROR_BACKOFF_MS);
    }
    await sleep(Math.max(0, calledAt + w.writeEveryMs - performance.now()));
  }
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
  // No pauses for a warm-up; sleep(0) would still wait a timer's millisecond.
  const pause = async (): Promise<void> => {
    if (pauseMaxMs > 0) await sleep(randomInt(pauseMinMs, pauseMaxMs));
  };
  const passMs = w.passMs ?? Infinity;
  let holder = await a.acquire(path);
  let waiter = b;
  let other = a;
  await repeat(reps, passMs, async () => {
    const granted = waiter.acquire(path);
    await pause();
    const releasedAt = performance.now();
    const releasing = holder.release();
    holder = await granted;
    rec.latencies.push(performance.now() - releasedAt);
    await releasing;
    [waiter, other] = [other, waiter];
  });
  await repeat(reps, passMs, async () => {
    await pause();
    const sentAt = performance.now();
    const lease = await waiter.tryAcquire(path);
    rec.probes.push(performance.now() - sentAt);
    if (lease) throw new Error('tryAcquire was granted a lock that is held');
  });
  await holder.release();
}
