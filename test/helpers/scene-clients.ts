/**
 * The clients a kill scene sets up beside the workload (`kind-scene.ts`,
 * `election-scene.ts`, `flight-scene.ts`): sessions of their own, counted
 * back after a takeover, whose queued acquires are recorded once the
 * broker's log shows them waiting.
 */
import { connect, type BatonClient } from '../../client/node.js';
import { killActive, type KillOptions } from './fault-bodies.js';
import { SESSION_TTL_MS, percentiles, type FaultContext } from './fault-scenario.js';
import { eventually } from './harness.js';

/** How long a scene acquire waits: long past a takeover on a loaded machine. */
export const SCENE_WAIT_MS = 20_000;
/**
 * The scene's sessions: twice the workload's TTL, so that a takeover slowed
 * by a loaded machine (2.3 s seen under load 11 on 2 cores) does not outlast
 * what a holder's SDK counts from its last acknowledged heartbeat.
 */
export const SCENE_TTL_MS = 2 * SESSION_TTL_MS;

/** `urls` turned to start at its `i`th (mod length): clients that first try each broker. */
export function rotated(urls: string[], i: number): string[] {
  const k = i % urls.length;
  return [...urls.slice(k), ...urls.slice(0, k)];
}

/** A scene's sessions, named `<prefix>-<i>`, with how many times each connected. */
export class SceneClients {
  private readonly connects: number[] = [];

  private constructor(
    private readonly ctx: FaultContext,
    readonly prefix: string,
    readonly clients: BatonClient[],
  ) {
    clients.forEach((c, i) => {
      this.connects[i] = 1;
      c.onStatus((st) => {
        if (st.state === 'connected') this.connects[i] = (this.connects[i] ?? 0) + 1;
      });
    });
  }

  /** Connects `count` clients; with `rotate`, client `i` tries the brokers from the `i`th URL on. */
  static async start(
    ctx: FaultContext,
    prefix: string,
    count: number,
    { rotate = false } = {},
  ): Promise<SceneClients> {
    const clients: BatonClient[] = [];
    for (let i = 0; i < count; i++) {
      const options = { sessionTtlMs: SCENE_TTL_MS, reconnectMaxDelayMs: 200 };
      const url = rotate ? rotated(ctx.urls, i) : ctx.urls;
      clients.push(
        await connect({ ...options, url, connectTimeoutMs: 10_000, name: `${prefix}-${i}` }),
      );
    }
    return new SceneClients(ctx, prefix, clients);
  }

  client(i: number): BatonClient {
    return this.clients[i]!;
  }

  worker(i: number): string {
    return `${this.prefix}-${i}`;
  }

  /** Connections made so far, per client. */
  connections(): number[] {
    return [...this.connects];
  }

  /** Waits until every client connected again since `before`; false after 5 s. */
  back(before: number[]): Promise<boolean> {
    const all = (): true | undefined =>
      this.connects.every((n, i) => n > (before[i] ?? 0)) ? true : undefined;
    return eventually(all, 5_000, `the ${this.prefix} clients back`).catch(() => false);
  }

  /**
   * Calls `send` (which sends an acquire of `path` from client `i` that
   * must queue) and records that acquire `queued` once the log shows its
   * wait: an acquire sent after this is behind it. Returns what `send` did.
   */
  async queue<T>(i: number, path: string, send: () => T): Promise<T> {
    const session = this.client(i).session ?? '?';
    const before = this.ctx.recorder.waitsOn(path, session);
    const sent = send();
    const request = this.ctx.history.lastRequest(this.worker(i));
    const seen = () => (this.ctx.recorder.waitsOn(path, session) > before ? true : undefined);
    await eventually(seen, 5_000, `${this.worker(i)} queued on ${path} in the log`);
    this.ctx.history.record({ kind: 'queued', worker: this.worker(i), path, request });
    return sent;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

/** A scene of kill rounds: set up before each kill, judged after the takeover. */
export interface KillScene<Armed> {
  /** Its clients: the kill waits for them to come back, and they close at the end. */
  readonly clients: SceneClients;
  /** Sets up round `round` before the kill. */
  arm(round: number): Promise<Armed>;
  /** After the takeover: what must have survived it, and the hand-on. */
  handOn(round: number, armed: Armed): Promise<void>;
  /** After the hand-on: a fault of the scene's own, say. */
  after?(round: number): Promise<void>;
}

/**
 * `rounds` times: the scene is armed, the active broker `kill -9`ed (`kill`
 * says what the round needs), and the scene judged once it and the
 * workload are back. Returns the takeover times.
 */
export async function sceneKillRounds<Armed>(
  ctx: FaultContext,
  rounds: number,
  scene: KillScene<Armed>,
  kill: Omit<KillOptions, 'othersBack'>,
): Promise<{ takeoverMs: ReturnType<typeof percentiles> }> {
  const takeovers: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      await ctx.progress();
      const armed = await scene.arm(round);
      const before = scene.clients.connections();
      const othersBack = () => scene.clients.back(before);
      const { killedAt, takeoverAt } = await killActive(ctx, round, { ...kill, othersBack });
      takeovers.push(takeoverAt - killedAt);
      await scene.handOn(round, armed);
      await scene.after?.(round);
    }
  } finally {
    await scene.clients.close();
  }
  return { takeoverMs: percentiles(takeovers) };
}
