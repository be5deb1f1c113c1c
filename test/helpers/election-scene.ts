/**
 * A broker `kill -9` during a leader's term, with candidates in line and
 * observers watching, on a path of each round's own (`lead/N`), set up by
 * clients of their own and recorded in the scenario's history (a term is a
 * hold: from its grant to its resign or loss, so the checker sees two terms
 * at once as an overlap):
 *
 * - the leader keeps its term across the takeover (its signal does not
 *   abort; the new broker takes its token as current), and each candidate
 *   its place in line;
 * - then each leader resigns in turn: the next candidate leads, with a
 *   larger token; the first resigns while Redis is stopped, and no
 *   observer may hear of the next leader before its grant is durable;
 * - every observer (each first tried a different broker) is told exactly
 *   the leaders there were, in order — nobody, each term's token, nobody —
 *   and every token it was told is a grant of the broker's log.
 */
import type { Leadership } from '../../client/leadership.js';
import { grantKey } from './checker.js';
import type { ScenarioBody } from './fault-bodies.js';
import type { FaultContext } from './fault-scenario.js';
import { eventually, sleep } from './harness.js';
import { SCENE_WAIT_MS, SceneClients, sceneKillRounds, type KillScene } from './scene-clients.js';
import { recordedHold } from './workload.js';

/** Candidates per round: one leads, the others wait in line. */
export const CANDIDATES = 4;
/** Observers per round, on clients of their own. */
export const OBSERVERS = 3;
/** How long an observer may take to be told of a change once it happened. */
const TOLD_WITHIN_MS = 10_000;
/** How long a request may take while Redis is stopped (the broker answers these from memory). */
const FENCE_MS = 5_000;

/** A candidate's run for leader; null if `elect` failed. */
interface Run {
  candidate: number;
  leadership: Promise<Leadership | null>;
}

/** What one observer was told, in order: a leader's token, or null (nobody). */
type Told = (number | null)[];

interface Armed {
  path: string;
  runs: Run[];
  told: Told[];
  stop: (() => void)[];
}

/** The scene's clients: candidates `elect-0…3`, then observers `elect-4…6`. */
export class ElectionScene implements KillScene<Armed> {
  private constructor(
    private readonly ctx: FaultContext,
    readonly clients: SceneClients,
  ) {}

  static async start(ctx: FaultContext): Promise<ElectionScene> {
    const scene = await SceneClients.start(ctx, 'elect', CANDIDATES + OBSERVERS, { rotate: true });
    return new ElectionScene(ctx, scene);
  }

  /** Observers watch `lead/<round>`; candidate 0 leads; the others queue in order behind it. */
  async arm(round: number): Promise<Armed> {
    const path = `lead/${round}`;
    const told: Told[] = [];
    const stop: (() => void)[] = [];
    for (let k = 0; k < OBSERVERS; k++) {
      const seen: Told = [];
      told.push(seen);
      const client = this.clients.client(CANDIDATES + k);
      stop.push(client.observe(path, (leader) => seen.push(leader?.token ?? null)));
    }
    const armed: Armed = { path, runs: [], told, stop };
    if (!(await this.toldOf(round, armed, null))) throw new Error(`round ${round}: no first word`);
    const first = this.run(0, path);
    const leader = await first.leadership;
    if (!leader) throw new Error(`round ${round}: elect-0 did not lead`);
    armed.runs.push(first);
    // Each seen waiting in the log before the next runs: the line's order is known.
    for (let c = 1; c < CANDIDATES; c++) {
      armed.runs.push(await this.clients.queue(c, path, () => this.run(c, path)));
    }
    if (!(await this.toldOf(round, armed, leader.token))) throw new Error(`round ${round}: untold`);
    return armed;
  }

  /**
   * After the takeover: the leader still leads and the candidates keep
   * their places; then each leader resigns in turn, and every observer must
   * be told of each next leader before it resigns, and of nobody at the end.
   */
  async handOn(round: number, armed: Armed): Promise<void> {
    const { runs, told, stop } = armed;
    const leader = (await runs[0]!.leadership)!;
    await this.kept(round, armed, leader);
    const tokens = [leader.token];
    let term: Leadership = leader;
    for (let c = 1; c < CANDIDATES; c++) {
      if (c === 1) await this.resignStalled(round, armed, term);
      else await this.resign(c - 1, term);
      const next = await runs[c]!.leadership;
      if (!this.ctx.check(next !== null, `round ${round}: elect-${c} never led`)) return;
      const last = tokens.at(-1)!;
      this.ctx.check(next!.token > last, `round ${round}: token ${next!.token} after ${last}`);
      tokens.push(next!.token);
      term = next!;
      if (!(await this.toldOf(round, armed, term.token))) return;
    }
    await this.resign(CANDIDATES - 1, term);
    const toldNobody = await this.toldOf(round, armed, null);
    for (const s of stop) s();
    if (!toldNobody) return;
    const expected = JSON.stringify([null, ...tokens, null]);
    for (const [k, seen] of told.entries()) {
      this.ctx.check(
        JSON.stringify(seen) === expected,
        `round ${round}: observer elect-${CANDIDATES + k} was told ${JSON.stringify(seen)}, not ${expected}`,
      );
    }
    await this.inLog(round, armed);
  }

  /** The leader still leads on the new broker; each candidate keeps its place in line. */
  private async kept(round: number, { path }: Armed, leader: Leadership): Promise<void> {
    const why = (leader.signal.reason as Error | undefined)?.message;
    this.ctx.check(!leader.signal.aborted, `round ${round}: elect-0 lost its term: ${why}`);
    const current = await this.clients
      .client(0)
      .isCurrent(path, leader.token)
      .catch(() => false);
    this.ctx.check(current, `round ${round}: the new broker does not take token ${leader.token}`);
    for (let c = 1; c < CANDIDATES; c++) {
      const place = await this.clients
        .client(c)
        .position(path)
        .catch(() => null);
      const at = place?.position ?? 'none';
      this.ctx.check(at === c, `round ${round}: elect-${c} is at place ${at} in line, not ${c}`);
    }
  }

  private run(c: number, path: string): Run {
    const client = this.clients.client(c);
    const options = { value: this.clients.worker(c), consistency: this.ctx.level };
    const elect = () => client.elect(path, { ...options, timeoutMs: SCENE_WAIT_MS });
    const history = this.ctx.history;
    const leadership = recordedHold(history, client, this.clients.worker(c), path, {}, elect);
    return { candidate: c, leadership: leadership.catch(() => null) };
  }

  private async resign(c: number, term: Leadership): Promise<void> {
    this.ctx.history.endHold(this.clients.worker(c), term.path, term.token, 'release');
    await term.resign().catch(() => undefined);
  }

  /**
   * The leader resigns while Redis is stopped: the next candidate's grant
   * cannot be durable, so no observer may hear of it yet. A client's next
   * answer shows the broker handled what came before it on its connection:
   * the leader's, that its resign (unanswered) was applied; each
   * observer's, that any word sent to it meanwhile has arrived.
   */
  private async resignStalled(round: number, armed: Armed, term: Leadership): Promise<void> {
    const { redis } = this.ctx;
    const answered = (c: number) =>
      Promise.race([
        this.clients
          .client(c)
          .isCurrent(armed.path, term.token)
          .catch(() => null),
        sleep(FENCE_MS).then(() => null),
      ]);
    await redis.kill('SIGSTOP');
    try {
      await this.resign(0, term);
      const current = await answered(0);
      this.ctx.check(current === false, `round ${round}: resigned token ${term.token} ${current}`);
      await Promise.all(Array.from({ length: OBSERVERS }, (_, k) => answered(CANDIDATES + k)));
      const early = armed.told.filter((seen) => seen.at(-1) !== term.token);
      const said = early.map((seen) => JSON.stringify(seen)).join(', ');
      const message = `round ${round}: observers told of a leader before its grant was durable: ${said}`;
      this.ctx.check(early.length === 0, message);
    } finally {
      await redis.kill('SIGCONT');
    }
  }

  /** Waits until every observer's latest word is `token`; a finding (and false) if not in time. */
  private async toldOf(round: number, { told }: Armed, token: number | null): Promise<boolean> {
    const all = () =>
      told.every((seen) => seen.length > 0 && seen.at(-1) === token) ? true : undefined;
    const ok = await eventually(all, TOLD_WITHIN_MS, 'observers told').catch(() => false);
    const said = told.map((seen) => JSON.stringify(seen)).join(', ');
    return this.ctx.check(ok, `round ${round}: observers not told of leader ${token}: ${said}`);
  }

  /** Every token an observer was told is a grant the broker's log made on the path. */
  private async inLog(round: number, { path, told }: Armed): Promise<void> {
    await this.ctx.recorder.drain();
    const sessions = Array.from({ length: CANDIDATES }, (_, c) => this.clients.client(c).session);
    const logged = (t: number) =>
      sessions.some((s) => s && this.ctx.recorder.replay.grants.has(grantKey(s, path, t)));
    for (const t of new Set(told.flat())) {
      if (t !== null)
        this.ctx.check(logged(t), `round ${round}: leader ${t} told, never granted in the log`);
    }
  }
}

/**
 * `kill -9` of the active broker during a leader's term with candidates in
 * line and observers watching (see {@link ElectionScene}), `rounds` times.
 */
export const electionKillRounds =
  (rounds: number): ScenarioBody =>
  async (ctx) => {
    const figures = await sceneKillRounds(ctx, rounds, await ElectionScene.start(ctx), {
      name: 'broker kill -9 (leader, candidates, observers)',
      needs: 'both',
      spans: ['exclusive'],
    });
    return { candidates: CANDIDATES, observers: OBSERVERS, ...figures };
  };
