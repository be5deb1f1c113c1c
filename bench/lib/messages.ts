/**
 * IPC messages between the bench runner and its children. Children are forked
 * with `serialization: 'advanced'` (structured clone), so typed arrays travel
 * as they are.
 */

// ---- runner → broker process ----------------------------------------------

export type BrokerCommand =
  { t: 'sample' } | { t: 'queue'; path: string } | { t: 'gc' } | { t: 'exit' };

// ---- broker process → runner ----------------------------------------------

export interface BrokerSample {
  t: 'sample';
  rssBytes: number;
  heapUsedBytes: number;
  /** process.cpuUsage(), user + system, in microseconds since start. */
  cpuUs: number;
  /** Redis modes: entry made → durable over the mirror's recent batches, ms; null when embedded. */
  mirrorLag: { p50: number; p99: number; batches: number } | null;
}

export type BrokerReply =
  /** `adminPort`: the admin HTTP server's, when the broker was asked for one (BATON_BENCH_ADMIN=1). */
  | { t: 'ready'; port: number; adminPort?: number }
  | BrokerSample
  | { t: 'queue'; holder: boolean; waiting: number }
  | { t: 'gc-done' }
  | { t: 'error'; message: string };

// ---- runner → driver ------------------------------------------------------

/** What the driver's sessions do once connected. */
export type Workload =
  /** Scenario A: loop acquire → await release over `paths` random paths. */
  | { kind: 'cycles'; paths: number }
  /** Scenarios B and C: everyone queues on `path`; the loop starts on `go`. */
  | { kind: 'contend'; path: string }
  /** Scenario D: two sessions hand `path` back and forth `reps` times. */
  | { kind: 'handoff'; path: string; reps: number; pauseMinMs: number; pauseMaxMs: number }
  /** Scenario E: sessions stay open and do nothing. */
  | { kind: 'idle' }
  /** Scenario F: B's load, with every grant logged on the shared clock for takeover queries. */
  | { kind: 'failover'; path: string };

export type DriverCommand =
  | {
      t: 'connect';
      /** Several URLs in scenario F: the active broker and its standby. */
      url: string | string[];
      /** Global index of this driver's first session, so indices are unique across drivers. */
      first: number;
      count: number;
      concurrency: number;
      ttlMs: number;
      timeoutMs: number;
    }
  | { t: 'start'; workload: Workload }
  | { t: 'go' }
  | { t: 'measure' }
  | { t: 'report' }
  /**
   * Scenario F: the first grant seen at or after `afterMs` (shared clock, see
   * grant-log.ts) with a token of at least `minToken`; null if none came
   * within `timeoutMs`.
   */
  | { t: 'first-grant'; afterMs: number; minToken: number; timeoutMs: number }
  /** Scenario F: how many grants this driver saw since `sinceMs` (shared clock). */
  | { t: 'grants-since'; sinceMs: number }
  /** Peers (B, C): how many of this driver's sessions wait in or hold a queue. */
  | { t: 'queued' }
  | { t: 'exit' };

// ---- driver → runner ------------------------------------------------------

export interface LagSummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface DriverReport {
  t: 'report';
  /** The driver's own measured window. */
  windowMs: number;
  /** Completed acquire → release cycles (A). */
  cycles: number;
  /** A: acquire latency; B/C: wait from acquire call to grant; D: release → grant. ms. */
  latenciesMs: Float64Array;
  /** D: round trip of a tryAcquire that finds the lock busy, for comparison. ms. */
  probeRttMs: Float64Array;
  /** B/C: token and global session index of each grant in the window, in grant order. */
  grantTokens: Float64Array;
  grantSessions: Uint32Array;
  /** B/C: grants per session in the window, indexed from this driver's `first`. */
  grantsPerSession: Uint32Array;
  errors: number;
  firstError: string | null;
  lag: LagSummary;
  /** Driver CPU (user + system) in the window, ms. */
  cpuMs: number;
}

export type DriverReply =
  | { t: 'ready' }
  | { t: 'connected'; ok: number; failed: number; firstError: string | null }
  | { t: 'started' }
  | { t: 'measuring' }
  | DriverReport
  | { t: 'first-grant'; atMs: number | null; token: number | null }
  | { t: 'grants-since'; count: number }
  | { t: 'queued'; count: number }
  | { t: 'error'; message: string };
