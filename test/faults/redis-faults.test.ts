import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { sleep } from '../helpers/harness.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const LEVELS: Consistency[] = ['strict', 'efficient'];
const TIMEOUT = 60_000 + ROUNDS * 10_000;

describe.each(LEVELS)('Redis and network faults (%s)', (level) => {
  it('rides out Redis kill -9 and restart', { timeout: TIMEOUT }, async () => {
    await runScenario({ name: 'redis kill -9', level }, async (ctx) => {
      const outages: number[] = [];
      for (let round = 0; round < Math.max(1, Math.floor(ROUNDS / 2)); round++) {
        await ctx.progress();
        const before = ctx.work.grants;
        await ctx.redis.kill('SIGKILL');
        await sleep(1_500);
        // Efficient keeps granting from memory; strict waits for Redis.
        outages.push(ctx.work.grants - before);
        await ctx.redis.restart();
      }
      return { grantsDuringOutage: outages };
    });
  });

  it(
    'rides out dropped connections between clients and brokers',
    { timeout: TIMEOUT },
    async () => {
      const proxies: TcpProxy[] = [];
      await runScenario(
        {
          name: 'client links dropped',
          level,
          clientUrls: async (cluster) => {
            for (const node of cluster.nodes) proxies.push(await TcpProxy.start(node.port));
            // A standby's redirect names the broker itself, which bypasses the proxy; fine.
            return proxies.map((p) => p.url);
          },
        },
        async (ctx) => {
          for (let round = 0; round < ROUNDS * 2; round++) {
            await ctx.progress();
            for (const p of proxies) p.dropAll();
          }
          return { drops: ROUNDS * 2 };
        },
      );
    },
  );

  it('rides out dropped connections between brokers and Redis', { timeout: TIMEOUT }, async () => {
    let proxy: TcpProxy | null = null;
    await runScenario(
      {
        name: 'redis links dropped',
        level,
        brokerRedis: async (redis) => {
          proxy = await TcpProxy.start(redis.port);
          return ['--redis', `redis://127.0.0.1:${proxy.port}`];
        },
      },
      async (ctx) => {
        for (let round = 0; round < ROUNDS * 2; round++) {
          await ctx.progress();
          proxy!.dropAll();
        }
        return { drops: ROUNDS * 2 };
      },
    );
  });
});
