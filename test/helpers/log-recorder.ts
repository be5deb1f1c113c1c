/**
 * The broker's log as it was written, for the cross-check of a fault run.
 *
 * Snapshots trim the log and faults can lose Redis data, so reading the
 * stream once at the end would miss what the run is about. A recorder tails
 * `baton:{main}:log` on its own connection for the whole scenario (it rides
 * out Redis kills, restarts and Sentinel failovers) and replays every batch
 * as it arrives into a tiny model: the holders of each path
 * (`log-holders.ts`). A grant beside holders the path's kind does not admit
 * (a second holder of a mutex, anyone beside a writer, a semaphore past its
 * limit) is "two holders in the log".
 *
 * All knowledge of the log's format lives here and goes through the
 * broker's own `LogReader` (batches `{ id, seq, generation, entries }`, the
 * snapshot) and the journal tuples of `server/core/journal.ts`. A batch of
 * another dataset generation (Redis lost data and a broker seeded a new one)
 * restarts the replay from that generation's snapshot.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { JournalEntry } from '../../server/core/journal.js';
import type { TableSnapshot } from '../../server/core/replica.js';
import { redisKeys, type RedisKeys } from '../../server/mirror/keys.js';
import { LogReader, type LogPosition } from '../../server/mirror/log-reader.js';
import { grantKey, type LogView } from './checker.js';
import { sleep } from './harness.js';
import {
  copyHolders,
  freeHolder,
  grantHolder,
  snapshotGrants,
  type LogHolders as Holders,
} from './log-holders.js';

export interface LogRecorderOptions {
  /** How to reach Redis: `{ host, port }`, or `{ sentinels, name }`. */
  redis: RedisOptions;
  keyPrefix?: string;
  cluster?: string;
}

/** Counts of what the recorder met, for the scenario's figures. */
export interface LogRecorderFigures {
  /** Batches read (duplicates included). */
  batches: number;
  /** A batch whose append was retried after a lost reply, in the log twice: skipped. */
  duplicates: number;
  /** Replays restarted from a snapshot (compaction, or a new dataset generation). */
  restarts: number;
  /** Batches the log took back (it continued from an earlier seq): a rewound Redis. */
  rewoundBatches: number;
  /** Jumps forward no snapshot covered: the model was reset and holders forgotten. */
  gaps: number;
}

/** A log batch as `LogReader` returns it. */
export type Batch = { id: string; seq: number; generation: string; entries: JournalEntry[] };
/** The snapshot as `LogReader.snapshot()` returns it (null: none in Redis). */
export type Snapshot = {
  id: string;
  seq: number;
  generation: string;
  table: TableSnapshot;
} | null;

/**
 * The replay, apart from Redis so it can be tested on hand-made batches:
 * feed it batches in stream order with `take`; it keeps the holder of each
 * path and reports what the log shows.
 */
export class LogReplay implements LogView {
  readonly grants = new Set<string>();
  readonly twoHolders: LogView['twoHolders'] = [];
  readonly figures: LogRecorderFigures = {
    batches: 0,
    duplicates: 0,
    restarts: 0,
    rewoundBatches: 0,
    gaps: 0,
  };
  /** Where the replay stands: the stream id and seq of the last batch applied. */
  position: LogPosition = { id: '0-0', seq: 0 };
  /** The dataset generation the replay follows. */
  private generation = '';
  /** The model: holders per path, as of `position.seq`. */
  private holders: Holders = new Map();
  /** Where the current replay began (a snapshot, or the empty table at seq 0)… */
  private base: { seq: number; holders: Holders } = { seq: 0, holders: new Map() };
  /** …and the batches applied since, for rewinds and to tell a duplicate from a new batch. */
  private applied: Batch[] = [];
  private snapshotSeen = '';
  /** Wait entries seen, by path and by `session|path`. */
  private readonly waits = new Map<string, number>();

  /** Wait entries seen for `path` (a waiter queued there), or for `session` on `path`. */
  waitsOn(path: string, session?: string): number {
    return this.waits.get(session === undefined ? path : `${session}|${path}`) ?? 0;
  }

  /** One batch, in stream order; `snapshot` reads the current snapshot when the numbering breaks. */
  async take(b: Batch, snapshot: () => Promise<Snapshot>): Promise<void> {
    this.figures.batches++;
    for (const e of b.entries) {
      if (e[0] !== 'wait') continue;
      for (const key of [e[3], `${e[1]}|${e[3]}`])
        this.waits.set(key, (this.waits.get(key) ?? 0) + 1);
    }
    if (b.generation !== this.generation) {
      // A new dataset: its snapshot is where its numbering starts.
      this.generation = b.generation;
      const snap = await snapshot();
      if (snap?.generation === b.generation)
        this.restartFrom(snap.seq, snap.table, snapKeyOf(snap));
      else this.restartAt(b, null);
      if (b.seq === this.position.seq + 1) this.apply(b);
      return;
    }
    if (b.seq === this.position.seq + 1) return this.apply(b);
    if (b.seq <= this.position.seq && this.isRepeat(b)) {
      this.figures.duplicates++;
      this.position = { id: b.id, seq: this.position.seq };
      return;
    }
    // The numbering does not continue what we read: find where the log restarted.
    this.restartAt(b, await snapshot());
    if (b.seq === this.position.seq + 1) this.apply(b);
    else this.position = { id: b.id, seq: this.position.seq };
  }

  /** The same seq with the same entries: an append retried after its reply was lost. */
  private isRepeat(b: Batch): boolean {
    const earlier = this.applied.find((a) => a.seq === b.seq);
    return earlier !== undefined && JSON.stringify(earlier.entries) === JSON.stringify(b.entries);
  }

  /**
   * Batch `b` does not follow batch `position.seq`. In order of preference:
   * a snapshot written for exactly this point (a new generation, or a
   * compaction after a long outage); a rewind into what we already read (the
   * log lost its tail: replay again up to there); a newer snapshot that
   * covers the jump; else a gap nothing explains, after which the model
   * forgets every holder (it can then miss two holders, never invent them).
   */
  private restartAt(b: Batch, snap: Snapshot): void {
    const snapKey = snap ? snapKeyOf(snap) : '';
    const from = b.seq - 1;
    if (snap && snapKey !== this.snapshotSeen && snap.seq === from) {
      this.restartFrom(snap.seq, snap.table, snapKey);
    } else if (from <= this.position.seq && from >= this.base.seq) {
      this.figures.rewoundBatches += this.position.seq - from;
      this.applied = this.applied.filter((a) => a.seq <= from);
      this.holders = copyHolders(this.base.holders);
      for (const a of this.applied) this.replay(a.entries, false);
      this.position = { id: this.position.id, seq: from };
    } else if (snap && snap.seq >= from) {
      this.restartFrom(snap.seq, snap.table, snapKey);
    } else {
      this.figures.gaps++;
      this.base = { seq: from, holders: new Map() };
      this.holders = new Map();
      this.applied = [];
      this.position = { id: this.position.id, seq: from };
    }
  }

  private restartFrom(seq: number, table: TableSnapshot, snapKey: string): void {
    this.figures.restarts++;
    this.snapshotSeen = snapKey;
    const holders: Holders = new Map();
    for (const g of snapshotGrants(table)) {
      grantHolder(holders, g);
      this.grants.add(grantKey(g[1], g[3], g[4]));
    }
    this.base = { seq, holders };
    this.holders = copyHolders(holders);
    this.applied = [];
    this.position = { id: this.position.id, seq };
  }

  private apply(b: Batch): void {
    this.replay(b.entries, true);
    this.applied.push(b);
    this.position = { id: b.id, seq: b.seq };
  }

  /** Applies entries to the model; `fresh` (not a rewind's replay) records what they show. */
  private replay(entries: JournalEntry[], fresh: boolean): void {
    for (const e of entries) {
      if (e[0] === 'grant') {
        const [, session, , path, token] = e;
        const holder = grantHolder(this.holders, e);
        if (!fresh) continue;
        this.grants.add(grantKey(session, path, token));
        if (holder !== null) this.twoHolders.push({ path, holder, grantedTo: session, token });
      } else if (e[0] === 'free') {
        freeHolder(this.holders, e);
      }
    }
  }
}

/**
 * Tails the log on its own connection for the whole scenario and feeds
 * every batch to a {@link LogReplay}.
 */
export class LogRecorder {
  readonly replay = new LogReplay();
  /** Every batch read, in order (ids are unique: the reader only moves forward). */
  readonly seen: Batch[] = [];
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly reader: LogReader;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  private constructor(options: LogRecorderOptions) {
    this.keys = redisKeys(options.keyPrefix ?? 'baton', options.cluster ?? 'main');
    this.redis = new Redis({
      ...options.redis,
      // Commands wait out a short outage, then fail into the loop's retry.
      maxRetriesPerRequest: 1,
      retryStrategy: () => 100,
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
    });
    this.redis.on('error', () => {});
    this.reader = new LogReader(this.redis, this.keys);
  }

  static start(options: LogRecorderOptions): LogRecorder {
    const recorder = new LogRecorder(options);
    recorder.loop = recorder.run();
    return recorder;
  }

  get figures(): LogRecorderFigures {
    return this.replay.figures;
  }

  /** Wait entries seen for `path` (a waiter queued there), or for `session` on `path`. */
  waitsOn(path: string, session?: string): number {
    return this.replay.waitsOn(path, session);
  }

  /** Waits until everything in the stream now has been read; false after `timeoutMs`. */
  async drain(timeoutMs = 5_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      try {
        const last = await this.redis.xrevrange(this.keys.log, '+', '-', 'COUNT', 1);
        const id = last[0]?.[0] ?? '0-0';
        if (compareIds(this.replay.position.id, id) >= 0) return true;
      } catch {
        // Redis away: try again.
      }
      await sleep(50);
    }
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const snapshot = (): Promise<Snapshot> => this.reader.snapshot();
    while (!this.stopped) {
      try {
        const batches = await this.reader.after(this.replay.position, 100);
        for (const b of batches) {
          this.seen.push(b);
          await this.replay.take(b, snapshot);
        }
      } catch {
        if (this.stopped) break;
        await sleep(100);
      }
    }
  }
}

function snapKeyOf(snap: NonNullable<Snapshot>): string {
  return `${snap.generation}/${snap.id}/${snap.seq}`;
}

/** Orders two stream ids (`ms-seq`). */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
