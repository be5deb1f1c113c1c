import { describe, expect, it } from 'vitest';
import { BatonClient } from '../../client/client.js';
import type { ClientOptions } from '../../client/client-options.js';
import type { ServerFrame } from '../../shared/protocol.js';
import { FakeSocket } from '../helpers/fake-socket.js';

/** A client whose first session is open over a fake socket. */
async function connected(
  options: ClientOptions,
): Promise<{ socket: FakeSocket; client: BatonClient }> {
  const socket = new FakeSocket();
  const client = new BatonClient(options, () => socket);
  const started = client.start();
  socket.welcome();
  await started;
  return { socket, client };
}

describe('a grant that arrives twice', () => {
  it('keeps the lease and sends no release for the repeat', async () => {
    const { socket, client } = await connected({ url: 'ws://fake' });
    const pending = client.acquire('x');
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
    await client.close();
  });
});

describe('tryAcquire with no broker answering', () => {
  it('fails with TIMEOUT after connectTimeoutMs instead of waiting out a reconnect', async () => {
    const { socket, client } = await connected({ url: 'ws://fake', connectTimeoutMs: 200 });
    const at = performance.now();
    await expect(client.tryAcquire('x')).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - at).toBeGreaterThanOrEqual(190);
    // The broker is told to forget it.
    expect(socket.sent.some((f) => f.t === 'cancel')).toBe(true);
    await client.close();
  });
});

describe('a resume that lists a lease with another token', () => {
  it('drops the lease and gives the broker’s hold back', async () => {
    const sockets: FakeSocket[] = [];
    const client = new BatonClient({ url: 'ws://fake' }, () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    });
    const welcome = (resumed: boolean, held: { id: number; path: string; token: number }[]) =>
      ({ t: 'welcome', v: 1, session: 's', secret: 'k', ttlMs: 10_000, resumed, held }) as const;
    const started = client.start();
    sockets[0]!.open();
    sockets[0]!.deliver(welcome(false, []));
    await started;
    const pending = client.acquire('x');
    const acquire = sockets[0]!.sent.find((f) => f.t === 'acquire');
    if (acquire?.t !== 'acquire') throw new Error('no acquire sent');
    sockets[0]!.deliver({ t: 'grant', id: acquire.id, path: 'x', token: 11 });
    const lease = await pending;
    // The broker fails over; the new one granted the same acquire anew, with token 1000.
    sockets[0]!.onclose?.({ code: 1006, reason: '' });
    const deadline = performance.now() + 5_000;
    while (sockets.length < 2 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    sockets[1]!.open();
    sockets[1]!.deliver(welcome(true, [{ id: acquire.id, path: 'x', token: 1000 }]));
    expect(lease.signal.aborted).toBe(true);
    expect(sockets[1]!.sent.filter((f) => f.t === 'release')).toMatchObject([
      { path: 'x', token: 1000 },
    ]);
    await client.close();
  });
});
