/**
 * The knobs shared by `npm run bench`, `bench:peers` and `bench:admin`.
 * Windows are short so that `npm run bench` stays within a few minutes on two
 * cores; raise them here for steadier figures.
 */
import { fileURLToPath } from 'node:url';

/** Load runs this long before the measured window, so JIT and queues settle. */
export const WARMUP_MS = 2_000;
/** The measured window of each throughput scenario. */
export const MEASURE_MS = 10_000;
/**
 * Each row runs this many times, on fresh processes, and shows the median
 * run (of two, the weaker); `BATON_BENCH_RUNS=1` for a quick look.
 */
export const RUNS = Math.max(1, Number(process.env['BATON_BENCH_RUNS'] ?? 2) || 2);

/** Session TTL the bench sessions ask for: long enough that heartbeats never matter. */
export const SESSION_TTL_MS = 30_000;
/** `connect()` gives up after this long; 10,000 sessions take a while to open on 2 cores. */
export const CONNECT_TIMEOUT_MS = 60_000;
/** Connections opening at once, over all drivers: bounded so the broker sees no SYN flood. */
export const CONNECT_CONCURRENCY = 200;

/** Scenario A: sessions looping acquire → release over this many random paths. */
export const CYCLE_SESSIONS = 100;
export const CYCLE_PATHS = 10_000;
/**
 * Driver processes for A, B and C below `TWO_DRIVERS_FROM`; `BATON_BENCH_DRIVERS=1`
 * for one. On 2 cores one driver saturates its core before the broker does (a
 * client does about as much work per call as the broker), so two share the load.
 */
export const SMALL_DRIVERS = process.env['BATON_BENCH_DRIVERS'] === '1' ? 1 : 2;

/** Scenario B: sessions contending for one path. */
export const CONTEND_SESSIONS = 150;
/** Scenario C: the same with many more sessions, each size run on its own broker. */
export const CONTEND_LARGE_SESSIONS = [1_000, 10_000] as const;
/** At this many sessions and above, load comes from two driver processes. */
export const TWO_DRIVERS_FROM = 5_000;
/** Forming a queue (connect + enqueue everyone) must finish within this. */
export const QUEUE_FORM_TIMEOUT_MS = 90_000;

/** Scenario D: handoffs between two sessions. */
export const HANDOFF_REPS = 200;
/** Random pause before each release, so the pair does not phase-lock with timers or GC. */
export const HANDOFF_PAUSE_MIN_MS = 2;
export const HANDOFF_PAUSE_MAX_MS = 20;

/** Scenario E: idle sessions held open while the broker's RSS is read. */
export const IDLE_SESSIONS = 10_000;
/** Pause after the last connect before reading RSS, so connect-time garbage can go. */
export const IDLE_SETTLE_MS = 1_000;

/** An IPC round trip that takes longer than this fails the scenario. */
export const IPC_TIMEOUT_MS = 30_000;
/** How long a child gets to exit on request before it is killed. */
export const EXIT_GRACE_MS = 2_000;

/** Lock path of the contention scenarios. */
export const HOT_PATH = 'bench/hot';

/**
 * Scenario F: kill -9 of the active Redis-backed broker, this many times per
 * consistency level, under B's load (CONTEND_SESSIONS on HOT_PATH).
 */
export const FAILOVER_KILLS = 5;
/** Then a planned handover (SIGTERM of the active broker), this many times. */
export const FAILOVER_HANDOVERS = 10;
/** Leader lease of F's brokers (`--leader-lease-ms`): a takeover waits for it to lapse. */
export const FAILOVER_LEADER_LEASE_MS = 1_000;
/** Steady load between a restart and the next kill, so the new leader and the standby settle. */
export const FAILOVER_SETTLE_MS = 1_000;
/** A takeover, or the load's return after a restart, must come within this. */
export const FAILOVER_TIMEOUT_MS = 20_000;

/**
 * C sizes up to this also run against the Redis-backed broker; larger ones
 * (10,000) only embedded, which keeps `npm run bench` within about five minutes.
 */
export const REDIS_CONTEND_MAX_SESSIONS = 1_000;

/**
 * A file of the source tree by its path from the repository root: the bench
 * runs from `.bench-out/bench/<folder>/`, three levels below it.
 */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(`../../../${path}`, import.meta.url));
}
