import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../server/mirror/keys.js';
import { DEFAULT_REDIS_MIRROR_OPTIONS } from '../../server/mirror/redis-mirror-options.js';
import { freePort } from '../../test/support/free-port.js';
import {
  CONTEND_SESSIONS,
  FAILOVER_HANDOVERS,
  FAILOVER_KILLS,
  FAILOVER_LEADER_LEASE_MS,
  FAILOVER_SETTLE_MS,
  FAILOVER_TIMEOUT_MS,
  HOT_PATH,
  SMALL_DRIVERS,
} from '../lib/config.js';
import type { BrokerMode } from '../lib/broker.js';
import { sharedClockMs, waitFor } from '../lib/time.js';
import type { DriverReport } from '../lib/recorder.js';
import { driverCell, driverFigures, fmt, type Result } from '../lib/report.js';
import { connectDrivers, forkDrivers, type DriverChild } from '../lib/rig.js';
import { round } from '../lib/stats.js';
import { percentiles } from '../../test/support/percentiles.js';
import { activeBroker, CliBroker } from './cli-broker.js';
import { grantOrder } from './contention.js';

/**
 * One stop of the active broker, from the signal (shared clock) to: the
 * survivor raising the epoch in Redis, the first grant any driver saw from
 * it, and its `active (epoch N)` line.
 */
interface Takeover {
  toEpochMs: number;
  toGrantMs: number;
  toActiveLineMs: number;
  epoch: number;
}

/** How the active broker is stopped: `kill -9`, or SIGTERM, a planned handover. */
type StopSignal = 'SIGKILL' | 'SIGTERM';

/**
 * Scenario F: two CLI brokers on one Redis cluster under B's load, and rounds
 * of: stop the active one (kill -9, then SIGTERM), time the signal → first
 * grant from its successor, restart it as the standby, wait for the load.
 */
export async function failover(mode: BrokerMode): Promise<Result> {
  const redis = mode.redis;
  if (!redis) throw new Error('scenario F needs Redis');
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-f-'));
  const brokers: CliBroker[] = [];
  for (const name of ['broker-1', 'broker-2']) {
    const args = [
      ...['--data-dir', join(dir, name), '--redis', redis.url, '--cluster', redis.cluster],
      ...['--leader-lease-ms', String(FAILOVER_LEADER_LEASE_MS), '--consistency', mode.consistency],
    ];
    // Fixed ports: a restarted broker must come back where its clients look for it.
    brokers.push(new CliBroker(name, await freePort(), args));
  }
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  let drivers: DriverChild[] = [];
  try {
    for (const b of brokers) await b.start();
    // On a Redis with no dataset yet, the first broker seeds one after 1.5 leases.
    await Promise.any(brokers.map((b) => b.waitActive(FAILOVER_TIMEOUT_MS)));
    if (!activeBroker(brokers)) throw new Error('no broker became active');
    await client.connect();
    drivers = await forkDrivers(SMALL_DRIVERS);
    const sessions = await startLoad(drivers, brokers);
    const keys = redisKeys(DEFAULT_REDIS_MIRROR_OPTIONS.keyPrefix, redis.cluster);
    const rounds: Record<StopSignal, Takeover[]> = { SIGKILL: [], SIGTERM: [] };
    const plan: StopSignal[] = [
      ...Array<StopSignal>(FAILOVER_KILLS).fill('SIGKILL'),
      ...Array<StopSignal>(FAILOVER_HANDOVERS).fill('SIGTERM'),
    ];
    for (const signal of plan) {
      // A random extra pause: a fixed one would put each kill at the same
      // phase of the brokers' lease timers (every lease/3), and every
      // takeover would then wait about the same time for the lease to lapse.
      await sleep(FAILOVER_SETTLE_MS + Math.random() * FAILOVER_LEADER_LEASE_MS);
      rounds[signal].push(await stopActive(brokers, drivers, client, keys, signal));
    }
    const reports = await Promise.all(drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    return summarize(mode, sessions, rounds, reports);
  } finally {
    await Promise.all(drivers.map((d) => d.stop({ t: 'exit' })));
    for (const b of brokers) await b.stop('SIGKILL');
    client.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

/** B's load from `drivers`, whose clients know both brokers; resolves to the sessions open. */
async function startLoad(drivers: DriverChild[], brokers: readonly CliBroker[]): Promise<number> {
  const conn = await connectDrivers(
    drivers,
    brokers.map((b) => b.url),
    CONTEND_SESSIONS,
  );
  const workload = { kind: 'failover', path: HOT_PATH } as const;
  await Promise.all(drivers.map((d) => d.ask({ t: 'start', workload }, 'started')));
  // No waiting for the whole queue as in B: F measures takeovers, not fairness.
  for (const d of drivers) d.send({ t: 'go' });
  // One window over every round, for the drivers' errors, CPU and lag and the token check.
  await Promise.all(drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
  await waitForLoad(drivers, sharedClockMs());
  return conn.ok;
}

async function stopActive(
  brokers: readonly CliBroker[],
  drivers: readonly DriverChild[],
  client: Redis,
  keys: RedisKeys,
  signal: StopSignal,
): Promise<Takeover> {
  const victim = activeBroker(brokers);
  const survivor = brokers.find((b) => b !== victim);
  if (!victim || !survivor?.alive) throw new Error('no active broker with a live standby');
  const victimEpoch = victim.epoch;
  // The stopped broker's tokens are all below the reservation mark it left,
  // and its successor reserves from the mark up. A token ≥ mark is the new
  // broker's, so a grant still in a socket buffer at the stop is not counted.
  // Read before the signal: a handover may raise the epoch within a few ms.
  const [mark, epoch] = await client.mget(keys.tokens, keys.epoch);
  if (Number(epoch) !== victimEpoch) {
    throw new Error(`the epoch (${epoch}) is not the active broker's (${victimEpoch})`);
  }
  const killedAt = sharedClockMs();
  const stopped = victim.stop(signal);
  const epochMoved = watchEpoch(client, keys, victimEpoch ?? 0);
  const firstGrant = async (): Promise<number | null> => {
    const firstAtMs = (await grantsSince(drivers, killedAt, Number(mark ?? 0))).firstAtMs;
    return Number.isFinite(firstAtMs) ? firstAtMs : null;
  };
  const firstAt = await waitFor(firstGrant, deadline(), 10, () => {
    return `no grant within ${FAILOVER_TIMEOUT_MS} ms of killing ${victim.name}`;
  });
  await survivor.waitActive(FAILOVER_TIMEOUT_MS);
  await stopped;
  const takeover = {
    toEpochMs: (await epochMoved) - killedAt,
    toGrantMs: firstAt - killedAt,
    toActiveLineMs: survivor.activeAtMs - killedAt,
    epoch: survivor.epoch ?? NaN,
  };
  const restartedAt = sharedClockMs();
  const role = await victim.start();
  if (role !== 'standby') throw new Error(`${victim.name} came back as ${role}, not standby`);
  await waitForLoad(drivers, restartedAt);
  return takeover;
}

/** How often the epoch key is read while a takeover is awaited. */
const EPOCH_POLL_MS = 5;

function deadline(): number {
  return performance.now() + FAILOVER_TIMEOUT_MS;
}

/**
 * The shared-clock time the epoch key first read above `epoch` (NaN if it
 * did not): it splits kill → "active" into the lease's lapse and the
 * promotion that follows.
 */
async function watchEpoch(client: Redis, keys: RedisKeys, epoch: number): Promise<number> {
  const moved = async (): Promise<number | null> =>
    Number(await client.get(keys.epoch)) > epoch ? sharedClockMs() : null;
  return waitFor(moved, deadline(), EPOCH_POLL_MS, () => 'epoch').catch(() => NaN);
}

/** The drivers' grants since `sinceMs` (shared clock), and the first with a token ≥ `minToken`. */
async function grantsSince(drivers: readonly DriverChild[], sinceMs: number, minToken = 0) {
  const ask = { t: 'grants', sinceMs, minToken } as const;
  const replies = await Promise.all(drivers.map((d) => d.ask(ask, 'grants')));
  return {
    count: replies.reduce((s, r) => s + r.count, 0),
    firstAtMs: Math.min(...replies.map((r) => r.firstAtMs ?? Infinity)),
  };
}

/** Waits until the drivers have seen one rotation's worth of grants since `sinceMs`. */
async function waitForLoad(drivers: readonly DriverChild[], sinceMs: number): Promise<void> {
  const resumed = async (): Promise<true | null> =>
    (await grantsSince(drivers, sinceMs)).count >= CONTEND_SESSIONS ? true : null;
  await waitFor(resumed, deadline(), 50, () => {
    return `the load did not resume within ${FAILOVER_TIMEOUT_MS} ms`;
  });
}

/** p50, p99 and max of one kind of stop, from the signal to each mark. */
function figures(rounds: readonly Takeover[]) {
  const stat = (xs: number[]) => {
    const p = percentiles(xs);
    const each = xs.map((x) => round(x, 1));
    return { each, p50: round(p.p50, 1), p99: round(p.p99, 1), max: round(p.max, 1) };
  };
  return {
    rounds: rounds.length,
    toEpochMs: stat(rounds.map((r) => r.toEpochMs)),
    toGrantMs: stat(rounds.map((r) => r.toGrantMs)),
    toActiveLineMs: stat(rounds.map((r) => r.toActiveLineMs)),
    epochs: rounds.map((r) => r.epoch),
  };
}

function summarize(
  mode: BrokerMode,
  sessions: number,
  rounds: Record<StopSignal, Takeover[]>,
  reports: DriverReport[],
): Result {
  const kill = figures(rounds.SIGKILL);
  const term = figures(rounds.SIGTERM);
  const d = driverFigures({ reports });
  const order = grantOrder(reports);
  const ms = (f: ReturnType<typeof figures>['toGrantMs']): string =>
    `${fmt(f.p50)} / ${fmt(f.p99)} / ${fmt(f.max)} ms`;
  return {
    json: {
      scenario: 'F',
      mode: mode.name,
      sessions,
      leaderLeaseMs: FAILOVER_LEADER_LEASE_MS,
      kill,
      handover: term,
      grants: order.grants,
      duplicateTokens: order.duplicateTokens,
      ...d,
    },
    row: {
      scenario: 'F failover (kill -9, SIGTERM)',
      mode: mode.name,
      sessions: fmt(sessions),
      throughput: `${kill.rounds} kills, ${term.rounds} handovers`,
      latency: `kill→grant ${ms(kill.toGrantMs)}; SIGTERM→grant ${ms(term.toGrantMs)}`,
      other: [
        `leader lease ${fmt(FAILOVER_LEADER_LEASE_MS)} ms`,
        `p50 / max from the kill to: epoch raised ${fmt(kill.toEpochMs.p50)} / ${fmt(kill.toEpochMs.max)} ms, ` +
          `"active" logged ${fmt(kill.toActiveLineMs.p50)} / ${fmt(kill.toActiveLineMs.max)} ms`,
        `from SIGTERM: epoch raised ${fmt(term.toEpochMs.p50)} / ${fmt(term.toEpochMs.max)} ms`,
        `epochs ${[...kill.epochs, ...term.epochs].join(', ')}`,
        ...(order.duplicateTokens > 0 ? [`${order.duplicateTokens} DUPLICATE TOKENS`] : []),
      ].join('; '),
      brokerCpu: '—',
      driver: driverCell(d),
    },
  };
}
