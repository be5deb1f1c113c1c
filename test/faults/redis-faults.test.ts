import { describe, it } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { redisKillRounds } from '../helpers/fault-bodies.js';
import { LEASE_MS, ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { sleep } from '../helpers/harness.js';
import { freePort } from '../support/free-port.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const LEVELS: Consistency[] = ['strict', 'efficient'];
const TIMEOUT = 60_000 + ROUNDS * 15_000;

describe.each(LEVELS)('Redis and network faults (%s)', (level) => {
  it('rides out Redis kill -9 and restart', { timeout: TIMEOUT }, async () => {
    const rounds = Math.max(1, Math.floor(ROUNDS / 2));
    await runScenario({ name: 'redis kill -9', level }, redisKillRounds(rounds));
  });

  it(
    'rides out dropped connections between clients and brokers',
    { timeout: TIMEOUT },
    async () => {
      // Proxies in front of both brokers, advertised, so a redirect goes through one too.
      const ports = [await freePort(), await freePort()];
      const proxies = await Promise.all(ports.map((port) => TcpProxy.start(port)));
      await runScenario(
        {
          name: 'client links dropped',
          level,
          cluster: { ports, nodeArgs: (i) => ['--advertise-url', proxies[i]!.url] },
          clientUrls: () => proxies.map((p) => p.url),
        },
        async (ctx) => {
          for (let round = 0; round < ROUNDS * 2; round++) {
            await ctx.progress();
            await ctx.holdWithWaiter(1_000);
            await ctx.fault(
              'client links dropped',
              async () => {
                const connections = ctx.work.connections();
                for (const p of proxies) p.dropAll();
                const back = await ctx.reconnected(connections);
                ctx.check(back, `round ${round}: not every client came back within 5 s`);
              },
              { needs: 'both' },
            );
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
          await ctx.holdWithWaiter(1_000);
          await ctx.fault('redis links dropped', async () => {
            proxy!.dropAll();
            // The brokers reconnect within a few hundred ms; a lease renewal may fail meanwhile.
            await sleep(LEASE_MS / 2);
          });
        }
        return { drops: ROUNDS * 2 };
      },
    );
  });
});
