import { Packr } from 'msgpackr';
import type { JournalEntry } from '../core/journal.js';
import type { TableSnapshot } from '../core/replica.js';

// Plain msgpack, as on the wire: the log stays readable by any tool.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** The `b` field of a log entry: the journal entries of one group commit. */
export const encodeEntries = (entries: readonly JournalEntry[]): Buffer => packr.pack(entries);
export const decodeEntries = (bytes: Buffer): JournalEntry[] => {
  const entries: unknown = packr.unpack(bytes);
  if (!Array.isArray(entries)) throw new Error('a log batch is not a list of entries');
  return entries as JournalEntry[];
};

/** The snapshot hash's `data` field: the table. */
export const encodeTable = (table: TableSnapshot): Buffer => packr.pack(table);
export const decodeTable = (bytes: Buffer): TableSnapshot => packr.unpack(bytes) as TableSnapshot;
