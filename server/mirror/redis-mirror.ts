import { Redis, type RedisOptions } from 'ioredis';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';
import { blockStart, type TokenBlock, type TokenStore } from '../tokens/token-store.js';
import { redisKeys, type RedisKeys } from './keys.js';
import { LogReader, type LogPosition } from './log-reader.js';
import { LogWriter, type LogWriterOptions } from './log-writer.js';
import type { ResolvedRedisMirrorOptions } from './redis-mirror-options.js';
import { RedisScripts } from './scripts.js';

/** What the mirror asks of the broker around it. */
export interface MirrorHooks {
  /** Monotonic ms. */
  now(): number;
  /** Wall-clock ms, for the token floor. */
  wallMs(): number;
  /** Empties the table and loads `snapshot` into it (null: start empty). */
  restore(snapshot: TableSnapshot | null): void;
  /** Applies the active broker's entries to the standby table. */
  replay(entries: JournalEntry[]): void;
  snapshot(): TableSnapshot;
  /** The largest token the table has seen granted. */
  lastToken(): number;
  /** This broker leads now: take a token block and start serving. */
  promote(): Promise<void>;
  /** This broker no longer leads: stop serving, send clients to `leaderUrl`. */
  demote(leaderUrl: string | null): void;
  /** The active broker's URL as last seen, for redirects. */
  leader(url: string | null): void;
  /** The leader lease was confirmed again: grants held back may go. */
  leaseConfirmed(): void;
  /** The leader lease ran out unconfirmed while active: strict holders can no longer be sure. */
  leaseLapsed(): void;
  warn(message: string): void;
}

export type MirrorRole = 'standby' | 'promoting' | 'active';

/**
 * The Redis side of a broker: leader lease and epoch, the fenced log (written
 * when active, tailed when standby), snapshots and token blocks.
 */
export class RedisMirror implements TokenStore {
  role: MirrorRole = 'standby';
  epoch = 0;
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly lease: Redis;
  private readonly tail: Redis;
  private readonly scripts: RedisScripts;
  private readonly leaseScripts: RedisScripts;
  private readonly reader: LogReader;
  private writer: LogWriter | null = null;
  private position: LogPosition = { id: '0-0', seq: 0 };
  private leaseValidUntil = 0;
  private reachable = true;
  private leadTimer: NodeJS.Timeout | undefined;
  private lapseTimer: NodeJS.Timeout | undefined;
  private tailing: Promise<void> | null = null;
  private closed = false;
  private leading = false;
  /** The standby table must be reloaded from the snapshot before tailing on. */
  private stale = false;

  constructor(
    private readonly options: ResolvedRedisMirrorOptions,
    private readonly me: string,
    private readonly hooks: MirrorHooks,
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
    // Three connections, so nothing waits behind another's blocking command:
    // the log (appends, then WAIT for their replication), the lease, the tail.
    this.redis = open({
      enableOfflineQueue: false,
      commandTimeout: options.waitTimeoutMs + leaseTimeout,
    });
    this.lease = open({ enableOfflineQueue: false, commandTimeout: leaseTimeout });
    this.tail = open({});
    this.scripts = new RedisScripts(this.redis, this.keys);
    this.leaseScripts = new RedisScripts(this.lease, this.keys);
    this.reader = new LogReader(this.tail, this.keys);
  }

  async start(): Promise<void> {
    await Promise.all([this.redis.connect(), this.lease.connect(), this.tail.connect()]);
    await this.load();
    this.tailing = this.follow();
    this.leadTimer = setInterval(
      () => void this.lead(),
      Math.floor(this.options.leaderLeaseMs / 3),
    );
    await this.lead();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.leadTimer);
    clearTimeout(this.lapseTimer);
    this.writer?.stop();
    this.redis.disconnect();
    this.lease.disconnect();
    this.tail.disconnect();
    await this.tailing?.catch(() => {});
  }

  // ---- for the active broker ------------------------------------------------

  append(entries: JournalEntry[]): void {
    this.writer?.append(entries);
  }

  /** Resolves once everything appended so far is durable in Redis. */
  durable(): Promise<void> {
    return this.writer ? this.writer.durable() : new Promise(() => {});
  }

  /**
   * May an efficient grant go out now? While the leader lease is surely ours,
   * yes. Past that, only if Redis cannot be reached at all (then no other
   * broker can take the lease either, unless Redis comes back without it).
   */
  mayGrant(now: number): boolean {
    return this.role === 'active' && (now < this.leaseValidUntil || !this.reachable);
  }

  /** Entries not yet durable, and the lag of recent batches (ms). */
  get lag(): { entries: number; p50: number; p99: number; max: number; batches: number } {
    const ms = this.writer?.lagMs() ?? { p50: 0, p99: 0, max: 0, batches: 0 };
    return { entries: this.writer?.lag ?? 0, ...ms };
  }

  async reserve(issuedUpTo: number, count: number): Promise<TokenBlock> {
    const floor = blockStart(0, issuedUpTo, this.hooks.wallMs());
    const block = await this.scripts.reserveTokens(this.epoch, floor, count);
    if (!block) throw new Error('fenced: another broker leads');
    const { waitReplicas, waitTimeoutMs } = this.options;
    if (waitReplicas > 0 && (await this.redis.wait(waitReplicas, waitTimeoutMs)) < waitReplicas) {
      throw new Error(`WAIT: fewer than ${waitReplicas} replicas confirmed the token block`);
    }
    return block;
  }

  // ---- leadership -------------------------------------------------------------

  private async lead(): Promise<void> {
    if (this.closed || this.role === 'promoting' || this.leading) return;
    this.leading = true;
    const sentAt = this.hooks.now();
    try {
      if (this.role === 'active') {
        if (await this.leaseScripts.renewLead(this.me, this.options.leaderLeaseMs, this.epoch)) {
          this.confirmLease(sentAt);
        } else {
          await this.demote();
        }
        return;
      }
      const result = await this.leaseScripts.takeLead(
        this.me,
        this.options.leaderLeaseMs,
        this.epoch,
      );
      if ('epoch' in result) {
        this.epoch = result.epoch;
        this.confirmLease(sentAt);
        await this.promote();
      } else {
        this.hooks.leader(result.holder?.split(' ')[1] ?? null);
      }
    } catch (err) {
      this.reachable = false;
      if ((this.role as MirrorRole) === 'promoting') await this.demote();
      this.hooks.warn(`leader lease: ${(err as Error).message}`);
    } finally {
      this.leading = false;
    }
  }

  /** The lease runs from when the renewal was sent, less a margin for clock rate. */
  private confirmLease(sentAt: number): void {
    this.reachable = true;
    const until = sentAt + this.options.leaderLeaseMs * 0.9;
    this.leaseValidUntil = until;
    this.hooks.leaseConfirmed();
    // If no renewal lands before then, strict holders must hear of it then.
    clearTimeout(this.lapseTimer);
    this.lapseTimer = setTimeout(
      () => {
        if (this.role === 'active' && this.leaseValidUntil === until) this.hooks.leaseLapsed();
      },
      Math.max(0, until - this.hooks.now()),
    );
  }

  private async promote(): Promise<void> {
    this.role = 'promoting';
    await this.tailing;
    // The epoch moved on: the old leader can append nothing more, so this read is final.
    // A gap (the log was trimmed past this standby) means the snapshot first.
    if (!(await this.catchUp())) await this.load();
    this.writer = new LogWriter(
      this.redis,
      this.scripts,
      this.epoch,
      this.position.seq,
      this.writerOptions,
      {
        snapshot: () => this.hooks.snapshot(),
        fenced: () => void this.demote(),
        reachable: (ok) => {
          this.reachable = ok;
        },
      },
    );
    await this.hooks.promote();
    this.role = 'active';
    this.hooks.leader(this.me.split(' ')[1] ?? null);
  }

  private async demote(): Promise<void> {
    if (this.role === 'standby') return;
    this.role = 'standby';
    this.writer?.stop();
    this.writer = null;
    this.leaseValidUntil = 0;
    const holder = await this.lease.get(this.keys.leader).catch(() => null);
    this.hooks.demote(holder?.split(' ')[1] ?? null);
    // The leader's table may be ahead of the log; never tail onto it.
    this.hooks.restore(null);
    this.position = { id: '0-0', seq: 0 };
    this.stale = true;
    this.tailing = this.follow();
  }

  private get writerOptions(): LogWriterOptions {
    const o = this.options;
    return {
      waitReplicas: o.waitReplicas,
      waitTimeoutMs: o.waitTimeoutMs,
      snapshotEveryEntries: o.snapshotEveryEntries,
      maxBacklogEntries: o.maxBacklogEntries,
      lingerMs: o.appendLingerMs,
    };
  }

  // ---- the log, read side -------------------------------------------------------

  /** Loads the snapshot and every batch after it into a fresh table. */
  private async load(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const snap = await this.reader.snapshot();
      this.hooks.restore(snap?.table ?? null);
      this.position = snap ? { id: snap.id, seq: snap.seq } : { id: '0-0', seq: 0 };
      if (await this.catchUp()) return;
      // A snapshot was written (and the log trimmed) while we read: again.
      if (attempt >= 5) throw new Error('the log keeps moving under the reader');
    }
  }

  /** Applies batches until the end of the log; false on a gap in the numbering. */
  private async catchUp(): Promise<boolean> {
    for (;;) {
      const batches = await this.reader.after(this.position);
      if (batches.length === 0) return true;
      if (!this.applyAll(batches)) return false;
    }
  }

  private applyAll(batches: { id: string; seq: number; entries: JournalEntry[] }[]): boolean {
    for (const b of batches) {
      // A batch whose append was retried after a lost reply is in the log twice.
      if (b.seq <= this.position.seq) {
        this.position = { id: b.id, seq: this.position.seq };
        continue;
      }
      if (b.seq !== this.position.seq + 1) return false;
      this.hooks.replay(b.entries);
      this.position = { id: b.id, seq: b.seq };
    }
    return true;
  }

  /**
   * A standby tails the log so its table stays warm. The short block bounds
   * how long a promotion waits for this loop to notice and stop.
   */
  private async follow(): Promise<void> {
    while (!this.closed && this.role === 'standby') {
      try {
        if (this.stale) {
          await this.load();
          this.stale = false;
        }
        const batches = await this.reader.after(this.position, 50);
        if (this.role !== 'standby') break;
        if (!this.applyAll(batches)) await this.load();
      } catch (err) {
        if (this.closed) break;
        // A failed load, or a batch that does not fit the table: start over from the snapshot.
        this.stale = true;
        this.hooks.warn(`log tail: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
