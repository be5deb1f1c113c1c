import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { eventually } from '../helpers/harness.js';
import { RedisProcess, SentinelProcess } from '../helpers/redis-server.js';

// Slow (Sentinel takes seconds to notice and to heal): only in `npm run test:faults`.
const LEVELS: Consistency[] = ['strict', 'efficient'];
const TIMEOUT = 90_000 + ROUNDS * 10_000;

describe.each(LEVELS)('Redis Sentinel (%s)', (level) => {
  it('rides out a Sentinel failover of the Redis primary', { timeout: TIMEOUT }, async () => {
    let replica: RedisProcess | null = null;
    await runScenario(
      {
        name: 'redis sentinel failover',
        level,
        brokerRedis: async (primary) => {
          replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(primary.port)]);
          const sentinel = await SentinelProcess.start(primary.port);
          // WAIT 1: what a strict grant rests on is on the replica before the grant goes out.
          const at = `127.0.0.1:${sentinel.port}`;
          return ['--redis-sentinels', at, '--redis-name', 'mymaster', '--wait-replicas', '1'];
        },
      },
      async (ctx) => {
        await ctx.progress();
        const killedAt = performance.now();
        await ctx.redis.kill('SIGKILL');
        const isPrimary = async (): Promise<true | undefined> =>
          (await replica!.role()) === 'master' ? true : undefined;
        await eventually(isPrimary, 15_000, 'the replica promoted');
        const promotedMs = Math.round(performance.now() - killedAt);
        // Strict grants need WAIT 1 again: the old primary comes back as a replica.
        await ctx.redis.restart();
        const isReplica = async (): Promise<true | undefined> =>
          (await ctx.redis.role()) === 'slave' ? true : undefined;
        await eventually(isReplica, 20_000, 'Sentinel to make the old primary a replica');
        const healedMs = Math.round(performance.now() - killedAt);
        await ctx.progress();
        return { promotedMs, healedMs };
      },
    );
  });
});
