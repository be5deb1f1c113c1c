/**
 * Who may hold a path at once, and in what order, judged on the holds the
 * clients recorded: a mutex or a writer alone, readers together, up to N
 * permits of a semaphore; nobody granted past a waiter queued before it.
 */
import type { LockMode } from '../../shared/protocol.js';
import type { FaultRecord, History, HistoryEvent, HoldEnd } from './history.js';

/** What the checker reads of a history; hand-made histories in tests are plain objects. */
export type HistoryLike = Pick<History, 'events' | 'faults' | 'silent'>;

/** A lock as one client believed it held it: from the grant's arrival to its first end. */
export interface Hold {
  worker: string;
  session: string;
  path: string;
  token: number;
  requestedAt: number;
  from: number;
  to: number;
  end: HoldEnd | 'open';
  reason?: string;
  /** The permits its acquire asked for (1 but for a semaphore). */
  limit: number;
  mode: LockMode;
}

/** What a fault round can require to have spanned it (see {@link FaultRecord.spans}). */
export type HoldKind = NonNullable<FaultRecord['spans']>[number];

export const holdKindOf = (h: Hold): HoldKind =>
  h.limit > 1 ? 'semaphore' : h.mode === 'read' ? 'read' : 'exclusive';

/**
 * Holds of one path at once that its kind does not admit: `b` began while
 * `a` held (a mutex or a writer beside anyone, a reader beside a writer), or
 * while a semaphore's permits were all held (`held` counts the holds then, `b`
 * included, and `a` is the one whose end brought them back to the limit).
 */
export interface Overlap {
  path: string;
  a: Hold;
  b: Hold;
  from: number;
  to: number;
  ms: number;
  held: number;
}

export type Grant = Extract<HistoryEvent, { kind: 'grant' }>;

export const grantsOf = (h: HistoryLike): Grant[] =>
  h.events.filter((e): e is Grant => e.kind === 'grant');

/** Every hold: a grant, ended by the first `end` of its token (or open until `endAt`). */
export function holdsOf(history: HistoryLike, endAt: number): Hold[] {
  const ends = new Map<string, Extract<HistoryEvent, { kind: 'end' }>>();
  for (const e of history.events) {
    if (e.kind !== 'end') continue;
    const key = `${e.worker}\u0000${e.token}`;
    if (!ends.has(key)) ends.set(key, e);
  }
  return grantsOf(history).map((g) => {
    const end = ends.get(`${g.worker}\u0000${g.token}`);
    const hold: Hold = {
      worker: g.worker,
      session: g.session,
      path: g.path,
      token: g.token,
      requestedAt: g.requestedAt,
      from: g.at,
      to: end ? end.at : endAt,
      end: end ? end.how : 'open',
      limit: g.limit ?? 1,
      mode: g.mode ?? 'write',
    };
    if (end?.reason !== undefined) hold.reason = end.reason;
    return hold;
  });
}

/** Every hold of a path that began beside holds its kind does not admit (distinct tokens). */
export function overlapsOf(holds: Hold[]): Overlap[] {
  const byPath = new Map<string, Hold[]>();
  for (const h of holds) {
    const list = byPath.get(h.path);
    if (list) list.push(h);
    else byPath.set(h.path, [h]);
  }
  const found: Overlap[] = [];
  for (const [path, list] of byPath) {
    list.sort((x, y) => x.from - y.from);
    const live: Hold[] = [];
    for (const b of list) {
      // Holds that ended before b began cannot overlap b or anything after it.
      for (let i = live.length - 1; i >= 0; i--) if (live[i]!.to <= b.from) live.splice(i, 1);
      const others = live.filter((a) => a.token !== b.token);
      if (b.limit > 1) {
        const excess = beyondLimit(path, others, b);
        if (excess) found.push(excess);
      } else {
        for (const a of others) {
          if (a.mode === 'read' && b.mode === 'read') continue;
          const to = Math.min(a.to, b.to);
          // A hold that ended the moment it began (granted and lost in one ms) held nothing.
          if (to <= b.from) continue;
          found.push({ path, a, b, from: b.from, to, ms: to - b.from, held: 2 });
        }
      }
      live.push(b);
    }
  }
  return found;
}

/** `b` began beside `others` (still held): more than its limit at once until enough of them end. */
function beyondLimit(path: string, others: Hold[], b: Hold): Overlap | null {
  if (others.length < b.limit || b.to <= b.from) return null;
  const byEnd = [...others].sort((x, y) => x.to - y.to);
  // Once others.length - limit + 1 of them have ended, the limit is kept again (b included).
  const a = byEnd[others.length - b.limit]!;
  const to = Math.min(a.to, b.to);
  return { path, a, b, from: b.from, to, ms: to - b.from, held: others.length + 1 };
}

/** A waiter passed in its queue: `by`'s acquire was sent after the log showed `waiter` queued. */
export interface SkippedWaiter {
  path: string;
  waiter: { worker: string; request: number; queuedAt: number; grantedAt: number | null };
  by: { worker: string; token: number; requestedAt: number; at: number };
}

/**
 * Grants of one batch reach their clients on separate connections, in any
 * order: a waiter that shares (a reader, a semaphore permit) may see its
 * grant after those granted with it from behind it.
 */
export const SAME_BATCH_MS = 50;

/**
 * FIFO: an acquire of a path sent after the log showed a waiter queued there
 * (a `queued` event) is behind it, so it is not granted before that waiter
 * is granted or gives up. Behind a writer or a mutex waiter nobody can be
 * granted with it, so there the order is exact; behind a shared one, within
 * {@link SAME_BATCH_MS}.
 */
export function skippedWaitersOf(history: HistoryLike): SkippedWaiter[] {
  const grants = grantsOf(history);
  const outcome = new Map<number, { at: number; granted: boolean }>();
  const asked = new Map<number, Extract<HistoryEvent, { kind: 'request' }>>();
  for (const e of history.events) {
    if (e.kind === 'grant' || e.kind === 'fail') {
      outcome.set(e.request, { at: e.at, granted: e.kind === 'grant' });
    } else if (e.kind === 'request') asked.set(e.request, e);
  }
  const found: SkippedWaiter[] = [];
  for (const q of history.events) {
    if (q.kind !== 'queued') continue;
    const done = outcome.get(q.request);
    const req = asked.get(q.request);
    const shared = (req?.limit ?? 1) > 1 || req?.mode === 'read';
    const until = (done?.at ?? Infinity) - (shared ? SAME_BATCH_MS : 0);
    const grantedAt = done?.granted ? done.at : null;
    const waiter = { worker: q.worker, request: q.request, queuedAt: q.at, grantedAt };
    for (const g of grants) {
      if (g.path !== q.path || g.request === q.request) continue;
      if (g.requestedAt <= q.at || g.at >= until) continue;
      const by = { worker: g.worker, token: g.token, requestedAt: g.requestedAt, at: g.at };
      found.push({ path: q.path, waiter, by });
    }
  }
  return found;
}
