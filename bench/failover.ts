import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../server/mirror/keys.js';
import { DEFAULT_REDIS_MIRROR_OPTIONS } from '../server/mirror/redis-mirror-options.js';
import {
  CONTEND_SESSIONS,
  FAILOVER_KILLS,
  FAILOVER_LEADER_LEASE_MS,
  FAILOVER_SETTLE_MS,
  FAILOVER_TIMEOUT_MS,
  HOT_PATH,
  SMALL_DRIVERS,
} from './bench-config.js';
import { activeBroker, CliBroker } from './cli-broker.js';
import { grantOrder } from './contention.js';
import { connectDrivers, forkDrivers, type DriverChild } from './drivers.js';
import { sharedClockMs } from './grant-log.js';
import type { DriverReport } from './messages.js';
import type { BrokerMode } from './modes.js';
import { freePort } from './ports.js';
import { driverCell, driverFigures, fmt, type Result } from './result.js';
import { percentile, round } from './stats.js';

/** One kill -9 of the active broker and what followed, on the shared clock. */
interface Takeover {
  /** Kill → the survivor's takeover raised the epoch in Redis: the lapse of the leader lease. */
  toEpochMs: number;
  /** Kill → the first grant any driver saw from the new active broker. */
  toGrantMs: number;
  /** Kill → the survivor printed `active (epoch N)`: lease expiry plus promotion. */
  toActiveLineMs: number;
  epoch: number;
}

/**
 * Scenario F: two CLI brokers on one Redis cluster, B's load through clients
 * that know both URLs, and `FAILOVER_KILLS` rounds of: kill -9 the active
 * broker, time kill → first grant from its successor, restart the killed one
 * on its port as the standby, wait for the load to come back.
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
    if (!activeBroker(brokers)) throw new Error('no broker became active');
    await client.connect();
    drivers = await forkDrivers(SMALL_DRIVERS);
    const urls = brokers.map((b) => b.url);
    const conn = await connectDrivers(drivers, urls, CONTEND_SESSIONS);
    const workload = { kind: 'failover', path: HOT_PATH } as const;
    await Promise.all(drivers.map((d) => d.ask({ t: 'start', workload }, 'started')));
    // No waiting for the whole queue as in B: F measures takeovers, not fairness.
    for (const d of drivers) d.send({ t: 'go' });
    // One window over every round, for the drivers' errors, CPU and lag and the token check.
    await Promise.all(drivers.map((d) => d.ask({ t: 'measure' }, 'measuring')));
    await waitForLoad(drivers, sharedClockMs());
    const keys = redisKeys(DEFAULT_REDIS_MIRROR_OPTIONS.keyPrefix, redis.cluster);
    const rounds: Takeover[] = [];
    for (let i = 0; i < FAILOVER_KILLS; i++) {
      // A random extra pause: a fixed one would put each kill at the same
      // phase of the brokers' lease timers (every lease/3), and every
      // takeover would then wait about the same time for the lease to lapse.
      await sleep(FAILOVER_SETTLE_MS + Math.random() * FAILOVER_LEADER_LEASE_MS);
      rounds.push(await killActive(brokers, drivers, client, keys));
    }
    const reports = await Promise.all(drivers.map((d) => d.ask({ t: 'report' }, 'report')));
    return summarize(mode, conn.ok, rounds, reports);
  } finally {
    await Promise.all(drivers.map((d) => d.stop({ t: 'exit' })));
    for (const b of brokers) await b.kill9();
    client.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

async function killActive(
  brokers: readonly CliBroker[],
  drivers: readonly DriverChild[],
  client: Redis,
  keys: RedisKeys,
): Promise<Takeover> {
  const victim = activeBroker(brokers);
  const survivor = brokers.find((b) => b !== victim);
  if (!victim || !survivor?.alive) throw new Error('no active broker with a live standby');
  const victimEpoch = victim.epoch;
  const killedAt = sharedClockMs();
  await victim.kill9();
  // The dead broker's tokens are all below the reservation mark it left, and
  // its successor reserves from the mark up. A token ≥ mark is the new
  // broker's, so a grant still in a socket buffer at the kill is not counted.
  const [mark, epoch] = await client.mget(keys.tokens, keys.epoch);
  if (Number(epoch) !== victimEpoch) {
    throw new Error(`the epoch moved (${victimEpoch} → ${epoch}) before the token mark was read`);
  }
  const ask = { afterMs: killedAt, minToken: Number(mark ?? 0), timeoutMs: FAILOVER_TIMEOUT_MS };
  const epochMoved = watchEpoch(client, keys, victimEpoch ?? 0);
  const hits = await Promise.all(
    drivers.map((d) =>
      d.ask({ t: 'first-grant', ...ask }, 'first-grant', FAILOVER_TIMEOUT_MS + 5_000),
    ),
  );
  const firstAt = Math.min(...hits.map((h) => h.atMs ?? Infinity));
  if (!Number.isFinite(firstAt)) {
    throw new Error(`no grant within ${FAILOVER_TIMEOUT_MS} ms of killing ${victim.name}`);
  }
  await survivor.waitActive(FAILOVER_TIMEOUT_MS);
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

/**
 * Resolves with the shared-clock time the epoch key first read above `epoch`:
 * when the survivor took the lapsed lease. It splits kill → "active" into the
 * lease's lapse and the promotion that follows it.
 */
async function watchEpoch(client: Redis, keys: RedisKeys, epoch: number): Promise<number> {
  const deadline = performance.now() + FAILOVER_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (Number(await client.get(keys.epoch)) > epoch) return sharedClockMs();
    await sleep(EPOCH_POLL_MS);
  }
  return NaN;
}

/** Waits until the drivers have seen one rotation's worth of grants since `sinceMs`. */
async function waitForLoad(drivers: readonly DriverChild[], sinceMs: number): Promise<void> {
  const deadline = performance.now() + FAILOVER_TIMEOUT_MS;
  for (;;) {
    const counts = await Promise.all(
      drivers.map((d) => d.ask({ t: 'grants-since', sinceMs }, 'grants-since')),
    );
    if (counts.reduce((s, c) => s + c.count, 0) >= CONTEND_SESSIONS) return;
    if (performance.now() > deadline) {
      throw new Error(`the load did not resume within ${FAILOVER_TIMEOUT_MS} ms`);
    }
    await sleep(50);
  }
}

function summarize(
  mode: BrokerMode,
  sessions: number,
  rounds: readonly Takeover[],
  reports: DriverReport[],
): Result {
  const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();
  const toEpoch = sorted(rounds.map((r) => r.toEpochMs));
  const toGrant = sorted(rounds.map((r) => r.toGrantMs));
  const toActive = sorted(rounds.map((r) => r.toActiveLineMs));
  const p50 = (xs: Float64Array): number => round(percentile(xs, 50), 1);
  const max = (xs: Float64Array): number => round(xs[xs.length - 1] ?? NaN, 1);
  const d = driverFigures({ reports });
  const order = grantOrder(reports);
  const epochs = rounds.map((r) => r.epoch);
  return {
    json: {
      scenario: 'F',
      mode: mode.name,
      sessions,
      leaderLeaseMs: FAILOVER_LEADER_LEASE_MS,
      kills: rounds.length,
      killToEpochMs: rounds.map((r) => round(r.toEpochMs, 1)),
      killToEpochP50Ms: p50(toEpoch),
      killToEpochMaxMs: max(toEpoch),
      killToGrantMs: rounds.map((r) => round(r.toGrantMs, 1)),
      killToGrantP50Ms: p50(toGrant),
      killToGrantMaxMs: max(toGrant),
      killToActiveLineMs: rounds.map((r) => round(r.toActiveLineMs, 1)),
      killToActiveLineP50Ms: p50(toActive),
      killToActiveLineMaxMs: max(toActive),
      epochs,
      grants: order.grants,
      duplicateTokens: order.duplicateTokens,
      ...d,
    },
    row: {
      scenario: 'F failover (kill -9)',
      mode: mode.name,
      sessions: fmt(sessions),
      throughput: `${rounds.length} takeovers`,
      latency: `kill→grant ${fmt(p50(toGrant))} / — / ${fmt(max(toGrant))} ms`,
      other: [
        `leader lease ${fmt(FAILOVER_LEADER_LEASE_MS)} ms`,
        `p50 / max from the kill to: epoch raised ${fmt(p50(toEpoch))} / ${fmt(max(toEpoch))} ms, ` +
          `"active" logged ${fmt(p50(toActive))} / ${fmt(max(toActive))} ms`,
        `epochs ${epochs.join(', ')}`,
        ...(order.duplicateTokens > 0 ? [`${order.duplicateTokens} DUPLICATE TOKENS`] : []),
      ].join('; '),
      brokerCpu: '—',
      driver: driverCell(d),
    },
  };
}
