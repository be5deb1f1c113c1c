import type { Timer } from '../clock.js';
import type { Logger } from '../log.js';
import type { Readiness } from '../readiness.js';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';
import type { TokenBlock } from '../tokens/token-store.js';
import type { DataLossKind } from './scripts.js';

/** `embedded` runs alone; with Redis a broker is `standby`, `promoting` or `active`. */
export type MirrorRole = 'embedded' | 'standby' | 'promoting' | 'active';

/** What Redis was found to have lost; `leader` is a lease key gone before its time. */
export type DataLoss = DataLossKind | 'leader';

/** What a mirror tells its broker, in the order it happens. */
export type MirrorEvent =
  /**
   * This broker leads from now on, at `epoch`. The broker reserves a token
   * block and promotes its table; the mirror reports `active` once that is
   * done. With `strictGraceMs` > 0 the broker took over without a
   * continuous log and must grant nothing strict for that long.
   */
  | { type: 'promote'; epoch: number; strictGraceMs: number }
  /** This broker still leads, now at `epoch` of a new generation seeded from its table. */
  | { type: 'reseeded'; epoch: number }
  /** This broker no longer leads: it stops serving and sends clients to `leaderUrl`. */
  | { type: 'demote'; leaderUrl: string | null }
  /** The active broker's URL as last seen, for redirects. */
  | { type: 'leader'; url: string | null }
  /**
   * Whether the leader lease is surely this broker's. Lapsed while active:
   * strict holders can no longer be sure; confirmed again: held-back grants may go.
   */
  | { type: 'lease'; valid: boolean };

/** What a mirror asks of the broker around it. */
export interface MirrorHost {
  /** Monotonic ms. */
  now(): number;
  /** Wall-clock ms, for the token floor. */
  wallMs(): number;
  /** Empties the table and loads `snapshot` into it (null: start empty). */
  restore(snapshot: TableSnapshot | null): void;
  /** Applies the active broker's entries to the standby table. */
  replay(entries: JournalEntry[]): void;
  /** The table as of every entry handed to `append` so far. */
  snapshot(): TableSnapshot;
  /** The largest token the table has seen granted. */
  lastToken(): number;
  /** Role changes and findings; the mirror waits for `promote` to finish. */
  event(e: MirrorEvent): void | Promise<void>;
  /** The mirror's own logger. */
  log: Logger;
  /** The broker's timers: every wait of the mirror goes through them. */
  timer: Timer;
}

/** What operators see of a mirror. */
export interface MirrorStatus {
  /** Entries not yet durable. */
  backlogEntries: number;
  /** Recent entry-made → durable lag, ms. */
  lag: { p50: number; p99: number; max: number; batches: number };
  /** The dataset generation (empty when embedded). */
  generation: string;
  /** Times Redis was found to have lost data, and the last finding. */
  dataLosses: number;
  lastDataLoss: { what: DataLoss; detail: string; atWallMs: number } | null;
}

/**
 * Where a broker's state goes beside its memory, and who leads: the port the
 * broker talks to. The embedded mode keeps only a token mark in a file; the
 * Redis mode mirrors the table to a log and elects one active broker.
 */
export interface Mirror {
  readonly role: MirrorRole;
  /** The leader epoch (0 when embedded). */
  readonly epoch: number;
  /** Starts following or leading; the host hears of the role through events. */
  start(host: MirrorHost): Promise<void>;
  /** Journal entries the active table made, in order. */
  append(entries: readonly JournalEntry[]): void;
  /** Runs `fn` once everything appended so far is durable: at once when nothing waits. */
  whenDurable(fn: () => void): void;
  /** May an efficient grant go out now? */
  mayGrant(now: number): boolean;
  /** Durably reserves fencing tokens above `issuedUpTo`. */
  reserve(issuedUpTo: number, count: number): Promise<TokenBlock>;
  status(): MirrorStatus;
  /** Whether this broker is a working member at `now` as far as Redis and the log go. */
  readiness(now: number): Readiness;
  /**
   * A planned handover: everything appended is made durable and the lead is
   * given up so a standby takes over at once. Resolves to the new leader's
   * URL once one leads, or null if none did within a leader lease.
   */
  handOver(): Promise<string | null>;
  close(): Promise<void>;
}
