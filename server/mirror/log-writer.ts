import type { Redis } from 'ioredis';
import type { ResolvedRedisMirrorOptions } from './redis-mirror-options.js';
import { backoffMs } from '../../shared/backoff.js';
import { delay, type Timer } from '../clock.js';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';
import { encodeEntries, encodeTable } from './batch.js';
import type { LogPosition } from './log-reader.js';
import type { DataLossKind, Outcome, Owner, RedisScripts } from './scripts.js';

/** The writer's part of the mirror's options: WAIT, snapshots, the backlog bound and the linger. */
export type LogWriterOptions = Pick<
  ResolvedRedisMirrorOptions,
  'waitReplicas' | 'waitTimeoutMs' | 'snapshotEveryEntries' | 'maxBacklogEntries' | 'appendLingerMs'
>;

/** Why a writer stopped writing for good. */
export type WriterStop =
  | { kind: 'fenced'; why: string }
  | { kind: 'lost'; what: DataLossKind }
  /** Redis was away so long that the backlog passed its bound: the table must be reseeded. */
  | { kind: 'overflow' };

export interface LogWriterEvents {
  /** The table as of every entry handed to `append` so far. */
  snapshot(): TableSnapshot;
  /** The writer stopped; what it held back is still to be made durable (`takePending`). */
  stopped(reason: WriterStop): void;
  /** Redis answered again, or stopped answering. */
  reachable(ok: boolean): void;
  /** Monotonic ms, for the mirror lag. */
  now(): number;
  /** The broker's timers, for the linger and the retry waits. */
  timer: Timer;
}

interface Pending {
  entries: JournalEntry[];
  /** When its first entry came: the mirror lag of a batch runs from here to its ack. */
  openedAt: number;
  /** Set when the batch is closed: a snapshot of the table as of its last entry. */
  snapshot: TableSnapshot | null;
  done: Promise<void>;
  resolve: () => void;
}

function openBatch(): Pending {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { entries: [], openedAt: 0, snapshot: null, done, resolve };
}

class StopError extends Error {
  constructor(readonly reason: WriterStop) {
    super(reason.kind);
  }
}

/** The value of a script's outcome, or a StopError for a fenced or lost one. */
function valueOf<T>(outcome: Outcome<T>): T {
  if (outcome.status === 'done') return outcome.value;
  throw new StopError(
    outcome.status === 'fenced'
      ? { kind: 'fenced', why: outcome.why }
      : { kind: 'lost', what: outcome.what },
  );
}

/**
 * Group commit for one owner (generation and epoch): journal entries gather
 * in the open batch while the previous one is written, so one round trip
 * carries every change made meanwhile. One write is in flight at a time,
 * which keeps batches in log order, numbered without gaps. A batch nobody
 * waits for (no strict grant, no new session in it) also lingers `appendLingerMs`
 * first: on a busy broker that is many changes per append instead of a few,
 * for a mirror lag a few ms longer.
 */
export class LogWriter {
  private open = openBatch();
  private readonly queue: Pending[] = [];
  private writing = false;
  private backlog = 0;
  private sinceSnapshot = 0;
  private lastSnapshotId = '';
  private stopped = false;
  private failures = 0;
  private readonly lags: number[] = [];
  private lagIndex = 0;
  /** Someone waits for the open batch: write it without lingering. */
  private urgent = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly scripts: RedisScripts,
    private readonly owner: Owner,
    /** The last batch the log holds for this owner. */
    private position: LogPosition,
    private readonly options: LogWriterOptions,
    private readonly events: LogWriterEvents,
  ) {}

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0 || this.stopped) return;
    if (this.open.entries.length === 0) this.open.openedAt = this.events.now();
    for (const e of entries) this.open.entries.push(e);
    this.backlog += entries.length;
    if (!this.writing) {
      this.writing = true;
      // One batch per turn of the event loop: everything this turn made goes together.
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once every entry appended so far is durable; null when nothing waits. */
  durable(): Promise<void> | null {
    if (this.open.entries.length > 0) {
      this.urgent = true;
      this.wake?.();
      return this.open.done;
    }
    return this.queue.at(-1)?.done ?? null;
  }

  /** The last batch Redis acknowledged. */
  get acked(): LogPosition {
    return this.position;
  }

  /** Entries not yet acknowledged. */
  get lag(): number {
    return this.backlog;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * After a stop: the resolvers of every batch not yet durable, so whoever
   * makes the same changes durable another way (a reseed) can release their waiters.
   */
  takePending(): (() => void)[] {
    const pending = [...this.queue, this.open].map((b) => b.resolve);
    this.queue.length = 0;
    this.open = openBatch();
    this.backlog = 0;
    return pending;
  }

  /** Mirror lag (entry made → durable) of recent batches, in ms: p50, p99, max. */
  lagMs(): { p50: number; p99: number; max: number; batches: number } {
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0, batches: sorted.length };
  }

  private recordLag(ms: number): void {
    this.lags[this.lagIndex++ % LAG_SAMPLES] = ms;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      await this.linger();
      if (this.stopped) break;
      if (this.open.entries.length > 0) this.close();
      const batch = this.queue[0];
      if (!batch) break;
      try {
        await this.write(batch);
        this.queue.shift();
        batch.resolve();
        if (batch.openedAt > 0) this.recordLag(this.events.now() - batch.openedAt);
        if (this.failures > 0) this.events.reachable(true);
        this.failures = 0;
      } catch (err) {
        if (err instanceof StopError) return this.halt(err.reason);
        if (this.failures++ === 0) this.events.reachable(false);
        // `backlog` counts the open batch's entries already.
        if (this.backlog > this.options.maxBacklogEntries) return this.halt({ kind: 'overflow' });
        const delayMs = backoffMs(this.failures - 1, { minMs: 40, maxMs: 1_000, jitter: 0 });
        await delay(this.events.timer, delayMs);
      }
    }
    this.writing = false;
  }

  /** Waits `appendLingerMs` for more entries, unless the open batch is empty, wanted now, or lingering is off. */
  private async linger(): Promise<void> {
    if (this.urgent || this.open.entries.length === 0 || this.options.appendLingerMs === 0) return;
    const { timer } = this.events;
    await new Promise<void>((resolve) => {
      const handle = timer.set(done, this.options.appendLingerMs);
      function done(): void {
        timer.clear(handle);
        resolve();
      }
      this.wake = done;
    });
    this.wake = null;
  }

  private close(): void {
    this.urgent = false;
    const batch = this.open;
    this.open = openBatch();
    this.sinceSnapshot += batch.entries.length;
    if (this.sinceSnapshot >= this.options.snapshotEveryEntries) {
      this.sinceSnapshot = 0;
      batch.snapshot = this.events.snapshot();
    }
    this.queue.push(batch);
  }

  private async write(batch: Pending): Promise<void> {
    if (batch.entries.length > 0) {
      const seq = this.position.seq + 1;
      const id = valueOf(
        await this.scripts.appendLog(this.owner, seq, encodeEntries(batch.entries)),
      );
      this.position = { id, seq };
      this.backlog -= batch.entries.length;
      batch.entries = [];
    }
    if (batch.snapshot) {
      const data = encodeTable(batch.snapshot);
      const trim = this.lastSnapshotId;
      const seq = this.position.seq;
      this.lastSnapshotId = valueOf(await this.scripts.writeSnapshot(this.owner, seq, data, trim));
      batch.snapshot = null;
    }
    await waitForReplicas(this.redis, this.options);
  }

  private halt(reason: WriterStop): void {
    this.stopped = true;
    this.writing = false;
    this.events.stopped(reason);
  }
}

/** `WAIT`s for the configured replicas; throws when fewer confirm in time. */
export async function waitForReplicas(
  redis: Redis,
  { waitReplicas, waitTimeoutMs }: Pick<LogWriterOptions, 'waitReplicas' | 'waitTimeoutMs'>,
): Promise<void> {
  if (waitReplicas === 0) return;
  const acked = await redis.wait(waitReplicas, waitTimeoutMs);
  if (acked < waitReplicas) throw new Error(`WAIT: ${acked} of ${waitReplicas} replicas`);
}

/** Batches whose lag is kept for `lagMs`. */
const LAG_SAMPLES = 1_024;
