import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { History, type HistoryEvent, type HistoryLimits } from '../../../server/admin/history.js';
import type { EndReason, JournalEntry } from '../../../server/core/journal.js';

/** Paths and how many may hold each at once, as the table would write their entries. */
const PATHS = {
  m1: 'mutex',
  m2: 'mutex',
  m3: 'mutex',
  r1: 'read',
  s1: 'semaphore',
} as const;
type Path = keyof typeof PATHS;
const SEMAPHORE_LIMIT = 2;
const SESSIONS = ['a', 'b', 'c'];
const REASONS: EndReason[] = ['released', 'timeout', 'expired', 'forced'];

type Step =
  | { op: 'grant'; path: Path; session: string }
  | { op: 'free'; path: Path; pick: number; reason: EndReason }
  | { op: 'drop'; path: Path; session: string; reason: EndReason }
  | { op: 'tick'; ms: number };

const path = fc.constantFrom(...(Object.keys(PATHS) as Path[]));
const session = fc.constantFrom(...SESSIONS);
const reason = fc.constantFrom(...REASONS);
const steps = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('grant' as const), path, session }),
    fc.record({ op: fc.constant('free' as const), path, pick: fc.nat(3), reason }),
    fc.record({ op: fc.constant('drop' as const), path, session, reason }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 50 }) }),
  ),
  { maxLength: 80 },
);
const limits = fc.record({
  kept: fc.integer({ min: 1, max: 12 }),
  overall: fc.integer({ min: 1, max: 12 }),
  perLock: fc.integer({ min: 1, max: 5 }),
});

/**
 * What History must show, kept the plain way: every event in one list, a
 * lock's the ones of its path among the newest kept, holds looked up by token
 * however long ago they were granted.
 */
class Model {
  readonly all: HistoryEvent[] = [];
  readonly holds = new Map<number, { sessionId: string; at: number }>();
  readonly latest = new Map<string, number>();
  counts = { grants: 0, released: 0, leaves: 0 };

  constructor(private readonly limits: HistoryLimits) {}

  add(e: HistoryEvent): void {
    this.all.push(e);
  }

  list(path?: string): HistoryEvent[] {
    const kept = this.all.slice(-this.limits.kept);
    if (path === undefined) return kept.slice(-this.limits.overall);
    return kept.filter((e) => e.path === path).slice(-this.limits.perLock);
  }
}

/** Runs `steps` as a table would journal them, into History and the model, and compares. */
function check(make: (limits: HistoryLimits) => History): void {
  fc.assert(
    fc.property(limits, steps, (l, run) => {
      const history = make(l);
      const model = new Model(l);
      const held = new Map<Path, { token: number; session: string }[]>();
      let token = 0;
      let at = 1_000;
      const compare = (): void => {
        expect(history.list(undefined, l.overall)).toEqual(model.list());
        for (const p of Object.keys(PATHS)) {
          expect(history.list(p, l.perLock)).toEqual(model.list(p));
        }
      };
      for (const s of run) {
        if (s.op === 'tick') {
          // Read only now and then, so events may be pushed out before a lock's are listed.
          compare();
          at += s.ms;
          continue;
        }
        const holders = held.get(s.path) ?? [];
        held.set(s.path, holders);
        const kind = PATHS[s.path];
        let entry: JournalEntry;
        if (s.op === 'grant') {
          const room = kind === 'mutex' ? 1 : kind === 'semaphore' ? SEMAPHORE_LIMIT : Infinity;
          if (holders.length >= room) continue;
          token++;
          holders.push({ token, session: s.session });
          const tail =
            kind === 'read' ? [1, 'read'] : kind === 'semaphore' ? [SEMAPHORE_LIMIT] : [];
          entry = [
            'grant',
            s.session,
            token,
            s.path,
            token,
            false,
            ...tail,
          ] as unknown as JournalEntry;
          model.counts.grants++;
          model.holds.set(token, { sessionId: s.session, at });
          model.latest.set(s.path, token);
          model.add({ at, kind: 'grant', path: s.path, sessionId: s.session, token });
        } else if (s.op === 'free') {
          if (holders.length === 0) continue;
          const [hold] = holders.splice(s.pick % holders.length, 1);
          // The table's rule: the token is named unless the path could have one holder.
          const named = kind === 'mutex' ? undefined : hold!.token;
          entry =
            named === undefined ? ['free', s.path, s.reason] : ['free', s.path, s.reason, named];
          const t = named ?? model.latest.get(s.path);
          const h = t === undefined ? undefined : model.holds.get(t);
          if (t !== undefined) model.holds.delete(t);
          if (model.latest.get(s.path) === t) model.latest.delete(s.path);
          model.counts.released++;
          const e: HistoryEvent = {
            at,
            kind: 'release',
            path: s.path,
            sessionId: h?.sessionId ?? '',
          };
          if (t !== undefined) e.token = t;
          e.reason = s.reason;
          if (h) e.ms = at - h.at;
          model.add(e);
        } else {
          entry = ['drop', s.session, 9, s.reason, s.path];
          model.counts.leaves++;
          model.add({ at, kind: 'leave', path: s.path, sessionId: s.session, reason: s.reason });
        }
        history.record([entry], at);
      }
      compare();
      const leaves = Object.values(history.leaves).reduce((x, y) => x + y, 0);
      const releases = Object.values(history.releases).reduce((x, y) => x + y, 0);
      expect([history.grants.total, releases, leaves]).toEqual([
        model.counts.grants,
        model.counts.released,
        model.counts.leaves,
      ]);
    }),
    {
      seed: 0x4157_0e14,
      numRuns: 300,
      // Always tried: two readers, the first leaves (so the broken variant below always meets it);
      // a held lock whose events are all pushed out, and its path's events coming back.
      examples: [
        [
          { kept: 12, overall: 12, perLock: 5 },
          [
            { op: 'grant', path: 'r1', session: 'a' },
            { op: 'tick', ms: 5 },
            { op: 'grant', path: 'r1', session: 'b' },
            { op: 'free', path: 'r1', pick: 0, reason: 'released' },
          ],
        ],
        // m1's grant is pushed out while m1 is held: its release must still name its holder.
        [
          { kept: 1, overall: 12, perLock: 5 },
          [
            { op: 'grant', path: 'm1', session: 'a' },
            { op: 'tick', ms: 5 },
            { op: 'grant', path: 'm2', session: 'b' },
            { op: 'free', path: 'm1', pick: 0, reason: 'released' },
          ],
        ],
        // m1's first grant, long released, is pushed out while its second holds: b still releases.
        [
          { kept: 3, overall: 12, perLock: 5 },
          [
            { op: 'grant', path: 'm1', session: 'a' },
            { op: 'free', path: 'm1', pick: 0, reason: 'released' },
            { op: 'grant', path: 'm1', session: 'b' },
            { op: 'drop', path: 'm2', session: 'c', reason: 'cancelled' },
            { op: 'free', path: 'm1', pick: 0, reason: 'released' },
          ],
        ],
        // m1 has events again while m2 holds: m1's release must not take m2's hold.
        [
          { kept: 1, overall: 12, perLock: 5 },
          [
            { op: 'grant', path: 'm1', session: 'a' },
            { op: 'grant', path: 'm2', session: 'b' },
            { op: 'drop', path: 'm1', session: 'c', reason: 'cancelled' },
            { op: 'free', path: 'm1', pick: 0, reason: 'released' },
          ],
        ],
      ],
    },
  );
}

/**
 * Broken on purpose: every hold kept by path, whatever its kind, so a read
 * lock's second holder overwrites the first's (a release then names the
 * wrong session). The check must catch it.
 */
class HoldsByPathOnly extends History {
  override record(entries: readonly JournalEntry[], at: number): void {
    super.record(
      entries.map((e) => (e[0] === 'grant' ? (e.slice(0, 6) as unknown as JournalEntry) : e)),
      at,
    );
  }
}

/**
 * Broken on purpose: a hold's grant event is pushed out without keeping the
 * hold apart, so its release reads whatever event took the grant's place.
 */
class LosesPushedOutHolds extends History {
  protected override strand(): void {}
}

describe('history against a plain model', () => {
  it('shows the same events, per lock and overall, with the same holders and counts', () => {
    check((l) => new History(l));
  });

  it('catches a history that keeps shared holds by path (a broken variant)', () => {
    expect(() => check((l) => new HoldsByPathOnly(l))).toThrow();
  });

  it('catches a history that loses a hold whose grant is pushed out (a broken variant)', () => {
    expect(() => check((l) => new LosesPushedOutHolds(l))).toThrow();
  });
});
