/**
 * The rules of DESIGN.md's "What must never happen", as pure functions of a
 * recorded {@link History} (and of the broker's log, as `log-recorder.ts`
 * replayed it). No excuses but the ones written here: an efficient overlap
 * inside a fault's failover window, a rejected write where the scenario
 * pauses clients on purpose.
 */
import type { Consistency } from '../../shared/protocol.js';
import type { FaultRecord, HistoryEvent, SilentHolderRecord } from './history.js';
import {
  grantsOf,
  holdKindOf,
  holdsOf,
  overlapsOf,
  skippedWaitersOf,
  type Hold,
  type HoldKind,
  type HistoryLike,
  type Overlap,
  type SkippedWaiter,
} from './hold-rules.js';

export type { Hold, HistoryLike, Overlap };

export interface RoundFigures {
  fault: string;
  start: number;
  end: number;
  grants: number;
  /** Holds granted before the fault and still held (not lost) when the cluster had recovered. */
  spanningHolds: number;
  /** Acquires sent before the fault and granted after it. */
  queuedWaiters: number;
  /** Spanning holds of each kind the fault {@link FaultRecord.spans | asked for}. */
  spanningKinds?: Partial<Record<HoldKind, number>>;
  /** Why the round proves nothing, or null. */
  vacuous: string | null;
}

export interface CheckOptions {
  level: Consistency;
  /**
   * How long after a fault's end efficient overlaps are excused: the
   * documented failover window, leader lease + session TTL + 1 s.
   */
  windowMs: number;
  /**
   * How long before a fault's start the window opens: an efficient grant
   * made in the last moments before a crash may not have reached Redis.
   * Default {@link WINDOW_BEFORE_MS}.
   */
  windowBeforeMs?: number;
  /** The scenario pauses clients on purpose: rejected writes are fencing at work. */
  clientPauses: boolean;
  /** Holds still open end here. */
  endAt: number;
}

export interface HistoryFindings {
  /**
   * Holds of one path at once beyond what its kind admits (a second holder
   * of a mutex, anyone beside a writer, a semaphore past its limit) that
   * nothing excuses. Strict: every one.
   */
  overlaps: Overlap[];
  /** Efficient overlaps inside a fault's window. */
  excusedOverlaps: Overlap[];
  /** The longest overlap, excused or not (ms). */
  maxOverlapMs: number;
  /** Grants whose token is not above every token received before their acquire was sent. */
  tokenRegressions: { path: string; token: number; requestedAt: number; above: number }[];
  /** Tokens granted more than once. */
  duplicateTokens: number[];
  /** Accepted writes of one path whose token is below an earlier accepted one. */
  writeRegressions: { path: string; before: number; after: number; at: number }[];
  rejectedWrites: number;
  /** Rejected writes nothing excuses (strict without client pauses: all; efficient: outside windows). */
  unexcusedRejectedWrites: number;
  rounds: RoundFigures[];
  vacuousRounds: RoundFigures[];
  /** Silent holders whose lock reached the waiter later than the bound, or never. */
  lateFrees: SilentHolderRecord[];
  /** Grants made past a waiter queued before their acquire was sent. */
  skippedWaiters: SkippedWaiter[];
}

/** The mirror lag is a few ms (p99 ~10 ms on loopback); this is ample. */
export const WINDOW_BEFORE_MS = 100;

/** A grant durable before a data loss reaches its client within a loop turn or two of it. */
const LOST_SLACK_MS = 50;

/** Where efficient overlaps and unlogged grants are excused. */
type Window = Pick<CheckOptions, 'windowMs' | 'windowBeforeMs'>;

/** Is [from, to] inside some fault's window, [start − before, end + windowMs]? */
export function inWindow(faults: FaultRecord[], w: Window, from: number, to = from): boolean {
  const before = w.windowBeforeMs ?? WINDOW_BEFORE_MS;
  return faults.some((f) => f.excuses && from >= f.start - before && to <= f.end + w.windowMs);
}

/**
 * Each grant's token must be above every token whose grant was received
 * before this grant's acquire was sent, whatever the path; no token twice.
 */
export function tokenFindings(
  history: HistoryLike,
): Pick<HistoryFindings, 'tokenRegressions' | 'duplicateTokens'> {
  const grants = grantsOf(history).sort((x, y) => x.at - y.at);
  const prefixMax: number[] = [];
  for (const [i, g] of grants.entries()) prefixMax[i] = Math.max(prefixMax[i - 1] ?? 0, g.token);
  const tokenRegressions: HistoryFindings['tokenRegressions'] = [];
  for (const g of grants) {
    // The last grant received strictly before this acquire was sent.
    let lo = 0;
    let hi = grants.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (grants[mid]!.at < g.requestedAt) lo = mid + 1;
      else hi = mid;
    }
    const above = lo > 0 ? prefixMax[lo - 1]! : 0;
    if (g.token <= above) {
      tokenRegressions.push({ path: g.path, token: g.token, requestedAt: g.requestedAt, above });
    }
  }
  const seen = new Set<number>();
  const duplicateTokens: number[] = [];
  for (const g of grants) {
    if (seen.has(g.token)) duplicateTokens.push(g.token);
    seen.add(g.token);
  }
  return { tokenRegressions, duplicateTokens };
}

/** Per path, accepted writes never go backwards in the order the resource took them. */
export function writeRegressionsOf(history: HistoryLike): HistoryFindings['writeRegressions'] {
  const top = new Map<string, number>();
  const found: HistoryFindings['writeRegressions'] = [];
  for (const e of history.events) {
    if (e.kind !== 'write' || !e.accepted) continue;
    const before = top.get(e.path) ?? 0;
    if (e.token < before) found.push({ path: e.path, before, after: e.token, at: e.at });
    else top.set(e.path, e.token);
  }
  return found;
}

/**
 * Per fault: the grants of its round (since the previous fault ended), the
 * holds that spanned it and the waiters queued across it; a round without
 * what its fault `needs`, or with fewer than `minGrants` grants, is vacuous:
 * it could not have shown the failure it is there to rule out.
 */
export function roundsOf(history: HistoryLike, holds: Hold[]): RoundFigures[] {
  const faults = [...history.faults].sort((x, y) => x.start - y.start);
  const grants = grantsOf(history);
  return faults.map((f, i) => {
    const since = i === 0 ? -Infinity : faults[i - 1]!.end;
    const roundGrants = grants.filter((g) => g.at > since && g.at <= f.end).length;
    const spanning = holds.filter(
      (h) => h.from < f.start && h.to > f.recovered && h.end !== 'lost',
    );
    const spanningHolds = spanning.length;
    const queuedWaiters = grants.filter(
      (g) => g.requestedAt < f.start && g.at > f.recovered,
    ).length;
    const missing: string[] = [];
    const needHold = f.needs === 'hold' || f.needs === 'both';
    const needWaiter = f.needs === 'waiter' || f.needs === 'both';
    if (needHold && spanningHolds === 0) missing.push('no hold spanned it');
    if (needWaiter && queuedWaiters === 0) missing.push('no waiter was queued across it');
    if (f.needs === 'either' && spanningHolds + queuedWaiters === 0) {
      missing.push('no hold spanned it and no waiter was queued across it');
    }
    const spanningKinds: Partial<Record<HoldKind, number>> = {};
    for (const kind of f.spans ?? []) {
      spanningKinds[kind] = spanning.filter((h) => holdKindOf(h) === kind).length;
      if (spanningKinds[kind] === 0) missing.push(`no ${kind} hold spanned it`);
    }
    if (roundGrants < f.minGrants) missing.push(`${roundGrants} grants < ${f.minGrants}`);
    const vacuous = missing.length > 0 ? missing.join('; ') : null;
    const figures = { fault: f.name, start: f.start, end: f.end, grants: roundGrants };
    return {
      ...figures,
      spanningHolds,
      queuedWaiters,
      ...(f.spans ? { spanningKinds } : {}),
      vacuous,
    };
  });
}

/** Judges a finished history. */
export function checkHistory(history: HistoryLike, options: CheckOptions): HistoryFindings {
  const { level, clientPauses, endAt } = options;
  const holds = holdsOf(history, endAt);
  const all = overlapsOf(holds);
  // Strict: exactly one holder at a time, full stop; a late `lost` is an overlap too.
  const excused = (o: Overlap): boolean =>
    level === 'efficient' && inWindow(history.faults, options, o.from, o.to);
  const writes = history.events.filter(
    (e): e is Extract<HistoryEvent, { kind: 'write' }> => e.kind === 'write',
  );
  const rejected = writes.filter((w) => !w.accepted);
  const unexcusedRejectedWrites = clientPauses
    ? 0
    : rejected.filter((w) => level === 'strict' || !inWindow(history.faults, options, w.at)).length;
  const rounds = roundsOf(history, holds);
  return {
    overlaps: all.filter((o) => !excused(o)),
    excusedOverlaps: all.filter(excused),
    maxOverlapMs: Math.max(0, ...all.map((o) => o.ms)),
    ...tokenFindings(history),
    writeRegressions: writeRegressionsOf(history),
    rejectedWrites: rejected.length,
    unexcusedRejectedWrites,
    rounds,
    vacuousRounds: rounds.filter((r) => r.vacuous !== null),
    lateFrees: history.silent.filter(
      (s) => s.grantedAt === null || s.grantedAt - s.killedAt > s.boundMs,
    ),
    skippedWaiters: skippedWaitersOf(history),
  };
}

/** What the replayed broker log says (see `log-recorder.ts`). */
export interface LogView {
  /** Every grant the log made, as `session|path|token`. */
  grants: ReadonlySet<string>;
  /**
   * Grants of a path beside holders its kind does not admit (any holder of
   * a mutex, a writer beside anyone, a semaphore's permits all held), in log
   * order; `holder` is one of those holders.
   */
  twoHolders: { path: string; holder: string; grantedTo: string; token: number }[];
}

export const grantKey = (session: string, path: string, token: number): string =>
  `${session}|${path}|${token}`;

export interface LogFindings {
  /** Grants clients received that the log never made, and nothing excuses. */
  missingFromLog: { session: string; path: string; token: number; at: number }[];
  /**
   * Grants missing from the log that nothing can check: efficient ones inside
   * a fault's window (made in a broker's last moments), and strict ones made
   * durable just before Redis lost that part of the log, unread.
   */
  excusedMissingFromLog: number;
  logTwoHolders: LogView['twoHolders'];
}

/**
 * The history against the log: every grant a client received is in the log
 * (strict: made durable before it was sent; efficient: unless the broker that
 * made it died or was cut off, inside a fault's window), and the log never has
 * two holders of a path.
 */
export function crossCheckLog(
  history: HistoryLike,
  log: LogView,
  options: Pick<CheckOptions, 'level' | 'windowMs' | 'windowBeforeMs'>,
): LogFindings {
  const missing = grantsOf(history)
    .filter((g) => !log.grants.has(grantKey(g.session, g.path, g.token)))
    .map((g) => ({ session: g.session, path: g.path, token: g.token, at: g.at }));
  const before = options.windowBeforeMs ?? WINDOW_BEFORE_MS;
  const lostUnread = (at: number): boolean =>
    history.faults.some(
      (f) =>
        f.logLostAt !== undefined && at >= f.start - before && at <= f.logLostAt + LOST_SLACK_MS,
    );
  const excused = (m: { at: number }): boolean =>
    options.level === 'efficient' ? inWindow(history.faults, options, m.at) : lostUnread(m.at);
  return {
    missingFromLog: missing.filter((m) => !excused(m)),
    excusedMissingFromLog: missing.filter(excused).length,
    logTwoHolders: log.twoHolders,
  };
}
