import { Redis, type RedisOptions } from 'ioredis';
import { nanoid } from 'nanoid';
import { backoffMs } from '../../shared/backoff.js';
import type { JournalEntry } from '../core/journal.js';
import { delay, type Timer } from '../clock.js';
import { LogThrottle, type Logger } from '../log.js';
import { notReady, READY, type Readiness } from '../readiness.js';
import type { TokenBlock } from '../tokens/token-store.js';
import { encodeEntries, encodeTable } from './batch.js';
import { GenerationFile } from './generation-file.js';
import { redisKeys, type RedisKeys } from './keys.js';
import { HolderWatch, LeaderLease } from './leadership.js';
import { LogFollower } from './log-follower.js';
import { LogReader } from './log-reader.js';
import { LogWriter, waitForReplicas, type WriterStop } from './log-writer.js';
import type { DataLoss, Mirror, MirrorHost, MirrorStatus } from './mirror.js';
import type { ResolvedRedisMirrorOptions } from './redis-mirror-options.js';
import { RedisTokenStore, TokenMarkLostError } from './redis-token-store.js';
import { RedisScripts, type Owner } from './scripts.js';

/** Who this broker is, beside its Redis options. */
export interface RedisMirrorContext {
  /** "id url": unique per process, with the URL clients are sent to. */
  me: string;
  /** Where the generation last belonged to is kept; null keeps nothing. */
  dataDir: string | null;
  /**
   * How long a broker that takes over without a continuous log grants nothing
   * strict: the longest session TTL that could still be running.
   */
  strictGraceMs: number;
}

/** Changes appended while a new generation is being seeded, and who waits for them. */
interface Reseeding {
  held: JournalEntry[];
  waiters: (() => void)[];
  /** Waiters of the writer stopped for the reseed: durable once the seed is. */
  pending: (() => void)[];
}

/** Another broker seeded, leads, or took a newer epoch first. */
class NotSeededError extends Error {}

const urlOf = (holder: string | null): string | null => holder?.split(' ')[1] ?? null;

/**
 * The Redis side of a broker: one active broker at a time holds the leader
 * lease and appends the table's journal to a fenced log; standbys tail it
 * and take over when the lease lapses or is handed over. Every write names
 * the dataset generation and epoch it is for, so a deposed broker writes
 * nothing, and a Redis that lost data is noticed: a live leader seeds a new
 * generation from its table; a broker that takes over without a continuous
 * log grants nothing strict for a session TTL first.
 */
export class RedisMirror implements Mirror {
  role: 'standby' | 'promoting' | 'active' = 'standby';
  epoch = 0;
  private host!: MirrorHost;
  private readonly keys: RedisKeys;
  /** Appends, then WAIT for their replication; the lease and the tail have their own. */
  private readonly redis: Redis;
  private readonly leaseConn: Redis;
  private readonly tailConn: Redis;
  private readonly scripts: RedisScripts;
  private readonly leaseScripts: RedisScripts;
  /** Reads for promotions, on the log connection: the tail's may be blocked in a read. */
  private readonly reader: LogReader;
  private readonly follower: LogFollower;
  private readonly tokens: RedisTokenStore;
  private readonly lease: LeaderLease;
  private readonly watch: HolderWatch;
  private readonly marks: GenerationFile | null;
  private writer: LogWriter | null = null;
  private owner: Owner = { generation: '', epoch: 0 };
  private reachable = true;
  private leadTimer: unknown = null;
  /** The host's timers, known once started. */
  private readonly timer: Timer = {
    set: (fn, delayMs) => this.host.timer.set(fn, delayMs),
    clear: (handle) => this.host.timer.clear(handle),
  };
  private tailing: Promise<void> | null = null;
  private closed = false;
  private throttle: LogThrottle | null = null;
  private leading = false;
  private handingOver = false;
  /** Set from the moment the writer stops for a reseed until the new generation has a writer. */
  private reseeding: Reseeding | null = null;
  /** A seed attempt is in flight. */
  private seedingNow = false;
  /** A reseed waits for the lease to be confirmed (the backlog overflowed while Redis was away). */
  private reseedDue = false;
  /** Until when (monotonic ms) strict grants must wait after a takeover without a continuous log. */
  private graceUntil = -Infinity;
  /** The last generation seen in Redis (loaded or not), and the highest epoch key seen there. */
  private seenGeneration = '';
  private storedEpoch = 0;
  /** When (monotonic ms) a read of the log last reached its end with the table applied up to it. */
  private caughtUpAt = -Infinity;
  private readonly losses = {
    count: 0,
    last: null as MirrorStatus['lastDataLoss'],
    /** Findings already reported, by generation: each is logged once. */
    reported: new Set<string>(),
  };

  constructor(
    private readonly options: ResolvedRedisMirrorOptions,
    private readonly context: RedisMirrorContext,
  ) {
    this.keys = redisKeys(options.keyPrefix, options.cluster);
    const common: RedisOptions = {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(50 * times, 500),
      // After a failover an old primary comes back as a replica: find the new one.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      ...(options.sentinels.length > 0
        ? { sentinels: [...options.sentinels], name: options.sentinelName }
        : {}),
      ...(options.username !== undefined && { username: options.username }),
      ...(options.password !== undefined && { password: options.password }),
      ...((options.tlsCa !== null || options.tlsClient !== null) && {
        tls: {
          ...(options.tlsCa !== null && { ca: options.tlsCa }),
          ...(options.tlsClient !== null && {
            cert: options.tlsClient.cert,
            key: options.tlsClient.key,
          }),
        },
      }),
    };
    const url = options.sentinels.length > 0 ? undefined : options.url;
    const open = (extra: RedisOptions): Redis => {
      const redis = url
        ? new Redis(url, { ...common, ...extra })
        : new Redis({ ...common, ...extra });
      redis.on('error', () => {});
      return redis;
    };
    // Commands fail fast while Redis is away instead of piling up in memory.
    const leaseTimeout = Math.max(200, Math.floor(options.leaderLeaseMs / 3));
    this.redis = open({
      enableOfflineQueue: false,
      commandTimeout: options.waitTimeoutMs + leaseTimeout,
    });
    this.leaseConn = open({ enableOfflineQueue: false, commandTimeout: leaseTimeout });
    this.tailConn = open({});
    this.scripts = new RedisScripts(this.redis, this.keys);
    this.leaseScripts = new RedisScripts(this.leaseConn, this.keys);
    this.reader = new LogReader(this.redis, this.keys);
    this.follower = new LogFollower(new LogReader(this.tailConn, this.keys), {
      restore: (snapshot) => this.host.restore(snapshot),
      replay: (entries) => this.host.replay(entries),
      dataLoss: (what, detail) => this.dataLoss(what, detail),
      handedOver: () => {
        this.watch.handedOver();
        void this.lead();
      },
      wait: (ms) => delay(this.timer, ms),
      tailFailed: (err) =>
        this.throttled('tail', (heldBack) => this.log.warn({ err, heldBack }, 'log tail failed')),
      caughtUp: () => {
        this.caughtUpAt = this.host.now();
      },
    });
    this.tokens = new RedisTokenStore(
      this.redis,
      this.scripts,
      () => this.owner,
      () => this.host.wallMs(),
      options,
    );
    this.lease = new LeaderLease(
      options.leaderLeaseMs,
      () => this.host.now(),
      this.timer,
      () => {
        if (this.role === 'active') void this.host.event({ type: 'lease', valid: false });
      },
    );
    this.watch = new HolderWatch(options.leaderLeaseMs);
    this.marks = context.dataDir === null ? null : new GenerationFile(context.dataDir);
  }

  async start(host: MirrorHost): Promise<void> {
    this.host = host;
    this.watchConnection();
    // A standby's looks on a new connection cannot vouch for what happened
    // while it was down (Redis may have restarted empty): as a failed look.
    this.leaseConn.on('close', () => {
      if (this.role === 'standby') this.watch.unreachable();
    });
    // ioredis rejects with "Connection is closed."; the why (WRONGPASS, an
    // untrusted certificate, a refused port) comes in an 'error' event, and
    // any of the three connections may fail first.
    let why = '';
    const noteWhy = (err: Error): void => void (why ||= err.message);
    const conns = [this.redis, this.leaseConn, this.tailConn];
    for (const conn of conns) conn.on('error', noteWhy);
    try {
      await Promise.all(conns.map((conn) => conn.connect()));
    } catch (err) {
      throw new Error(
        `cannot use Redis at ${redisName(this.options)}: ${why || (err as Error).message}`,
      );
    } finally {
      for (const conn of conns) conn.off('error', noteWhy);
    }
    // A standby's table is warm before it answers anyone; no dataset yet is fine.
    await this.follower
      .load()
      .catch((err: Error) => this.log.warn({ err }, 'loading the log failed'));
    this.tailing = this.follower.follow(() => this.following());
    this.leadEvery(Math.floor(this.options.leaderLeaseMs / 3));
    await this.lead();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer.clear(this.leadTimer);
    this.lease.drop();
    this.writer?.stop();
    this.redis.disconnect();
    this.leaseConn.disconnect();
    this.tailConn.disconnect();
    await this.tailing?.catch(() => {});
  }

  // ---- for the active broker ------------------------------------------------

  append(entries: readonly JournalEntry[]): void {
    if (this.reseeding) for (const e of entries) this.reseeding.held.push(e);
    else this.writer?.append(entries);
  }

  whenDurable(fn: () => void): void {
    if (this.reseeding) return void this.reseeding.waiters.push(fn);
    const durable = this.writer?.durable();
    // No writer: this broker does not lead, and what it made will never be durable.
    if (durable === undefined) return;
    if (durable === null) fn();
    else void durable.then(fn);
  }

  /**
   * May an efficient grant go out now? While the leader lease is surely ours,
   * yes. Past that, only if Redis cannot be reached at all (then no other
   * broker can take the lease either, unless Redis comes back without it).
   */
  mayGrant(now: number): boolean {
    return this.role === 'active' && (this.lease.valid(now) || !this.reachable);
  }

  async reserve(issuedUpTo: number, count: number): Promise<TokenBlock> {
    try {
      return await this.tokens.reserve(issuedUpTo, count);
    } catch (err) {
      if (err instanceof TokenMarkLostError) this.lost(err.what, 'reserving fencing tokens');
      throw err;
    }
  }

  status(): MirrorStatus {
    const lag = this.writer?.lagMs() ?? { p50: 0, p99: 0, max: 0, batches: 0 };
    return {
      backlogEntries: this.writer?.lag ?? 0,
      lag,
      generation: this.follower.generation,
      dataLosses: this.losses.count,
      lastDataLoss: this.losses.last,
    };
  }

  /**
   * The active broker is a working member while its leader lease is surely
   * its own: past that Redis has not answered a renewal for most of a lease,
   * so it may be deposed already, and new sessions and strict grants wait
   * for Redis anyway (efficient grants to open sessions still go out).
   */
  readiness(now: number): Readiness {
    if (this.closed) return notReady('closing');
    if (this.handingOver) return notReady('handing-over');
    if (this.role === 'promoting') return notReady('promoting');
    if (this.role === 'active')
      return this.lease.valid(now) ? READY : notReady('lease-unconfirmed');
    return this.standbyReadiness(now);
  }

  /**
   * A standby is caught up when its table holds a dataset, needs no reload,
   * and a read of the log reached the log's end within the last leader lease.
   * That is all a standby can tell without asking Redis more: its tail reads
   * every 50 ms at most when idle, and a read that comes back with less than
   * a page saw the end. One far behind reads full pages; one whose reads
   * fail is marked for a reload; one whose reads hang stops reaching the
   * end; a lease later (when it would take over anyway) it says so.
   * Entries the active broker has not written yet are not the standby's to
   * see: that is the active broker's backlog (`baton_mirror_backlog_entries`).
   */
  private standbyReadiness(now: number): Readiness {
    if (this.follower.generation === '') return notReady('no-dataset');
    if (this.follower.needsLoad || this.follower.loading) return notReady('not-following');
    if (now - this.caughtUpAt > this.options.leaderLeaseMs) return notReady('behind');
    return READY;
  }

  async handOver(): Promise<string | null> {
    const writer = this.writer;
    if (this.role !== 'active' || !writer || this.reseeding) return null;
    this.handingOver = true;
    // Bounded: with Redis away the log cannot be flushed, and the lease will lapse anyway.
    const deadline = this.host.now() + this.options.leaderLeaseMs;
    const timeLeft = (): number => Math.max(0, deadline - this.host.now());
    for (let durable = writer.durable(); durable; durable = writer.durable()) {
      if (
        !(await Promise.race([
          durable.then(() => true),
          delay(this.timer, timeLeft()).then(() => false),
        ]))
      ) {
        break;
      }
    }
    const flushed = writer.durable() === null;
    writer.stop();
    const empty = encodeEntries([]);
    const handed = flushed
      ? await this.scripts
          .handOver(this.owner, writer.acked.seq + 1, empty, this.context.me)
          .catch(() => null)
      : null;
    this.lease.drop();
    this.role = 'standby';
    if (handed?.status !== 'done') return null;
    // A standby tailing the log takes over within a few ms; wait to name it to clients.
    while (timeLeft() > 0 && !this.closed) {
      const holder = await this.leaseConn.get(this.keys.leader).catch(() => null);
      if (holder && holder !== this.context.me) return urlOf(holder);
      await delay(this.timer, 5);
    }
    return null;
  }

  // ---- leadership -------------------------------------------------------------

  private following(): boolean {
    return !this.closed && this.role === 'standby' && !this.handingOver;
  }

  /** One step of the leader lease: a standby looks and maybe takes it, the active renews it. */
  private async lead(): Promise<void> {
    if (this.closed || this.leading || this.handingOver || this.role === 'promoting') return;
    this.leading = true;
    try {
      if (this.role === 'active') await this.renew();
      else await this.look();
    } catch (err) {
      this.reachable = false;
      if (this.role === 'standby') this.watch.unreachable();
      this.throttled('lease', (heldBack) =>
        this.log.warn({ err, heldBack }, 'leader lease check failed'),
      );
    } finally {
      this.leading = false;
    }
  }

  private async renew(): Promise<void> {
    const writer = this.writer;
    if (!writer || this.seedingNow) return;
    const sentAt = this.host.now();
    const { me } = this.context;
    const { leaderLeaseMs } = this.options;
    const outcome = await this.leaseScripts.renewLead(
      me,
      leaderLeaseMs,
      this.owner,
      writer.acked.seq,
    );
    if (outcome.status === 'fenced') return this.demote(false);
    if (outcome.status === 'lost') return this.lost(outcome.what, 'renewing the leader lease');
    this.reachable = true;
    this.lease.confirm(sentAt);
    void this.host.event({ type: 'lease', valid: true });
    if (this.reseedDue) void this.reseed();
  }

  /** A standby's look at the lease: follow the dataset, and take over when the lease is free. */
  private async look(): Promise<void> {
    const now = (): number => this.host.now();
    const { generation: gen, holder, leaseLeftMs, epoch: storedEpoch } = await this.peek();
    this.watch.reachable(now());
    const seen = this.seenEpoch();
    // Another generation below an epoch already seen is an older copy of the
    // dataset (Redis rewound), not a newer one: it is never loaded.
    const older = gen !== null && gen !== this.follower.generation && storedEpoch < seen;
    if (holder !== null && holder !== this.context.me) {
      this.watch.held(now(), leaseLeftMs);
      if (gen !== null && !older) this.noteGeneration(gen, storedEpoch);
      return void this.host.event({ type: 'leader', url: urlOf(holder) });
    }
    // Nobody leads: clients are not sent to a broker that is gone.
    void this.host.event({ type: 'leader', url: null });
    if (gen === null || older) return this.lostGeneration(gen, storedEpoch, seen);
    this.noteGeneration(gen, storedEpoch);
    if (holder === null && this.watch.vanishedEarly(now())) {
      this.dataLoss('leader', 'the leader lease key vanished before its TTL ran out');
    }
    if (!this.watch.mayTake(now())) return;
    const sentAt = now();
    const { me } = this.context;
    const taken = await this.leaseScripts.takeLead(me, this.options.leaderLeaseMs, seen, gen);
    if (taken.status === 'held') this.watch.held(now(), taken.leaseLeftMs);
    if (taken.status === 'moved') this.follower.needsLoad = true;
    if (taken.status !== 'taken') return;
    if (taken.epochLost) this.dataLoss('epoch', `the epoch key was missing or below ${seen}`);
    this.epoch = taken.epoch;
    this.lease.confirm(sentAt);
    await this.promote('takeover', gen);
  }

  /** Generation `gen` is the dataset: remembered (across restarts too), and loaded if it is new. */
  private noteGeneration(gen: string, storedEpoch: number): void {
    this.watch.generationSeen();
    this.seenGeneration = gen;
    this.storedEpoch = Math.max(this.storedEpoch, storedEpoch);
    // Another generation: load it (the tail does, or a promotion first).
    if (gen !== this.follower.generation) this.follower.needsLoad = true;
    this.marks?.record(gen, this.seenEpoch());
  }

  /**
   * Redis holds no generation, or an older copy of one. A live leader seeds
   * first (it renews every third of its lease); otherwise, after a lease, a
   * standby seeds a new generation from its table — with the grace period
   * when it knew a dataset existed. A broker that never knew one cannot tell
   * a new deployment from a lost one, and waits longer.
   */
  private async lostGeneration(
    gen: string | null,
    storedEpoch: number,
    seen: number,
  ): Promise<void> {
    const knew = this.knownGeneration() !== '';
    if (gen !== null) {
      const detail = `Redis holds generation ${gen} of epoch ${storedEpoch}, below epoch ${seen} already seen`;
      this.dataLoss('generation', detail);
    } else if (knew) {
      this.dataLoss('generation', 'the generation key is gone');
    }
    const waitMs = this.options.leaderLeaseMs * (knew ? 1 : 1.5);
    if (this.watch.generationMissing(this.host.now(), waitMs)) {
      await this.promote('new-generation', gen ?? '');
    }
  }

  /** The generation key, the leader key and its TTL, and the epoch key, in one round trip. */
  private async peek(): Promise<{
    generation: string | null;
    holder: string | null;
    leaseLeftMs: number;
    epoch: number;
  }> {
    const { generation, leader, epoch } = this.keys;
    const replies = await this.leaseConn
      .multi()
      .get(generation)
      .get(leader)
      .pttl(leader)
      .get(epoch)
      .exec();
    if (!replies) throw new Error('the lease look was aborted');
    for (const [err] of replies) if (err) throw err;
    const [gen, holder, leftMs, stored] = replies.map(([, value]) => value);
    return {
      generation: gen as string | null,
      holder: holder as string | null,
      leaseLeftMs: Number(leftMs),
      epoch: Number(stored ?? 0),
    };
  }

  /**
   * Becomes the active broker: after a `takeover` of the lease, once the log
   * is read to its end and shown to hold everything this table applied; with
   * a `new-generation`, after seeding one from this table because Redis has
   * none. A table the log cannot vouch for is seeded as a new generation,
   * and strict grants then wait out the grace period.
   */
  private async promote(how: 'takeover' | 'new-generation', generation: string): Promise<void> {
    this.role = 'promoting';
    if (this.follower.loading) await this.tailing;
    try {
      // A table that could not be loaded (no snapshot, a gap) cannot be vouched for either.
      const loaded =
        how === 'takeover' && (!this.follower.needsLoad || (await this.follower.load(this.reader)));
      const continuous =
        loaded &&
        (await this.follower.catchUp(this.reader)) &&
        (await this.follower.logIntact(this.reader));
      if (!continuous) {
        // A broker that never knew a dataset (a new deployment) has no holders to wait out.
        const knew = this.knownGeneration() !== '' || how === 'takeover';
        await this.seed(how === 'takeover', generation);
        if (knew) this.graceUntil = this.host.now() + this.context.strictGraceMs;
      }
      this.owner = { generation: this.follower.generation, epoch: this.epoch };
      this.marks?.record(this.owner.generation, this.epoch);
      this.writer = this.newWriter();
      const strictGraceMs = Math.max(0, Math.round(this.graceUntil - this.host.now()));
      await this.host.event({ type: 'promote', epoch: this.epoch, strictGraceMs });
      this.role = 'active';
      void this.host.event({ type: 'leader', url: urlOf(this.context.me) });
    } catch (err) {
      this.log.error({ err }, 'promotion failed');
      await this.demote(false);
    }
  }

  /**
   * Seeds a new generation from the table as it is now: a fresh snapshot,
   * an empty log and an epoch above every one seen, in place of generation
   * `previous` (which may be gone). `asLeader`: this broker holds the lease already.
   */
  private async seed(asLeader: boolean, previous: string): Promise<void> {
    // Taken before the first await: every change made so far is in it.
    const snapshot = encodeTable(this.host.snapshot());
    const sentAt = this.host.now();
    const next = nanoid();
    const seed = {
      previous,
      next,
      seenEpoch: asLeader ? this.epoch : this.seenEpoch(),
      tokenMark: this.tokens.reservedUpTo,
    };
    const { me } = this.context;
    const outcome = await this.scripts.seedGeneration(
      me,
      this.options.leaderLeaseMs,
      seed,
      snapshot,
    );
    if (outcome.status !== 'done') {
      throw new NotSeededError(`another broker moved the dataset first (${outcome.status})`);
    }
    this.epoch = outcome.value;
    this.lease.confirm(sentAt);
    this.follower.seeded(next, this.epoch);
    this.log.info(
      { generation: next, epoch: this.epoch },
      `seeded dataset generation ${next} (epoch ${this.epoch})`,
    );
    await waitForReplicas(this.redis, this.options);
  }

  /**
   * Redis lost what the active broker wrote. While the lease is surely its
   * own, its table is the truth: it seeds a new generation from it and goes
   * on. Otherwise it cannot prove nobody else led meanwhile: it marks the
   * generation lost, so whoever leads next waits out the grace period, and steps down.
   */
  private lost(what: DataLoss, seenWhile: string): void {
    this.dataLoss(what, `found while ${seenWhile}`);
    if (this.role !== 'active') return;
    if (this.lease.valid(this.host.now())) return void this.reseed();
    void this.scripts.dropGeneration(this.owner.generation).catch(() => {});
    void this.demote(true);
  }

  /**
   * Seeds a new generation from the table while this broker leads. Changes
   * made meanwhile are held back for the new generation's writer; a strict
   * grant waiting for durability goes out once the seed (which holds it) is.
   */
  private async reseed(): Promise<void> {
    if (this.seedingNow || this.role !== 'active') return;
    this.seedingNow = true;
    this.reseedDue = false;
    const reseeding = this.stopWriterForReseed();
    try {
      for (let attempt = 0; this.reseeding === reseeding; attempt++) {
        // A lapsed lease cannot vouch for the table: the next renewal decides.
        if (!this.lease.valid(this.host.now())) return void (this.reseedDue = true);
        // The snapshot taken now covers what was held back so far.
        reseeding.held = [];
        const covered = reseeding.waiters.splice(0);
        try {
          await this.seed(true, this.owner.generation);
        } catch (err) {
          reseeding.waiters.unshift(...covered);
          if (err instanceof NotSeededError) return void (await this.demote(false));
          this.log.warn({ err }, 'reseeding failed, retrying');
          await delay(this.timer, backoffMs(attempt, { minMs: 50, maxMs: 1_000, jitter: 0 }));
          continue;
        }
        if (this.reseeding !== reseeding) return;
        this.reseeding = null;
        this.owner = { generation: this.follower.generation, epoch: this.epoch };
        this.marks?.record(this.owner.generation, this.epoch);
        this.writer = this.newWriter();
        this.writer.append(reseeding.held);
        for (const resolve of [...reseeding.pending, ...covered]) resolve();
        for (const fn of reseeding.waiters) this.whenDurable(fn);
        void this.host.event({ type: 'reseeded', epoch: this.epoch });
      }
    } finally {
      this.seedingNow = false;
    }
  }

  /** Stops the writer and holds back what comes next, keeping who waits for what it had. */
  private stopWriterForReseed(): Reseeding {
    if (this.reseeding) return this.reseeding;
    this.writer?.stop();
    this.reseeding = { held: [], waiters: [], pending: this.writer?.takePending() ?? [] };
    return this.reseeding;
  }

  /**
   * Steps down to standby. `keepTable`: the table is the best record left of
   * a dataset Redis lost, so it stays for a takeover with the grace period;
   * otherwise it may be ahead of the log and is dropped for the snapshot.
   */
  private async demote(keepTable: boolean): Promise<void> {
    if (this.role === 'standby') return;
    this.role = 'standby';
    const writer = this.writer;
    writer?.stop();
    this.writer = null;
    this.reseeding = null;
    this.lease.drop();
    const holder = await this.leaseConn.get(this.keys.leader).catch(() => null);
    await this.host.event({ type: 'demote', leaderUrl: urlOf(holder) });
    if (keepTable && writer) {
      this.follower.position = writer.acked;
    } else {
      this.host.restore(null);
      this.follower.needsLoad = true;
    }
    this.tailing = this.follower.follow(() => this.following());
  }

  private newWriter(): LogWriter {
    const { redis, scripts, owner, follower, options } = this;
    return new LogWriter(redis, scripts, owner, follower.position, options, {
      snapshot: () => this.host.snapshot(),
      now: () => this.host.now(),
      timer: this.timer,
      stopped: (reason) => this.writerStopped(reason),
      reachable: (ok) => {
        this.reachable = ok;
      },
    });
  }

  private writerStopped(reason: WriterStop): void {
    if (this.role !== 'active') return;
    if (reason.kind === 'fenced') return void this.demote(false);
    if (reason.kind === 'lost') return this.lost(reason.what, 'appending to the log');
    // The backlog overflowed while Redis was away: the table is seeded anew once the lease is confirmed.
    this.stopWriterForReseed();
    this.reseedDue = true;
  }

  // ---- what this broker knows ---------------------------------------------------

  /** A dataset this broker knows existed: loaded, seen in Redis, or remembered in its data dir. */
  private knownGeneration(): string {
    return this.follower.generation || this.seenGeneration || (this.marks?.mark.generation ?? '');
  }

  private seenEpoch(): number {
    return Math.max(
      this.epoch,
      this.follower.maxEpoch,
      this.storedEpoch,
      this.marks?.mark.epoch ?? 0,
    );
  }

  /** Renews or looks at the lease every `everyMs` until closed. */
  private leadEvery(everyMs: number): void {
    this.leadTimer = this.timer.set(() => {
      if (this.closed) return;
      void this.lead();
      this.leadEvery(everyMs);
    }, everyMs);
  }

  private get log(): Logger {
    return this.host.log;
  }

  /** Logs at most a line per `key` every few seconds: Redis away means a failure per lease check. */
  private throttled(key: string, write: (heldBack: number) => void): void {
    this.throttle ??= new LogThrottle(() => this.host.now());
    this.throttle.pass(key, write);
  }

  /** Logs the main connection going away and coming back, with the cause, once per change. */
  private watchConnection(): void {
    const redis = redisName(this.options);
    let up = false;
    let cause = '';
    this.redis.on('error', (err: Error) => (cause = err.message));
    this.redis.on('ready', () => {
      up = true;
      this.log.info({ redis }, 'Redis connected');
    });
    this.redis.on('close', () => {
      if (!up || this.closed) return;
      up = false;
      this.log.warn({ redis, cause }, 'Redis connection lost');
    });
  }

  /** Counts and reports a finding of data loss, once per finding and generation. */
  private dataLoss(what: DataLoss, detail: string): void {
    const key = `${this.knownGeneration()} ${what}: ${detail}`;
    if (this.losses.reported.has(key)) return;
    this.losses.reported.add(key);
    this.losses.count++;
    this.losses.last = { what, detail, atWallMs: this.host.wallMs() };
    this.log.error({ what, detail }, `Redis lost data (${what}: ${detail})`);
  }
}

/** Where the mirror's Redis is, for the log: the URL without its password, or the sentinels. */
function redisName(o: ResolvedRedisMirrorOptions): string {
  if (o.sentinels.length > 0) {
    return `${o.sentinelName} via sentinels ${o.sentinels.map((h) => `${h.host}:${h.port}`).join(',')}`;
  }
  const url = URL.parse(o.url);
  if (url === null) return 'an unparsable URL';
  if (url.password) url.password = '***';
  return url.href;
}
