import { backoffMs, type BackoffPolicy } from '../../shared/backoff.js';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';
import { LOG_PAGE, type LogBatch, type LogPosition, type LogReader } from './log-reader.js';
import type { DataLossKind } from './scripts.js';

/** What a follower asks of the mirror around it. */
export interface FollowerHooks {
  /** Empties the table and loads `snapshot` into it. */
  restore(snapshot: TableSnapshot | null): void;
  replay(entries: JournalEntry[]): void;
  /** The log or snapshot says Redis lost data this follower had seen. */
  dataLoss(what: DataLossKind, detail: string): void;
  /** The leader handed over (its last batch says so): take over now. */
  handedOver(): void;
  /** A tail read failed; it is tried again. */
  tailFailed(err: Error): void;
  /** A read reached the end of the log and the table applied everything before it. */
  caughtUp(): void;
  /** Resolves after `ms`, on the broker's timers. */
  wait(ms: number): Promise<void>;
}

/** How applying a page of batches went. */
type Applied = 'ok' | 'reload';

/** Every standby tails the same Redis: jitter keeps them from retrying in step once it is back. */
const RETRY: BackoffPolicy = { minMs: 100, maxMs: 1_000, jitter: 0.5 };

/**
 * Keeps the table equal to the log: loads the snapshot, applies the batches
 * after it in order, and tails the log while the broker is a standby. It
 * knows which generation its table belongs to and the highest epoch it has
 * seen, and it tells a gap, a foreign generation, numbering that goes back
 * or an epoch below one seen apart from an ordinary race with a snapshot.
 */
export class LogFollower {
  /** The generation the table belongs to ('' before any was loaded). */
  generation = '';
  position: LogPosition = { id: '0-0', seq: 0 };
  /** The highest epoch seen in a snapshot or a batch, of any generation. */
  maxEpoch = 0;
  /** The highest epoch seen in this generation: within one, epochs never go back. */
  private generationEpoch = 0;
  /** The table must be loaded from the snapshot before batches apply to it again. */
  needsLoad = true;
  /** A load is under way: the table is being replaced. */
  loading = false;
  /** Each `follow` loop's number: a loop stops once a newer one started. */
  private loops = 0;

  constructor(
    private readonly reader: LogReader,
    private readonly hooks: FollowerHooks,
  ) {}

  /** The table now belongs to `generation`, as of batch 0 (a generation was just seeded from it). */
  seeded(generation: string, epoch: number): void {
    this.generation = generation;
    this.position = { id: '0-0', seq: 0 };
    this.noteEpoch(epoch, true);
    this.needsLoad = false;
  }

  /**
   * Loads the snapshot and every batch after it into a fresh table. False,
   * with the table left as it was, when Redis holds no consistent dataset
   * (none at all, or a log the snapshot does not cover).
   */
  async load(reader = this.reader): Promise<boolean> {
    this.loading = true;
    try {
      return await this.loadOnce(reader);
    } finally {
      this.loading = false;
    }
  }

  private async loadOnce(reader: LogReader): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const snap = await reader.snapshot();
      if (!snap) {
        if ((await reader.end()) >= 0) {
          this.hooks.dataLoss('snapshot', 'the log has entries but no snapshot');
        }
        return false;
      }
      if (snap.generation !== this.generation && snap.epoch < this.maxEpoch) {
        // An older copy of the dataset (a rewound Redis) is never loaded over what was seen.
        const detail = `the snapshot is of generation ${snap.generation}, epoch ${snap.epoch}, below epoch ${this.maxEpoch} seen`;
        this.hooks.dataLoss('generation', detail);
        return false;
      }
      const first = (await reader.after({ id: snap.id, seq: snap.seq }))[0];
      // A snapshot written (and the log trimmed) while we read: read again.
      if (first && (first.generation !== snap.generation || first.seq !== snap.seq + 1)) continue;
      this.hooks.restore(snap.table);
      // The log after a snapshot starts at the snapshot's epoch, whatever was seen before it.
      this.noteEpoch(snap.epoch, true);
      this.generation = snap.generation;
      this.position = { id: snap.id, seq: snap.seq };
      this.needsLoad = false;
      if (await this.catchUp(reader)) return true;
    }
    this.hooks.dataLoss('log', 'the log has a gap the snapshot does not cover');
    return false;
  }

  /** Applies batches until the end of the log; false when the table must be loaded again. */
  async catchUp(reader = this.reader): Promise<boolean> {
    for (;;) {
      const batches = await reader.after(this.position);
      if (batches.length === 0) {
        this.hooks.caughtUp();
        return true;
      }
      if (this.apply(batches) === 'reload') return false;
    }
  }

  /**
   * Whether Redis still holds every batch this table has applied: a log
   * that ends below that was rewound (an older copy, a lagging replica).
   */
  async logIntact(reader = this.reader): Promise<boolean> {
    const end = await reader.end();
    if (end >= this.position.seq) return true;
    const detail = `the log ends at batch ${end}, below batch ${this.position.seq} already applied`;
    this.hooks.dataLoss('log', detail);
    return false;
  }

  /**
   * Tails the log while `following()` holds, reloading whenever the table
   * cannot go on. A page read after `following()` turned false is not applied,
   * so a promotion need not wait for the read to return unless a load is under way.
   */
  async follow(following: () => boolean): Promise<void> {
    const loop = ++this.loops;
    const on = (): boolean => following() && loop === this.loops;
    let failures = 0;
    while (on()) {
      try {
        if (this.needsLoad && !(await this.load())) {
          await this.hooks.wait(backoffMs(failures++, RETRY));
          continue;
        }
        // The short block bounds how long a promotion waits for this loop to notice and stop.
        const batches = await this.reader.after(this.position, 50);
        if (!on()) break;
        if (this.apply(batches) === 'reload') this.needsLoad = true;
        // A short page (an empty one after the block) ran into the end of the log.
        else if (batches.length < LOG_PAGE) this.hooks.caughtUp();
        failures = 0;
      } catch (err) {
        if (!on()) break;
        this.needsLoad = true;
        this.hooks.tailFailed(err as Error);
        await this.hooks.wait(backoffMs(failures++, RETRY));
      }
    }
  }

  /** `restart`: the log is read again from a snapshot (or a seed) of this epoch. */
  private noteEpoch(epoch: number, restart: boolean): void {
    this.generationEpoch = restart ? epoch : Math.max(this.generationEpoch, epoch);
    this.maxEpoch = Math.max(this.maxEpoch, epoch);
  }

  private apply(batches: LogBatch[]): Applied {
    for (const b of batches) {
      if (b.generation !== this.generation) return 'reload';
      if (b.seq !== this.position.seq + 1) {
        // Behind us: the numbering started over. Ahead: a gap, or a snapshot trimmed past us.
        if (b.seq <= this.position.seq) {
          this.hooks.dataLoss('log', `batch ${b.seq} follows batch ${this.position.seq}`);
        }
        return 'reload';
      }
      if (b.epoch < this.generationEpoch) {
        const detail = `a batch of epoch ${b.epoch} after epoch ${this.generationEpoch}`;
        this.hooks.dataLoss('epoch', detail);
        return 'reload';
      }
      this.hooks.replay(b.entries);
      this.position = { id: b.id, seq: b.seq };
      this.noteEpoch(b.epoch, false);
      if (b.handover) this.hooks.handedOver();
    }
    return 'ok';
  }
}
