import { describe, expect, it } from 'vitest';
import type { Lease } from '../../client/lease.js';
import type { FakeSocket } from '../helpers/fake-socket.js';
import { closeFake, fakeSession, sentOf, type FakeSession } from '../helpers/fake-session.js';

/** Answers every heartbeat sent on `socket` and not answered yet. */
function answerHeartbeats(socket: FakeSocket, answered: Set<number>): void {
  for (const hb of sentOf(socket, 'hb')) {
    if (answered.has(hb.id)) continue;
    answered.add(hb.id);
    socket.deliver({ t: 'ok', id: hb.id });
  }
}

/** Acquires `path` and grants it at once, as of the clock's now. */
async function hold(s: FakeSession, path: string, token: number): Promise<Lease> {
  const socket = s.sockets.at(-1)!;
  const pending = s.client.acquire(path);
  const acquire = sentOf(socket, 'acquire').at(-1)!;
  socket.deliver({ t: 'grant', id: acquire.id, path, token });
  return pending;
}

describe('heartbeats', () => {
  it('keep a session alive while the frames it sends go unanswered', async () => {
    // A TTL of 600 ms: heartbeats every 200 ms, and two silent intervals call the broker dead.
    const s = await fakeSession({ sessionTtlMs: 600 }, 600);
    const socket = s.sockets[0]!;
    const answered = new Set<number>();
    for (let i = 0; i < 12; i++) {
      // A queued acquire is not answered until its grant.
      s.client.acquire(`busy/${i}`).catch(() => {});
      s.clock.advance(100);
      answerHeartbeats(socket, answered);
    }
    expect(answered.size).toBeGreaterThanOrEqual(5);
    expect(socket.closedWith).toBe(null);
    expect(s.statuses.map((st) => st.state)).not.toContain('reconnecting');
    await closeFake(s);
  });

  it('are sent only into silence: answered frames make them needless', async () => {
    const s = await fakeSession({ sessionTtlMs: 600 }, 600);
    const socket = s.sockets[0]!;
    for (let i = 0; i < 10; i++) {
      s.clock.advance(100);
      await hold(s, `p/${i}`, i + 1);
    }
    expect(sentOf(socket, 'hb')).toEqual([]);
    await closeFake(s);
  });

  it('call a broker that answers none of them dead after two intervals', async () => {
    const s = await fakeSession({ sessionTtlMs: 600 }, 600);
    const socket = s.sockets[0]!;
    s.clock.advance(599);
    expect(sentOf(socket, 'hb')).toHaveLength(2);
    expect(socket.closedWith).toBe(null);
    s.clock.advance(1);
    expect(socket.closedWith).toBe(1000);
    expect(s.statuses.at(-1)).toMatchObject({
      state: 'reconnecting',
      error: { code: 'CLOSED', message: 'the broker stopped answering' },
    });
    await closeFake(s);
  });
});

describe('lease.signal', () => {
  it('aborts at the last answered send plus the TTL, less the margin, and gives the lock back', async () => {
    // TTL 9,000 ms: heartbeats every 3,000 ms, a margin of 900 ms.
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const socket = s.sockets[0]!;
    const lease = await hold(s, 'p', 7);
    const answered = new Set<number>();
    s.clock.advance(3_000);
    answerHeartbeats(socket, answered);
    s.clock.advance(3_000);
    // The last answer the broker gives: the heartbeat sent at 6,000 ms.
    answerHeartbeats(socket, answered);
    s.clock.advance(14_099 - 6_000);
    expect(lease.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    // Before the connection is even called dead (at 15,000 ms), the lock is given back.
    expect(socket.closedWith).toBe(null);
    expect(sentOf(socket, 'release')).toMatchObject([{ path: 'p', token: 7 }]);
    await closeFake(s);
  });

  it('does not abort while answers keep coming', async () => {
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const socket = s.sockets[0]!;
    const lease = await hold(s, 'p', 7);
    const answered = new Set<number>();
    for (let i = 0; i < 40; i++) {
      s.clock.advance(1_000);
      answerHeartbeats(socket, answered);
    }
    expect(lease.signal.aborted).toBe(false);
    expect(socket.closedWith).toBe(null);
    await closeFake(s);
  });

  it('aborts a lease granted after the watch of an earlier one fired with nothing held', async () => {
    // TTL 9,000 ms: heartbeats every 3,000 ms, a margin of 900 ms.
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const socket = s.sockets[0]!;
    const answered = new Set<number>();
    const first = await hold(s, 'p', 1);
    s.clock.advance(1_000);
    await first.release();
    // The first lease's watch, due at 8,100 ms, fires and finds nothing to watch.
    for (let t = 1_000; t < 21_000; t += 1_000) {
      s.clock.advance(1_000);
      answerHeartbeats(socket, answered);
    }
    // Granted at 21,000 ms, then silence: the lease is sure until 29,100 ms.
    const second = await hold(s, 'q', 2);
    s.clock.advance(8_099);
    expect(second.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(second.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    expect(socket.closedWith).toBe(null);
    await closeFake(s);
  });

  it('is watched at the nearer deadline of a shorter TTL granted on resume', async () => {
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const lease = await hold(s, 'p', 7);
    // Armed for 8,100 ms; at 1,000 ms the socket drops and a new broker grants 3,000 ms.
    s.clock.advance(1_000);
    s.sockets[0]!.onclose?.({ code: 1006, reason: '' });
    s.clock.advance(100);
    const socket = s.sockets[1]!;
    socket.open();
    const sentHelloAt = s.clock.now();
    socket.deliver({
      t: 'welcome',
      v: 1,
      session: 's',
      secret: 'k',
      ttlMs: 3_000,
      resumed: true,
      held: [{ id: lease.requestId, path: 'p', token: 7 }],
    });
    // Sure until the hello's send plus 3,000 less the margin (the larger of a tenth and 50 ms).
    s.clock.advance(sentHelloAt + 2_700 - 1 - s.clock.now());
    expect(lease.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    await closeFake(s);
  });

  it('is not kept alive by refusals the broker answers without renewing the session', async () => {
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const socket = s.sockets[0]!;
    const lease = await hold(s, 'p', 7);
    // Every second an acquire is refused at once; no heartbeat is answered.
    for (let i = 1; i <= 8; i++) {
      s.clock.advance(1_000);
      s.client.acquire(`flood/${i}`).catch(() => {});
      const acquire = sentOf(socket, 'acquire').at(-1)!;
      const code = (['RATE_LIMITED', 'FORBIDDEN', 'PROTOCOL'] as const)[i % 3]!;
      socket.deliver({ t: 'error', id: acquire.id, code, message: 'no' });
    }
    // The lease still counts from the grant's send at 0 ms: it ends at 9,000 less 900.
    s.clock.advance(99);
    expect(lease.signal.aborted).toBe(false);
    s.clock.advance(1);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    await closeFake(s);
  });
});

describe('lease.assertHeld', () => {
  it('throws in a callback that runs after a stall before the SDK notices, while signal has not aborted', async () => {
    // TTL 9,000 ms: the lease is sure until 8,100 ms.
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const lease = await hold(s, 'p', 7);
    const seen: { aborted: boolean; error: unknown }[] = [];
    // The holder's own timer, due long before the lease ends.
    s.clock.set(() => {
      let error: unknown = null;
      try {
        lease.assertHeld();
      } catch (err) {
        error = err;
      }
      seen.push({ aborted: lease.signal.aborted, error });
    }, 5_000);
    expect(() => lease.assertHeld()).not.toThrow();
    // Stopped for 12 s, then resumed: the holder's timer runs first.
    s.clock.stall(12_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.aborted).toBe(false);
    expect(seen[0]!.error).toMatchObject({ code: 'LOCK_LOST', reason: 'lease-expired' });
    // The SDK's own check came after it and aborted the signal.
    expect(lease.signal.aborted).toBe(true);
    expect(() => lease.assertHeld()).toThrow(lease.signal.reason as Error);
    await closeFake(s);
  });

  it('passes while the lease runs and says NOT_HOLDER once released', async () => {
    const s = await fakeSession({ sessionTtlMs: 9_000 }, 9_000);
    const lease = await hold(s, 'p', 7);
    s.clock.advance(8_099);
    expect(() => lease.assertHeld()).not.toThrow();
    await lease.release();
    expect(() => lease.assertHeld()).toThrow(expect.objectContaining({ code: 'NOT_HOLDER' }));
    await closeFake(s);
  });
});

describe('redialling while holding a lock', () => {
  /** Drops the session's socket, fails `dials` redials at once, and returns the gaps between them. */
  function redialGaps(s: FakeSession, dials: number): number[] {
    s.sockets.at(-1)!.onclose?.({ code: 1006, reason: '' });
    const times: number[] = [];
    const start = s.clock.now();
    let seen = s.sockets.length;
    while (times.length < dials && s.clock.now() - start < 60_000) {
      s.clock.advance(1);
      if (s.sockets.length > seen) {
        seen = s.sockets.length;
        times.push(s.clock.now());
        s.sockets.at(-1)!.onclose?.({ code: 1006, reason: '' });
      }
    }
    return times.slice(1).map((t, i) => t - times[i]!);
  }

  it('keeps the delay within a tenth of the TTL, so a failover does not cost the lease', async () => {
    // TTL 3,000 ms: a holder redials at most 300 ms apart; without a lock, up to 2,000 ms.
    const holder = await fakeSession({ sessionTtlMs: 3_000 }, 3_000);
    await hold(holder, 'p', 1);
    expect(redialGaps(holder, 6)).toEqual([100, 200, 300, 300, 300]);
    const idle = await fakeSession({ sessionTtlMs: 3_000 }, 3_000);
    expect(redialGaps(idle, 6)).toEqual([100, 200, 400, 800, 1_600]);
  });
});
