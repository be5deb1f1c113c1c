import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../server/core/effects.js';
import { LockTable, type AcquireCommand } from '../../../server/core/lock-table.js';
import type { LockTableOptions } from '../../../server/core/lock-table-options.js';

const secretOf = (id: string) => `secret-${id}`;

/** A table on a manual clock: `at(now)` sets the time of the calls that follow. Tokens start at 1. */
class Bench {
  readonly t: LockTable;
  now = 0;
  /** Request id of the last call whose id the test did not choose. */
  spare = 10_000;

  constructor(options: LockTableOptions = {}, tokens = 1_000_000) {
    this.t = new LockTable({ tokenLowWater: 1, ...options });
    if (tokens > 0) this.t.addTokens(0, 1, 1 + tokens);
  }
  at(now: number): this {
    this.now = now;
    return this;
  }
  /** Opens the sessions named in `ids` ('a b c'). */
  open(ids: string, ttlMs = 1_000): this {
    for (const sessionId of ids.split(' ')) {
      const hello = { sessionId, secret: secretOf(sessionId), ttlMs };
      expect(this.t.open(this.now, hello)).toMatchObject([{ type: 'welcome' }]);
    }
    return this;
  }
  acq = (id: string, requestId: number, path: string, more: Partial<AcquireCommand> = {}) =>
    this.t.acquire(this.now, id, { requestId, path, wait: true, ...more });
  /** Each session in `ids` acquires `path` in turn, with request ids from `firstId` on. */
  line = (path: string, ids: string, firstId = 1) =>
    ids.split(' ').map((id, i) => this.acq(id, firstId + i, path));
  rel = (id: string, path: string, token: number) =>
    this.t.release(this.now, id, { requestId: ++this.spare, path, token });
  cancel = (id: string, target: number) => this.t.cancel(this.now, id, ++this.spare, target);
  beat = (...ids: string[]) => ids.flatMap((id) => this.t.heartbeat(this.now, id, ++this.spare));
  tick = (now: number) => this.t.tick(this.at(now).now);
  holder = (path: string) => this.t.views.queue(path).holder?.sessionId ?? null;
  queue = (path: string) => this.t.views.queue(path).queue.map((w) => w.sessionId);
}

const grantAt = (sessionId: string, requestId: number, path: string, token: number) =>
  ({ type: 'grant', sessionId, requestId, path, token }) as const;
/** Grants to a waiter also say how long it waited; these tests look at who got what. */
const grant = (sessionId: string, requestId: number, path: string, token: number) =>
  expect.objectContaining({ type: 'grant', sessionId, requestId, path, token }) as Effect;
const ok = (sessionId: string, requestId: number): Effect => ({ type: 'ok', sessionId, requestId });
const ended = (sessionId: string): Effect => ({ type: 'ended', sessionId, reason: 'expired' });
const lost = (sessionId: string, path: string, token: number) =>
  ({ type: 'lost', sessionId, path, token, reason: 'session-expired' }) as const;
/** Effects as `grant`, `queued`, … or the error code. */
const kinds = (effects: Effect[]) => effects.map((e) => (e.type === 'error' ? e.code : e.type));
const grantsIn = (effects: Effect[]) =>
  effects.flatMap((e) => (e.type === 'grant' ? [`${e.sessionId}#${e.requestId}`] : []));
const tokenIn = (effects: Effect[]): number => {
  const g = effects.find((e) => e.type === 'grant');
  if (g?.type !== 'grant') throw new Error(`no grant in ${JSON.stringify(effects)}`);
  return g.token;
};
const refused = [{ type: 'refused', code: 'SESSION_EXPIRED', message: expect.any(String) }];

describe('LockTable sessions', () => {
  it.each([
    [undefined, 10_000],
    [1, 200],
    [199, 200],
    [5_000, 5_000],
    [1e9, 600_000],
  ] as const)('clamps an asked TTL of %s ms to %s ms and enforces it', (asked, ttlMs) => {
    const b = new Bench();
    const hello = { sessionId: 'a', secret: 's', ...(asked !== undefined && { ttlMs: asked }) };
    const welcome = { type: 'welcome', sessionId: 'a', secret: 's', resumed: false, held: [] };
    expect(b.t.open(0, hello)).toEqual([{ ...welcome, ttlMs }]);
    expect(b.tick(ttlMs - 1)).toEqual([]);
    expect(b.tick(ttlMs)).toEqual([ended('a')]);
  });

  it('resumes with the right secret, keeping locks and queue places', () => {
    const b = new Bench().open('a b');
    const token = tokenIn(b.acq('a', 1, 'p'));
    b.acq('b', 2, 'p');
    const welcome = { type: 'welcome', sessionId: 'a', secret: secretOf('a'), ttlMs: 1_000 };
    const held = [{ id: 1, path: 'p', token }];
    expect(b.t.resume(900, 'a', secretOf('a'))).toEqual([{ ...welcome, resumed: true, held }]);
    expect(b.t.resume(900, 'b', secretOf('b'))).toMatchObject([{ resumed: true, held: [] }]);
    expect(b.tick(1_899)).toEqual([]); // both leases were renewed at 900
    expect([b.holder('p'), b.queue('p')]).toEqual(['a', ['b']]);
  });

  it.each([
    ['a wrong secret', 500, 'a', 'not-the-secret', false],
    ['an unknown session', 500, 'nobody', 'x', false],
    ['a lease that ran out, before any tick', 1_000, 'a', secretOf('a'), false],
    ['a session a tick has ended', 1_000, 'a', secretOf('a'), true],
  ])('refuses a resume with %s as SESSION_EXPIRED', (_, now, id, secret, tickFirst) => {
    const b = new Bench().open('a');
    if (tickFirst) b.tick(now);
    expect(b.t.resume(now, id, secret)).toEqual(refused);
  });

  it('keeps only a hash of the secret: not in the journal, not in a snapshot', () => {
    const t = new LockTable({ journal: true });
    t.open(0, { sessionId: 'a', secret: 'the-plain-secret', owner: 'billing' });
    const written = JSON.stringify([t.takeJournal(), t.snapshot()]);
    expect(written).not.toContain('the-plain-secret');
    expect(written).toContain('billing');
    const standby = new LockTable();
    standby.restore(0, t.snapshot());
    expect(standby.resume(10, 'a', 'the-plain-secret')).toMatchObject([{ resumed: true }]);
  });

  it("refuses a resume of another owner's session as FORBIDDEN, and renews nothing", () => {
    const t = new LockTable();
    t.open(0, { sessionId: 'a', secret: 's', owner: 'billing', ttlMs: 1_000 });
    expect(t.resume(500, 'a', 's', 'ops')).toMatchObject([{ type: 'refused', code: 'FORBIDDEN' }]);
    expect(t.resume(500, 'a', 's', 'billing')).toMatchObject([{ type: 'welcome', resumed: true }]);
    // A wrong secret says nothing about whose the session is.
    expect(t.resume(500, 'a', 'x', 'ops')).toMatchObject([{ code: 'SESSION_EXPIRED' }]);
  });

  it('does not renew a lease for a resume with a wrong secret', () => {
    const b = new Bench().open('a');
    const token = tokenIn(b.acq('a', 1, 'p'));
    expect(b.t.resume(900, 'a', 'guessed')).toEqual(refused);
    // The real client was last seen at 0 with a 1,000 ms TTL.
    expect(b.tick(1_000)).toEqual([lost('a', 'p', token), ended('a')]);
    expect(b.t.views.hasSession('a')).toBe(false);
  });

  it('renews on heartbeat and refuses one after the lease ran out', () => {
    const b = new Bench().open('a');
    expect(b.t.heartbeat(600, 'a', 7)).toEqual([ok('a', 7)]);
    expect(b.tick(1_599)).toEqual([]);
    expect(kinds(b.at(1_600).beat('a'))).toEqual(['SESSION_EXPIRED']);
    expect(b.tick(1_600)).toEqual([ended('a')]);
    expect(kinds(b.acq('a', 9, 'p'))).toEqual(['SESSION_EXPIRED']);
  });

  it('on close releases holds to the next waiter and drops waits, with no lost', () => {
    const b = new Bench().open('a b c');
    b.acq('a', 1, 'p');
    b.acq('c', 2, 'q');
    b.acq('a', 3, 'q');
    b.acq('b', 4, 'p');
    expect(b.t.close(10, 'a', 5)).toEqual([
      ok('a', 5),
      grant('b', 4, 'p', 3),
      { type: 'ended', sessionId: 'a', reason: 'closed' },
    ]);
    expect([b.queue('q'), b.t.views.hasSession('a')]).toEqual([[], false]);
    expect(kinds(b.t.close(10, 'a', 6))).toEqual(['SESSION_EXPIRED']);
  });

  it('refuses a hello past maxSessions with LIMIT_EXCEEDED', () => {
    const b = new Bench({ maxSessions: 2 }).open('a b');
    const hello = { sessionId: 'c', secret: 'x' };
    expect(b.t.open(0, hello)).toMatchObject([{ type: 'refused', code: 'LIMIT_EXCEEDED' }]);
    b.t.close(0, 'a', 1);
    expect(kinds(b.t.open(0, hello))).toEqual(['welcome']);
  });
});

describe('LockTable acquire', () => {
  it('grants a free lock at once, then queues in FIFO order and grants in that order', () => {
    const b = new Bench().open('a b c d');
    expect(b.acq('a', 1, 'p')).toEqual([grant('a', 1, 'p', 1)]);
    const holder = { sessionId: 'a', requestId: 1, token: 1 };
    expect(b.t.views.queue('p')).toEqual({ holder, holders: [holder], queue: [] });
    const queued = b.line('p', 'b c d', 2).map(([e]) => e?.type === 'queued' && e.position);
    expect(queued).toEqual([1, 2, 3]);
    const order = ['a', 'b', 'c', 'd'].map((id, i) => grantsIn(b.rel(id, 'p', 1 + i)));
    expect(order).toEqual([['b#2'], ['c#3'], ['d#4'], []]);
  });

  it('answers tryAcquire (wait: false) busy and never queues it', () => {
    const b = new Bench().open('a b');
    b.acq('a', 1, 'p');
    const busy = { type: 'busy', sessionId: 'b', requestId: 2 };
    expect(b.acq('b', 2, 'p', { wait: false })).toEqual([busy]);
    expect(b.queue('p')).toEqual([]);
    expect(grantsIn(b.rel('a', 'p', 1))).toEqual([]);
    expect(b.acq('b', 3, 'p', { wait: false })).toEqual([grant('b', 3, 'p', 2)]);
  });

  it('is not reentrant: two acquires of one path by one session exclude each other', () => {
    const b = new Bench().open('a');
    b.acq('a', 1, 'p');
    expect(b.acq('a', 2, 'p')).toMatchObject([{ type: 'queued', position: 1 }]);
    expect(kinds(b.acq('a', 3, 'p', { wait: false }))).toEqual(['busy']);
    expect(b.holder('p')).toBe('a');
    expect(grantsIn(b.rel('a', 'p', 1))).toEqual(['a#2']);
  });

  it('answers a retried acquire with what it became, never adding a second waiter', () => {
    const b = new Bench().open('a b');
    expect(b.acq('a', 1, 'p')).toEqual([grant('a', 1, 'p', 1)]);
    // Marked a repeat, so the shell does not count the grant twice.
    expect(b.at(5).acq('a', 1, 'p')).toEqual([{ ...grantAt('a', 1, 'p', 1), repeat: true }]);
    expect(b.t.lastToken).toBe(1);
    b.acq('b', 2, 'p');
    expect(b.acq('b', 2, 'p')).toEqual([{ type: 'queued', sessionId: 'b', requestId: 2 }]);
    expect(b.queue('p')).toEqual(['b']);
    expect(grantsIn(b.rel('a', 'p', 1))).toEqual(['b#2']);
    expect(b.queue('p')).toEqual([]);
  });

  it.each([
    ['empty', '', 'INVALID_PATH'],
    ['513 ASCII bytes', 'a'.repeat(513), 'INVALID_PATH'],
    ['513 UTF-8 bytes in 171 chars', '€'.repeat(171), 'INVALID_PATH'],
    ['with a NUL', 'a\u0000b', 'INVALID_PATH'],
    ['with a newline', 'a\nb', 'INVALID_PATH'],
    ['with DEL', 'a\u007f', 'INVALID_PATH'],
    ['with a C1 control', 'a\u0085', 'INVALID_PATH'],
    ['with a lone high surrogate', 'x\ud800', 'INVALID_PATH'],
    ['with a lone low surrogate', '\udc00y', 'INVALID_PATH'],
    ['with swapped surrogates', '\ude00\ud83d', 'INVALID_PATH'],
    ['512 ASCII bytes', 'a'.repeat(512), 'grant'],
    ['512 UTF-8 bytes', '€'.repeat(170) + 'ab', 'grant'],
    ['with a surrogate pair', 'jobs/😀', 'grant'],
    ['with spaces and slashes', 'orders/42 eu-west', 'grant'],
  ])('answers a path %s with %s', (_, path, kind) => {
    const b = new Bench().open('a');
    expect(kinds(b.acq('a', 1, path))).toEqual([kind]);
    expect(b.t.views.counts().locks).toBe(kind === 'grant' ? 1 : 0);
  });

  it('limits held plus waiting locks per session (maxLocksPerSession)', () => {
    const b = new Bench({ maxLocksPerSession: 2 }).open('a b');
    b.acq('b', 1, 'q');
    expect(kinds(b.acq('a', 2, 'p'))).toEqual(['grant']);
    expect(kinds(b.acq('a', 3, 'q'))).toEqual(['queued']);
    expect(kinds(b.acq('a', 4, 'r'))).toEqual(['LIMIT_EXCEEDED']);
    expect(b.holder('r')).toBeNull();
    b.rel('a', 'p', 2);
    expect(kinds(b.acq('a', 5, 'r'))).toEqual(['grant']);
  });

  it('limits the queue of one path (maxWaitersPerPath); tryAcquire still answers busy', () => {
    const b = new Bench({ maxWaitersPerPath: 2 }).open('a b c d');
    b.line('p', 'a b c');
    expect(kinds(b.acq('d', 4, 'p'))).toEqual(['LIMIT_EXCEEDED']);
    expect(kinds(b.acq('d', 5, 'p', { wait: false }))).toEqual(['busy']);
    expect(b.queue('p')).toEqual(['b', 'c']);
  });
});

/** a holds p with token 1; b (request 2) and c (request 3) wait, in that order. */
function heldWithWaiters(): Bench {
  const b = new Bench().open('a b c', 10_000);
  b.line('p', 'a b c');
  return b;
}

describe('LockTable release and cancel', () => {
  it.each([
    ['a session that does not hold it', 'b', 'p', 1],
    ['the holder with a wrong token', 'a', 'p', 2],
    ['the holder naming another path', 'a', 'q', 1],
  ])('answers a release by %s NOT_HOLDER and changes nothing', (_, id, path, token) => {
    const b = heldWithWaiters();
    const before = b.t.views.queue('p');
    expect(kinds(b.rel(id, path, token))).toEqual(['NOT_HOLDER']);
    expect(b.t.views.queue('p')).toEqual(before);
  });

  it('makes a double release harmless: the second is NOT_HOLDER and grants nothing', () => {
    const b = heldWithWaiters();
    expect(kinds(b.rel('a', 'p', 1))).toEqual(['ok', 'grant']);
    const before = b.t.views.queue('p');
    expect(kinds(b.rel('a', 'p', 1))).toEqual(['NOT_HOLDER']);
    expect(b.t.views.queue('p')).toEqual(before);
    expect(b.holder('p')).toBe('b');
  });

  it('answers a stale token NOT_HOLDER after the same session got the lock again', () => {
    const b = new Bench().open('a');
    const first = tokenIn(b.acq('a', 1, 'p'));
    b.rel('a', 'p', first);
    const second = tokenIn(b.acq('a', 2, 'p'));
    expect(kinds(b.rel('a', 'p', first))).toEqual(['NOT_HOLDER']);
    expect(b.t.views.queue('p').holder?.token).toBe(second);
  });

  it('drops a cancelled waiter, which is never granted afterwards', () => {
    const b = heldWithWaiters();
    expect(b.cancel('b', 2)).toEqual([ok('b', b.spare)]);
    expect(b.queue('p')).toEqual(['c']);
    expect(grantsIn(b.rel('a', 'p', 1))).toEqual(['c#3']);
    expect(b.cancel('b', 2)).toEqual([ok('b', b.spare)]);
    expect(grantsIn(b.rel('c', 'p', 2))).toEqual([]);
  });

  it('releases a cancelled grant and grants the next waiter; ignores an unknown target', () => {
    const b = heldWithWaiters();
    expect(b.cancel('a', 1)).toEqual([ok('a', b.spare), grant('b', 2, 'p', 2)]);
    expect(b.cancel('a', 12_345)).toEqual([ok('a', b.spare)]);
  });
});

describe('LockTable time', () => {
  it('times a waiter out at its deadline with TIMEOUT and removes it', () => {
    const b = new Bench().open('a b', 10_000);
    b.acq('a', 1, 'p');
    b.at(10).acq('b', 2, 'p', { timeoutMs: 100 });
    expect(b.t.nextDeadline()).toBeLessThanOrEqual(110);
    expect(b.tick(109)).toEqual([]);
    const timeout = { type: 'error', sessionId: 'b', requestId: 2, code: 'TIMEOUT' };
    expect(b.tick(110)).toMatchObject([timeout]);
    expect(b.queue('p')).toEqual([]);
    expect(b.rel('a', 'p', 1)).toEqual([ok('a', b.spare)]);
    // A waiter granted before its deadline is not timed out afterwards.
    const token = tokenIn(b.acq('a', 3, 'p'));
    b.acq('b', 4, 'p', { timeoutMs: 100 });
    expect(grantsIn(b.at(150).rel('a', 'p', token))).toEqual(['b#4']);
    expect([b.tick(300), b.holder('p')]).toEqual([[], 'b']);
  });

  it('answers timeoutMs 0 on a held lock TIMEOUT at once, and grants a free one', () => {
    const b = heldWithWaiters();
    expect(kinds(b.acq('c', 4, 'p', { timeoutMs: 0 }))).toEqual(['TIMEOUT']);
    expect(b.queue('p')).toEqual(['b', 'c']);
    expect(kinds(b.acq('c', 5, 'q', { timeoutMs: 0 }))).toEqual(['grant']);
  });

  it('on session expiry releases its holds to the next waiters and drops its waits', () => {
    const b = new Bench().open('a b c');
    b.line('p', 'a');
    b.line('q', 'a', 2);
    b.line('r', 'c a', 3);
    b.line('p', 'b', 5);
    b.at(500).beat('b', 'c');
    const effects = [lost('a', 'p', 1), grant('b', 5, 'p', 4), lost('a', 'q', 2), ended('a')];
    expect(b.tick(1_000)).toEqual(effects);
    expect([b.queue('r'), b.holder('r'), b.t.views.hasSession('a')]).toEqual([[], 'c', false]);
  });

  it('keeps a lock ungranted for lockDelayMs after its holder expired, not after a release', () => {
    const b = new Bench({ lockDelayMs: 500 }).open('a').open('b c d', 5_000);
    b.line('p', 'a b c');
    b.acq('a', 9, 'q'); // nobody waits for q
    expect(kinds(b.tick(1_000))).toEqual(['lost', 'lost', 'ended']);
    expect(b.t.views.queue('p')).toMatchObject({ holder: null, queue: [{ sessionId: 'b' }, {}] });
    expect(kinds(b.acq('d', 4, 'q', { wait: false }))).toEqual(['busy']);
    expect(b.t.nextDeadline()).toBeLessThanOrEqual(1_500);
    expect(b.tick(1_499)).toEqual([]);
    expect(b.tick(1_500)).toEqual([grant('b', 2, 'p', 3)]);
    expect(kinds(b.acq('d', 5, 'q', { wait: false }))).toEqual(['grant']);
    expect(grantsIn(b.at(1_600).rel('b', 'p', 3))).toEqual(['c#3']);
    b.t.close(1_700, 'c', 6);
    expect(kinds(b.at(1_700).acq('d', 7, 'p', { wait: false }))).toEqual(['grant']);
  });

  it('does not hand a released lock to a waiter whose lease ran out before the tick', () => {
    const b = new Bench({ lockDelayMs: 500 }).open('a c', 5_000).open('b', 1_000);
    b.line('p', 'a b c');
    // At 1,000 b's lease has run out (last seen at 0); no tick has run yet.
    expect(grantsIn(b.at(1_000).rel('a', 'p', 1))).toEqual(['c#3']);
    b.tick(1_000);
    expect(b.holder('p')).toBe('c'); // a normal release is not delayed
  });

  it('does not grant an expiring holder’s lock to a waiter expiring in the same tick', () => {
    const b = new Bench().open('a', 900).open('b', 1_000);
    b.line('p', 'a b');
    const effects = b.tick(1_000); // both leases have run out
    expect(grantsIn(effects)).toEqual([]);
    expect(effects).toHaveLength(3);
    expect(effects).toEqual(expect.arrayContaining([lost('a', 'p', 1), ended('a'), ended('b')]));
  });

  it('gives a nextDeadline() never later than the next event, also after a renewal', () => {
    expect(new Bench().t.nextDeadline()).toBe(Infinity);
    const b = new Bench({ lockDelayMs: 250 }).open('a b', 10_000).open('c', 200);
    b.line('p', 'c a'); // c's expiry (200, then 350 after the heartbeat) starts a lock delay
    b.at(100).line('q', 'b a', 3);
    b.acq('a', 5, 'r'); // a holds r ...
    b.acq('b', 6, 'r', { timeoutMs: 40 }); // ... and b's wait for it times out at 140
    b.at(150).beat('c');
    const events = ['TIMEOUT@140', 'lost@350', 'ended@350', 'grant@600'];
    const seen: string[] = [];
    // Ticking at each deadline (it may be early) finds every event exactly on time.
    for (let due = b.t.nextDeadline(); seen.length < events.length;) {
      seen.push(...kinds(b.tick(due)).map((kind) => `${kind}@${due}`));
      due = Math.max(due + 1, b.t.nextDeadline());
    }
    expect(seen).toEqual(events);
  });
});

describe('LockTable fencing tokens', () => {
  it('hands out strictly increasing tokens over paths and token blocks', () => {
    const b = new Bench({}, 3).open('a b');
    const tokens = [tokenIn(b.acq('a', 1, 'p')), tokenIn(b.acq('b', 2, 'q'))];
    b.rel('a', 'p', tokens[0]!);
    tokens.push(tokenIn(b.acq('b', 3, 'p')));
    b.t.addTokens(0, 100, 200);
    b.rel('b', 'q', tokens[1]!);
    tokens.push(tokenIn(b.acq('a', 4, 'q')));
    expect(tokens).toEqual([1, 2, 3, 100]);
    expect(() => b.t.addTokens(0, 50, 60)).toThrow(/below tokens already issued/);
    expect(() => b.t.addTokens(0, 300, 300)).toThrow(/bad token block/);
  });

  it('asks for a reserve once when fewer than tokenLowWater tokens remain', () => {
    const b = new Bench({ tokenLowWater: 3 }, 5).open('a'); // tokens 1..5
    const asks = [1, 2, 3, 4].map((i) => b.acq('a', i, `p${i}`).filter((e) => e.type !== 'grant'));
    expect(asks).toEqual([[], [], [{ type: 'reserveTokens', issuedUpTo: 3 }], []]);
    b.t.addTokens(0, 10, 12);
    expect(b.acq('a', 5, 'p5')).toContainEqual({ type: 'reserveTokens', issuedUpTo: 10 });
  });

  it('stalls grants when tokens run out and resumes them in order on addTokens', () => {
    const b = new Bench({}, 1).open('a b c');
    expect(kinds(b.acq('a', 1, 'p'))).toEqual(['grant', 'reserveTokens']);
    b.acq('b', 2, 'p');
    expect(b.acq('b', 3, 'q')).toMatchObject([{ type: 'queued', position: 1 }]); // free, no token
    expect(kinds(b.acq('c', 4, 'r', { wait: false }))).toEqual(['busy']);
    b.acq('c', 5, 'q');
    expect(kinds(b.rel('a', 'p', 1))).toEqual(['ok']); // starved: nobody granted
    expect(b.t.views.queue('p')).toEqual({
      holder: null,
      holders: [],
      queue: [{ sessionId: 'b', requestId: 2 }],
    });
    expect(b.holder('q')).toBeNull();
    expect(grantsIn(b.t.addTokens(0, 10, 12)).sort()).toEqual(['b#2', 'b#3']);
    const q = b.t.views.queue('q').holder?.token ?? 0;
    expect(grantsIn(b.rel('b', 'q', q))).toEqual([]); // out again: c still waits
    expect(grantsIn(b.t.addTokens(0, 20, 30))).toEqual(['c#5']);
  });
});

describe('LockTable with 10,000 sessions', () => {
  it('expires a chain of 10,000 lapsed sessions in one tick, granting none of them', () => {
    // s<i> holds L<i> and waits for L<i-1>: each expiry frees a lock whose next waiter lapsed too.
    const b = new Bench().open('s0', 500);
    b.acq('s0', 1, 'L0');
    for (let i = 1; i < 10_000; i++) {
      b.open(`s${i}`).acq(`s${i}`, 1, `L${i}`);
      b.acq(`s${i}`, 2, `L${i - 1}`);
    }
    expect(grantsIn(b.tick(1_000))).toEqual([]);
    expect(b.t.views.counts()).toEqual({ sessions: 0, locks: 0, locksHeld: 0, waiters: 0 });
  });

  it('hands off to one of 10,000 waiters without telling the others; cancels in the middle', () => {
    const b = new Bench({ maxSessionsPerOwner: 20_000 });
    const ids = Array.from({ length: 10_001 }, (_, i) => `s${i}`);
    b.open(ids.join(' '), 600_000);
    b.line('p', ids.join(' '), 0);
    expect(b.t.views.queue('p').queue).toHaveLength(10_000);
    expect(b.at(1).rel('s0', 'p', 1)).toEqual([ok('s0', b.spare), grant('s1', 1, 'p', 2)]);
    // Every reply below goes to the caller alone, except one grant per handoff.
    const stray: Effect[] = [];
    const cancelled = new Set<number>();
    for (let i = 4_000; i < 6_000; i += 7) {
      const [reply, ...rest] = b.cancel(`s${i}`, i);
      if (reply?.type !== 'ok' || reply.sessionId !== `s${i}`) stray.push(reply!);
      stray.push(...rest);
      cancelled.add(i);
    }
    const order: number[] = [];
    let token = 2;
    for (let i = 1; i <= 10_000; i++) {
      if (cancelled.has(i)) continue;
      const [reply, next, ...rest] = b.rel(`s${i}`, 'p', token);
      if (reply?.type !== 'ok' || reply.sessionId !== `s${i}`) stray.push(reply!);
      stray.push(...rest);
      if (next?.type === 'grant') [token, order[order.length]] = [next.token, next.requestId];
      else if (next) stray.push(next);
    }
    expect(stray).toEqual([]);
    expect(order).toEqual(ids.map((_, i) => i).filter((i) => i > 1 && !cancelled.has(i)));
    expect(b.t.views.counts()).toEqual({ sessions: 10_001, locks: 0, locksHeld: 0, waiters: 0 });
  });
});
