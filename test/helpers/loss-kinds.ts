/**
 * Ways for Redis to lose data under a running cluster (README "When Redis
 * loses data"), each a {@link LossKind}: what to put in place, then the loss,
 * and what the cluster must do about it. The brokers (and the log recorder)
 * reach Redis through a proxy, so a failover to another Redis process is one
 * `retarget` away. `data-loss.ts` runs them as fault rounds.
 */
import { Redis } from 'ioredis';
import type { Consistency } from '../../shared/protocol.js';
import { redisKeys } from '../../server/mirror/keys.js';
import type { ClusterNode } from './broker-cluster.js';
import { SESSION_TTL_MS, type FaultContext, type ScenarioOptions } from './fault-scenario.js';
import { eventually } from './harness.js';
import { RedisProcess } from './redis-server.js';
import { TcpProxy } from './tcp-proxy.js';

/** The broker's Redis keys (default prefix and cluster name). */
export const KEYS = redisKeys('baton', 'main');

/** Where the brokers' Redis is now: a proxy in front of the current primary. */
export interface DataLossRig {
  proxy: TcpProxy;
  primary: RedisProcess;
  /** A plain client through the proxy, for reads the checks need. */
  redis: Redis;
}

/** What the cluster must do after the loss. */
export type LossOutcome = 'reseed' | 'reseed-or-lease' | 'graced-takeover';

/** Loses the data; resolves once Redis answers again, with figures of its own. */
export type Lose = (leader: ClusterNode) => Promise<Record<string, number>>;

/** One way for Redis to lose data. */
export interface LossKind {
  /** Short and stable: the key of its figures. */
  id: string;
  /** The fault's name. */
  name: string;
  outcome: LossOutcome;
  /** How long the spanning hold must still have to go when the fault starts. */
  holdMs: number;
  /** Puts in place what the loss needs (an RDB saved, a replica that stopped following). */
  arm(ctx: FaultContext, rig: DataLossRig): Promise<Lose>;
}

/** A rounded ms figure. */
const ms = (x: number): number => Math.round(x);

export const flushall: LossKind = {
  id: 'flushall',
  name: 'FLUSHALL',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (_ctx, rig) => async () => {
    await rig.primary.command('FLUSHALL');
    return {};
  },
};

export const restartedEmpty: LossKind = {
  id: 'restartedEmpty',
  name: 'Redis kill -9, restarted without persistence',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (_ctx, rig) => async () => {
    const at = performance.now();
    await rig.primary.kill('SIGKILL');
    await rig.primary.restart({ wipe: true });
    return { outageMs: ms(performance.now() - at) };
  },
};

export const logLost: LossKind = {
  id: 'logLost',
  name: 'the log lost (DEL)',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (_ctx, rig) => async () => {
    await rig.primary.command('DEL', KEYS.log);
    return {};
  },
};

export const leaseKeysLost: LossKind = {
  id: 'leaseKeysLost',
  name: 'the leader and epoch keys lost (DEL)',
  outcome: 'reseed-or-lease',
  holdMs: 1_000,
  arm: async (_ctx, rig) => async () => {
    await rig.primary.command('DEL', KEYS.leader, KEYS.epoch);
    return {};
  },
};

/** Batches in the log now (it is trimmed only at snapshots, every 10,000 entries). */
const logLength = (redis: Redis): Promise<number> => redis.xlen(KEYS.log);

export const aofRewound: LossKind = {
  id: 'aofRewound',
  name: 'AOF rewound to an older RDB',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (ctx, rig) => {
    const rdb = await rig.primary.saveRdb();
    const savedAt = await logLength(rig.redis);
    // The log moves on past what the RDB holds.
    await ctx.progress();
    return async () => {
      const lostBatches = (await logLength(rig.redis)) - savedAt;
      const at = performance.now();
      await rig.primary.kill('SIGKILL');
      await rig.primary.restart({ fromRdb: rdb });
      return { lostBatches, outageMs: ms(performance.now() - at) };
    };
  },
};

export const rewoundPastReseed: LossKind = {
  id: 'rewoundPastReseed',
  name: 'AOF rewound to an RDB of an older generation',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (ctx, rig) => {
    const rdb = await rig.primary.saveRdb();
    const generation = await rig.redis.get(KEYS.generation);
    // A loss the active broker reseeds from: the RDB now holds a generation it left behind.
    // A fault of its own: efficient changes it folds into the new snapshot never show in the log.
    await ctx.fault(
      'log lost, to leave a generation behind',
      async () => {
        await rig.primary.command('DEL', KEYS.log);
        const moved = async (): Promise<true | undefined> => {
          const now = await rig.redis.get(KEYS.generation).catch(() => generation);
          return now !== null && now !== generation ? true : undefined;
        };
        await eventually(moved, 10_000, 'a new generation');
      },
      { needs: 'none', minGrants: 0 },
    );
    await ctx.progress();
    return async () => {
      const at = performance.now();
      await rig.primary.kill('SIGKILL');
      await rig.primary.restart({ fromRdb: rdb });
      return { outageMs: ms(performance.now() - at) };
    };
  },
};

export const laggingReplica: LossKind = {
  id: 'laggingReplica',
  name: 'failover to a replica that lagged',
  outcome: 'reseed',
  holdMs: 1_000,
  arm: async (ctx, rig) => {
    const replica = await RedisProcess.start();
    // A diskless full sync waits 5 s for more replicas by default.
    await rig.primary.command('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
    await replica.command('REPLICAOF', '127.0.0.1', String(rig.primary.port));
    const inSync = async (): Promise<true | undefined> =>
      (await replica.command('INFO', 'replication')).includes('master_link_status:up')
        ? true
        : undefined;
    await eventually(inSync, 10_000, 'the replica in sync');
    // It stops following: from here on it lags.
    await replica.command('REPLICAOF', 'NO', 'ONE');
    const stoppedAt = await logLength(rig.redis);
    await ctx.progress();
    return async () => {
      const lostBatches = (await logLength(rig.redis)) - stoppedAt;
      await rig.primary.kill('SIGKILL');
      rig.proxy.retarget(replica.port);
      rig.primary = replica;
      return { lostBatches };
    };
  },
};

export const lostWithActive: LossKind = {
  id: 'lostWithActive',
  name: 'FLUSHALL with the active broker kill -9',
  outcome: 'graced-takeover',
  // It spans the takeover (a lease and a third of lookups, the promotion), the clients'
  // resume and most of the grace, whatever the clients' reconnect backoff.
  holdMs: 5_000,
  arm: async (ctx, rig) => async (leader) => {
    // The active broker dies first: it must not see the loss and reseed.
    await ctx.cluster.kill(leader);
    await rig.primary.command('FLUSHALL');
    return {};
  },
};

/** Every kind, the cheap ones first, the ones that move the leader or the primary last. */
export const LOSS_KINDS: LossKind[] = [
  flushall,
  logLost,
  leaseKeysLost,
  restartedEmpty,
  aofRewound,
  rewoundPastReseed,
  lostWithActive,
  laggingReplica,
];

/**
 * The scenario options every data-loss run uses: brokers and recorder through
 * a proxy, the grace as long as the workload's session TTL.
 */
export function dataLossOptions(
  name: string,
  level: Consistency,
  extra: Partial<ScenarioOptions> = {},
): { options: ScenarioOptions; rig: DataLossRig } {
  const rig = {} as DataLossRig;
  const options: ScenarioOptions = {
    name,
    level,
    ...extra,
    brokerRedis: async (redis) => {
      rig.primary = redis;
      rig.proxy = await TcpProxy.start(redis.port);
      rig.redis = new Redis({
        host: '127.0.0.1',
        port: rig.proxy.port,
        maxRetriesPerRequest: 1,
        retryStrategy: () => 100,
      });
      rig.redis.on('error', () => {});
      return ['--redis', `redis://127.0.0.1:${rig.proxy.port}`];
    },
    recorderRedis: () => ({ host: '127.0.0.1', port: rig.proxy.port }),
    cluster: {
      ...extra.cluster,
      args: ['--max-session-ttl-ms', String(SESSION_TTL_MS), ...(extra.cluster?.args ?? [])],
    },
  };
  return { options, rig };
}
