import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_OPTIONS } from '../../client/client-options.js';
import type { ServerFrame } from '../../shared/protocol.js';
import { closeFake, fakeSession, sentOf } from '../helpers/fake-session.js';
import { settled } from '../helpers/manual-clock.js';

describe('a grant that arrives twice', () => {
  it('keeps the lease and sends no release for the repeat', async () => {
    const s = await fakeSession();
    const socket = s.sockets[0]!;
    const pending = s.client.acquire('x');
    const acquire = socket.sent.find((f) => f.t === 'acquire');
    if (acquire?.t !== 'acquire') throw new Error('no acquire sent');
    const grant: ServerFrame = { t: 'grant', id: acquire.id, path: 'x', token: 42 };
    // The push, then the answer to a resent acquire, as after a reconnect.
    socket.deliver(grant);
    socket.deliver(grant);
    const lease = await pending;
    expect(lease.token).toBe(42);
    expect(lease.signal.aborted).toBe(false);
    expect(socket.sent.filter((f) => f.t === 'release')).toEqual([]);
    // A grant for an acquire the client never made, or gave up on, is handed back.
    socket.deliver({ t: 'grant', id: 999, path: 'y', token: 43 });
    expect(socket.sent.filter((f) => f.t === 'release')).toMatchObject([{ path: 'y', token: 43 }]);
    await closeFake(s);
  });
});

describe('tryAcquire with no broker answering', () => {
  it('fails with TIMEOUT after connectTimeoutMs instead of waiting out a reconnect', async () => {
    const s = await fakeSession({ connectTimeoutMs: 200 });
    const outcome = settled(s.client.tryAcquire('x'));
    s.clock.advance(199);
    expect(await outcome.now()).toBe('pending');
    s.clock.advance(1);
    expect(await outcome.now()).toMatchObject({ code: 'TIMEOUT' });
    // The broker is told to forget it.
    expect(sentOf(s.sockets[0]!, 'cancel')).toHaveLength(1);
    await closeFake(s);
  });
});

describe('a resume that lists a lease with another token', () => {
  it('drops the lease and gives the broker’s hold back', async () => {
    const s = await fakeSession();
    const [first] = s.sockets;
    const pending = s.client.acquire('x');
    const acquire = sentOf(first!, 'acquire')[0]!;
    first!.deliver({ t: 'grant', id: acquire.id, path: 'x', token: 11 });
    const lease = await pending;
    // The broker fails over; the new one granted the same acquire anew, with token 1000.
    first!.onclose?.({ code: 1006, reason: '' });
    // The first redial waits out the least reconnect delay.
    s.clock.advance(DEFAULT_CLIENT_OPTIONS.reconnectMinDelayMs);
    const second = s.sockets[1]!;
    second.open();
    second.welcomeBack([{ id: acquire.id, path: 'x', token: 1000 }]);
    expect(lease.signal.aborted).toBe(true);
    expect(sentOf(second, 'release')).toMatchObject([{ path: 'x', token: 1000 }]);
    await closeFake(s);
  });
});
