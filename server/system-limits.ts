import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from './log.js';

/**
 * File descriptors a broker needs beside its client connections: Redis
 * connections, the admin server and its event streams (at most 100), the data
 * dir's files, stdio and Node's own.
 */
export const SPARE_FILES = 256;

/** The soft open-files limit of this process (Linux); null where it cannot be read. */
export function openFilesLimit(): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    if (soft === undefined) return null;
    return soft === 'unlimited' ? Infinity : Number(soft) || null;
  } catch {
    return null;
  }
}

/** The most the V8 heap may grow to, in bytes. */
export function heapLimitBytes(): number {
  return getHeapStatistics().heap_size_limit;
}

/** Warns when the open-files limit cannot hold `maxConnections` and the broker's own files. */
export function warnOnFileLimit(maxConnections: number, log: Logger): void {
  const limit = openFilesLimit();
  const needed = maxConnections + SPARE_FILES;
  if (limit === null || limit >= needed) return;
  log.warn(
    { openFilesLimit: limit, maxConnections, needed },
    `the open-files limit (${limit}) is below what maxConnections needs (${needed}): ` +
      'raise `ulimit -n` or lower --max-connections, or clients past the limit will fail to connect',
  );
}
