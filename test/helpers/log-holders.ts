/**
 * The holders of each path as the broker's log tells it, for the log
 * recorder's replay: every holder by token with its mode, and the limit
 * the grant carried, so a grant the path's kind does not admit shows.
 */
import type { JournalEntry } from '../../server/core/journal.js';
import type { TableSnapshot } from '../../server/core/replica.js';
import type { LockMode } from '../../shared/protocol.js';

interface PathHolders {
  limit: number;
  byToken: Map<number, { session: string; mode: LockMode }>;
}

export type LogHolders = Map<string, PathHolders>;

type GrantEntry = Extract<JournalEntry, readonly ['grant', ...unknown[]]>;
type FreeEntry = Extract<JournalEntry, readonly ['free', ...unknown[]]>;

export function copyHolders(holders: LogHolders): LogHolders {
  const copy: LogHolders = new Map();
  for (const [path, p] of holders) copy.set(path, { limit: p.limit, byToken: new Map(p.byToken) });
  return copy;
}

/**
 * Adds the holder a `grant` entry makes; returns the session of a holder it
 * was not admitted beside, or null when the path's kind admits it.
 */
export function grantHolder(holders: LogHolders, e: GrantEntry): string | null {
  const [, session, , path, token, , limit = 1, mode = 'write'] = e;
  const p = holders.get(path) ?? { limit, byToken: new Map() };
  holders.set(path, p);
  p.limit = limit;
  const present = [...p.byToken.values()];
  // A semaphore admits up to its limit; a mutex or read/write lock readers beside readers only.
  const clash =
    limit > 1
      ? present[present.length - limit]
      : present.find((h) => mode === 'write' || h.mode === 'write');
  p.byToken.set(token, { session, mode });
  return clash?.session ?? null;
}

/** Removes the holder a `free` entry names: by its token, or the path's only one. */
export function freeHolder(holders: LogHolders, e: FreeEntry): void {
  const [, path, , token] = e;
  const p = holders.get(path);
  if (!p) return;
  if (token === undefined) p.byToken.clear();
  else p.byToken.delete(token);
  if (p.byToken.size === 0) holders.delete(path);
}

/** The holders a snapshot lists, as the `grant` entries that would make them. */
export function snapshotGrants(table: TableSnapshot): GrantEntry[] {
  const grants: GrantEntry[] = [];
  for (const [path, first, , others = [], limit = 1] of table.locks) {
    for (const [session, request, token, strict, mode] of first ? [first, ...others] : others) {
      grants.push(['grant', session, request, path, token, strict, limit, mode]);
    }
  }
  return grants;
}
