import type { FlightOutcome } from './effects.js';
import type { LockMode } from './lock-state.js';

/** The commands a {@link LockTable} takes, and the shapes of its views. */

export interface OpenCommand {
  sessionId: string;
  /** Returned in the welcome once; the table keeps only its hash. */
  secret: string;
  ttlMs?: number;
  name?: string;
  /** Who opened it: the principal, or the client's address without auth. Default ''. */
  owner?: string;
}
export interface AcquireCommand {
  requestId: number;
  path: string;
  /** false: tryAcquire, grant now or answer busy. */
  wait: boolean;
  timeoutMs?: number;
  /** Strict grants are pushed by the shell only once durable. Default false. */
  strict?: boolean;
  /** No `queued` effect when it waits: the client does not read it. */
  quiet?: boolean;
  /** Holders at once (a semaphore); every acquire of a busy path must agree. Default 1. */
  limit?: number;
  /** `read` shares the lock with other readers (limit 1 only). Default `write`. */
  mode?: LockMode;
  /** Told to observers while this request holds the lock (a leader's address). */
  value?: string;
  /** While it waits, its place is told again each time this many ahead of it were granted or left. */
  positions?: number;
  /** Single-flight: a release that carries a run's outcome answers this waiter with it. */
  flight?: boolean;
}
export interface ReleaseCommand {
  requestId: number;
  path: string;
  token: number;
  /** No `ok` effect on success: the client does not wait for it. */
  quiet?: boolean;
  /** A single-flight run's outcome: every single-flight waiter of the path is answered with it. */
  outcome?: FlightOutcome;
}

export interface HeldBy {
  sessionId: string;
  requestId: number;
  token: number;
}
export interface WaitingBy {
  sessionId: string;
  requestId: number;
}
