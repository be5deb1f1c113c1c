/**
 * The knobs shared by `npm run bench`, `bench:peers` and `bench:admin`.
 * Windows are short so that `npm run bench` stays within a few minutes on two
 * cores; raise them here for steadier figures.
 */
import { fileURLToPath } from 'node:url';

/** Load runs this long before the measured window, so JIT and queues settle. */
export const WARMUP_MS = 2_000;
export const MEASURE_MS = 10_000;
/** Runs of each row, on fresh processes; the row shows the median (of two, the weaker). */
export const RUNS = Math.max(1, Number(process.env['BATON_BENCH_RUNS'] ?? 2) || 2);

/**
 * `BATON_BENCH_LINGER_MS=N`: Redis-mode brokers and the efficient floor's log
 * wait N ms before an efficient append instead of the broker's default
 * (`appendLingerMs`), to read what a longer mirror lag buys. Unset: the default.
 */
export const LINGER_MS = optionalMs('BATON_BENCH_LINGER_MS');
/**
 * `BATON_BENCH_TICK_MS=N`: every server under test (broker, floor, echo) also
 * runs an empty N ms interval timer, to read what periodic wakeups alone cost
 * a server on this machine. Unset: none.
 */
export const TICK_MS = optionalMs('BATON_BENCH_TICK_MS');
/**
 * `BATON_BENCH_FLOOR_AHEAD=1`, with a strict log: the floor (floor/server.ts)
 * logs a queue's head as its next holder the moment it heads the queue, and
 * at a release hands it the lock without waiting for Redis once that entry is
 * durable. The write then overlaps the holder's hold instead of following its
 * release: the least a strict server could do whose log named the next holder
 * ahead, which Baton's does not (bench/README.md, "Strict B ahead").
 */
export const FLOOR_AHEAD = process.env['BATON_BENCH_FLOOR_AHEAD'] === '1';
/** A knob above changes what a server does: the run leaves bench/README.md's table alone. */
export const SERVERS_CHANGED = LINGER_MS !== null || TICK_MS !== null || FLOOR_AHEAD;

function optionalMs(name: string): number | null {
  const value = process.env[name];
  if (value === undefined || value === '') return null;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > 1_000) throw new Error(`${name}: 0–1000 ms`);
  return ms;
}

/** Long enough that heartbeats never matter. */
export const SESSION_TTL_MS = 30_000;
/** 10,000 sessions take a while to open on 2 cores. */
export const CONNECT_TIMEOUT_MS = 60_000;
/** Connections opening at once, over all drivers, so the broker sees no SYN flood. */
export const CONNECT_CONCURRENCY = 200;

/** A: sessions looping acquire → release over this many random paths. */
export const CYCLE_SESSIONS = 100;
export const CYCLE_PATHS = 10_000;
/**
 * Drivers for A, B and C below `TWO_DRIVERS_FROM`. On 2 cores one driver
 * saturates its core before the broker does (a client does about as much
 * work per call as the broker), so two share the load.
 */
export const SMALL_DRIVERS = process.env['BATON_BENCH_DRIVERS'] === '1' ? 1 : 2;

/** B, and C at each size on a broker of its own. */
export const CONTEND_SESSIONS = 150;
export const CONTEND_LARGE_SESSIONS = [1_000, 10_000] as const;
export const TWO_DRIVERS_FROM = 5_000;
/** Forming a queue (connect + enqueue everyone) must finish within this. */
export const QUEUE_FORM_TIMEOUT_MS = 90_000;
/** C sizes up to this also run in the Redis modes; 10,000 only embedded, to keep runs short. */
export const REDIS_CONTEND_MAX_SESSIONS = 1_000;

/**
 * S and R (issue 13), at B's and C's first size. S: a semaphore of
 * `SEMAPHORE_LIMIT` permits on one path beside a mutex of the same shape.
 * 10 is a common pool size (connections, workers), and at 150 and 1,000
 * sessions it leaves 14 and 99 waiters per permit, so the queue never
 * empties and every release is a handoff to a waiter.
 */
export const KIND_SESSIONS = [CONTEND_SESSIONS, 1_000] as const;
export const SEMAPHORE_LIMIT = 10;
/** S and R: each holder keeps the lock this long, a short critical section, before releasing. */
export const KIND_HOLD_MS = 1;
/** R: the one writer's acquire calls are this far apart (issue 13: "a writer every 100 ms"). */
export const WRITE_EVERY_MS = 100;

/**
 * L (issue 13): candidates at S's sizes run for leader of one path and one
 * more session observes it; each leader resigns after this term and runs
 * again, to the back of the line: leader failover as fast as it goes.
 */
export const ELECTION_TERM_MS = 1;
/** SF: what `fn` takes, a short cache fill or report build, while the callers pile up. */
export const SINGLE_FLIGHT_RUN_MS = 5;

/** D: handoffs, each after a random pause so the pair does not phase-lock with timers or GC. */
export const HANDOFF_REPS = 200;
export const HANDOFF_PAUSE_MIN_MS = 2;
export const HANDOFF_PAUSE_MAX_MS = 20;
/**
 * D's warm-up: handoffs and probes back to back, unrecorded, before the
 * paused ones, as A–C warm up before their window. V8 optimizes a function
 * only after it has run a while; without this, D read the first few hundred
 * handoffs of a fresh process, run in V8's baseline tier, not a server that
 * has been serving (Baton's longer path more so than the floor's).
 */
export const HANDOFF_WARMUP_REPS = 5_000;
/** ...or as many as fit in this, each pass: a peer's handoff can take 90 ms. */
export const HANDOFF_WARMUP_PASS_MS = 5_000;
/**
 * DP: D's handoffs on the floor and the broker in turns of this many each
 * (and as many probes), so both meet the same spells of a noisy machine.
 */
export const PAIRED_TURN_REPS = 10;
/**
 * AP, BP, CP: A's, B's and C-1,000's load on the floor and the broker in this many turns
 * each, a turn measured this long after this long for the load to resume.
 */
export const PAIRED_LOAD_TURNS = 10;
export const PAIRED_LOAD_TURN_MS = 1_000;
export const PAIRED_LOAD_SETTLE_MS = 250;

/** E: idle sessions, and the pause before RSS is read, so connect-time garbage can go. */
export const IDLE_SESSIONS = 10_000;
export const IDLE_SETTLE_MS = 1_000;

export const IPC_TIMEOUT_MS = 30_000;
/** How long a child gets to exit on request before it is killed. */
export const EXIT_GRACE_MS = 2_000;

export const HOT_PATH = 'bench/hot';

/** F: kills -9 of the active broker, then planned handovers (SIGTERM), under B's load. */
export const FAILOVER_KILLS = 5;
export const FAILOVER_HANDOVERS = 10;
/** `--leader-lease-ms` of F's brokers: a takeover waits for it to lapse. */
export const FAILOVER_LEADER_LEASE_MS = 1_000;
/** Steady load between a restart and the next kill, so the leader and the standby settle. */
export const FAILOVER_SETTLE_MS = 1_000;
/** A takeover, or the load's return after a restart, must come within this. */
export const FAILOVER_TIMEOUT_MS = 20_000;

/** A file by its path from the repository root: the bench runs from `.bench-out/bench/<folder>/`. */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(`../../../${path}`, import.meta.url));
}
