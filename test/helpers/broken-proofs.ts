/**
 * Proofs that the fault suite catches what it claims to: each deliberately
 * broken broker of `test/fixtures/broken-broker.mjs` runs the scenario that
 * should catch it (the same body the fault tests run, see `fault-bodies.ts`),
 * and the finding that rule stands for must not be empty. A variant that
 * passes its scenario is a gap in the suite.
 */
import { join } from 'node:path';
import type { Consistency } from '../../shared/protocol.js';
import {
  controlRounds,
  killRounds,
  redisKillRounds,
  silentHolderRounds,
  type ScenarioBody,
} from './fault-bodies.js';
import { dataLossRounds } from './data-loss.js';
import { collectScenario, type Findings, type ScenarioOptions } from './fault-scenario.js';
import { electionKillRounds } from './election-scene.js';
import { flightKillRounds } from './flight-scene.js';
import { KIND_PATHS, kindKillRounds } from './kind-scene.js';
import { dataLossOptions, lostWithActive } from './loss-kinds.js';

/** The broken broker fixture: `node broken-broker.mjs <variant> server [flags]`. */
export const BROKEN = join(import.meta.dirname, '../fixtures/broken-broker.mjs');

export type BrokenVariant =
  | 'forget-holds'
  | 'early-strict'
  | 'low-tokens'
  | 'eager-standby'
  | 'no-grace'
  | 'immortal-sessions'
  | 'extra-permit'
  | 'reader-beside-writer'
  | 'readers-overtake'
  | 'forget-flights'
  | 'deaf-observers'
  | 'early-leader';

/** A scenario to run: its body, and its options besides name, level and command. */
export interface ProofScenario {
  options?: Partial<ScenarioOptions>;
  body: ScenarioBody;
}

/** One proof: a broken variant, the scenario that must catch it, and the findings that show it. */
export interface BrokenProof {
  variant: BrokenVariant;
  /** The rule of DESIGN.md's "What must never happen" it breaks. */
  breaks: string;
  scenario: string;
  level: Consistency;
  /** Made fresh for each run (a data-loss scenario has a rig of its own). */
  setup(): ProofScenario;
  /** The findings that show this rule broke, by name; at least one must be non-empty. */
  catches: string[];
}

/** Every finding of a report by name, with how many there were. */
export function findingCounts(f: Findings): Record<string, number> {
  const checks = (pattern: RegExp): number => f.checks.filter((c) => pattern.test(c)).length;
  return {
    overlaps: f.overlaps.length,
    skippedWaiters: f.skippedWaiters.length,
    tokenRegressions: f.tokenRegressions.length,
    duplicateTokens: f.duplicateTokens.length,
    writeRegressions: f.writeRegressions.length,
    unexcusedRejectedWrites: f.unexcusedRejectedWrites,
    vacuousRounds: f.vacuousRounds.length,
    lateFrees: f.lateFrees.length,
    logTwoHolders: f.logTwoHolders.length,
    missingFromLog: f.missingFromLog.length,
    logGaps: f.log.gaps,
    'check: strict grants while Redis was down': checks(/strict grants while Redis was down/),
    'check: the epoch moved': checks(/the epoch moved/),
    'check: the leader changed': checks(/the leader changed/),
    'check: the leader was deposed': checks(/the leader was deposed/),
    'check: strict grants during the grace': checks(/strict grants during the grace/),
    'check: fn ran again': checks(/fn of \S+ ran \d+ times/),
    'check: observers not told': checks(/observers not told of leader|observer \S+ was told/),
    'check: observers told early': checks(/told of a leader before its grant was durable/),
    checks: f.checks.length,
  };
}

/** A rule of semaphores or read/write locks broken after a takeover: the lock-kinds kill catches it. */
function kindProof(
  variant: BrokenVariant,
  breaks: string,
  catches = ['overlaps', 'logTwoHolders'],
): BrokenProof {
  return {
    variant,
    breaks,
    scenario: 'broker kill -9 with lock kinds',
    level: 'strict',
    setup: () => ({ options: { paths: KIND_PATHS }, body: kindKillRounds(1) }),
    catches,
  };
}

/**
 * The proofs, with round counts small enough for 10–30 s each and large
 * enough that the broken rule is met every time.
 */
export const BROKEN_PROOFS: BrokenProof[] = [
  {
    variant: 'forget-holds',
    breaks: 'two sessions holding one strict lock at once',
    scenario: 'broker kill -9',
    level: 'strict',
    setup: () => ({ body: killRounds(1) }),
    catches: ['overlaps', 'logTwoHolders'],
  },
  {
    variant: 'early-strict',
    breaks: 'a strict grant pushed before it is durable',
    scenario: 'redis kill -9',
    level: 'strict',
    setup: () => ({ body: redisKillRounds(1) }),
    catches: ['check: strict grants while Redis was down', 'missingFromLog'],
  },
  {
    variant: 'low-tokens',
    breaks: 'a token not larger than every token granted before it',
    scenario: 'broker kill -9',
    level: 'strict',
    setup: () => ({ body: killRounds(1) }),
    catches: ['tokenRegressions', 'duplicateTokens'],
  },
  {
    variant: 'eager-standby',
    breaks: 'two brokers active at once (a takeover inside a valid lease)',
    scenario: 'no fault',
    level: 'strict',
    setup: () => ({ body: controlRounds(1) }),
    catches: ['check: the epoch moved', 'check: the leader changed'],
  },
  {
    variant: 'no-grace',
    breaks: 'a strict lock granted to a second session because Redis lost data',
    scenario: 'redis data loss: FLUSHALL with the active broker kill -9',
    level: 'strict',
    setup: () => {
      const { options, rig } = dataLossOptions('', 'strict');
      return { options, body: dataLossRounds(rig, [lostWithActive], 1) };
    },
    catches: ['check: strict grants during the grace', 'overlaps'],
  },
  {
    variant: 'immortal-sessions',
    breaks: 'a lock held more than TTL + 1 s after its session went silent',
    scenario: 'silent holder',
    level: 'strict',
    setup: () => ({ body: silentHolderRounds(1) }),
    catches: ['lateFrees'],
  },
  kindProof(
    'extra-permit',
    'a semaphore with more holders than its limit (one permit too many after a takeover)',
  ),
  kindProof(
    'reader-beside-writer',
    'a reader holding a read/write lock beside its writer (after a takeover)',
  ),
  kindProof(
    'readers-overtake',
    'a waiter skipped over in its queue (readers granted past a waiting writer after a takeover)',
    ['skippedWaiters'],
  ),
  {
    variant: 'forget-flights',
    breaks: 'single-flight waiters granted the lock (fn run again) after a takeover',
    scenario: 'broker kill -9 with single-flight',
    level: 'strict',
    setup: () => ({ body: flightKillRounds(1, { runnerDies: false }) }),
    catches: ['check: fn ran again'],
  },
  {
    variant: 'deaf-observers',
    breaks: 'observers told of a leader that resigned (no watch kept after a takeover)',
    scenario: 'broker kill -9 with an election',
    level: 'strict',
    setup: () => ({ body: electionKillRounds(1) }),
    catches: ['check: observers not told'],
  },
  {
    variant: 'early-leader',
    breaks: 'observers told of a strict leader before its grant is durable',
    scenario: 'broker kill -9 with an election',
    level: 'strict',
    setup: () => ({ body: electionKillRounds(1) }),
    catches: ['check: observers told early'],
  },
];

export interface ProofResult {
  /** The expected findings that were not empty. */
  caught: Record<string, number>;
  /** Every other finding that was not empty. */
  alsoTripped: Record<string, number>;
  brokerOutput: string;
}

/** Runs one proof's scenario on its broken variant; prints one JSON line of what tripped. */
export async function runProof(proof: BrokenProof): Promise<ProofResult> {
  const began = performance.now();
  const { options = {}, body } = proof.setup();
  const report = await collectScenario(
    {
      ...options,
      name: `${proof.scenario} (broken: ${proof.variant})`,
      level: proof.level,
      cluster: { ...options.cluster, command: [BROKEN, proof.variant] },
    },
    body,
  );
  const caught: Record<string, number> = {};
  const alsoTripped: Record<string, number> = {};
  for (const [name, count] of Object.entries(findingCounts(report.findings))) {
    if (count === 0) continue;
    if (proof.catches.includes(name)) caught[name] = count;
    else alsoTripped[name] = count;
  }
  const durationMs = Math.round(performance.now() - began);
  const line = { proof: proof.variant, scenario: proof.scenario, level: proof.level, durationMs };
  console.log(JSON.stringify({ ...line, caught, alsoTripped, checks: report.findings.checks }));
  return { caught, alsoTripped, brokerOutput: report.brokerOutput };
}
