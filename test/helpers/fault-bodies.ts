/**
 * The bodies of the broker and Redis fault scenarios, each `(rounds) =>
 * (ctx) => figures`: the fault tests run them on the built broker
 * (`runScenario`), and the proofs run the same bodies on deliberately broken
 * brokers (`collectScenario`) to show the checks catch what they claim to.
 */
import {
  IN_FLIGHT_MS,
  LEASE_MS,
  percentiles,
  type FaultContext,
  type FaultOptions,
} from './fault-scenario.js';
import { eventually, sleep } from './harness.js';
import type { SilentHolder } from './silent-holder.js';

/** What `runScenario` and `collectScenario` run: the figures it returns go in the JSON line. */
export type ScenarioBody = (ctx: FaultContext) => Promise<Record<string, unknown>>;

/** Takeover after kill -9: at most the lease running out, a third of it to notice, and this. */
export const TAKEOVER_SLACK_MS = 500;
/** After the takeover, the new broker's first grant reaches a client within this (README: "a few hundred ms"). */
export const FIRST_GRANT_MS = 1_000;
/** What a kill round's long hold has left when the broker is killed. */
const KILL_HOLD_MS = 4_000;
/** How long Redis stays down in a `kill -9` round. */
export const REDIS_OUTAGE_MS = 1_500;

/**
 * One kill -9 round: a hold with a waiter behind it and a silent holder's
 * death both span the takeover; a busy loop on a path of its own shows
 * when the new broker grants. Returns kill → the standby announces itself
 * active, and that → the first grant a client received afterwards.
 */
async function killRound(
  ctx: FaultContext,
  round: number,
  silent: SilentHolder,
): Promise<{ takeoverMs: number; firstGrantMs: number }> {
  const busy = await ctx.busyLoop(`busy/${round}`);
  // The hold must outlast the takeover and every client's resume, even on a
  // loaded machine where reconnecting takes a second or two: armed last, long.
  await ctx.holdWithWaiter(KILL_HOLD_MS);
  const { killedAt, takeoverAt } = await killActive(ctx, round, {
    name: 'broker kill -9',
    needs: 'both',
    beforeKill: () => silent.kill(),
  });
  await busy.stop();
  const first = ctx.history.events.find((e) => e.kind === 'grant' && e.at > killedAt);
  // The takeover is seen when the broker's line is read: the first grant may come before it.
  const firstGrantMs = first ? Math.max(0, first.at - takeoverAt) : Infinity;
  return { takeoverMs: takeoverAt - killedAt, firstGrantMs };
}

export interface KillOptions extends FaultOptions {
  name: string;
  /** Just before the kill (a silent holder dies). */
  beforeKill?: () => void;
  /** Clients besides the workload's: resolves once they are back (false: not in time). */
  othersBack?: () => Promise<boolean>;
}

/**
 * One fault: `kill -9` of the active broker; recovered once the standby
 * announced a higher epoch and every client resumed on it (a hold spans the
 * fault only if it outlived its holder's resume); the victim is restarted
 * as a standby. Returns when it was killed and when the takeover was seen
 * (NaN when there was no active broker to kill).
 */
export async function killActive(
  ctx: FaultContext,
  round: number,
  { name, beforeKill, othersBack, ...options }: KillOptions,
): Promise<{ killedAt: number; takeoverAt: number }> {
  const victim = ctx.cluster.active();
  let killedAt = NaN;
  let takeoverAt = NaN;
  if (!ctx.check(victim !== undefined, `round ${round}: no active broker to kill`)) {
    return { killedAt, takeoverAt };
  }
  const epoch = ctx.cluster.epochOf(victim!);
  await ctx.fault(
    name,
    async (fault) => {
      const connections = ctx.work.connections();
      beforeKill?.();
      killedAt = performance.now();
      await ctx.cluster.kill(victim!);
      await ctx.takeover(epoch, victim);
      takeoverAt = performance.now();
      const back = (await ctx.reconnected(connections)) && (await (othersBack?.() ?? true));
      ctx.check(back, `round ${round}: not every client came back within 5 s of the takeover`);
      fault.recovered();
    },
    options,
  );
  await ctx.cluster.restart(victim!);
  return { killedAt, takeoverAt };
}

/**
 * `kill -9` of the active broker, restarted as a standby, `rounds` times;
 * a silent holder dies just before each kill. Takeover p99 ≤ 2 × lease +
 * {@link TAKEOVER_SLACK_MS}, the new broker's first grant within {@link FIRST_GRANT_MS}.
 */
export const killRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    const takeovers: number[] = [];
    const firstGrants: number[] = [];
    const dead = (round: number): Promise<SilentHolder> =>
      ctx.silentHolder(`dead/${round}`, { failover: true });
    await ctx.progress();
    let silent = await dead(0);
    for (let round = 0; round < rounds; round++) {
      const r = await killRound(ctx, round, silent);
      takeovers.push(r.takeoverMs);
      firstGrants.push(r.firstGrantMs);
      // The next kill waits for this waiter (one failover per silent holder, as its
      // bound assumes); the next silent holder starts meanwhile.
      const next = round + 1 < rounds ? dead(round + 1) : null;
      await Promise.all([silent.done, ctx.progress(), next]);
      if (next) silent = await next;
    }
    const takeoverMs = percentiles(takeovers);
    const firstGrantMs = percentiles(firstGrants);
    ctx.check(
      takeoverMs.p99 <= 2 * LEASE_MS + TAKEOVER_SLACK_MS,
      `takeover p99 ${takeoverMs.p99} ms > 2 × lease + ${TAKEOVER_SLACK_MS} ms`,
    );
    ctx.check(
      firstGrantMs.max <= FIRST_GRANT_MS,
      `takeover → first grant max ${firstGrantMs.max} ms > ${FIRST_GRANT_MS} ms`,
    );
    return { takeoverMs, firstGrantAfterTakeoverMs: firstGrantMs };
  };

/** `SIGSTOP` of the active broker past its lease, then `SIGCONT`: it must step down. */
export const sigstopRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    let steppedDown = 0;
    for (let round = 0; round < rounds; round++) {
      await ctx.progress();
      await ctx.holdWithWaiter(2_000);
      const victim = ctx.cluster.active()!;
      const epoch = ctx.cluster.epochOf(victim);
      await ctx.fault('broker SIGSTOP past its lease', async (f) => {
        ctx.cluster.pause(victim);
        await ctx.takeover(epoch, victim);
        f.recovered();
        // Clients still connected to the paused broker send it work it will see on waking.
        await ctx.progress(5);
        const before = ctx.cluster.deposals(victim);
        ctx.cluster.resume(victim);
        const down = await eventually(
          () => (ctx.cluster.deposals(victim) > before ? true : undefined),
          5_000,
          'the woken broker to step down',
        ).catch(() => false);
        if (ctx.check(down, `round ${round}: the woken broker did not step down`)) steppedDown++;
      });
    }
    return { steppedDown, pauses: rounds };
  };

/**
 * The control: brief pauses of the leader (30% of its lease), no excuses.
 * No takeover, no epoch change, no deposal, no overlap.
 */
export const controlRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    const leader = ctx.cluster.active()!;
    const epoch = ctx.cluster.epochOf(leader);
    const pauseMs = Math.round(LEASE_MS * 0.3);
    for (let round = 0; round < rounds; round++) {
      await ctx.progress();
      await ctx.fault(
        `pause ${pauseMs} ms`,
        async () => {
          ctx.cluster.pause(leader);
          await sleep(pauseMs);
          ctx.cluster.resume(leader);
        },
        { excuses: false },
      );
    }
    await sleep(LEASE_MS);
    ctx.check(ctx.cluster.active() === leader, 'the leader changed');
    ctx.check(ctx.cluster.epoch === epoch, `the epoch moved from ${epoch} to ${ctx.cluster.epoch}`);
    ctx.check(ctx.cluster.deposals(leader) === 0, 'the leader was deposed');
    return { pauses: rounds, pauseMs, epoch: ctx.cluster.epoch };
  };

/**
 * Redis `kill -9`, down {@link REDIS_OUTAGE_MS}, restarted on its AOF:
 * efficient grants go on meanwhile; strict ones only if made durable just
 * before ({@link IN_FLIGHT_MS}).
 */
export const redisKillRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    const outages: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await ctx.progress();
      await ctx.holdWithWaiter(REDIS_OUTAGE_MS + 1_000);
      let downAt = NaN;
      let backAt = NaN;
      // Short holds on a path of its own: the workload's long holds say little about throughput.
      const busy = await ctx.busyLoop(`busy/${round}`);
      await ctx.fault('redis kill -9', async () => {
        await ctx.redis.kill('SIGKILL');
        downAt = performance.now();
        await sleep(REDIS_OUTAGE_MS);
        backAt = performance.now();
        await ctx.redis.restart();
      });
      await busy.stop();
      const during = ctx.history.grantsBetween(downAt, backAt);
      outages.push(during);
      if (ctx.level === 'efficient') {
        ctx.check(during > 0, `round ${round}: no efficient grant while Redis was down`);
      } else {
        // Strict grants nothing it could not make durable.
        const blind = ctx.history.grantsBetween(downAt + IN_FLIGHT_MS, backAt);
        ctx.check(blind === 0, `round ${round}: ${blind} strict grants while Redis was down`);
      }
    }
    return { outageMs: REDIS_OUTAGE_MS, grantsDuringOutage: outages };
  };

/** A holder process killed while a waiter is queued: the waiter has the lock within TTL + 1 s. */
export const silentHolderRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    for (let round = 0; round < rounds; round++) {
      await ctx.progress();
      const silent = await ctx.silentHolder(`dead/${round}`);
      await ctx.fault('holder SIGKILL', async () => void silent.kill(), { excuses: false });
      await silent.done;
    }
    return { deaths: rounds };
  };
