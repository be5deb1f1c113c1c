/**
 * What the admin side (HTTP API, metrics, event stream, console, `baton
 * status`) reads from a broker, and the JSON shapes it serves. The broker
 * implements {@link AdminSource}; everything here is plain data, so the same
 * shapes travel as JSON to the console and the CLI.
 */

import type { BrokerListener } from '../broker-events.js';
import type { Timer } from '../../shared/clock.js';
import type { EndReason } from '../core/journal.js';
import type { NotReadyReason, Readiness } from '../readiness.js';
import type {
  HolderView,
  LockKind,
  LockSummary,
  LocksQuery,
  Page,
  SessionLocks,
  SessionView,
  WaiterView,
} from '../core/table-views.js';
import type { HistoryEvent } from './history.js';

/**
 * Why a holder let go (`released`, `cancelled`, `expired`, `disconnected`:
 * its client ended the session, `forced`: by an operator, `failover`: a
 * broker that could no longer prove it leads took strict locks back), or a
 * waiter left ungranted (`timeout` and the same).
 */
export type {
  EndReason,
  HistoryEvent,
  HolderView,
  LockKind,
  LockSummary,
  LocksQuery,
  NotReadyReason,
  Page,
  Readiness,
  WaiterView,
};

export interface LockDetail {
  path: string;
  /** mutex, semaphore or rw (read/write modes in use). */
  kind: LockKind;
  /** Holders at once: 1 but for a semaphore. */
  limit: number;
  /** The first holder, or null. */
  holder: HolderView | null;
  /** Every holder, in grant order. */
  holders: HolderView[];
  /** One page of the queue, in order. */
  queue: Page<WaiterView>;
  /** Newest last. */
  history: HistoryEvent[];
}

export interface SessionSummary extends SessionView {
  /** Client address of the live connection; null while it is disconnected. */
  address: string | null;
}

export interface SessionDetail extends SessionSummary, SessionLocks {}

export interface MirrorView {
  /** connected: appends are landing; backlog: Redis is unreachable or slow and entries wait. */
  state: 'connected' | 'backlog';
  backlogEntries: number;
  lagP50Ms: number;
  lagP99Ms: number;
  /** The dataset generation in Redis this broker's table belongs to. */
  generation: string;
  /** Times this broker found Redis had lost data (a generation, epoch, log or snapshot, or a lease key gone early), and the last finding. */
  dataLosses: number;
  lastDataLoss: { what: string; detail: string; atWallMs: number } | null;
}

export interface Overview {
  role: 'embedded' | 'standby' | 'promoting' | 'active';
  /** Whether this broker is a working member (what `/readyz` answers), and if not, why. */
  readiness: Readiness;
  /** Leader epoch with Redis; 0 when embedded. */
  epoch: number;
  /** This broker's advertised URL. */
  url: string;
  /** The active broker's URL as last seen, where a standby sends clients (this broker's own when active); null when embedded or none is known. */
  leaderUrl: string | null;
  /** The broker's package version. */
  version: string;
  uptimeMs: number;
  sessions: number;
  connections: number;
  locksHeld: number;
  waiters: number;
  /** Cumulative, since start; rates are the reader's job. */
  grants: number;
  /** Grants over about the last second. */
  grantsPerSec: number;
  /**
   * How much longer strict grants wait (ms; 0 normally): a broker that took
   * over without a continuous log first waits out the longest session TTL.
   */
  strictGraceMs: number;
  /** The caps past which hellos (`maxSessions`) and sockets (`maxConnections`) are refused. */
  limits: { maxSessions: number; maxConnections: number };
  mirror: MirrorView | null;
}

/**
 * `GET /readyz`: 200 when `ready`, else 503. A broker waiting out the strict
 * grace is ready (it is the one that grants, efficient locks at once) and
 * says how long strict grants still wait.
 */
export interface ReadyReply {
  ready: boolean;
  role: Overview['role'];
  /** Why not, when not ready; `detail` says it in words. */
  reason?: NotReadyReason;
  detail?: string;
  strictGraceMs: number;
}

/** `GET /api/history`: newest last. */
export interface HistoryReply {
  events: HistoryEvent[];
}

/** `POST /api/lock/release`: whose hold was taken, and its token. */
export interface ReleaseReply {
  released: { sessionId: string; token: number };
}

/** `POST /api/session/end`. */
export interface EndSessionReply {
  ended: true;
}

/** A lock's queue as an update found it; a forgotten lock (nobody holds or waits) has an empty one. */
export interface QueueFigures {
  path: string;
  waiting: number;
  /** How long the queue's head has waited so far, ms; 0 without waiters. */
  longestWaitMs: number;
}

/**
 * The data of one `update` event of `/api/events`: the overview now, the
 * history events since the last update (oldest first, newest kept when
 * trimmed), the paths they touched (newest first) followed by those a waiter
 * joined, and the queue of each changed path, in the same order.
 */
export interface StreamUpdate {
  overview: Overview;
  history: HistoryEvent[];
  changed: string[];
  queues: QueueFigures[];
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
  /** Frames whose handling failed unexpectedly (a bug); each closed its connection. */
  internalErrors: number;
}

/** A principal as the admin side sees it: its name and the prefixes it may administer. */
export interface AdminPrincipal {
  readonly name: string;
  readonly admin: readonly string[];
}

/** The broker as the admin side sees it. Reads are O(locks) or O(sessions) at most. */
export interface AdminSource {
  /** Monotonic ms, and one-shot timers: the broker's, so tests can drive them. */
  now(): number;
  readonly timer: Timer;
  overview(): Overview;
  /** What `/readyz` answers: O(1), and nothing a caller without a credential may not know. */
  readiness(): ReadyReply;
  counters(): AdminCounters;
  locks(q: LocksQuery): Page<LockSummary>;
  /** null: no such lock (never held nor waited for, or idle and forgotten). */
  lock(path: string, q: { offset?: number; limit?: number }): LockDetail | null;
  /** Whether `token` is one of `path`'s holders' now: the sequencer check. */
  isCurrent(path: string, token: number): boolean;
  /** `within`: only sessions whose every hold and wait lies under one of these prefixes (and that have one). */
  sessions(q: {
    prefix?: string;
    within?: readonly string[];
    offset?: number;
    limit?: number;
  }): Page<SessionSummary>;
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
  /** The broker's events as they happen (listeners must stay cheap). Returns the unsubscribe. */
  subscribe(listener: BrokerListener): () => void;
  /**
   * The principal whose token this is, from the broker's auth file; null
   * when the token names none, or the broker has no auth file.
   */
  principalByToken(token: string): AdminPrincipal | null;
  /** Whether the broker has an auth file: its principals are credentials for the admin API too. */
  readonly hasPrincipals: boolean;
  /**
   * Calls `listener` with the history events since the last call, for the
   * live stream; the admin side batches them. Returns the unsubscribe.
   */
  onHistory(listener: (events: HistoryEvent[]) => void): () => void;
}
