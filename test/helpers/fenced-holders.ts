import { join } from 'node:path';
import { spawnNode, startBroker } from './harness.js';

const HOLDER = join(import.meta.dirname, '../fixtures/fenced-holder.mjs');

/** Where fixtures/fence-writers.mjs writes; a mismatch shows as a store left unwritten. */
export const FENCED_NAMES = { redisKey: 'fenced:doc', pgTable: 'fenced_docs', pgRowId: 1 } as const;

/** A store behind one of the kit's guards, as the holder processes reach it. */
export interface FencedStore {
  kind: 'redis' | 'postgres' | 'http';
  /** What the holders connect to: a Redis URL, a PostgreSQL URL, an HTTP URL. */
  target: string;
  /** 'broken': the holders (or the HTTP server) use a guard that compares nothing. */
  variant: 'real' | 'broken';
  /** The value the store holds now, read around any guard. */
  read(): Promise<string | null>;
}

/** What happened in one paused-holder round. */
export interface PausedHolderOutcome {
  staleToken: number;
  freshToken: number;
  earlyWrite: string;
  freshWrite: string;
  lateWrite: string;
  finalValue: string | null;
}

/** Short, so a round takes seconds; the pause lasts until the next holder has written. */
const SESSION_TTL_MS = 1_000;

/**
 * A holder process takes a lock and writes through the guard, is stopped
 * (SIGSTOP) until its session has expired and a second holder process has
 * taken the lock and written with its larger token, then resumed (SIGCONT):
 * its overdue timer writes again with the old token.
 */
export async function runPausedHolder(store: FencedStore): Promise<PausedHolderOutcome> {
  const broker = await startBroker();
  const path = `fenced/${store.kind}`;
  const args = (role: string): string[] => [
    HOLDER,
    role,
    broker.url,
    path,
    String(SESSION_TTL_MS),
    store.kind,
    store.target,
    store.variant,
  ];
  const stale = spawnNode(args('stale'));
  const [, staleToken, earlyWrite] = await stale.waitForLine(/^holding (\d+) (\w+)$/, 15_000);
  process.kill(stale.pid, 'SIGSTOP');
  // Queued behind the stopped holder; granted once the broker expires its session.
  const fresh = spawnNode(args('fresh'));
  const [, freshWrite, freshToken] = await fresh.waitForLine(/^wrote (\w+) (\d+)$/, 20_000);
  // A late write that came before the stop would test nothing: the round is void, not passed.
  if (stale.lines.some((line) => line.startsWith('late '))) {
    throw new Error(`the holder wrote before it was stopped:\n${stale.lines.join('\n')}`);
  }
  process.kill(stale.pid, 'SIGCONT');
  const [, lateWrite] = await stale.waitForLine(/^late (\w+) \d+$/, 10_000);
  return {
    staleToken: Number(staleToken),
    freshToken: Number(freshToken),
    earlyWrite: earlyWrite as string,
    freshWrite: freshWrite as string,
    lateWrite: lateWrite as string,
    finalValue: await store.read(),
  };
}

/**
 * The checker: what a fenced store must show after a paused-holder round.
 * Empty when the guard did its job.
 */
export function fencingViolations(o: PausedHolderOutcome): string[] {
  const problems: string[] = [];
  if (!(o.freshToken > o.staleToken)) {
    problems.push(`the second holder's token ${o.freshToken} is not above ${o.staleToken}`);
  }
  if (o.earlyWrite !== 'accepted')
    problems.push(`the first holder's own write was ${o.earlyWrite}`);
  if (o.freshWrite !== 'accepted') problems.push(`the second holder's write was ${o.freshWrite}`);
  if (o.lateWrite !== 'refused') problems.push(`the paused holder's late write was ${o.lateWrite}`);
  const expected = `fresh ${o.freshToken}`;
  if (o.finalValue !== expected) {
    problems.push(
      `the store holds ${JSON.stringify(o.finalValue)}, not ${JSON.stringify(expected)}`,
    );
  }
  return problems;
}
