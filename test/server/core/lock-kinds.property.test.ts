import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockState, type LockMode } from '../../../server/core/lock-state.js';
import { LockTable } from '../../../server/core/lock-table.js';

// Semaphores and read/write locks under random command sequences, against a
// model of their rules: at most `limit` holders; a writer alone; a queue
// that grants in order whatever fits at its head and lets nobody pass a
// head that does not fit (so neither readers nor writers starve); a session
// holds a path once. Every grant the table makes is judged against the
// model's prediction, and a standby replaying the journal, or restoring a
// snapshot, must show the same holders and queues.

/** What each path is in a run: a mutex, a semaphore of `limit`, or a read/write lock. */
const kindArb = fc.oneof(
  fc.constant({ limit: 1, rw: false }),
  fc.record({ limit: fc.integer({ min: 2, max: 4 }), rw: fc.constant(false) }),
  fc.constant({ limit: 1, rw: true }),
);
type Kind = { limit: number; rw: boolean };

const slot = fc.nat(4);
const path = fc.nat(2);
const cmdArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('acquire' as const),
      slot,
      path,
      read: fc.boolean(),
      timeoutMs: fc.constantFrom(undefined, undefined, 50),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('release' as const), slot, path }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), slot, pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), slot }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.constantFrom(20, 60) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wrongLimit' as const), slot, path }) },
);
type Cmd = typeof cmdArb extends fc.Arbitrary<infer C> ? C : never;

type Hold = { session: string; request: number; token: number; mode: LockMode };
type Wait = { session: string; request: number; mode: LockMode; deadline: number };
type PathModel = { kind: Kind; holders: Hold[]; queue: Wait[] };

function fail(message: string): never {
  throw new Error(message);
}
function same(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) fail(`${what}: got ${a}, expected ${e}`);
}

/** Whether a request in `mode` fits beside `holders` of a path of `kind`. */
function fits(p: PathModel, mode: LockMode): boolean {
  const n = p.holders.length;
  if (p.kind.limit > 1) return n < p.kind.limit;
  return n === 0 || (mode === 'read' && p.holders.every((h) => h.mode === 'read'));
}

class Model {
  readonly table = new LockTable({ journal: true, tokenLowWater: 1 });
  readonly journal: unknown[] = [];
  now = 0;
  private readonly paths: PathModel[];
  private readonly sessions: (string | null)[] = [];
  private opened = 0;
  private nextRequest = 1;
  private lastToken = 0;

  constructor(kinds: Kind[]) {
    this.paths = kinds.map((kind) => ({ kind, holders: [], queue: [] }));
    this.table.addTokens(0, 1, 1_000_000);
  }

  private name = (ix: number): string => `p${ix}`;
  private session(slot: number): string {
    let id = this.sessions[slot];
    if (!id) {
      id = `s${slot}.${this.opened++}`;
      this.table.open(this.now, { sessionId: id, secret: 'x', ttlMs: 60_000 });
      this.sessions[slot] = id;
    }
    return id;
  }

  /** Grants what fits at the head of `p`, in order: what the table must have granted. */
  private expectedGrants(p: PathModel): Wait[] {
    const granted: Wait[] = [];
    for (let w = p.queue[0]; w; w = p.queue[0]) {
      if (!fits(p, w.mode) || p.holders.some((h) => h.session === w.session)) break;
      p.queue.shift();
      p.holders.push({ session: w.session, request: w.request, token: 0, mode: w.mode });
      granted.push(w);
    }
    return granted;
  }

  /** Checks the grants among `effects` against the model's, in order, and takes their tokens. */
  private takeGrants(
    effects: Effect[],
    expected: { session: string; request: number; path: number }[],
  ): void {
    const grants = effects.filter((e) => e.type === 'grant');
    // In order per path; paths may interleave differently (several departures in one tick).
    const byPath = (list: string[]) =>
      list.sort((a, b) => a.split('@')[1]!.localeCompare(b.split('@')[1]!));
    same(
      byPath(grants.map((g) => `${g.sessionId}/${g.requestId}@${g.path}`)),
      byPath(expected.map((w) => `${w.session}/${w.request}@${this.name(w.path)}`)),
      'grants',
    );
    for (const g of grants) {
      if (g.token <= this.lastToken) fail(`token ${g.token} not above ${this.lastToken}`);
      this.lastToken = g.token;
      const p = this.paths[Number(g.path.slice(1))]!;
      const h = p.holders.find((x) => x.session === g.sessionId && x.request === g.requestId);
      if (!h) fail(`grant of ${g.sessionId}/${g.requestId} the model has no holder for`);
      h.token = g.token;
    }
  }

  private afterLeaving(ix: number): { session: string; request: number; path: number }[] {
    return this.expectedGrants(this.paths[ix]!).map((w) => ({ ...w, path: ix }));
  }

  run(c: Cmd): void {
    const t = this.table;
    if (c.k === 'advance') {
      this.now += c.ms;
      const expected: { session: string; request: number; path: number }[] = [];
      const effects = t.tick(this.now);
      const due = this.paths
        .flatMap((p, ix) => p.queue.filter((w) => w.deadline <= this.now).map((w) => ({ w, ix })))
        .sort((a, b) => a.w.request - b.w.request);
      // All that timed out leave first; then each path grants what fits.
      for (const { w, ix } of due) {
        const p = this.paths[ix]!;
        p.queue = p.queue.filter((x) => x !== w);
      }
      for (const ix of new Set(due.map((d) => d.ix))) expected.push(...this.afterLeaving(ix));
      const timeouts = effects.filter((e) => e.type === 'error').map((e) => e.requestId);
      same(timeouts.sort(), due.map((d) => d.w.request).sort(), 'timeouts');
      return this.takeGrants(effects, expected);
    }
    const s = this.session(c.slot);
    const request = this.nextRequest++;
    if (c.k === 'acquire' || c.k === 'wrongLimit') {
      const ix = c.path % this.paths.length;
      const p = this.paths[ix]!;
      const mode: LockMode = c.k === 'acquire' && p.kind.rw && c.read ? 'read' : 'write';
      const limit = c.k === 'wrongLimit' ? p.kind.limit + 1 : p.kind.limit;
      const timeoutMs = c.k === 'acquire' ? c.timeoutMs : undefined;
      const cmd = { requestId: request, path: this.name(ix), wait: true, timeoutMs, limit, mode };
      const effects = t.acquire(this.now, s, cmd);
      const inUse = p.holders.length > 0 || p.queue.length > 0;
      if (c.k === 'wrongLimit' && inUse) {
        return same(
          effects.map((e) => e.type === 'error' && e.code),
          ['INVALID_OPTION'],
          'limit',
        );
      }
      if (c.k === 'wrongLimit') {
        // An idle path takes the new limit: give it back at once, so the run's kinds hold.
        const g = effects[0];
        if (g?.type !== 'grant') fail('an idle path refused a new limit');
        t.release(this.now, s, { requestId: this.nextRequest++, path: g.path, token: g.token });
        this.lastToken = g.token;
        return;
      }
      const own = p.holders.some((h) => h.session === s);
      if (p.queue.length === 0 && fits(p, mode) && !own) {
        p.holders.push({ session: s, request, token: 0, mode });
        return this.takeGrants(effects, [{ session: s, request, path: ix }]);
      }
      same(
        effects.map((e) => e.type),
        ['queued'],
        'acquire that must wait',
      );
      const deadline = timeoutMs === undefined ? Infinity : this.now + timeoutMs;
      p.queue.push({ session: s, request, mode, deadline });
      return;
    }
    if (c.k === 'release') {
      const ix = c.path % this.paths.length;
      const p = this.paths[ix]!;
      const h = p.holders.find((x) => x.session === s);
      const token = h?.token ?? 1;
      const effects = t.release(this.now, s, { requestId: request, path: this.name(ix), token });
      if (!h)
        return same(
          effects.map((e) => e.type === 'error' && e.code),
          ['NOT_HOLDER'],
          'release',
        );
      p.holders = p.holders.filter((x) => x !== h);
      return this.takeGrants(effects, this.afterLeaving(ix));
    }
    if (c.k === 'cancel') {
      const mine = this.paths.flatMap((p, ix) => [
        ...p.holders.filter((h) => h.session === s).map((h) => ({ ix, request: h.request })),
        ...p.queue.filter((w) => w.session === s).map((w) => ({ ix, request: w.request })),
      ]);
      const target = mine[c.pick % Math.max(1, mine.length)];
      const effects = t.cancel(this.now, s, request, target?.request ?? 999_999);
      if (!target)
        return same(
          effects.map((e) => e.type),
          ['ok'],
          'cancel of nothing',
        );
      const p = this.paths[target.ix]!;
      p.holders = p.holders.filter((h) => h.request !== target.request);
      p.queue = p.queue.filter((w) => w.request !== target.request);
      return this.takeGrants(effects, this.afterLeaving(target.ix));
    }
    // close: waits go, then holds; then each path grants what fits.
    const effects = t.close(this.now, s, request);
    const expected: { session: string; request: number; path: number }[] = [];
    for (const p of this.paths) {
      p.queue = p.queue.filter((w) => w.session !== s);
      p.holders = p.holders.filter((h) => h.session !== s);
    }
    for (const ix of this.paths.keys()) expected.push(...this.afterLeaving(ix));
    this.takeGrants(effects, expected);
    this.sessions[c.slot] = null;
  }

  /** The table's views against the model, and the kind rules on the table's own state. */
  check(): void {
    for (const [ix, p] of this.paths.entries()) {
      const view = this.table.views.queue(this.name(ix));
      same(
        view.holders.map((h) => `${h.sessionId}/${h.requestId}#${h.token}`),
        p.holders.map((h) => `${h.session}/${h.request}#${h.token}`),
        `holders of p${ix}`,
      );
      same(
        view.queue.map((w) => `${w.sessionId}/${w.requestId}`),
        p.queue.map((w) => `${w.session}/${w.request}`),
        `queue of p${ix}`,
      );
      if (view.holders.length > p.kind.limit && !p.kind.rw) fail(`p${ix}: over its limit`);
      const writers = p.holders.filter((h) => h.mode === 'write').length;
      if (writers > 0 && p.holders.length > 1 && p.kind.limit === 1) fail(`p${ix}: writer shares`);
      // Nobody waits who fits: the head stops only for a reason.
      const head = p.queue[0];
      if (head && fits(p, head.mode) && !p.holders.some((h) => h.session === head.session)) {
        fail(`p${ix}: ${head.session}/${head.request} fits and waits`);
      }
    }
  }

  /** A standby that replayed the journal, and one restored from a snapshot, show the same. */
  checkReplicas(): void {
    const replay = new LockTable();
    replay.replay(this.now, this.table.takeJournal());
    const restored = new LockTable();
    restored.restore(this.now, this.table.snapshot());
    for (const ix of this.paths.keys()) {
      const want = this.table.views.queue(this.name(ix));
      same(replay.views.queue(this.name(ix)), want, `replayed p${ix}`);
      same(restored.views.queue(this.name(ix)), want, `restored p${ix}`);
      const modes = (t: LockTable) => {
        const v = t.views.lock(this.now, this.name(ix), { limit: 1_000 });
        if (!v) return null;
        const holders = v.holders.map((h) => [h.sessionId, h.token, h.mode]);
        return [v.kind, v.limit, holders, v.queue.items.map((w) => [w.requestId, w.mode])];
      };
      same(modes(restored), modes(this.table), `restored modes of p${ix}`);
    }
  }

  /** Releases every holder over and over: every waiter must be granted, whatever its mode. */
  drain(): void {
    for (let round = 0; round < 100; round++) {
      const holds = this.paths.flatMap((p, ix) => p.holders.map((h) => ({ h, ix })));
      if (holds.length === 0) break;
      for (const { h, ix } of holds) {
        const p = this.paths[ix]!;
        const effects = this.table.release(this.now, h.session, {
          requestId: this.nextRequest++,
          path: this.name(ix),
          token: h.token,
        });
        p.holders = p.holders.filter((x) => x !== h);
        this.takeGrants(effects, this.afterLeaving(ix));
        this.check();
      }
    }
    for (const [ix, p] of this.paths.entries()) {
      if (p.queue.length > 0 || p.holders.length > 0) fail(`p${ix} did not drain`);
    }
  }
}

/** Runs fixed-seed sequences; the report names the seed and the shrunk counterexample. */
export function runKindSequences(seed: number, numRuns = 300): string | null {
  const cmds = fc.array(cmdArb, { minLength: 10, maxLength: 80 });
  const property = fc.property(
    fc.array(kindArb, { minLength: 3, maxLength: 3 }),
    cmds,
    (kinds, list) => {
      const model = new Model(kinds);
      for (const c of list) {
        model.run(c);
        model.check();
      }
      model.checkReplicas();
      model.drain();
    },
  );
  const details = fc.check(property, { seed, numRuns });
  if (!details.failed) return null;
  return `${fc.defaultReportMessage(details)}\nCaused by: ${String(details.errorInstance)}`;
}

/** Runs `body` with `LockState.prototype.admits` replaced: a broken table, in this test only. */
function withBrokenAdmits(
  broken: (lock: LockState, mode: LockMode) => boolean,
  body: () => void,
): void {
  const real = Object.getOwnPropertyDescriptor(LockState.prototype, 'admits')!;
  Object.defineProperty(LockState.prototype, 'admits', {
    ...real,
    value: function (this: LockState, mode: LockMode) {
      return broken(this, mode);
    },
  });
  try {
    body();
  } finally {
    Object.defineProperty(LockState.prototype, 'admits', real);
  }
}

/** A queue that lets a waiter that fits pass a head that does not: readers overtaking a writer. */
function overtakingGrantNext(this: BrokenTable, now: number, lock: LockState): void {
  if (lock.heapIndex !== -1) return;
  for (const w of [...lock.waiters()]) {
    if (!lock.admits(w.mode) || w.session.held.has(lock.path)) continue;
    lock.unlink(w);
    this.state.timeoutHeap.remove(w);
    this.grant(now, lock, w.session, w.requestId, w.strict, w.mode, w.value, w.enqueuedAt);
  }
  this.state.dropIfIdle(lock);
}
/** The private parts of a table the broken variant above reaches. */
type BrokenTable = {
  state: { timeoutHeap: { remove(w: unknown): void }; dropIfIdle(lock: LockState): void };
  grant(...args: unknown[]): void;
};

describe('semaphores and read/write locks under random command sequences', () => {
  it('keep their limits, modes, order and replicas after every command, and drain', () => {
    expect(runKindSequences(20_261_206)).toBeNull();
  });

  it('are caught granting a semaphore one holder past its limit (proof)', () => {
    withBrokenAdmits(
      (lock, mode) =>
        lock.limit > 1
          ? lock.holders.size <= lock.limit
          : lock.holders.size === 0 || (mode === 'read' && lock.readers === lock.holders.size),
      () => expect(runKindSequences(1, 300)).toMatch(/grants|holders|fits|must wait/),
    );
  });

  it('are caught letting a writer in beside readers (proof)', () => {
    withBrokenAdmits(
      (lock) =>
        lock.limit > 1
          ? lock.holders.size < lock.limit
          : lock.holders.size === 0 || lock.readers === lock.holders.size,
      () => expect(runKindSequences(2, 300)).toMatch(/grants|holders|fits|must wait/),
    );
  });

  it('are caught letting readers overtake a waiting writer (proof)', () => {
    const proto = LockTable.prototype as unknown as { grantNext: unknown };
    const real = proto.grantNext;
    proto.grantNext = overtakingGrantNext;
    try {
      expect(runKindSequences(3, 300)).toMatch(/grants|queue|fits|must wait/);
    } finally {
      proto.grantNext = real;
    }
  });
});
