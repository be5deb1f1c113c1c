/**
 * Redis losing data under a running cluster, as fault rounds: each round
 * arms one {@link LossKind} (`loss-kinds.ts`), waits for a strict hold with a
 * waiter behind it, loses the data and checks what the README promises,
 * judged besides by the full checker:
 *
 * - the active broker alive: it reseeds a new generation from its table (or,
 *   when only the lease keys went, takes its lease back); no other broker
 *   leads; it says "Redis lost data" and "seeded dataset generation";
 * - the active broker dead too: a standby takes over without a continuous
 *   log and grants nothing strict for the grace (`--max-session-ttl-ms`,
 *   here the workload's session TTL) but the holds it knew of;
 * - either way the cluster serves again within a lease (plus the grace).
 */
import type { BrokerCluster, ClusterNode } from './broker-cluster.js';
import type { ScenarioBody } from './fault-bodies.js';
import { LEASE_MS, SESSION_TTL_MS, type FaultContext } from './fault-scenario.js';
import { startCutOffHolder, type CutOffHolder } from './cut-off-holder.js';
import { eventually, sleep } from './harness.js';
import { LogReader } from '../../server/mirror/log-reader.js';
import { KEYS, type DataLossRig, type LossKind } from './loss-kinds.js';

/** Strict grants received this close to the grace's end are not counted as inside it. */
export const GRACE_MARGIN_MS = 200;
/**
 * "Never stuck": from Redis answering again to a grant of an acquire sent
 * after the loss, at most a leader lease, the grace when the active died too,
 * and this for the takeover's lookups, promotion and clients reconnecting.
 */
export const SERVING_SLACK_MS = 2_000;
/** How long a reseed (or a takeover) may take to show before the round is failed. */
const RECOVERY_TIMEOUT_MS = 5_000;

const LINES = {
  loss: /Redis lost data \(/,
  seeded: /seeded dataset generation/,
  reseeded: /Redis lost data, the table was written anew/,
  graced: /took over without a continuous log: no strict grant for (\d+) ms/,
  active: /active \(epoch \d+\)/,
  deposed: /deposed/,
};
type LineKind = keyof typeof LINES;
/** Per node, lines of each kind printed so far (all its incarnations). */
type Counts = Record<LineKind, number>[];

function countLines(cluster: BrokerCluster): Counts {
  return cluster.nodes.map((n) => {
    const c = { loss: 0, seeded: 0, reseeded: 0, graced: 0, active: 0, deposed: 0 };
    for (const line of n.log) {
      for (const k of Object.keys(LINES) as LineKind[]) if (LINES[k].test(line)) c[k]++;
    }
    return c;
  });
}

const since = (now: Counts, before: Counts, kind: LineKind, node: ClusterNode): number =>
  (now[node.index]?.[kind] ?? 0) - (before[node.index]?.[kind] ?? 0);

/** A rounded ms figure. */
const ms = (x: number): number => Math.round(x);

/** Per kind, what its rounds showed: the JSON line's `losses`. */
interface KindFigures {
  rounds: number;
  /** "Redis lost data" lines, per broker. */
  lossLines: number[];
  reseeds: number;
  gracedTakeovers: number;
  /** Loss → the reseed (or takeover) line seen. */
  recoveredMs: number[];
  /** Loss → the first grant of an acquire sent after it. */
  servingMs: number[];
  /** Strict grants inside the grace that the new broker did not know were held. */
  strictGraceGrants: number[];
  [more: string]: number | number[];
}

/**
 * `rounds` rounds of each kind, in order; the cluster must come through each
 * as its outcome says. Each round watches the brokers' lines from where the
 * last one stopped, so a takeover between rounds is seen too. Closes the
 * rig's client when done.
 */
export const dataLossRounds =
  (rig: DataLossRig, kinds: LossKind[], rounds: number): ScenarioBody =>
  async (ctx) => {
    const losses: Record<string, KindFigures> = {};
    // Each round's cut-off holder ends on its own lease, while the next rounds run.
    const cutOffs: Promise<void>[] = [];
    let mark = countLines(ctx.cluster);
    try {
      await ctx.progress();
      for (let round = 0; round < rounds; round++) {
        for (const kind of kinds) {
          const figures = (losses[kind.id] ??= {
            rounds: 0,
            lossLines: ctx.cluster.nodes.map(() => 0),
            reseeds: 0,
            gracedTakeovers: 0,
            recoveredMs: [],
            servingMs: [],
            strictGraceGrants: [],
          });
          const label = `${kind.id} round ${round}`;
          // A takeover gives every session a full TTL again: the cut-off holders' bounds
          // assume at most one failover, so a takeover waits for their waiters.
          if (kind.outcome === 'graced-takeover') await Promise.all(cutOffs);
          const r = await lossRound(ctx, rig, { kind, label, figures, mark });
          if (!r) return { losses };
          cutOffs.push(r.done);
          mark = r.mark;
        }
      }
      // A late takeover shows by then: a standby waits at most a lease more than the leader.
      await Promise.all([...cutOffs, sleep(LEASE_MS * 1.5)]);
      const leader = ctx.cluster.active();
      if (ctx.check(leader !== undefined, 'no active broker after the last loss')) {
        checkNoTakeover(ctx, 'after the last loss', leader!, mark, countLines(ctx.cluster));
      }
    } finally {
      rig.redis.disconnect();
    }
    return { losses };
  };

/** A takeover with the grace, as seen: when, for how long, by whom, and the holds it knew. */
interface Grace {
  from: number;
  ms: number;
  node: ClusterNode;
  known: Set<string>;
}

/** What one round is and saw, for its checks and figures. */
interface RoundRecord {
  label: string;
  kind: LossKind;
  figures: KindFigures;
  /** The lines when the round's watch began (where the last round's ended). */
  mark: Counts;
  leader: ClusterNode;
  /** The lines just before the loss. */
  before: Counts;
  lossAt: number;
  answersAt: number;
  recoveredAt: number;
  grace?: Grace;
  extra: Record<string, number>;
}

type Round = Pick<RoundRecord, 'kind' | 'label' | 'figures' | 'mark'>;

/**
 * One loss: arming, a holder cut off across it, a spanning hold with a
 * waiter, the loss, the outcome; then the checks and figures. Returns the
 * cut-off holder's end (not awaited: it ends on its own lease) and the
 * lines where the next round's watch begins.
 */
async function lossRound(
  ctx: FaultContext,
  rig: DataLossRig,
  round: Round,
): Promise<{ done: Promise<void>; mark: Counts } | null> {
  const { kind, label } = round;
  // The last round ended once the cluster served again; the first starts once it serves.
  const leader = ctx.cluster.active();
  if (!ctx.check(leader !== undefined, `${label}: no active broker`)) return null;
  const r: RoundRecord = {
    ...round,
    leader: leader!,
    before: round.mark,
    lossAt: NaN,
    answersAt: NaN,
    recoveredAt: NaN,
    extra: {},
  };
  const lose = await kind.arm(ctx, rig);
  const cutOff = await cutOffHolder(ctx, r);
  await ctx.holdWithWaiter(kind.holdMs);
  const busy = await ctx.busyLoop(`busy/${label.replace(/ /g, '-')}`);
  await ctx.fault(kind.name, async (fault) => {
    const connections = ctx.work.connections();
    r.before = countLines(ctx.cluster);
    r.lossAt = await cutOff.cut();
    r.extra = await lose(r.leader);
    fault.logLost();
    r.answersAt = performance.now();
    const seen = (): Promise<true | undefined> => outcomeSeen(ctx, rig, r);
    const back = await eventually(seen, RECOVERY_TIMEOUT_MS).catch(() => false);
    r.recoveredAt = performance.now();
    ctx.check(back === true, `${label}: no ${kind.outcome} within ${RECOVERY_TIMEOUT_MS} ms`);
    if (kind.outcome === 'graced-takeover') {
      // A hold spans the fault only if it outlived its holder's resume on the new broker.
      const resumed = await ctx.reconnected(connections);
      ctx.check(resumed, `${label}: not every client came back within 5 s of the takeover`);
    }
    fault.recovered();
  });
  // Serving again: the busy loop's next grant is of an acquire sent after the loss.
  await ctx.progress();
  await busy.stop();
  if (kind.outcome === 'graced-takeover') await ctx.cluster.restart(r.leader);
  const now = countLines(ctx.cluster);
  judgeRound(ctx, r, now);
  return { done: cutOff.done, mark: now };
}

/** A holder cut off from the brokers across the loss, on a path of the round's own. */
async function cutOffHolder(ctx: FaultContext, r: RoundRecord): Promise<CutOffHolder> {
  const failover = r.kind.outcome === 'graced-takeover';
  return startCutOffHolder(`cut-off/${r.label.replace(/ /g, '-')}`, {
    history: ctx.history,
    brokerPort: r.leader.port,
    level: ctx.level,
    sessionTtlMs: SESSION_TTL_MS,
    boundMs: SESSION_TTL_MS + 1_000 + (failover ? LEASE_MS : 0),
    waiter: await ctx.client(),
    recorder: ctx.recorder,
  });
}

/** Whether the round's outcome has shown: the reseed, the lease back, or the graced takeover. */
async function outcomeSeen(
  ctx: FaultContext,
  rig: DataLossRig,
  r: RoundRecord,
): Promise<true | undefined> {
  const now = countLines(ctx.cluster);
  if (r.kind.outcome === 'graced-takeover') {
    const node = ctx.cluster.nodes.find(
      (n) => n !== r.leader && since(now, r.before, 'graced', n) > 0,
    );
    if (!node) return undefined;
    const line = [...node.log].reverse().find((l) => LINES.graced.test(l)) ?? '';
    const graceMs = Number(line.match(LINES.graced)?.[1] ?? 0);
    r.grace = { from: performance.now(), ms: graceMs, node, known: await knownHolds(rig) };
    return true;
  }
  if (since(now, r.before, 'reseeded', r.leader) > 0) return true;
  if (r.kind.outcome === 'reseed-or-lease') {
    const [holder, epoch] = await rig.redis.mget(KEYS.leader, KEYS.epoch).catch(() => []);
    if (holder?.endsWith(` ${r.leader.url}`) && epoch) return true;
  }
  return undefined;
}

/** The round's checks, and its figures added to its kind's. */
function judgeRound(ctx: FaultContext, r: RoundRecord, now: Counts): void {
  const { label, kind, leader, before, grace, figures } = r;
  const graced = kind.outcome === 'graced-takeover';
  const first = ctx.history.events.find((e) => e.kind === 'grant' && e.requestedAt > r.lossAt);
  const servedMs = first ? first.at - r.answersAt : Infinity;
  const boundMs = LEASE_MS + (graced ? SESSION_TTL_MS : 0) + SERVING_SLACK_MS;
  ctx.check(
    servedMs <= boundMs,
    `${label}: ${ms(servedMs)} ms from Redis answering to serving again > ${boundMs} ms`,
  );
  // The broker that leads afterwards found the loss itself.
  const finder = graced ? grace?.node : leader;
  ctx.check(
    finder !== undefined && since(now, before, 'loss', finder) > 0,
    `${label}: the broker that leads afterwards did not say "Redis lost data"`,
  );
  if (graced) {
    const blind = grace ? strictGrantsInGrace(ctx, grace) : 0;
    if (grace) figures.strictGraceGrants.push(blind);
    ctx.check(blind === 0, `${label}: ${blind} strict grants during the grace`);
  } else {
    checkNoTakeover(ctx, label, leader, r.mark, now);
    ctx.check(
      kind.outcome !== 'reseed' || since(now, before, 'seeded', leader) > 0,
      `${label}: the active broker did not print "seeded dataset generation"`,
    );
  }
  const total = (kind: LineKind): number =>
    ctx.cluster.nodes.reduce((sum, n) => sum + since(now, before, kind, n), 0);
  figures.rounds++;
  for (const n of ctx.cluster.nodes) {
    figures.lossLines[n.index] = (figures.lossLines[n.index] ?? 0) + since(now, before, 'loss', n);
  }
  figures.reseeds += total('reseeded');
  figures.gracedTakeovers += total('graced');
  figures.recoveredMs.push(ms(r.recoveredAt - r.lossAt));
  figures.servingMs.push(ms(first ? first.at - r.lossAt : Infinity));
  for (const [k, v] of Object.entries(r.extra)) {
    figures[k] = [...((figures[k] as number[] | undefined) ?? []), v];
  }
}

/**
 * Since `mark`, `leader` led throughout: it is the active broker, it was
 * never deposed, and no other broker announced itself active.
 */
function checkNoTakeover(
  ctx: FaultContext,
  label: string,
  leader: ClusterNode,
  mark: Counts,
  now: Counts,
): void {
  ctx.check(ctx.cluster.active() === leader, `${label}: the active broker changed`);
  ctx.check(since(now, mark, 'deposed', leader) === 0, `${label}: the active broker was deposed`);
  const others = ctx.cluster.nodes.filter((n) => n !== leader && since(now, mark, 'active', n) > 0);
  ctx.check(others.length === 0, `${label}: another broker became active`);
}

/** The holds the new generation's snapshot lists: what the broker that seeded it knew was held. */
async function knownHolds(rig: DataLossRig): Promise<Set<string>> {
  const snap = await new LogReader(rig.redis, KEYS).snapshot().catch(() => null);
  const known = new Set<string>();
  for (const [path, holder] of snap?.table.locks ?? []) {
    if (holder) known.add(`${holder[0]}|${path}|${holder[2]}`);
  }
  return known;
}

/**
 * Strict grants received inside the grace (from the takeover seen to its end,
 * less {@link GRACE_MARGIN_MS}) of a hold the new broker did not know of.
 */
function strictGrantsInGrace(ctx: FaultContext, g: Grace): number {
  if (ctx.level !== 'strict') return 0;
  const to = g.from + g.ms - GRACE_MARGIN_MS;
  return ctx.history.events.filter(
    (e) =>
      e.kind === 'grant' &&
      e.at >= g.from &&
      e.at < to &&
      !g.known.has(`${e.session}|${e.path}|${e.token}`),
  ).length;
}
