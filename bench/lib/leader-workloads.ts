/**
 * The workloads of L (leader election) and SF (single-flight), over the
 * optional calls of `LockClient` that only some systems have.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockClient, Term } from './pool.js';
import type { Recorder } from './recorder.js';
import { sharedClockMs } from './time.js';
import { ERROR_BACKOFF_MS, type Workload } from './workloads.js';

/**
 * Term ids are `session × TERM_ID_SPAN + n` for a session's n-th campaign:
 * unique across drivers, and safe integers for 9 × 10^8 sessions.
 */
const TERM_ID_SPAN = 10_000_000;

/** `client`'s optional call `name`, or a clear error for a system without it. */
function needs<K extends 'elect' | 'observe' | 'singleFlight'>(
  client: LockClient,
  name: K,
): NonNullable<LockClient[K]> {
  const call = client[name];
  if (typeof call !== 'function') throw new Error(`this system's client has no ${name}`);
  return call.bind(client) as NonNullable<LockClient[K]>;
}

/**
 * L: the run's first session observes `path` and notes each leader it is
 * told of (by the term id the leader ran with as its value) on the shared
 * clock; every other session runs for leader, holds the term `termMs`,
 * notes when it resigns, resigns and runs again at once, to the back of the
 * line. The first leader holds until `go`, so the whole line forms first,
 * and the observer starts then, with a leader in place: `etcd3`'s observer,
 * started with no leader, takes the last key of the first batch of puts it
 * sees for the leader (Go's takes the first) and would watch a waiting
 * candidate's key until that one's own term.
 */
export function runElection(
  clients: readonly LockClient[],
  first: number,
  w: Extract<Workload, { kind: 'elect' }>,
  rec: Recorder,
  go: Promise<void>,
): void {
  clients.forEach((client, local) => {
    const global = first + local;
    if (global === 0) void go.then(() => observeLeaders(client, w.path, rec));
    else void campaignLoop(client, local, global, w, rec, go);
  });
}

function observeLeaders(client: LockClient, path: string, rec: Recorder): void {
  const observe = needs(client, 'observe');
  observe(
    path,
    (leader) => {
      const termId = Number(leader?.value || NaN);
      if (rec.measuring && Number.isSafeInteger(termId)) rec.told.push(termId, sharedClockMs());
    },
    (err) => rec.error(err),
  );
}

async function campaignLoop(
  client: LockClient,
  local: number,
  global: number,
  w: Extract<Workload, { kind: 'elect' }>,
  rec: Recorder,
  go: Promise<void>,
): Promise<void> {
  const elect = needs(client, 'elect');
  let started = false;
  void go.then(() => (started = true));
  for (let n = 1; ; n++) {
    const termId = global * TERM_ID_SPAN + (n % TERM_ID_SPAN);
    let term: Term;
    try {
      term = await elect(w.path, { value: String(termId) });
    } catch (err) {
      rec.error(err);
      await sleep(ERROR_BACKOFF_MS);
      continue;
    }
    const grantedAt = sharedClockMs();
    if (!started) await go;
    await sleep(w.termMs);
    const resignAt = sharedClockMs();
    if (rec.measuring) {
      rec.terms.push(termId, grantedAt, resignAt);
      rec.grant(local, global, termId);
    }
    // Not awaited, as B's release: resign and run again leave in one tick.
    term.resign().catch((err: unknown) => rec.error(err));
  }
}

/**
 * SF: every session calls `singleFlight(path, fn)` in a loop, `fn` taking
 * `runMs`. A call counts once answered, with its latency (call → answer);
 * a run counts when `fn` starts.
 */
export function runSingleFlight(
  clients: readonly LockClient[],
  w: Extract<Workload, { kind: 'single-flight' }>,
  rec: Recorder,
): void {
  const fn = async (): Promise<number> => {
    if (rec.measuring) rec.runs++;
    await sleep(w.runMs);
    return Date.now();
  };
  for (const client of clients) {
    const singleFlight = needs(client, 'singleFlight');
    void (async () => {
      for (;;) {
        const calledAt = performance.now();
        try {
          await singleFlight(w.path, fn);
          if (rec.measuring) {
            rec.cycles++;
            rec.latencies.push(performance.now() - calledAt);
          }
        } catch (err) {
          rec.error(err);
          await sleep(ERROR_BACKOFF_MS);
        }
      }
    })();
  }
}
