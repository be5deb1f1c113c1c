/**
 * What the admin side (HTTP API, metrics, event stream, console, `baton
 * status`) reads from a broker, and the JSON shapes it serves. The broker
 * implements {@link AdminSource}; everything here is plain data, so the same
 * shapes travel as JSON to the console and the CLI.
 */

/** Why a holder let go of a lock, or a waiter left a queue ungranted. */
export type EndReason =
  /** The holder released it. */
  | 'released'
  /** The waiter's timeoutMs ran out. */
  | 'timeout'
  /** The client withdrew the acquire (abort, timeout on its side), or handed back a grant that raced it. */
  | 'cancelled'
  /** The session's lease ran out (its client stopped heartbeating). */
  | 'expired'
  /** The client ended its session (`close()`). */
  | 'disconnected'
  /** An operator force-released the lock or ended the session. */
  | 'forced'
  /** A broker that could no longer prove it leads took strict locks back. */
  | 'failover';

/** One line of a lock's history. Times are wall-clock ms (Date.now()). */
export interface HistoryEvent {
  at: number;
  /** grant: a session got the lock; release: the holder let go; leave: a waiter left ungranted. */
  kind: 'grant' | 'release' | 'leave';
  path: string;
  sessionId: string;
  /** The fencing token of the hold (grant, release); absent for leave. */
  token?: number;
  /** release and leave only. */
  reason?: EndReason;
  /** grant: how long it waited in the queue (0: granted at once); release: how long it was held. */
  ms?: number;
}

export interface Page<T> {
  items: T[];
  /** Items matching the query, over all pages. */
  total: number;
  offset: number;
  limit: number;
}

export interface HolderView {
  sessionId: string;
  name: string;
  token: number;
  heldMs: number;
}

export interface LockSummary {
  path: string;
  holder: HolderView | null;
  waiting: number;
  /** Wait of the queue's head so far, ms; 0 without waiters. */
  longestWaitMs: number;
}

export interface WaiterView {
  /** 1 = next in line. */
  position: number;
  sessionId: string;
  name: string;
  requestId: number;
  waitedMs: number;
}

export interface LockDetail {
  path: string;
  holder: HolderView | null;
  /** One page of the queue, in order. */
  queue: Page<WaiterView>;
  /** Newest last. */
  history: HistoryEvent[];
}

export interface SessionSummary {
  id: string;
  name: string;
  /** Client address of the live connection; null while it is disconnected. */
  address: string | null;
  held: number;
  waiting: number;
  /** ms until the broker expires the session unless it hears from the client. */
  expiresInMs: number;
}

export interface SessionDetail extends SessionSummary {
  ttlMs: number;
  locks: { path: string; token: number; heldMs: number }[];
  waits: { path: string; requestId: number; position: number; waitedMs: number }[];
}

export interface MirrorView {
  /** connected: appends are landing; backlog: Redis is unreachable or slow and entries wait. */
  state: 'connected' | 'backlog';
  backlogEntries: number;
  lagP50Ms: number;
  lagP99Ms: number;
}

export interface Overview {
  role: 'embedded' | 'standby' | 'promoting' | 'active';
  /** Leader epoch with Redis; 0 when embedded. */
  epoch: number;
  url: string;
  uptimeMs: number;
  sessions: number;
  connections: number;
  locksHeld: number;
  waiters: number;
  /** Cumulative, since start; rates are the reader's job. */
  grants: number;
  /** Grants over about the last second. */
  grantsPerSec: number;
  mirror: MirrorView | null;
}

/** Cumulative counters the metrics are made of; read at scrape time. */
export interface AdminCounters {
  grants: number;
  /** Lock releases and queue leaves, by reason. */
  releases: Record<EndReason, number>;
  leaves: Record<EndReason, number>;
  framesIn: number;
  framesOut: number;
  /** Error frames sent, by code. */
  errors: Record<string, number>;
}

/** Observations for histograms, pushed as they happen (must stay cheap). */
export interface AdminObserver {
  /** A grant reached its session: how long its acquire waited, ms (0 when granted at once). */
  granted(waitedMs: number): void;
  /** A queued waiter's grant went out: ms from the command that freed the lock to the grant's send. */
  handedOff(latencyMs: number): void;
}

export interface LocksQuery {
  prefix?: string;
  /** queue: longest queue first; wait: longest-waiting head first; path: by path. Default queue. */
  sort?: 'queue' | 'wait' | 'path';
  offset?: number;
  limit?: number;
}

/** The broker as the admin side sees it. Reads are O(locks) or O(sessions) at most. */
export interface AdminSource {
  overview(): Overview;
  counters(): AdminCounters;
  locks(q: LocksQuery): Page<LockSummary>;
  /** null: no such lock (never held nor waited for, or idle and forgotten). */
  lock(path: string, q: { offset?: number; limit?: number }): LockDetail | null;
  sessions(q: { prefix?: string; offset?: number; limit?: number }): Page<SessionSummary>;
  session(id: string): SessionDetail | null;
  /** Newest last; `path` narrows to one lock. */
  history(q: { path?: string; limit?: number }): HistoryEvent[];
  /**
   * Takes the lock from its holder (whose `lease.signal` aborts with
   * `revoked`) and grants the next waiter, with a larger token. Null when
   * the lock has no holder, or this broker does not serve grants.
   */
  forceRelease(path: string): { sessionId: string; token: number } | null;
  /** Ends a session as if it expired now, but with reason `forced`. False when unknown. */
  endSession(id: string): boolean;
  /** Sets who gets histogram observations (one at a time; null to stop). */
  observe(observer: AdminObserver | null): void;
  /**
   * Calls `listener` with the history events since the last call, for the
   * live stream; the admin side batches them. Returns the unsubscribe.
   */
  onHistory(listener: (events: HistoryEvent[]) => void): () => void;
}
