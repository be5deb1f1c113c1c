import type { Redis } from 'ioredis';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';
import { decodeEntries, decodeTable } from './batch.js';
import type { RedisKeys } from './keys.js';

/** Where a reader stands in the log. */
export interface LogPosition {
  /** Stream id of the last batch applied ('0-0' before any). */
  id: string;
  /** Its batch number (0 before any: a generation's snapshot is batch 0). */
  seq: number;
}

/** One stream entry: the journal entries of one group commit, numbered without gaps. */
export interface LogBatch {
  id: string;
  seq: number;
  /** The dataset generation and the epoch of the broker that wrote it. */
  generation: string;
  epoch: number;
  entries: JournalEntry[];
  /** The last batch of a broker handing over: a standby may take over at once. */
  handover: boolean;
}

/** The snapshot hash: the table as of batch `seq` (stream id `id`). */
export interface SnapshotRecord {
  id: string;
  seq: number;
  generation: string;
  epoch: number;
  table: TableSnapshot;
}

/** Batches one read returns at most: a shorter page reached the end of the log. */
export const LOG_PAGE = 500;

/** The value of `name` among a stream entry's field/value pairs. */
function field(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) {
    if (fields[i]!.toString() === name) return fields[i + 1];
  }
  return undefined;
}

function decodeBatch(id: Buffer, fields: Buffer[]): LogBatch {
  const bytes = field(fields, 'b');
  const seq = Number(field(fields, 's')?.toString());
  if (!bytes || !Number.isSafeInteger(seq)) throw new Error(`log entry ${id} is not a Baton batch`);
  return {
    id: id.toString(),
    seq,
    generation: field(fields, 'g')?.toString() ?? '',
    epoch: Number(field(fields, 'e')?.toString() ?? 0),
    entries: decodeEntries(bytes),
    handover: field(fields, 'h') !== undefined,
  };
}

/**
 * Reads the log: the snapshot, then every batch after it, in pages. What a
 * reader makes of a gap or a foreign generation is its own business.
 */
export class LogReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async snapshot(): Promise<SnapshotRecord | null> {
    const [id, gen, epoch, seq, data] = await this.redis.hmgetBuffer(
      this.keys.snapshot,
      'id',
      'gen',
      'epoch',
      'seq',
      'data',
    );
    if (!id || !gen || !data) return null;
    return {
      id: id.toString(),
      generation: gen.toString(),
      epoch: Number(epoch?.toString() ?? 0),
      seq: Number(seq?.toString() ?? 0),
      table: decodeTable(data),
    };
  }

  /** Batches after `from`, at most one page; `blockMs` waits that long for the first. */
  async after(from: LogPosition, blockMs?: number): Promise<LogBatch[]> {
    const args: (string | number)[] = ['COUNT', LOG_PAGE];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    const reply = (await this.redis.xreadBuffer(
      ...(args as ['COUNT', number]),
      'STREAMS',
      this.keys.log,
      from.id,
    )) as [Buffer, [Buffer, Buffer[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => decodeBatch(id, fields));
  }

  /** The batch number the log ends at (its newest entry's, else the snapshot's; -1 for neither). */
  async end(): Promise<number> {
    const [newest] = (await this.redis.xrevrangeBuffer(this.keys.log, '+', '-', 'COUNT', 1)) as [
      Buffer,
      Buffer[],
    ][];
    if (newest) return Number(field(newest[1], 's')?.toString() ?? -1);
    const seq = await this.redis.hget(this.keys.snapshot, 'seq');
    return seq === null ? -1 : Number(seq);
  }
}
