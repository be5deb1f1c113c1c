/**
 * A history of what clients saw, on one monotonic clock, and a checker for
 * the rules of DESIGN.md's "What must never happen".
 */
export type HistoryEvent =
  | { kind: 'grant'; at: number; session: string; path: string; token: number }
  /** The holder called release (its hold ends when it asks, not when the broker answers). */
  | { kind: 'release'; at: number; session: string; path: string; token: number }
  /** The holder's lease.signal aborted: it stopped trusting the lock. */
  | { kind: 'lost'; at: number; session: string; path: string; token: number }
  | { kind: 'write'; at: number; session: string; path: string; token: number; accepted: boolean };

type Unstamped<T> = T extends unknown ? Omit<T, 'at'> : never;

export class History {
  readonly events: HistoryEvent[] = [];

  record(event: Unstamped<HistoryEvent>): void {
    this.events.push({ ...event, at: performance.now() } as HistoryEvent);
  }

  count(kind: HistoryEvent['kind']): number {
    return this.events.filter((e) => e.kind === kind).length;
  }
}

/** Holds of one path: granted at `from`, trusted until `to` (release or loss). */
interface Hold {
  session: string;
  token: number;
  from: number;
  to: number;
  /** How the holder stopped trusting it; a late `lost` is a paused client, which only fencing stops. */
  end: 'release' | 'lost' | 'open';
}

export interface Findings {
  /**
   * Pairs of holds of one path by different sessions whose intervals overlap,
   * where the first holder released (or still held) the lock: the broker
   * granted a lock it had not taken back.
   */
  doubleGrants: { path: string; a: Hold; b: Hold }[];
  /**
   * Overlaps where the first holder learnt of its loss late: its process was
   * starved past its lease, the case fencing tokens exist for.
   */
  lateLosses: number;
  /** Grants whose token is not larger than one granted (observed) before on the same path. */
  tokenRegressions: { path: string; before: number; after: number }[];
  /** The same token granted twice. */
  duplicateTokens: number[];
  /** Writes the fenced resource refused (stale tokens). */
  rejectedWrites: number;
}

/** Checks a finished history. Holds still open end at `end`. */
export function check(history: History, end = performance.now()): Findings {
  const open = new Map<string, Hold & { path: string }>();
  const holdsByPath = new Map<string, Hold[]>();
  const seen = new Set<number>();
  const duplicateTokens: number[] = [];
  const tokenRegressions: Findings['tokenRegressions'] = [];
  const lastToken = new Map<string, number>();
  let rejectedWrites = 0;
  for (const e of history.events) {
    if (e.kind === 'write') {
      if (!e.accepted) rejectedWrites++;
      continue;
    }
    const key = `${e.session}\u0000${e.token}`;
    if (e.kind === 'grant') {
      if (seen.has(e.token)) duplicateTokens.push(e.token);
      seen.add(e.token);
      const before = lastToken.get(e.path) ?? 0;
      if (e.token <= before) tokenRegressions.push({ path: e.path, before, after: e.token });
      lastToken.set(e.path, Math.max(before, e.token));
      const hold = { session: e.session, token: e.token, from: e.at, to: Infinity, path: e.path };
      open.set(key, { ...hold, end: 'open' });
    } else {
      const hold = open.get(key);
      if (!hold) continue;
      open.delete(key);
      const list = holdsByPath.get(hold.path) ?? [];
      list.push({ ...hold, to: e.at, end: e.kind });
      holdsByPath.set(hold.path, list);
    }
  }
  for (const hold of open.values()) {
    const list = holdsByPath.get(hold.path) ?? [];
    list.push({ ...hold, to: end });
    holdsByPath.set(hold.path, list);
  }
  const doubleGrants: Findings['doubleGrants'] = [];
  let lateLosses = 0;
  for (const [path, holds] of holdsByPath) {
    holds.sort((x, y) => x.from - y.from);
    let latest: Hold | null = null;
    for (const h of holds) {
      if (latest && h.from < latest.to && h.session !== latest.session) {
        if (latest.end === 'lost') lateLosses++;
        else doubleGrants.push({ path, a: latest, b: h });
      }
      if (!latest || h.to > latest.to) latest = h;
    }
  }
  return { doubleGrants, lateLosses, tokenRegressions, duplicateTokens, rejectedWrites };
}

/** A resource that keeps the largest token per key and refuses smaller ones. */
export class FencedResource {
  private readonly highest = new Map<string, number>();

  write(path: string, token: number): boolean {
    const top = this.highest.get(path) ?? 0;
    if (token < top) return false;
    this.highest.set(path, token);
    return true;
  }
}
