import type { Redis } from 'ioredis';
import { decodeBatch, decodeSnapshot, type LogBatch, type SnapshotRecord } from './batch.js';
import type { RedisKeys } from './keys.js';

/** Where a reader stands in the log. */
export interface LogPosition {
  /** Stream id of the last batch applied ('0-0' before any). */
  id: string;
  /** Its batch number (0 before any). */
  seq: number;
}

const PAGE = 500;

/**
 * Reads the log: the snapshot, then every batch after it, in pages. A reader
 * that finds a gap in the batch numbers (the log was trimmed past it) must
 * start again from the snapshot.
 */
export class LogReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async snapshot(): Promise<(SnapshotRecord & { id: string }) | null> {
    const [id, data] = await this.redis.hmgetBuffer(this.keys.snapshot, 'id', 'data');
    if (!id || !data) return null;
    return { ...decodeSnapshot(data), id: id.toString() };
  }

  /** Batches after `from`, at most one page; `block` waits that long for the first. */
  async after(from: LogPosition, blockMs?: number): Promise<(LogBatch & { id: string })[]> {
    const args: (string | number)[] = ['COUNT', PAGE];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    const reply = (await this.redis.xreadBuffer(
      ...(args as ['COUNT', number]),
      'STREAMS',
      this.keys.log,
      from.id,
    )) as [Buffer, [Buffer, Buffer[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => {
      // Fields: e <epoch> b <batch>
      const batch = decodeBatch(fields[3] as Buffer);
      return { ...batch, id: id.toString() };
    });
  }
}
