import { describe, expect, it } from 'vitest';
import { LockLostError } from '../../shared/errors.js';
import { closeFake, fakeSession, sentOf, type FakeSession } from '../helpers/fake-session.js';

/** Acquires `path` and grants it at once. */
async function hold(s: FakeSession, path: string, token: number) {
  const socket = s.sockets.at(-1)!;
  const pending = s.client.acquire(path);
  const acquire = sentOf(socket, 'acquire').at(-1)!;
  socket.deliver({ t: 'grant', id: acquire.id, path, token });
  return pending;
}

// The signal is made on first read; these pin that a read after the loss sees it as one before.
describe('lease.signal', () => {
  it('aborts once, with the LockLostError, for a listener added before the loss', async () => {
    const s = await fakeSession();
    const lease = await hold(s, 'p', 7);
    const signal = lease.signal;
    const reasons: unknown[] = [];
    signal.addEventListener('abort', () => reasons.push(signal.reason));
    expect(signal.aborted).toBe(false);
    s.sockets[0]!.deliver({ t: 'lost', path: 'p', token: 7, reason: 'revoked' });
    s.sockets[0]!.deliver({ t: 'lost', path: 'p', token: 7, reason: 'session-expired' });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(LockLostError);
    expect(reasons[0]).toMatchObject({ code: 'LOCK_LOST', reason: 'revoked' });
    expect(lease.signal).toBe(signal);
    expect(() => lease.assertHeld()).toThrow(reasons[0] as Error);
    await closeFake(s);
  });

  it('is already aborted, with the same reason every time, when first read after the loss', async () => {
    const s = await fakeSession();
    const lease = await hold(s, 'p', 7);
    s.sockets[0]!.deliver({ t: 'lost', path: 'p', token: 7, reason: 'revoked' });
    // assertHeld first: it must not need the signal to know.
    let thrown: unknown = null;
    try {
      lease.assertHeld();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'LOCK_LOST', reason: 'revoked' });
    const signal = lease.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(thrown);
    expect(lease.signal).toBe(signal);
    // A listener added now does not fire: the abort event is long past.
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    s.sockets[0]!.deliver({ t: 'lost', path: 'p', token: 7, reason: 'session-expired' });
    expect(fired).toBe(0);
    expect(lease.signal.reason).toBe(thrown);
    await closeFake(s);
  });

  it('is aborted for a lease lost to close before anyone read it', async () => {
    const s = await fakeSession();
    const lease = await hold(s, 'p', 7);
    await closeFake(s);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'closed' });
  });
});
