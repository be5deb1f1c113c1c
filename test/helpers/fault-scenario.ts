/**
 * Fault scenarios: two Redis-backed broker processes, a workload, a log
 * recorder and the scenario's faults, judged by `checker.ts`. A new
 * scenario is a few lines on a {@link FaultContext}:
 *
 * ```ts
 * await runScenario({ name: 'redis flushall', level }, async (ctx) => {
 *   for (let round = 0; round < ROUNDS; round++) {
 *     await ctx.progress();
 *     await ctx.holdWithWaiter(2_000); // a hold and a waiter span the fault
 *     await ctx.fault('FLUSHALL', async () => void (await ctx.redis.command('FLUSHALL')));
 *   }
 *   return {}; // figures of its own for the JSON line; ctx.check(...) for its own rules
 * });
 * ```
 *
 * `collectScenario` runs the same and returns the findings instead of
 * failing; with `cluster: { command: [script, variant] }` it runs a broken
 * broker variant, whose test asserts the findings are not empty.
 */
import type { RedisOptions } from 'ioredis';
import { expect, onTestFinished } from 'vitest';
import { connect, type BatonClient } from '../../client/node.js';
import type { Consistency } from '../../shared/protocol.js';
import { BrokerCluster, type BrokerClusterOptions, type ClusterNode } from './broker-cluster.js';
import { checkHistory, crossCheckLog, type HistoryFindings, type LogFindings } from './checker.js';
import { eventually, sleep } from './harness.js';
import type { FaultRecord, History } from './history.js';
import { LogRecorder, type LogRecorderFigures } from './log-recorder.js';
import { RedisProcess } from './redis-server.js';
import { startSilentHolder, type SilentHolder } from './silent-holder.js';
import { percentiles, summary } from './scenario-figures.js';
import { busyLoop, kindFor, specOf, Workload, type PathSpec } from './workload.js';

export { percentiles };

/** Rounds of each fault: `npm run test:faults` raises it; `npm test` runs a short version. */
export const ROUNDS = Number(process.env.BATON_FAULT_ROUNDS ?? 3);
/** Rounds of broker kill -9, its own knob: 50 under `npm run test:faults`, 2 in `npm test`. */
export const KILL_ROUNDS = Number(process.env.BATON_KILL_ROUNDS ?? 2);
export const LEASE_MS = 1_000;
export const SESSION_TTL_MS = 3_000;
/** The documented failover window after a fault: leader lease + session TTL + 1 s. */
export const WINDOW_MS = LEASE_MS + SESSION_TTL_MS + 1_000;
/** Grants each round must have, so a stuck workload cannot pass as a quiet one. */
export const MIN_ROUND_GRANTS = 5;
export const PATHS = ['a', 'b', 'c'];
/**
 * A strict grant made durable just before Redis went away may still be on
 * its way to the client this long; later ones, until Redis is back, were
 * granted blind.
 */
export const IN_FLIGHT_MS = 300;

export interface ScenarioOptions {
  name: string;
  level: Consistency;
  /** How the brokers reach Redis (their flags); default `--redis` to the test's Redis. */
  brokerRedis?: (redis: RedisProcess) => Promise<string[]>;
  /** How the log recorder reaches Redis; default the test's Redis itself. */
  recorderRedis?: (redis: RedisProcess) => RedisOptions;
  /** URLs the clients use; default the brokers'. */
  clientUrls?: (cluster: BrokerCluster) => Promise<string[]> | string[];
  /** What to spawn and extra flags (a broken variant, per-node flags). */
  cluster?: BrokerClusterOptions;
  /** The scenario pauses clients on purpose: rejected writes are for it to judge. */
  clientPauses?: boolean;
  /** The efficient failover window after a fault's end; default {@link WINDOW_MS}. */
  windowMs?: number;
  sessions?: number;
  /** The workload's paths and their kinds; default {@link PATHS}, mutexes. */
  paths?: (string | PathSpec)[];
  /** How long workload acquires wait; default 15 s. */
  acquireTimeoutMs?: number;
  /** Seed of the workload's shape; default `BATON_FAULT_SEED`, else random (printed). */
  seed?: number;
}

/** Bookkeeping of one fault, inside `ctx.fault`. */
export interface FaultHandle {
  /** The cluster serves again (a takeover): holds must span up to here. Default: the fault's end. */
  recovered(): void;
  /** Redis has just lost log entries (a data loss): see {@link FaultRecord.logLostAt}. */
  logLost(): void;
}

export interface FaultOptions {
  /** Efficient overlaps in its window are excused (default true; false for the control). */
  excuses?: boolean;
  /** What makes the round not vacuous (default 'either'). */
  needs?: FaultRecord['needs'];
  /** Kinds of hold of which one must span the fault (default none). */
  spans?: FaultRecord['spans'];
  minGrants?: number;
}

/** What a scenario's body gets: the processes, the workload, and fault bookkeeping. */
export interface FaultContext {
  level: Consistency;
  redis: RedisProcess;
  cluster: BrokerCluster;
  work: Workload;
  history: History;
  recorder: LogRecorder;
  /** The URLs clients use. */
  urls: string[];
  /** Waits until the workload has made `count` more grants (default {@link MIN_ROUND_GRANTS}). */
  progress(count?: number): Promise<void>;
  /** Waits until a hold with `remainingMs` to go has a waiter queued behind it. */
  holdWithWaiter(remainingMs: number): Promise<void>;
  /** Runs one fault and records its start, recovery and end for the checker. */
  fault(
    name: string,
    act: (f: FaultHandle) => Promise<void>,
    options?: FaultOptions,
  ): Promise<FaultRecord>;
  /** A scenario's own assertion: recorded as a finding when false. Returns `ok`. */
  check(ok: boolean, message: string): boolean;
  /**
   * Waits until every workload client connected again since `before`
   * (`work.connections()` taken before the fault); false after `timeoutMs`.
   */
  reconnected(before: number[], timeoutMs?: number): Promise<boolean>;
  /** Waits for a node other than `victim` to announce an epoch above `epoch`. */
  takeover(epoch: number, victim?: ClusterNode): Promise<ClusterNode>;
  /** A holder process with a waiter queued; `failover` widens the bound by a leader lease. */
  silentHolder(path: string, options?: { failover?: boolean }): Promise<SilentHolder>;
  /** A client besides the workload's (one per scenario, made on first use, closed at the end). */
  client(): Promise<BatonClient>;
  /**
   * A client of its own that takes and releases `path` back to back, recorded
   * like the workload: how much the cluster grants during a fault, free of
   * the workload's long holds. Resolves after its first grant; `stop` ends it.
   */
  busyLoop(path: string): Promise<{ stop(): Promise<void> }>;
}

export interface Findings extends HistoryFindings, LogFindings {
  /** Failed scenario checks, and errors the scenario threw. */
  checks: string[];
  log: LogRecorderFigures;
}

export interface ScenarioReport {
  findings: Findings;
  /** The JSON line's figures, for the README table. */
  figures: Record<string, unknown>;
  /** What every broker process printed, for a failure message. */
  brokerOutput: string;
}

/**
 * Runs a scenario and checks it; every finding fails the test. Use
 * {@link collectScenario} to get the findings instead (a broken variant's
 * test asserts they are not empty).
 */
export async function runScenario(
  options: ScenarioOptions,
  body: (ctx: FaultContext) => Promise<Record<string, unknown>>,
): Promise<ScenarioReport> {
  const report = await collectScenario(options, body);
  try {
    assertSafe(report.findings);
  } catch (err) {
    console.log(report.brokerOutput);
    throw err;
  }
  return report;
}

/** Fails the test on any finding, one list at a time so the message says which rule broke. */
export function assertSafe(f: Findings): void {
  const brief = (o: { path: string; a: { token: number }; b: { token: number }; ms: number }) =>
    `${o.path}: ${o.a.token} and ${o.b.token} for ${Math.round(o.ms)} ms`;
  expect(f.checks, 'scenario checks').toEqual([]);
  expect(f.overlaps.map(brief), 'overlapping holds').toEqual([]);
  expect(f.skippedWaiters, 'waiters skipped in their queue').toEqual([]);
  expect(f.tokenRegressions, 'token regressions').toEqual([]);
  expect(f.duplicateTokens, 'duplicate tokens').toEqual([]);
  expect(f.writeRegressions, 'accepted writes going backwards').toEqual([]);
  expect(f.unexcusedRejectedWrites, 'rejected writes').toBe(0);
  expect(f.vacuousRounds, 'vacuous rounds').toEqual([]);
  expect(f.lateFrees, 'silent holders freed late').toEqual([]);
  expect(f.logTwoHolders, 'two holders in the log').toEqual([]);
  expect(f.missingFromLog, 'grants the log never made').toEqual([]);
  expect(f.log.gaps, 'log gaps the recorder could not follow').toBe(0);
}

/**
 * Two Redis-backed brokers (real processes), a log recorder, a workload of
 * SDK sessions and the scenario's faults; then the history and the log are
 * checked and a fresh client must be able to take every lock. Prints one
 * JSON line of figures and returns the findings; never throws for them.
 */
export async function collectScenario(
  options: ScenarioOptions,
  body: (ctx: FaultContext) => Promise<Record<string, unknown>>,
): Promise<ScenarioReport> {
  const { level } = options;
  const began = performance.now();
  const seed =
    options.seed ?? (Number(process.env.BATON_FAULT_SEED) || Math.floor(Math.random() * 2 ** 31));
  const windowMs = options.windowMs ?? WINDOW_MS;
  const redis = await RedisProcess.start();
  const redisArgs = options.brokerRedis ? await options.brokerRedis(redis) : ['--redis', redis.url];
  const args = [
    ...redisArgs,
    ...['--leader-lease-ms', String(LEASE_MS), '--consistency', level],
    ...(options.cluster?.args ?? []),
  ];
  const cluster = await BrokerCluster.start(2, { ...options.cluster, args });
  await eventually(() => cluster.active(), 10_000, 'a first active broker');
  // The standby looks every third of a lease: after a lease it follows the
  // first dataset, and a fault in the first round meets a warm standby.
  await sleep(LEASE_MS);
  const recorder = LogRecorder.start({
    redis: options.recorderRedis?.(redis) ?? { host: '127.0.0.1', port: redis.port },
  });
  onTestFinished(() => recorder.stop());
  const urls = options.clientUrls ? await options.clientUrls(cluster) : cluster.urls;
  const paths = (options.paths ?? PATHS).map(specOf);
  const work = await Workload.start({
    urls,
    sessions: options.sessions ?? 12,
    paths,
    consistency: level,
    sessionTtlMs: SESSION_TTL_MS,
    seed,
    ...(options.acquireTimeoutMs !== undefined
      ? { acquireTimeoutMs: options.acquireTimeoutMs }
      : {}),
  });
  onTestFinished(() => work.stop());
  const history = work.history;
  const checks: string[] = [];
  const extra: { client?: Promise<BatonClient> } = {};
  // One more client for silent holders' waiters and busy loops, made when first needed.
  const extraClient = (): Promise<BatonClient> =>
    (extra.client ??= connect({
      url: urls,
      sessionTtlMs: SESSION_TTL_MS,
      reconnectMaxDelayMs: 200,
    }));
  const ctx: FaultContext = {
    level,
    redis,
    cluster,
    work,
    history,
    recorder,
    urls,
    progress: async (count = MIN_ROUND_GRANTS) => {
      const target = work.grants + count;
      await eventually(() => (work.grants >= target ? true : undefined), 20_000, 'grants');
    },
    holdWithWaiter: (remainingMs) => work.holdWithWaiter(remainingMs),
    fault: async (name, act, o = {}) => {
      const record: FaultRecord = {
        name,
        start: performance.now(),
        recovered: NaN,
        end: NaN,
        excuses: o.excuses ?? true,
        needs: o.needs ?? 'either',
        minGrants: o.minGrants ?? MIN_ROUND_GRANTS,
        ...(o.spans ? { spans: o.spans } : {}),
      };
      history.faults.push(record);
      try {
        await act({
          recovered: () => void (record.recovered = performance.now()),
          logLost: () => void (record.logLostAt = performance.now()),
        });
      } finally {
        record.end = performance.now();
        if (Number.isNaN(record.recovered)) record.recovered = record.end;
      }
      return record;
    },
    check: (ok, message) => {
      if (!ok) checks.push(message);
      return ok;
    },
    reconnected: (before, timeoutMs = 5_000) => {
      const all = (): true | undefined =>
        work.connections().every((n, i) => n > (before[i] ?? 0)) ? true : undefined;
      return eventually(all, timeoutMs, 'every client back').catch(() => false);
    },
    takeover: (epoch, victim) =>
      eventually(
        () => {
          const a = cluster.active();
          return a && a !== victim && cluster.epochOf(a) > epoch ? a : undefined;
        },
        10_000,
        `a takeover from epoch ${epoch}`,
      ),
    client: extraClient,
    silentHolder: async (path, o = {}) => {
      const boundMs = SESSION_TTL_MS + 1_000 + (o.failover ? LEASE_MS : 0);
      return startSilentHolder(path, {
        history,
        urls,
        level,
        sessionTtlMs: SESSION_TTL_MS,
        boundMs,
        waiter: await extraClient(),
        recorder,
      });
    },
    // On the extra client, connected before the fault: a new session may need Redis to open.
    busyLoop: async (path) => busyLoop(history, await extraClient(), path, level),
  };
  let figures: Record<string, unknown> = {};
  try {
    figures = await body(ctx);
    // The cluster serves again on its own once the faults are over.
    await ctx.progress();
  } catch (err) {
    checks.push(`scenario: ${(err as Error).message}`);
  }
  await work.stop();
  await (await extra.client)?.close();
  const endAt = performance.now();
  // Nothing stays stuck: a fresh client takes every lock.
  checks.push(...(await probe(urls, level, paths)));
  ctx.check(await recorder.drain(), 'the log recorder could not read to the end of the log');
  await recorder.stop();
  const findings: Findings = {
    ...checkHistory(history, { level, windowMs, clientPauses: !!options.clientPauses, endAt }),
    ...crossCheckLog(history, recorder.replay, { level, windowMs }),
    checks,
    log: recorder.figures,
  };
  const report: ScenarioReport = {
    findings,
    figures: summary(options, seed, work.history, findings, figures, began, work.errors),
    brokerOutput: cluster.logs(),
  };
  console.log(JSON.stringify(report.figures));
  return report;
}

/** Acquires and releases every path (a writer of a read/write one) with a fresh client; returns what failed. */
async function probe(urls: string[], level: Consistency, paths: PathSpec[]): Promise<string[]> {
  try {
    const client = await connect({ url: urls, connectTimeoutMs: 10_000 });
    try {
      for (const spec of paths) {
        const options = { timeoutMs: 10_000, consistency: level, ...kindFor(spec, () => 1) };
        await (await client.acquire(spec.path, options)).release();
      }
    } finally {
      await client.close();
    }
    return [];
  } catch (err) {
    return [`a fresh client could not take every lock afterwards: ${(err as Error).message}`];
  }
}
