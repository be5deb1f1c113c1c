/**
 * A broker `kill -9` while a semaphore and a read/write lock have holders
 * and queues, on paths of each round's own, set up by clients of their own
 * and recorded in the scenario's history:
 *
 * - `pool/N`, {@link PERMITS} permits: all held, two waiters queued;
 * - `doc/N`: two readers hold, a writer waits, two readers queued behind it.
 *
 * The holders must keep their permits and shares across the takeover (the
 * round needs a semaphore hold and a reader hold to span it), and the
 * queues their order: the writer is granted before the readers behind it
 * (the checker's skipped-waiter rule, on the `queued` events recorded here).
 */
import type { Lease } from '../../client/lease.js';
import type { ScenarioBody } from './fault-bodies.js';
import type { FaultContext } from './fault-scenario.js';
import { sleep } from './harness.js';
import type { LockKind } from './history.js';
import { SCENE_WAIT_MS, SceneClients, sceneKillRounds, type KillScene } from './scene-clients.js';
import { recordedAcquire, type PathSpec } from './workload.js';

/** Permits of each round's semaphore. */
export const PERMITS = 3;
/** The workload's paths beside the scene's: a mutex, a semaphore and a read/write lock. */
export const KIND_PATHS: PathSpec[] = [
  { path: 'a' },
  { path: 'sem', limit: 2 },
  { path: 'rw', readShare: 0.7 },
];
/** How long a waiter holds once the queue has handed it the lock. */
const HANDED_ON_HOLD_MS = 50;

const permit: LockKind = { limit: PERMITS };
const read: LockKind = { mode: 'read' };
const write: LockKind = { mode: 'write' };

/** One scene client's hold or queued acquire. */
interface Step {
  client: number;
  path: string;
  /** Resolves to the lease, or null if the acquire failed. */
  lease: Promise<Lease | null>;
}

/** A round's holders, and its waiters in queue order. */
interface Armed {
  holders: Step[];
  waiters: Step[];
}

/** The scene's clients: five sessions, each holding or waiting on both paths of a round. */
export class KindScene implements KillScene<Armed> {
  private constructor(
    private readonly ctx: FaultContext,
    readonly clients: SceneClients,
  ) {}

  static async start(ctx: FaultContext): Promise<KindScene> {
    return new KindScene(ctx, await SceneClients.start(ctx, 'kinds', 5));
  }

  /** Sets up the holders and queues of round `round`; returns holders and waiters in order. */
  async arm(round: number): Promise<Armed> {
    const pool = `pool/${round}`;
    const doc = `doc/${round}`;
    const holders = [
      ...[0, 1, 2].map((i) => this.take(i, pool, permit)),
      ...[3, 4].map((i) => this.take(i, doc, read)),
    ];
    const held = await Promise.all(holders.map((h) => h.lease));
    if (held.some((l) => l === null)) throw new Error(`round ${round}: a scene hold failed`);
    const waiters: Step[] = [];
    const queue: [number, string, LockKind][] = [
      [3, pool, permit],
      [4, pool, permit],
      [0, doc, write],
      [1, doc, read],
      [2, doc, read],
    ];
    // Each seen queued in the log before the next is sent: the queue order is known.
    for (const [i, path, kind] of queue) waiters.push(await this.queue(i, path, kind));
    return { holders, waiters };
  }

  /**
   * After the takeover: every holder must still hold. Then all let go, and
   * each waiter holds briefly once granted (long enough for a reader beside
   * the writer to show) and lets go; each must be granted.
   */
  async handOn(round: number, { holders, waiters }: Armed): Promise<void> {
    const held = await Promise.all(holders.map((h) => h.lease));
    for (const [i, lease] of held.entries()) {
      const why = lease ? (lease.signal.reason as Error | undefined)?.message : 'no lease';
      const kept = lease !== null && !lease.signal.aborted;
      this.ctx.check(kept, `round ${round}: kinds-${holders[i]!.client} lost its lock: ${why}`);
    }
    const handedOn = waiters.map(async (step) => {
      const lease = await this.granted(round, step);
      await sleep(HANDED_ON_HOLD_MS);
      await this.release(step.client, lease);
    });
    await Promise.all(held.map((lease, i) => this.release(holders[i]!.client, lease)));
    await Promise.all(handedOn);
  }

  private take(i: number, path: string, kind: LockKind): Step {
    const options = { consistency: this.ctx.level, timeoutMs: SCENE_WAIT_MS, ...kind };
    const client = this.clients.client(i);
    const lease = recordedAcquire(this.ctx.history, client, `kinds-${i}`, path, options);
    return { client: i, path, lease: lease.catch(() => null) };
  }

  /** Sends an acquire that must queue, and records it `queued` once the log shows its wait. */
  private queue(i: number, path: string, kind: LockKind): Promise<Step> {
    return this.clients.queue(i, path, () => this.take(i, path, kind));
  }

  private async granted(round: number, step: Step): Promise<Lease | null> {
    const lease = await step.lease;
    this.ctx.check(lease !== null, `round ${round}: kinds-${step.client} never got ${step.path}`);
    return lease;
  }

  private async release(i: number, lease: Lease | null | undefined): Promise<void> {
    if (!lease) return;
    this.ctx.history.endHold(`kinds-${i}`, lease.path, lease.token, 'release');
    await lease.release().catch(() => undefined);
  }
}

/**
 * `kill -9` of the active broker while a semaphore and a read/write lock
 * have holders and queues (see {@link KindScene}), `rounds` times, beside a
 * workload on a semaphore and a read/write lock of its own ({@link KIND_PATHS}).
 */
export const kindKillRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    const figures = await sceneKillRounds(ctx, rounds, await KindScene.start(ctx), {
      name: 'broker kill -9 (semaphore and read/write queues)',
      needs: 'both',
      spans: ['semaphore', 'read'],
    });
    return { permits: PERMITS, ...figures };
  };
