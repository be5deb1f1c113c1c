import { describe, expect, it } from 'vitest';
import { startBroker } from './brokers.js';
import { Peer, type Closed } from './peer.js';
import { CLOSE, type Frame } from './wire.js';

/** Resumes the session of `welcome` on a new connection. */
async function reconnect(url: string, welcome: Frame): Promise<{ peer: Peer; welcome: Frame }> {
  return Peer.session(url, { session: welcome.session, secret: welcome.secret });
}

/** Whether another session can take `path` now: a try answered by grant (then released) or busy. */
async function freeNow(url: string, path: string): Promise<boolean> {
  const { peer } = await Peer.session(url);
  peer.send({ t: 'acquire', id: 1, path, wait: false });
  const answer = await peer.reply(1);
  peer.send({ t: 'bye', id: 2 });
  return answer.t === 'grant';
}

describe('resume and reconcile (PROTOCOL.md: Reconnecting, resuming and retrying)', () => {
  it('resumes a session with its TTL and lists what it holds in welcome.held', async () => {
    const broker = await startBroker();
    const { peer, welcome } = await Peer.session(broker.url, { ttlMs: 5_000 });
    peer.send({ t: 'acquire', id: 1, path: 'a', wait: true });
    peer.send({ t: 'acquire', id: 2, path: 'b', wait: true });
    const a = await peer.reply(1);
    const b = await peer.reply(2);
    await peer.drop();

    const resumed = await reconnect(broker.url, welcome);
    expect(resumed.welcome).toMatchObject({
      t: 'welcome',
      v: 1,
      session: welcome.session,
      secret: welcome.secret,
      ttlMs: 5_000,
      resumed: true,
    });
    const held = [...(resumed.welcome.held as Frame[])].sort(
      (x, y) => (x.id as number) - (y.id as number),
    );
    expect(held).toEqual([
      { id: 1, path: 'a', token: a.token },
      { id: 2, path: 'b', token: b.token },
    ]);
  });

  it('reconcile: a lock listed in held that the client let go of is released by its listed token', async () => {
    const broker = await startBroker();
    const { peer, welcome } = await Peer.session(broker.url);
    peer.send({ t: 'acquire', id: 1, path: 'kept', wait: true });
    peer.send({ t: 'acquire', id: 2, path: 'let-go', wait: true });
    await peer.reply(1);
    await peer.reply(2);
    // The client released 'let-go', but the release was lost with the connection.
    await peer.drop();

    const resumed = await reconnect(broker.url, welcome);
    const held = resumed.welcome.held as Frame[];
    const stale = held.find((h) => h.path === 'let-go') as Frame;
    expect(stale).toMatchObject({ id: 2 });
    resumed.peer.send({ t: 'release', id: 3, path: stale.path, token: stale.token });
    expect(await resumed.peer.reply(3)).toEqual({ t: 'ok', id: 3 });
    expect(await freeNow(broker.url, 'let-go')).toBe(true);
    expect(await freeNow(broker.url, 'kept')).toBe(false);
  });

  it('a grant pushed while the session had no connection is had by resending the acquire with its id', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url);
    const { peer: waiter, welcome } = await Peer.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const first = await holder.reply(1);
    waiter.send({ t: 'acquire', id: 7, path: 'p', wait: true });
    expect(await waiter.reply(7)).toMatchObject({ t: 'queued', position: 1 });
    await waiter.drop();
    holder.send({ t: 'release', id: 2, path: 'p', token: first.token });
    expect(await holder.reply(2)).toEqual({ t: 'ok', id: 2 });

    const resumed = await reconnect(broker.url, welcome);
    const [listed] = resumed.welcome.held as Frame[];
    expect(listed).toMatchObject({ id: 7, path: 'p' });
    resumed.peer.send({ t: 'acquire', id: 7, path: 'p', wait: true });
    expect(await resumed.peer.reply(7)).toEqual({
      t: 'grant',
      id: 7,
      path: 'p',
      token: listed!.token,
    });
  });

  it('a resent waiting acquire makes no second waiter: queued without position, then one grant', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url);
    const { peer: waiter, welcome } = await Peer.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const first = await holder.reply(1);
    waiter.send({ t: 'acquire', id: 5, path: 'p', wait: true });
    await waiter.reply(5);
    await waiter.drop();

    const { peer } = await reconnect(broker.url, welcome);
    peer.send({ t: 'acquire', id: 5, path: 'p', wait: true });
    expect(await peer.reply(5)).toEqual({ t: 'queued', id: 5 });
    holder.send({ t: 'release', id: 2, path: 'p', token: first.token, quiet: true });
    const grant = await peer.reply(5);
    expect(grant).toMatchObject({ t: 'grant', path: 'p' });
    peer.send({ t: 'release', id: 6, path: 'p', token: grant.token });
    expect(await peer.reply(6)).toEqual({ t: 'ok', id: 6 });
    // Had the resend queued a second waiter, it would hold the lock now.
    expect(await freeNow(broker.url, 'p')).toBe(true);
    await peer.sync(7);
    expect(peer.frames).toEqual([]);
  });

  it('a resent granted acquire is answered with the same grant, and grants nothing more', async () => {
    const broker = await startBroker();
    const { peer, welcome } = await Peer.session(broker.url);
    peer.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const grant = await peer.reply(1);
    await peer.drop();

    const resumed = await reconnect(broker.url, welcome);
    resumed.peer.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await resumed.peer.reply(1)).toEqual(grant);
    resumed.peer.send({ t: 'release', id: 2, path: 'p', token: grant.token });
    expect(await resumed.peer.reply(2)).toEqual({ t: 'ok', id: 2 });
    expect(await freeNow(broker.url, 'p')).toBe(true);
  });

  it('closes the older connection of a resumed session with 4001', async () => {
    const broker = await startBroker();
    const { peer: old, welcome } = await Peer.session(broker.url);
    const { peer } = await reconnect(broker.url, welcome);
    const closed: Closed = await old.closedWith();
    expect(closed.code).toBe(CLOSE.replaced);
    await peer.sync(1);
  });

  it('refuses a resume with a wrong secret: SESSION_EXPIRED without id, then 4002', async () => {
    const broker = await startBroker();
    const { welcome } = await Peer.session(broker.url);
    const peer = await Peer.open(broker.url);
    peer.send({
      t: 'hello',
      v: 1,
      session: welcome.session,
      secret: `${welcome.secret as string}x`,
    });
    const error = await peer.next(() => true);
    expect(error).toMatchObject({ t: 'error', code: 'SESSION_EXPIRED' });
    expect(error).not.toHaveProperty('id');
    expect((await peer.closedWith()).code).toBe(CLOSE.protocol);
  });
});
