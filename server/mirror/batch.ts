import { Packr } from 'msgpackr';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';

// Plain msgpack, as on the wire: the log stays readable by any tool.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** One stream entry: the journal entries of one group commit, numbered without gaps. */
export interface LogBatch {
  seq: number;
  entries: JournalEntry[];
}

/** The snapshot hash's data: the table as of batch `seq`. */
export interface SnapshotRecord {
  seq: number;
  table: TableSnapshot;
}

export const encodeBatch = (batch: LogBatch): Buffer => packr.pack(batch);
export const decodeBatch = (bytes: Buffer): LogBatch => packr.unpack(bytes) as LogBatch;
export const encodeSnapshot = (s: SnapshotRecord): Buffer => packr.pack(s);
export const decodeSnapshot = (bytes: Buffer): SnapshotRecord =>
  packr.unpack(bytes) as SnapshotRecord;
