import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { IN_FLIGHT_MS, ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { eventually } from '../helpers/harness.js';
import { RedisProcess, SentinelProcess } from '../helpers/redis-server.js';

// Slow (Sentinel takes seconds to notice and to heal): only in `npm run test:faults`.
const LEVELS: Consistency[] = ['strict', 'efficient'];
const TIMEOUT = 90_000 + ROUNDS * 10_000;
const PROMOTED_WITHIN_MS = 15_000;
const HEALED_WITHIN_MS = 30_000;

describe.each(LEVELS)('Redis Sentinel (%s)', (level) => {
  it('rides out a Sentinel failover of the Redis primary', { timeout: TIMEOUT }, async () => {
    let replica: RedisProcess | null = null;
    let sentinel: SentinelProcess | null = null;
    await runScenario(
      {
        name: 'redis sentinel failover',
        level,
        // Strict waiters wait out the heal (~12 s) and are granted after it.
        acquireTimeoutMs: 40_000,
        brokerRedis: async (primary) => {
          replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(primary.port)]);
          sentinel = await SentinelProcess.start(primary.port);
          // WAIT 1: what a strict grant rests on is on the replica before the grant goes out.
          const at = `127.0.0.1:${sentinel.port}`;
          return ['--redis-sentinels', at, '--redis-name', 'mymaster', '--wait-replicas', '1'];
        },
        // The recorder follows the primary through the failover, as the brokers do.
        recorderRedis: () => ({
          sentinels: [{ host: '127.0.0.1', port: sentinel!.port }],
          name: 'mymaster',
        }),
      },
      async (ctx) => {
        await ctx.progress();
        await ctx.holdWithWaiter(1_500);
        const busy = await ctx.busyLoop('busy/0');
        let killedAt = NaN;
        let promotedMs = NaN;
        let restartAt = NaN;
        const f = await ctx.fault('redis primary kill -9, Sentinel failover', async (fault) => {
          await ctx.redis.kill('SIGKILL');
          killedAt = performance.now();
          const isPrimary = async (): Promise<true | undefined> =>
            (await replica!.role()) === 'master' ? true : undefined;
          await eventually(isPrimary, PROMOTED_WITHIN_MS, 'the replica promoted');
          promotedMs = Math.round(performance.now() - killedAt);
          fault.recovered();
          // Strict grants need WAIT 1 again: the old primary comes back as a replica.
          restartAt = performance.now();
          await ctx.redis.restart();
          const isReplica = async (): Promise<true | undefined> =>
            (await ctx.redis.role()) === 'slave' ? true : undefined;
          await eventually(
            isReplica,
            HEALED_WITHIN_MS,
            'Sentinel to make the old primary a replica',
          );
        });
        await busy.stop();
        const healedMs = Math.round(f.end - killedAt);
        // Until the old primary is back as a replica, no WAIT 1 can pass: no strict grant.
        const blind = ctx.history.grantsBetween(killedAt + IN_FLIGHT_MS, restartAt);
        if (level === 'strict') ctx.check(blind === 0, `${blind} strict grants without a replica`);
        await ctx.progress();
        return { promotedMs, healedMs, grantsWithoutReplica: blind };
      },
    );
  });
});
