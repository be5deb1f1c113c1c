/**
 * Single-flight across faults, on paths of each round's own, with clients
 * of their own recorded in the scenario's history (a run is a hold: from
 * the grant `fn` runs under to its return; a waiter answered with the run's
 * value is recorded as an acquire that ended ANSWERED):
 *
 * - `flight/N`: a runner's `fn` is in progress with three waiters queued
 *   (each seen waiting in the log before the next is sent) when the active
 *   broker is `kill -9`ed. After the takeover the runner still holds; its
 *   run ends and every waiter gets its value: `fn` ran once, and the log
 *   granted the path once.
 * - `flight/N/dies`: the runner is a process of its own
 *   (`test/fixtures/flight-runner.mjs`), killed during its run. The first
 *   waiter runs `fn` within TTL + 1 s and the others get that run's value:
 *   `fn` ran twice, and the log granted the path twice.
 */
import { join } from 'node:path';
import type { Lease } from '../../client/lease.js';
import type { ScenarioBody } from './fault-bodies.js';
import { SESSION_TTL_MS, type FaultContext } from './fault-scenario.js';
import { eventually, spawnNode } from './harness.js';
import { SCENE_WAIT_MS, SceneClients, sceneKillRounds, type KillScene } from './scene-clients.js';
import { watchLoss } from './workload.js';

const RUNNER = join(import.meta.dirname, '../fixtures/flight-runner.mjs');
/** Waiters queued behind each run. */
export const FLIGHT_WAITERS = 3;

/** Resolves once `open` is called: a run that lasts as long as the scene wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** `fn` runs of one path, from every caller. */
interface Runs {
  count: number;
  /** When the last one began. */
  at: number;
}

/** One caller's `singleFlight`. */
interface Call {
  client: number;
  /** The lease its own run held, if it ran `fn`. */
  lease: Lease | null;
  /** What `singleFlight` gave it; null if it failed. */
  value: Promise<string | null>;
}

/** A round's run of `flight/N`: its runs, the gate that ends it, its callers (the runner first). */
interface Armed {
  path: string;
  runs: Runs;
  run: { open: () => void };
  calls: Call[];
}

export class FlightScene implements KillScene<Armed> {
  private constructor(
    private readonly ctx: FaultContext,
    readonly clients: SceneClients,
    private readonly runnerDies: boolean,
  ) {}

  /** A runner `flight-0` and waiters `flight-1…3`; `runnerDies`: a runner process killed after each round. */
  static async start(ctx: FaultContext, { runnerDies = true } = {}): Promise<FlightScene> {
    const clients = await SceneClients.start(ctx, 'flight', 1 + FLIGHT_WAITERS);
    return new FlightScene(ctx, clients, runnerDies);
  }

  /** The runner's `fn` runs (held open by a gate), with the waiters queued behind it. */
  async arm(round: number): Promise<Armed> {
    const path = `flight/${round}`;
    const runs: Runs = { count: 0, at: NaN };
    const run = gate();
    const runner = this.call(0, path, runs, run.wait);
    await eventually(() => (runs.count > 0 ? true : undefined), 10_000, `the run of ${path}`);
    const waiters = await this.queueWaiters(path, runs, run.wait);
    return { path, runs, run, calls: [runner, ...waiters] };
  }

  /** After the takeover: the runner still holds; its run ends; everyone has its value. */
  async handOn(round: number, { path, runs, run, calls }: Armed): Promise<void> {
    const lease = calls[0]!.lease;
    const why = (lease?.signal.reason as Error | undefined)?.message;
    this.ctx.check(
      !!lease && !lease.signal.aborted,
      `round ${round}: the runner lost ${path}: ${why}`,
    );
    run.open();
    await this.judge(round, path, runs, calls, 1);
  }

  /** A runner process killed during its run: the first waiter runs `fn`, the others get its value. */
  async after(round: number): Promise<void> {
    if (!this.runnerDies) return;
    const path = `flight/${round}/dies`;
    const { history, urls, level } = this.ctx;
    const worker = 'flight-runner';
    const req = history.requested(worker, path);
    const child = spawnNode([RUNNER, urls.join(','), path, String(SESSION_TTL_MS), level]);
    const [, token, session] = await child.waitForLine(/^running (\d+) (\S+)$/, 15_000);
    history.granted(worker, req, session!, Number(token));
    const runs: Runs = { count: 1, at: performance.now() };
    const calls = await this.queueWaiters(path, runs, Promise.resolve());
    await this.ctx.fault(
      'single-flight runner SIGKILL',
      async (f) => {
        process.kill(child.pid, 'SIGKILL');
        const killedAt = performance.now();
        history.endHold(worker, path, Number(token), 'lost', 'killed');
        f.recovered();
        await Promise.all(calls.map((c) => c.value));
        // The next run began within TTL + 1 s of the kill: the lock was freed in time.
        const grantedAt = runs.count > 1 ? runs.at : null;
        history.silent.push({ path, killedAt, grantedAt, boundMs: SESSION_TTL_MS + 1_000 });
      },
      { excuses: false, needs: 'waiter' },
    );
    await this.judge(round, path, runs, calls, 2);
  }

  /** Waiters 1…n call `singleFlight` of `path`, each seen waiting in the log before the next. */
  private async queueWaiters(path: string, runs: Runs, wait: Promise<void>): Promise<Call[]> {
    const calls: Call[] = [];
    for (let i = 1; i <= FLIGHT_WAITERS; i++) {
      calls.push(await this.clients.queue(i, path, () => this.call(i, path, runs, wait)));
    }
    return calls;
  }

  /**
   * `fn` ran `expected` times in all; the last run's caller and everyone after
   * it got its value; the log granted `path` `expected` times.
   */
  private async judge(round: number, path: string, runs: Runs, calls: Call[], expected: number) {
    const values = await Promise.all(calls.map((c) => c.value));
    const ran = `round ${round}: fn of ${path} ran ${runs.count} times, not ${expected}`;
    this.ctx.check(runs.count === expected, ran);
    const value = values[0];
    const told = JSON.stringify(values);
    const same = value !== null && values.every((v) => v === value);
    this.ctx.check(same, `round ${round}: the callers of ${path} got ${told}, not one run's value`);
    await this.ctx.recorder.drain();
    const logged = [...this.ctx.recorder.replay.grants].filter((k) => k.split('|')[1] === path);
    const inLog = `round ${round}: the log granted ${path} ${logged.length} times, not ${expected}`;
    this.ctx.check(logged.length === expected, inLog);
  }

  /** Client `i` calls `singleFlight(path)`; its `fn` counts a run and returns once `wait` does. */
  private call(i: number, path: string, runs: Runs, wait: Promise<void>): Call {
    const { history, level } = this.ctx;
    const client = this.clients.client(i);
    const worker = this.clients.worker(i);
    const req = history.requested(worker, path);
    const call: Call = { client: i, lease: null, value: Promise.resolve(null) };
    const fn = async (lease: Lease): Promise<string> => {
      runs.count++;
      runs.at = performance.now();
      call.lease = lease;
      history.granted(worker, req, client.session ?? '?', lease.token);
      watchLoss(history, worker, path, lease);
      await wait;
      history.endHold(worker, path, lease.token, 'release');
      return `${worker} ran ${path}`;
    };
    const options = { consistency: level, timeoutMs: SCENE_WAIT_MS };
    const outcome = (code: string) => {
      if (!call.lease) history.record({ kind: 'fail', worker, path, request: req.request, code });
    };
    call.value = client.singleFlight(path, fn, options).then(
      (v) => (outcome('ANSWERED'), v),
      (err: { code?: string }) => (outcome(err.code ?? 'unknown'), null),
    );
    return call;
  }
}

/**
 * `kill -9` of the active broker while a single-flight run is in progress
 * with waiters queued, then a runner process killed during its run (see
 * {@link FlightScene}), `rounds` times each.
 */
export const flightKillRounds =
  (rounds: number, { runnerDies = true } = {}): ScenarioBody =>
  async (ctx) => {
    const scene = await FlightScene.start(ctx, { runnerDies });
    const figures = await sceneKillRounds(ctx, rounds, scene, {
      name: 'broker kill -9 (single-flight run with waiters)',
      needs: 'hold',
      spans: ['exclusive'],
    });
    return { waiters: FLIGHT_WAITERS, ...figures };
  };
