import { join } from 'node:path';
import type { BatonClient } from '../../client/node.js';
import type { Consistency } from '../../shared/protocol.js';
import { eventually, sleep, spawnNode } from './harness.js';
import type { History } from './history.js';
import type { LogRecorder } from './log-recorder.js';
import { recordedAcquire } from './workload.js';

const HOLDER = join(import.meta.dirname, '../fixtures/hold-lock.mjs');

/** A holder process with a waiter queued behind it, ready to be killed. */
export interface SilentHolder {
  path: string;
  /** SIGKILLs the holder (its session goes silent) and returns when. */
  kill(): number;
  /** Resolves once the waiter has the lock, or gave up; recorded in `history.silent`. */
  done: Promise<void>;
}

export interface SilentHolderOptions {
  history: History;
  urls: string[];
  level: Consistency;
  sessionTtlMs: number;
  /** Grant to the waiter must come within this long after the kill. */
  boundMs: number;
  /** The client that queues behind the holder (its grant and release are recorded). */
  waiter: BatonClient;
  /** Tells when the waiter is queued (its `wait` entry); without it, a pause stands in. */
  recorder?: LogRecorder;
}

/** Long enough for any round's setup; the waiter is aborted sooner, counted from the kill. */
const WAITER_TIMEOUT_MS = 120_000;

/**
 * Starts a child process that takes `path` and then only holds it, queues
 * a waiter behind it, and hands back `kill()`. DESIGN.md: a lock may stay
 * held at most TTL + 1 s after its session's last heartbeat (across a
 * failover: leader lease + TTL + 1 s); the record says whether it was.
 */
export async function startSilentHolder(
  path: string,
  o: SilentHolderOptions,
): Promise<SilentHolder> {
  const worker = `silent:${path}`;
  const req = o.history.requested(worker, path);
  const child = spawnNode([HOLDER, o.urls.join(','), path, String(o.sessionTtlMs), o.level]);
  const [, , token, session] = await child.waitForLine(/^holding (\S+) (\d+) (\S+)$/, 15_000);
  o.history.granted(worker, req, session as string, Number(token));
  const waiterName = `waiter:${path}`;
  // The waiter may be queued long before the kill (a round's setup can take
  // seconds): it gives up a while past the bound counted from the kill, not
  // from its queueing, so a slow setup cannot make an on-time free look late.
  const giveUp = new AbortController();
  const waiting = recordedAcquire(o.history, o.waiter, waiterName, path, {
    consistency: o.level,
    timeoutMs: WAITER_TIMEOUT_MS,
    signal: giveUp.signal,
  });
  // Do not reject unobserved while we wait for the queue.
  waiting.catch(() => {});
  const recorder = o.recorder;
  if (recorder) {
    await eventually(() => (recorder.waitsOn(path) > 0 ? true : undefined), 3_000).catch(() => {});
  } else {
    await sleep(300);
  }
  let killedAt = NaN;
  let resolveKilled!: () => void;
  const killed = new Promise<void>((resolve) => (resolveKilled = resolve));
  const done = killed.then(async () => {
    let grantedAt: number | null = null;
    try {
      const lease = await waiting;
      grantedAt = performance.now();
      o.history.endHold(waiterName, path, lease.token, 'release');
      await lease.release();
    } catch {
      // Never granted: the record says so.
    }
    o.history.silent.push({ path, killedAt, grantedAt, boundMs: o.boundMs });
  });
  return {
    path,
    kill: () => {
      process.kill(child.pid, 'SIGKILL');
      killedAt = performance.now();
      setTimeout(() => giveUp.abort(), o.boundMs + 5_000).unref();
      // A dead process believes nothing: its hold ends here.
      o.history.endHold(worker, path, Number(token), 'lost', 'killed');
      resolveKilled();
      return killedAt;
    },
    done,
  };
}
