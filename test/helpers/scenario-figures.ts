import { percentiles as nearestRank } from '../support/percentiles.js';
import type { Findings, ScenarioOptions } from './fault-scenario.js';
import type { History } from './history.js';

/** p50, p99 and max of `values`, rounded to ms. */
export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const { p50, p99, max } = nearestRank(values);
  return { p50: Math.round(p50), p99: Math.round(p99), max: Math.round(max) };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The scenario's figures as one flat object (the JSON line). */
export function summary(
  options: ScenarioOptions,
  seed: number,
  history: History,
  f: Findings,
  figures: Record<string, unknown>,
  began: number,
  errors: Map<string, number>,
): Record<string, unknown> {
  const silentMs = history.silent.map((s) =>
    s.grantedAt === null ? Infinity : s.grantedAt - s.killedAt,
  );
  return {
    scenario: options.name,
    level: options.level,
    seed,
    durationMs: Math.round(performance.now() - began),
    rounds: f.rounds.length,
    grants: history.count('grant'),
    // Acquire sent → grant received: long waits are queues behind long holds and failovers.
    waitMs: percentiles(
      history.events.flatMap((e) => (e.kind === 'grant' ? [e.at - e.requestedAt] : [])),
    ),
    spanningHolds: sum(f.rounds.map((r) => r.spanningHolds)),
    queuedWaiters: sum(f.rounds.map((r) => r.queuedWaiters)),
    vacuousRounds: f.vacuousRounds.length,
    overlaps: f.overlaps.length,
    excusedOverlaps: f.excusedOverlaps.length,
    maxOverlapMs: Math.round(f.maxOverlapMs),
    skippedWaiters: f.skippedWaiters.length,
    tokenProblems: f.tokenRegressions.length + f.duplicateTokens.length + f.writeRegressions.length,
    rejectedWrites: f.rejectedWrites,
    ...(silentMs.length > 0
      ? { silentFreedMs: percentiles(silentMs), lateFrees: f.lateFrees.length }
      : {}),
    ...figures,
    log: {
      ...f.log,
      twoHolders: f.logTwoHolders.length,
      missing: f.missingFromLog.length,
      excusedMissing: f.excusedMissingFromLog,
    },
    checksFailed: f.checks.length,
    errors: Object.fromEntries(errors),
  };
}
