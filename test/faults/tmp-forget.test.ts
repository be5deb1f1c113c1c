import { it } from 'vitest';
import { collectScenario, type FaultContext } from '../helpers/fault-scenario.js';

it('forgetful', { timeout: 120_000 }, async () => {
  for (const level of ['strict', 'efficient'] as const) {
    const r = await collectScenario(
      { name: 'forget kill', level, cluster: { command: ['/tmp/wtf/forget.mjs'] } },
      async (ctx: FaultContext) => {
        await ctx.progress();
        for (let round = 0; round < 2; round++) {
          await ctx.holdWithWaiter(2_500);
          const victim = ctx.cluster.active()!;
          const epoch = ctx.cluster.epochOf(victim);
          await ctx.fault(
            'kill',
            async (f) => {
              const c = ctx.work.connections();
              await ctx.cluster.kill(victim);
              await ctx.takeover(epoch, victim);
              await ctx.reconnected(c);
              f.recovered();
            },
            { needs: 'both' },
          );
          await ctx.cluster.restart(victim);
          await ctx.progress();
        }
        return {};
      },
    );
    console.log(
      level,
      JSON.stringify({
        overlaps: r.findings.overlaps.length,
        vacuous: r.findings.vacuousRounds,
        checks: r.findings.checks.length,
        rej: r.findings.rejectedWrites,
      }),
    );
  }
});
