import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_OPTIONS } from '../../client/client-options.js';
import { encodeFrame } from '../../shared/codec.js';
import { LIST_CODES } from '../../shared/protocol.js';
import { closeFake, fakeClient, type FakeSession } from '../helpers/fake-session.js';
import type { FakeSocket } from '../helpers/fake-socket.js';

/** A client whose first socket was welcomed, by a broker that reads lists or not. */
async function welcomed(compact: boolean): Promise<FakeSession & { socket: FakeSocket }> {
  const s = fakeClient();
  const started = s.client.start();
  const socket = s.sockets[0]!;
  socket.welcome(10_000, compact);
  await started;
  return { ...s, socket };
}

/** What the client sent after its hello, as decoded: maps, or lists. */
const afterHello = (socket: FakeSocket): unknown[] => socket.sent.slice(1);

describe('compact frames, from the client', () => {
  it('asks for list grants in its hello, and sends maps to a broker that did not offer lists', async () => {
    const s = await welcomed(false);
    expect(s.socket.sent[0]).toMatchObject({ t: 'hello', compact: true });
    const pending = s.client.acquire('p');
    s.socket.deliver({ t: 'grant', id: 1, path: 'p', token: 7 });
    const lease = await pending;
    await lease.release();
    expect(afterHello(s.socket)).toEqual([
      { t: 'acquire', id: 1, path: 'p', wait: true, quiet: true },
      { t: 'release', id: 2, path: 'p', token: 7, quiet: true },
    ]);
    await closeFake(s);
  });

  it('sends a plain acquire and release as lists to a broker that offered them, and reads a list grant', async () => {
    const s = await welcomed(true);
    const pending = s.client.acquire('p');
    s.socket.deliverBytes(encodeFrame({ t: 'grant', id: 1, path: 'p', token: 7 }, true));
    const lease = await pending;
    expect([lease.path, lease.token]).toEqual(['p', 7]);
    await lease.release();
    const tried = s.client.tryAcquire('q');
    s.socket.deliver({ t: 'busy', id: 3 });
    expect(await tried).toBeNull();
    expect(afterHello(s.socket)).toEqual([
      [LIST_CODES.acquire, 1, 'p', true],
      [LIST_CODES.release, 2, 'p', 7],
      [LIST_CODES.acquire, 3, 'q', false],
    ]);
    await closeFake(s);
  });

  it('keeps an acquire with any option a map', async () => {
    const s = await welcomed(true);
    void s.client.acquire('p', { timeoutMs: 500 }).catch(() => {});
    void s.client.acquire('q', { limit: 3 }).catch(() => {});
    expect(afterHello(s.socket)).toEqual([
      { t: 'acquire', id: 1, path: 'p', wait: true, quiet: true, timeoutMs: 500 },
      { t: 'acquire', id: 2, path: 'q', wait: true, quiet: true, limit: 3 },
    ]);
    await closeFake(s);
  });

  it('forgets the offer with its socket: a resent acquire goes as a map to a broker that makes none', async () => {
    const s = await welcomed(true);
    void s.client.acquire('p').catch(() => {});
    expect(afterHello(s.socket)).toEqual([[LIST_CODES.acquire, 1, 'p', true]]);
    // The broker fails over to an older one, which reads maps only.
    s.socket.onclose?.({ code: 1006, reason: '' });
    s.clock.advance(DEFAULT_CLIENT_OPTIONS.reconnectMinDelayMs);
    const second = s.sockets[1]!;
    second.open();
    expect(second.sent).toMatchObject([{ t: 'hello', session: 's', compact: true }]);
    second.welcomeBack();
    expect(afterHello(second)).toEqual([
      { t: 'acquire', id: 1, path: 'p', wait: true, quiet: true },
    ]);
    await closeFake(s);
  });
});
